import { firstSingleLineAnswer } from "./tags.js";

/** Ground truth of one completion: dataset columns, any of which may be missing or malformed. */
export interface Truth {
  AUs?: unknown;
  labels?: unknown;
  solution?: unknown;
}

const present = (value: unknown): boolean => value !== undefined && value !== null;

/**
 * The raw ground-truth label: `labels[0]` when the `labels` column is present (a label column
 * that is not a list starting with a string counts as an empty label); otherwise the
 * `solution` string: its first single-line `<answer>…</answer>` content, else all of it.
 * Undefined when neither column is there.
 */
export function truthLabel(truth: Truth): string | undefined {
  if (present(truth.labels)) {
    const labels = truth.labels;
    return Array.isArray(labels) && typeof labels[0] === "string" ? labels[0] : "";
  }
  if (typeof truth.solution === "string") return firstSingleLineAnswer(truth.solution) ?? truth.solution;
  return undefined;
}

/**
 * Ground-truth AU entries: the string items of the `AUs` column when present (anything that
 * is not a list counts as an empty list; non-string items are ignored). Otherwise `{ text }`:
 * the `solution` string, whose AU tokens stand in. Undefined when neither column is there.
 */
export function truthAUs(truth: Truth): { list: string[] } | { text: string } | undefined {
  if (present(truth.AUs)) {
    const aus = truth.AUs;
    return { list: Array.isArray(aus) ? aus.filter((a): a is string => typeof a === "string") : [] };
  }
  if (typeof truth.solution === "string") return { text: truth.solution };
  return undefined;
}

/**
 * The text of a completion: a string, or a message list whose scored message is the LAST one
 * with role "assistant" (multi-turn and tool-calling trainers such as TRL put the final answer
 * there; VLM-R1 and the fork send a single message), or the last message when none has that
 * role. Its content is a string or a list of `{"type": "text", "text"}` parts (concatenated).
 * Anything else is not a completion: undefined.
 */
export function completionText(completion: unknown): string | undefined {
  if (typeof completion === "string") return completion;
  if (!Array.isArray(completion) || completion.length === 0) return undefined;
  const message: unknown = scoredMessage(completion);
  if (message === null || typeof message !== "object" || Array.isArray(message)) return undefined;
  const content = (message as { content?: unknown }).content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  let text = "";
  for (const part of content) {
    if (part === null || typeof part !== "object" || Array.isArray(part)) return undefined;
    const { type, text: partText } = part as { type?: unknown; text?: unknown };
    if (type !== "text") continue;
    if (typeof partText !== "string") return undefined;
    text += partText;
  }
  return text;
}

function scoredMessage(messages: readonly unknown[]): unknown {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m !== null && typeof m === "object" && (m as { role?: unknown }).role === "assistant") return m;
  }
  return messages[messages.length - 1];
}
