/** Trainer targets of `plugin build` (no imports: the CLI lists them as option choices at start-up). */
export const PLUGIN_TARGETS = ["vlm-r1", "facial-r1", "trl", "verl", "easyr1", "openrlhf"] as const;
export type PluginTarget = (typeof PLUGIN_TARGETS)[number];
