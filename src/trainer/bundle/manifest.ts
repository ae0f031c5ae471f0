import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { invalidInput } from "../../util/errors.js";
import { TRAINER_TARGETS } from "../../schema/run-config.js";
import { stableStringify, writeFileAtomic } from "../../util/fs.js";

/**
 * manifest.json of a run bundle: what was planned (the resolved config), from what (content
 * hashes of every input file), into what (hashes of every file of the bundle), by which tool,
 * and the plan's arithmetic. Launch, status and pull read it.
 */
export const BUNDLE_FORMAT = "facial-r1-run-bundle/1";
export const MANIFEST_FILE = "manifest.json";

const HashedFileSchema = z.looseObject({
  path: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
});

export const RunManifestSchema = z.looseObject({
  format: z.literal(BUNDLE_FORMAT),
  tool: z.looseObject({ name: z.string(), version: z.string() }),
  name: z.string(),
  stage: z.enum(["sft", "grpo", "grpo-task"]),
  trainer: z.enum(TRAINER_TARGETS),
  config: z.record(z.string(), z.unknown()),
  config_file: HashedFileSchema,
  inputs: z.array(HashedFileSchema.extend({ role: z.string(), records: z.number().int().optional(), selected: z.number().int().optional() })),
  image_folders: z.array(z.looseObject({ path: z.string(), images_checked: z.number().int() })),
  outputs: z.array(HashedFileSchema),
  scripts: z.looseObject({ train: z.string(), eval: z.string() }),
  arithmetic: z.record(z.string(), z.unknown()),
  memory: z.record(z.string(), z.unknown()).optional(),
  preflight: z.looseObject({ errors: z.number().int(), warnings: z.number().int(), tokens: z.string() }),
  notes: z.array(z.string()),
  /** The trainer sources the bundle's files were checked against. */
  checked_against: z.record(z.string(), z.looseObject({ repo: z.string(), commit: z.string(), read: z.string() })).optional(),
});

export type RunManifest = z.infer<typeof RunManifestSchema>;
export type HashedFile = z.infer<typeof HashedFileSchema>;

export async function writeManifest(dir: string, manifest: RunManifest): Promise<void> {
  await writeFileAtomic(join(dir, MANIFEST_FILE), `${stableStringify(manifest)}\n`);
}

export async function readManifest(dir: string): Promise<RunManifest> {
  const file = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw invalidInput("not a run bundle (no manifest.json); create one with facial-r1 plan", { file: dir });
  }
  const parsed = RunManifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw invalidInput(`invalid manifest: ${parsed.error.issues[0]?.message}`, { file });
  return parsed.data;
}
