/** Seed of `sampleDataset` (and `facial-r1 data sample`) when none is given. */
export const DEFAULT_SAMPLE_SEED = 42;
