/** Every source `--from` accepts, in the order the CLI lists them (no imports: read at CLI start-up). */
export const CONVERTER_NAMES = ["fer2013", "rafdb", "affectnet", "disfa", "bp4d", "rafau", "fea20k"] as const;
export type ConverterName = (typeof CONVERTER_NAMES)[number];
