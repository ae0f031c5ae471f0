import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { cachedModelDir, looksLikeHubId } from "../hub/model-id.js";
import { pathExists } from "../util/fs.js";

/**
 * Token counting with the model's own tokenizer, loaded offline from the model directory
 * (tokenizer.json + tokenizer_config.json) through @huggingface/transformers, imported only
 * here and only when a model directory is present. Without one, counts are estimated from
 * characters and say so.
 */
export interface TokenCounter {
  /** "tokenizer" when the model's tokenizer was loaded, else "estimate". */
  source: "tokenizer" | "estimate";
  /** Where the tokenizer came from, or why counts are estimated. */
  detail: string;
  count(text: string): number;
}

/** Characters per token used when no tokenizer is available (typical for English BPE). */
export const CHARS_PER_TOKEN_ESTIMATE = 3.5;
const CACHE_LIMIT = 50_000;

export async function loadTokenCounter(modelPath: string, baseDir: string): Promise<TokenCounter> {
  const local = resolve(baseDir, modelPath);
  const hubId = looksLikeHubId(modelPath) && !(await pathExists(local)) ? modelPath : undefined;
  const dir = (hubId ? await hubCacheSnapshot(hubId) : undefined) ?? local;
  const present = await Promise.all(["tokenizer.json", "tokenizer_config.json"].map((f) => pathExists(join(dir, f))));
  if (!present.every(Boolean)) {
    const estimated = `token counts are estimated at ${CHARS_PER_TOKEN_ESTIMATE} characters per token`;
    if (hubId) return estimateCounter(`no local tokenizer for the Hub id ${hubId}; looked in the HF cache ${cachedModelDir(hubId)} (facial-r1 hub pull-model ${hubId} --allow 'tokenizer*' fetches it); ${estimated}`);
    return estimateCounter(`no tokenizer.json + tokenizer_config.json in ${dir}; ${estimated}`);
  }
  const { AutoTokenizer, env } = await import("@huggingface/transformers");
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  let tokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  } catch (err) {
    return estimateCounter(`cannot load the tokenizer in ${dir} (${(err as Error).message}); token counts are estimated`);
  }
  return cached({
    source: "tokenizer",
    detail: `tokenizer from ${dir}`,
    count: (text) => tokenizer.encode(text, { add_special_tokens: false }).length,
  });
}

export function estimateCounter(detail: string): TokenCounter {
  return { source: "estimate", detail, count: (text) => Math.ceil(text.length / CHARS_PER_TOKEN_ESTIMATE) };
}

/** Questions repeat across records: remember recent counts. */
function cached(counter: TokenCounter): TokenCounter {
  const memo = new Map<string, number>();
  return {
    ...counter,
    count(text) {
      const hit = memo.get(text);
      if (hit !== undefined) return hit;
      const n = counter.count(text);
      if (memo.size >= CACHE_LIMIT) memo.clear();
      memo.set(text, n);
      return n;
    },
  };
}

/**
 * For a Hub id ("Qwen/Qwen2.5-VL-7B-Instruct") that is not a local directory, its snapshot in
 * the Hugging Face cache (HF_HUB_CACHE, HF_HOME/hub or ~/.cache/huggingface/hub): the one
 * refs/main points at, else any snapshot holding a tokenizer.json.
 */
async function hubCacheSnapshot(hubId: string): Promise<string | undefined> {
  const repo = cachedModelDir(hubId);
  const snapshots = join(repo, "snapshots");
  const main = (await readFile(join(repo, "refs", "main"), "utf8").catch(() => "")).trim();
  if (main && (await pathExists(join(snapshots, main, "tokenizer.json")))) return join(snapshots, main);
  let entries: string[];
  try {
    entries = await readdir(snapshots);
  } catch {
    return undefined;
  }
  for (const entry of entries.sort()) {
    if (await pathExists(join(snapshots, entry, "tokenizer.json"))) return join(snapshots, entry);
  }
  return undefined;
}
