/**
 * Parser of the VLM-R1 rollout debug log (`DEBUG_MODE=true`, `LOG_PATH=...`).
 *
 * The accuracy reward appends one block per completion:
 *   ------------- {time} Accuracy reward: {r} -------------
 *   accu_reward_method: {m}
 *   image_path: {paths of the batch's first item}
 *   problem: {question of the batch's first item}     (may span lines)
 *   Content: {completion}                             (may span lines)
 *   Solution: {solution}
 * Older VLM-R1 versions write only `Content:` and `Solution:`. The format reward appends
 *   ------------- {time} Format reward -------------
 * followed by `Content: ...` / `Has format: True|False` pairs; with a `.log` LOG_PATH those
 * blocks land in the same file. Every rank appends without locking, so blocks of different
 * ranks interleave (at block boundaries). A block runs from its header to the next header.
 *
 * Lines are split on "\n" only, so a completion keeps its exact text ("\r", blank and
 * whitespace-only lines included): the format reward is sensitive to every character.
 */
import { createReadStream } from "node:fs";
import type { Problem } from "../util/errors.js";
import { assertReadableFile } from "../data/jsonl.js";

export interface AccuracyEntry {
  kind: "accuracy";
  file: string;
  /** Line of the block header. */
  line: number;
  time: string;
  /** The reward the trainer logged, or null when it is not a number. */
  loggedReward: number | null;
  method: string | null;
  /** Raw text after `image_path: ` (Python repr of a list, or `None`); null in old logs. */
  imagePath: string | null;
  problem: string | null;
  content: string;
  solution: string;
}

export interface FormatEntry {
  kind: "format";
  file: string;
  /** Line of the `Content:` that starts this completion. */
  line: number;
  time: string;
  content: string;
  hasFormat: boolean;
}

export interface LogProblem {
  kind: "problem";
  problem: Problem;
}

export type RolloutLogEvent = AccuracyEntry | FormatEntry | LogProblem;

const ACCURACY_HEADER = /^-{13} (\S*) Accuracy reward: (.*?) -{13}$/;
const FORMAT_HEADER = /^-{13} (\S*) Format reward.*-{13}$/;
const HAS_FORMAT = /^Has format: (True|False)$/;
/** A block longer than this is reported and skipped rather than held in memory. */
export const MAX_BLOCK_CHARS = 8 * 1024 * 1024;

/** True when the text starts like a rollout log (a block header), e.g. to tell it from JSONL. */
export function looksLikeRolloutLog(firstLine: string): boolean {
  return ACCURACY_HEADER.test(firstLine) || FORMAT_HEADER.test(firstLine) || /^-{13} /.test(firstLine);
}

interface RawLine {
  text: string;
  line: number;
}

/** Lines split on "\n" only; a final empty piece after the last newline is not a line. */
export async function* readRawLines(file: string): AsyncGenerator<RawLine> {
  await assertReadableFile(file, "a log or JSONL file");
  let pending = "";
  let line = 1;
  for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 }) as AsyncIterable<string>) {
    let start = 0;
    for (let nl = chunk.indexOf("\n"); nl !== -1; nl = chunk.indexOf("\n", start)) {
      const text = pending + chunk.slice(start, nl);
      pending = "";
      yield { text, line: line++ };
      start = nl + 1;
    }
    pending += chunk.slice(start);
  }
  if (pending.length > 0) yield { text: pending, line };
}

/** Streams the entries of a rollout log; malformed blocks become problems, never exceptions. */
export async function* parseRolloutLog(file: string): AsyncGenerator<RolloutLogEvent> {
  let block: RawLine[] | undefined;
  let blockChars = 0;
  let oversized = false;
  let strayStart: number | undefined;
  let strayCount = 0;

  const flushStray = function* (): Generator<RolloutLogEvent> {
    if (strayStart !== undefined) {
      yield {
        kind: "problem",
        problem: { file, line: strayStart, message: `${strayCount} line(s) outside any block (no header above them), skipped` },
      };
      strayStart = undefined;
      strayCount = 0;
    }
  };

  const finishBlock = function* (): Generator<RolloutLogEvent> {
    if (!block) return;
    if (oversized) {
      yield { kind: "problem", problem: { file, line: block[0].line, message: `block longer than ${MAX_BLOCK_CHARS} characters, skipped` } };
    } else {
      yield* parseBlock(file, block);
    }
    block = undefined;
    blockChars = 0;
    oversized = false;
  };

  for await (const raw of readRawLines(file)) {
    if (raw.text.startsWith("-------------") && (ACCURACY_HEADER.test(raw.text) || FORMAT_HEADER.test(raw.text))) {
      yield* flushStray();
      yield* finishBlock();
      block = [raw];
      blockChars = raw.text.length;
      continue;
    }
    if (!block) {
      if (raw.text.trim() === "") continue;
      strayStart ??= raw.line;
      strayCount++;
      continue;
    }
    if (oversized) continue;
    blockChars += raw.text.length + 1;
    if (blockChars > MAX_BLOCK_CHARS) {
      oversized = true;
      block.length = 1;
      continue;
    }
    block.push(raw);
  }
  yield* flushStray();
  yield* finishBlock();
}

