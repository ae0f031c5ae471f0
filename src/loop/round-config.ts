import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parse, stringify } from "yaml";
import { invalidInput } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";

/**
 * The run config of one round: the loop's run config with the round's data version as its only
 * training file, a run name of its own, and (with `model_from: previous`) the round before's
 * checkpoint as the model. Written to `rounds/<k>/run.yaml` with absolute paths, so it plans
 * the same from anywhere.
 */
export interface RoundConfigParams {
  /** The loop's run config file (the template). */
  template: string;
  round: number;
  /** The round's training data (data version k) and its image folder. */
  data: string;
  images: string;
  /** The model to start from instead of the template's. */
  model?: string;
  out: string;
}

export async function writeRoundConfig(params: RoundConfigParams): Promise<string> {
  let doc: Record<string, unknown>;
  try {
    doc = parse(await readFile(params.template, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw invalidInput(`cannot read the run config: ${(err as Error).message}`, { file: params.template });
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw invalidInput("not a run config (a YAML mapping)", { file: params.template });
  const base = dirname(resolve(params.template));
  const localPath = (path: unknown): unknown => {
    if (typeof path !== "string" || isAbsolute(path)) return path;
    const abs = resolve(base, path);
    return existsSync(abs) ? abs : path;
  };
  const firstEntry = Array.isArray(doc.datasets) && typeof doc.datasets[0] === "object" ? (doc.datasets[0] as Record<string, unknown>) : {};
  const model = (doc.model ?? {}) as Record<string, unknown>;
  const evalSection = (doc.eval ?? {}) as { datasets?: Record<string, unknown>[] };
  const rendered = {
    ...doc,
    name: `${String(doc.name ?? "loop")}-round-${params.round}`,
    model: { ...model, path: params.model ?? localPath(model.path) },
    datasets: [{ ...firstEntry, file: resolve(params.data), images: resolve(params.images) }],
    ...(evalSection.datasets
      ? { eval: { ...evalSection, datasets: evalSection.datasets.map((d) => ({ ...d, file: localPath(d.file), images: localPath(d.images) })) } }
      : {}),
  };
  const file = join(params.out, "run.yaml");
  const header = `# Round ${params.round} of the loop: ${params.template} with the round's data version.\n`;
  await writeFileAtomic(file, header + stringify(rendered));
  return file;
}
