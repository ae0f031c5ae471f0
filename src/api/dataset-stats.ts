import { z } from "zod";
import { collectStats, toFrequencyMap, writeStatsReport, type FileStats, type FrequencyMap } from "../data/stats.js";
import { parseOptions, PROBLEM_FIELDS, RUN_FIELDS, runWith, sameShape, type ProblemOptions, type RunOptions } from "./options.js";

export type { FileStats, FrequencyMap };
export { formatStatsTable } from "../data/stats.js";

/** Options of {@link datasetStats}. */
export interface DatasetStatsOptions extends RunOptions, ProblemOptions {
  files: string[];
  /** The frequency map to write (merged into when it exists), e.g. the fork's open_r1/configs/config.json. */
  out?: string;
}

/** Result of {@link datasetStats}. */
export interface DatasetStats {
  /** Per file: records counted and skipped, AU and label counts. */
  files: FileStats[];
  /** The per-file frequency map of these files (fractions rounded to 4 decimals). */
  frequencies: FrequencyMap;
  /** With `out`: whether earlier entries of the file were kept next to these. */
  merged?: boolean;
}

const Schema = z.strictObject({
  files: z.array(z.string().min(1)).min(1),
  out: z.string().min(1).optional(),
  ...RUN_FIELDS,
  ...PROBLEM_FIELDS,
});
sameShape<z.input<typeof Schema>, DatasetStatsOptions>(true);

/** AU and label frequencies per file, as the Facial-R1 fork reads them (keyed by basename). */
export async function datasetStats(options: DatasetStatsOptions): Promise<DatasetStats> {
  const o = parseOptions("datasetStats", Schema, options);
  return runWith(o, async () => {
    if (o.out === undefined) {
      const files = await collectStats(o.files, { onProblem: o.onProblem });
      return { files, frequencies: toFrequencyMap(files) };
    }
    const { stats, merged } = await writeStatsReport({ files: o.files, out: o.out, onProblem: o.onProblem });
    return { files: stats, frequencies: toFrequencyMap(stats), merged };
  });
}
