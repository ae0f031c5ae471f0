import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { sha256, stableStringify, writeFileAtomic } from "../util/fs.js";

/**
 * Content-addressed store of judgements: the key is the sha256 of everything that decides the
 * answer (judge model, prompt version, reference, candidate), so the same pair is never paid
 * for twice, across runs, files and batch/online modes. Only valid judgements are stored.
 */
export const CachedJudgementSchema = z.object({
  score: z.number().int().min(1).max(10),
  reason: z.string(),
  model: z.string(),
  prompt_version: z.string(),
});

export type CachedJudgement = z.infer<typeof CachedJudgementSchema>;

export interface JudgeKeyParams {
  model: string;
  promptVersion: string;
  reference: string;
  candidate: string;
}

export function judgeCacheKey(params: JudgeKeyParams): string {
  return sha256(
    stableStringify({ model: params.model, prompt_version: params.promptVersion, reference: params.reference, candidate: params.candidate }, 0),
  );
}

/** `$FACIAL_R1_JUDGE_CACHE`, else `$XDG_CACHE_HOME/facial-r1/judge`, else `~/.cache/facial-r1/judge`. */
export function defaultJudgeCacheDir(): string {
  if (process.env.FACIAL_R1_JUDGE_CACHE) return process.env.FACIAL_R1_JUDGE_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "facial-r1", "judge");
}

/** On disk when given a folder; always also in memory (so batch results reach the output without one). */
export class JudgeCache {
  private readonly memory = new Map<string, CachedJudgement>();
  /** Keys judged by a request of this run (not answered by an earlier run's cache). */
  private readonly judgedNow = new Set<string>();

  constructor(readonly dir?: string) {}

  async get(key: string): Promise<CachedJudgement | undefined> {
    const held = this.memory.get(key);
    if (held || !this.dir) return held;
    let text: string;
    try {
      text = await readFile(this.pathOf(key), "utf8");
    } catch {
      return undefined;
    }
    try {
      const parsed = CachedJudgementSchema.safeParse(JSON.parse(text));
      if (!parsed.success) return undefined;
      this.memory.set(key, parsed.data);
      return parsed.data;
    } catch {
      // A damaged entry is simply judged again (and rewritten).
      return undefined;
    }
  }

  /** Whether `key` was judged by a request of this run, rather than read from an earlier run's cache. */
  isFresh(key: string): boolean {
    return this.judgedNow.has(key);
  }

  async put(key: string, value: CachedJudgement): Promise<void> {
    this.memory.set(key, value);
    this.judgedNow.add(key);
    if (this.dir) await writeFileAtomic(this.pathOf(key), `${JSON.stringify(value)}\n`);
  }

  private pathOf(key: string): string {
    return join(this.dir!, key.slice(0, 2), `${key}.json`);
  }
}
