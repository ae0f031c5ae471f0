/**
 * Why a completion fails the `<think>...</think>\s*<answer>...</answer>` full-match format
 * reward. A failed completion gets every kind that applies (a truncated completion is both
 * `missing_answer_close` and, if it never closed its reasoning, `missing_think_close`), so the
 * counts tell which fix helps most. Diagnostics only: the reward itself is the scorer's.
 */
export const FORMAT_FAILURE_KINDS = {
  empty: "the completion is empty or only whitespace",
  uppercase_tags: "tags in the wrong case (<Think>, <ANSWER>, ...): the tags are case-sensitive",
  missing_think: "no <think> tag",
  missing_think_close: "<think> is never closed with </think>",
  missing_answer: "no <answer> tag",
  missing_answer_close: "<answer> is never closed with </answer> (often a completion cut at max_completion_length)",
  whitespace_before_think: "whitespace before <think> (a full match allows none)",
  text_before_think: "text before <think>",
  whitespace_after_answer: "whitespace after </answer> (a full match allows none)",
  text_after_answer: "text after the last </answer>",
  text_between_blocks: "text other than whitespace between </think> and <answer>",
  answer_before_think: "the answer block comes before the think block",
  several_answers: "more than one <answer> block",
  several_thinks: "more than one <think> block",
  other: "none of the known causes",
} as const;

export type FormatFailureKind = keyof typeof FORMAT_FAILURE_KINDS;

const TAGS = ["<think>", "</think>", "<answer>", "</answer>"] as const;
const WRONG_CASE_TAG = /<\/?(think|answer)>/gi;

function count(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

function isWhitespace(text: string): boolean {
  return /^\s*$/.test(text);
}

/** The causes of a format failure, in a stable order; `["other"]` when none is recognised. */
export function classifyFormatFailure(completion: string): FormatFailureKind[] {
  if (isWhitespace(completion)) return ["empty"];
  const kinds: FormatFailureKind[] = [];
  for (const match of completion.matchAll(WRONG_CASE_TAG)) {
    if (!(TAGS as readonly string[]).includes(match[0])) {
      kinds.push("uppercase_tags");
      break;
    }
  }
  const thinkOpen = completion.indexOf("<think>");
  const thinkClose = completion.indexOf("</think>");
  const answerOpen = completion.indexOf("<answer>");
  const answerClose = completion.lastIndexOf("</answer>");

  if (thinkOpen === -1) kinds.push("missing_think");
  else if (thinkClose === -1 || thinkClose < thinkOpen) kinds.push("missing_think_close");
  if (answerOpen === -1) kinds.push("missing_answer");
  else if (answerClose === -1 || answerClose < answerOpen) kinds.push("missing_answer_close");

  const reversed = thinkOpen !== -1 && answerOpen !== -1 && answerOpen < thinkOpen;
  if (reversed) {
    // Text before <think> and after </answer> is then the other block: one cause, not three.
    kinds.push("answer_before_think");
  } else {
    if (thinkOpen > 0) {
      kinds.push(isWhitespace(completion.slice(0, thinkOpen)) ? "whitespace_before_think" : "text_before_think");
    }
    if (answerClose !== -1) {
      const tail = completion.slice(answerClose + "</answer>".length);
      if (tail.length > 0) kinds.push(isWhitespace(tail) ? "whitespace_after_answer" : "text_after_answer");
    }
    if (thinkClose !== -1 && answerOpen > thinkClose && !isWhitespace(completion.slice(thinkClose + "</think>".length, answerOpen))) {
      kinds.push("text_between_blocks");
    }
  }
  if (count(completion, "<answer>") > 1) kinds.push("several_answers");
  if (count(completion, "<think>") > 1) kinds.push("several_thinks");
  return kinds.length > 0 ? kinds : ["other"];
}

/** Tally of failure kinds with one short example each. */
export class FormatFailureTally {
  failed = 0;
  private readonly counts = new Map<FormatFailureKind, number>();
  private readonly examples = new Map<FormatFailureKind, { text: string; where?: string }>();

  add(completion: string, where?: string): FormatFailureKind[] {
    const kinds = classifyFormatFailure(completion);
    this.failed++;
    for (const kind of kinds) {
      this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
      if (!this.examples.has(kind)) this.examples.set(kind, { text: excerpt(completion), ...(where ? { where } : {}) });
    }
    return kinds;
  }

  /** Most common first; `share` is the fraction of failed completions showing that cause. */
  ranked(): { kind: FormatFailureKind; count: number; share: number; meaning: string; example: { text: string; where?: string } }[] {
    return [...this.counts.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([kind, n]) => ({
        kind,
        count: n,
        share: this.failed > 0 ? n / this.failed : 0,
        meaning: FORMAT_FAILURE_KINDS[kind],
        example: this.examples.get(kind)!,
      }));
  }
}

function excerpt(text: string, max = 160): string {
  const flat = JSON.stringify(text).slice(1, -1);
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
