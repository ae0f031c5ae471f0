/** Seed of `data sample` when none is given (no imports: shown in the CLI help). */
export const DEFAULT_SAMPLE_SEED = 42;