function* parseBlock(file: string, lines: RawLine[]): Generator<RolloutLogEvent> {
  const header = lines[0];
  const accuracy = ACCURACY_HEADER.exec(header.text);
  if (accuracy) {
    const entry = parseAccuracyBlock(file, lines, accuracy[1], accuracy[2]);
    if ("error" in entry) yield { kind: "problem", problem: entry.error };
    else yield entry;
    return;
  }
  const time = FORMAT_HEADER.exec(header.text)?.[1] ?? "";
  yield* parseFormatBlock(file, lines, time);
}

function parseAccuracyBlock(file: string, lines: RawLine[], time: string, rewardText: string): AccuracyEntry | { error: Problem } {
  const header = lines[0];
  const body = lines.slice(1);
  const fail = (message: string) => ({ error: { file, line: header.line, message } });
  let i = 0;
  const takeField = (name: string): string | null => {
    if (i < body.length && body[i].text.startsWith(`${name}: `)) return body[i++].text.slice(name.length + 2);
    if (i < body.length && body[i].text === `${name}:`) {
      i++;
      return "";
    }
    return null;
  };
  const method = takeField("accu_reward_method");
  const imagePath = takeField("image_path");
  let problem: string | null = null;
  if (i < body.length && body[i].text.startsWith("problem: ")) {
    const start = i;
    const contentAt = body.findIndex((l, k) => k > start && l.text.startsWith("Content: "));
    if (contentAt === -1) return fail("accuracy block has no `Content:` line after `problem:` (a block cut off or interleaved mid-block)");
    problem = [body[start].text.slice("problem: ".length), ...body.slice(start + 1, contentAt).map((l) => l.text)].join("\n");
    i = contentAt;
  }
  if (i >= body.length || !body[i].text.startsWith("Content: ")) {
    return fail(`accuracy block: expected \`Content:\` at line ${body[i]?.line ?? header.line + 1}, found ${describe(body[i]?.text)}`);
  }
  const contentAt = i;
  const solutionAt = findLast(body, (l) => l.text.startsWith("Solution: ") || l.text === "Solution:");
  if (solutionAt <= contentAt) return fail("accuracy block has no `Solution:` line after `Content:` (a block cut off or interleaved mid-block)");
  const content = [body[contentAt].text.slice("Content: ".length), ...body.slice(contentAt + 1, solutionAt).map((l) => l.text)].join("\n");
  const solution = [body[solutionAt].text.replace(/^Solution: ?/, ""), ...body.slice(solutionAt + 1).map((l) => l.text)]
    .join("\n")
    // Blank lines after the solution only separate blocks (some variants write one); the
    // ground truth is trimmed anyway.
    .replace(/\n+$/, "");
  const reward = Number(rewardText.trim());
  return {
    kind: "accuracy",
    file,
    line: header.line,
    time,
    loggedReward: rewardText.trim() !== "" && Number.isFinite(reward) ? reward : null,
    method,
    imagePath,
    problem,
    content,
    solution,
  };
}

function* parseFormatBlock(file: string, lines: RawLine[], time: string): Generator<RolloutLogEvent> {
  let content: string[] | undefined;
  let contentLine = 0;
  for (let k = 1; k < lines.length; k++) {
    const { text, line } = lines[k];
    if (content) {
      const has = HAS_FORMAT.exec(text);
      if (has) {
        yield { kind: "format", file, line: contentLine, time, content: content.join("\n"), hasFormat: has[1] === "True" };
        content = undefined;
      } else {
        content.push(text);
      }
    } else if (text.startsWith("Content: ")) {
      content = [text.slice("Content: ".length)];
      contentLine = line;
    }
    // Other lines between pairs (extra fields some variants write) carry nothing to rescore.
  }
  if (content) {
    yield {
      kind: "problem",
      problem: { file, line: contentLine, message: "format block: `Content:` without a `Has format:` line (a block cut off or interleaved mid-block)" },
    };
  }
}

function findLast<T>(items: T[], predicate: (item: T) => boolean): number {
  for (let k = items.length - 1; k >= 0; k--) if (predicate(items[k])) return k;
  return -1;
}

function describe(text: string | undefined): string {
  if (text === undefined) return "the end of the block";
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(shown);
}
