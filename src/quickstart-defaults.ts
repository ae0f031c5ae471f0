/** Output folder of `facial-r1 quickstart` when --out is not given (no imports: shown in the CLI help). */
export const DEFAULT_QUICKSTART_OUT = "quickstart-output";
