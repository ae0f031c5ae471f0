// Builds tests/fixtures/reward-vectors.jsonl: reward test vectors from the spec's edge cases,
// with expected values computed by the TypeScript scorer. Every emitted Python plugin must
// reproduce them bit for bit (tests/plugins/parity.test.ts).
//
//   node --import tsx scripts/generate-reward-vectors.ts [--check]
//
// Deterministic (seeded); --check exits 1 when the checked-in file differs from a fresh build.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { REWARD_PRESETS, RewardSpecSchema, type RewardSpec } from "../src/schema/reward-spec.js";
import { scoreCompletion } from "../src/rewards/score.js";

export const VECTOR_FILE = join(resolve(import.meta.dirname, ".."), "tests", "fixtures", "reward-vectors.jsonl");

/** The specs vectors are scored under, by name. */
export const VECTOR_SPECS: Readonly<Record<string, RewardSpec>> = {
  "facial-r1": REWARD_PRESETS["facial-r1"],
  normalized: REWARD_PRESETS.normalized,
  weighted: RewardSpecSchema.parse({ weights: { format: 0.5, accuracy: 2, au: 1.5 }, beta: 0.5, clamp: [-1, 2.5] }),
  "weighted-normalized": RewardSpecSchema.parse({
    preset: "normalized",
    weights: { format: 0.1, accuracy: 0.7, au: 0.3 },
    beta: 2,
    labels: { happiness: ["happy", "glad"], "Sadness": ["sad", "Down Cast"] },
  }),
};

export interface RewardVector {
  id: string;
  spec: string;
  /**
   * Tags: "unicode" = python3's own Unicode tables (str.upper, or \d and IGNORECASE in the
   * literal oracle) give this result only on CPython 3.11 (Unicode 14); "slow-regex" = skip the
   * literal-regex oracle (quadratic backtracking).
   */
  tags?: string[];
  completion: unknown;
  AUs?: unknown;
  labels?: unknown;
  solution?: unknown;
  expected: { format: number; accuracy: number; au: number; total: number };
}

type Case = Omit<RewardVector, "id" | "spec" | "expected"> & { name: string };

const OK = "<think>Brows lowered (AU4), lids tightened (AU7).</think>\n<answer>anger</answer>";

function c(name: string, completion: unknown, truth: { AUs?: unknown; labels?: unknown; solution?: unknown } = {}, tags?: string[]): Case {
  const out: Case = { name, completion, ...truth };
  if (tags) out.tags = tags;
  return out;
}

const ANGER = { AUs: ["AU4", "AU7"], labels: ["anger"] };
const HAPPY = { AUs: ["AU6", "AU12"], labels: ["happiness"] };

/** Hand-written cases: every quirk of the spec and every JS/Python difference. */
function edgeCases(): Case[] {
  const ws = (name: string, sep: string, tags?: string[]) =>
    c(`format-sep-${name}`, `<think>AU4 AU7</think>${sep}<answer>anger</answer>`, ANGER, tags);
  const strip = (name: string, pad: string) => c(`strip-${name}`, `<think>AU4</think><answer>${pad}anger${pad}</answer>`, ANGER);
  const digit = (name: string, d: string, gt: string[] = ["AU4"], tags?: string[]) =>
    c(`digit-${name}`, `<think>the brow (AU${d}) is lowered</think><answer>anger</answer>`, { AUs: gt, labels: ["anger"] }, tags);
  return [
    // format: the full match and its lazy groups
    c("format-ok", OK, ANGER),
    c("format-min", "<think></think><answer></answer>", ANGER),
    c("format-no-sep", "<think>AU4</think><answer>anger</answer>", ANGER),
    c("format-leading-space", ` ${OK}`, ANGER),
    c("format-leading-newline", `\n${OK}`, ANGER),
    c("format-trailing-newline", `${OK}\n`, ANGER),
    c("format-trailing-space", `${OK} `, ANGER),
    c("format-text-before", `Sure! ${OK}`, ANGER),
    c("format-text-after", `${OK} Done.`, ANGER),
    c("format-text-between", "<think>AU4</think> so <answer>anger</answer>", ANGER),
    c("format-two-answers", "<think>AU4</think><answer>fear</answer><answer>anger</answer>", ANGER),
    c("format-two-thinks", "<think>AU1</think><think>AU4</think><answer>anger</answer>", ANGER),
    c("format-nested-think", "<think><think>AU4</think>AU7</think><answer>anger</answer>", ANGER),
    c("format-nested-answer", "<think>AU4</think><answer><answer>anger</answer></answer>", ANGER),
    c("format-answer-first", "<answer>anger</answer><think>AU4</think>", ANGER),
    c("format-upper-tags", "<THINK>AU4</THINK><ANSWER>anger</ANSWER>", ANGER),
    c("format-mixed-tags", "<Think>AU4</Think>\n<Answer>anger</Answer>", ANGER),
    c("format-unclosed-think", "<think>AU4 AU7 <answer>anger</answer>", ANGER),
    c("format-unclosed-answer", "<think>AU4 AU7</think><answer>anger", ANGER),
    c("format-only-think", "<think>AU4 AU7</think>", ANGER),
    c("format-overlap", "<think></answer>", ANGER),
    c("format-think-close-only", "</think><answer>anger</answer>", ANGER),
    c("format-stray-close", "<think>a</think>x</think>\n<answer>anger</answer>", ANGER),
    c("format-late-close", "<think>a</think>x</think> \t\n<answer>anger</answer>", ANGER),
    c("format-answer-in-think", "<think>a<answer>b</answer></think><answer>anger</answer>", ANGER),
    c("format-empty-answer-tail", "<think></think><answer></answer></answer>", ANGER),
    c("format-space-in-tag", "<think >AU4</think><answer>anger</answer>", ANGER),
    c("format-multiline", "<think>line one\nline two\r\nline three\u2028four\u2029five</think>\n\n<answer>\nanger\n</answer>", ANGER),
    ws("spaces", "   \t \n"),
    ws("vt-ff", "\v\f"),
    ws("cr", "\r\n"),
    ws("x1c", "\x1c"),
    ws("x1d", "\x1d"),
    ws("x1e", "\x1e"),
    ws("x1f", "\x1f"),
    ws("nel", "\x85"),
    ws("nbsp", "\xa0"),
    ws("ogham", "\u1680"),
    ws("en-quad", "\u2000"),
    ws("hair", "\u200a"),
    ws("line-sep", "\u2028"),
    ws("para-sep", "\u2029"),
    ws("narrow-nbsp", "\u202f"),
    ws("math-space", "\u205f"),
    ws("ideographic", "\u3000"),
    ws("bom", "\ufeff"),
    ws("zwsp", "\u200b"),
    ws("mongolian-vs", "\u180e"),
    ws("x00", "\x00"),
    // accuracy: extraction, trimming, exact equality
    strip("space", "  "),
    strip("newline", "\n"),
    strip("x1c", "\x1c"),
    strip("x1f", "\x1f"),
    strip("nel", "\x85"),
    strip("nbsp", "\xa0"),
    strip("ideographic", "\u3000"),
    strip("bom", "\ufeff"),
    strip("zwsp", "\u200b"),
    c("acc-case", "<think>AU4</think><answer>Anger</answer>", ANGER),
    c("acc-upper", "<think>AU4</think><answer>ANGER</answer>", ANGER),
    c("acc-period", "<think>AU4</think><answer>anger.</answer>", ANGER),
    c("acc-quoted", '<think>AU4</think><answer>"anger"</answer>', ANGER),
    c("acc-synonym", "<think>AU4</think><answer>angry</answer>", ANGER),
    c("acc-synonym-case", "<think>AU6 AU12</think><answer>Happy!</answer>", HAPPY),
    c("acc-joy", "<think>AU6 AU12</think><answer>joy</answer>", HAPPY),
    c("acc-two-words", "<think>AU6</think><answer>happiness, surprise</answer>", HAPPY),
    c("acc-inner-spaces", "<think>AU6</think><answer>ha  ppiness</answer>", HAPPY),
    c("acc-fullwidth-punct", "<think>AU6</think><answer>happiness\u3002</answer>", HAPPY),
    c("acc-curly-quotes", "<think>AU6</think><answer>\u201chappiness\u201d</answer>", HAPPY),
    c("acc-last-answer", "<think>AU4</think><answer>fear</answer> wait <answer>anger</answer>", ANGER),
    c("acc-first-answer-right", "<think>AU4</think><answer>anger</answer><answer>fear</answer>", ANGER),
    c("acc-nested-open", "<think>AU4</think><answer>x<answer>anger</answer>", ANGER),
    c("acc-unclosed-last", "<answer>anger</answer><answer>fear", ANGER),
    c("acc-no-tags", "anger", ANGER),
    c("acc-no-tags-padded", "  anger\n", ANGER),
    c("acc-no-tags-sentence", "The emotion is anger.", ANGER),
    c("acc-upper-answer-tags", "<think>AU4</think><ANSWER>anger</ANSWER>", ANGER),
    c("acc-multiline-answer", "<think>AU4</think><answer>\n  anger \n</answer>", ANGER),
    c("acc-empty-answer", "<think>AU4</think><answer></answer>", ANGER),
    c("acc-empty-completion", "", ANGER),
    c("acc-whitespace-completion", " \n\t", ANGER),
    c("acc-gt-tags", "<think>AU4</think><answer>anger</answer>", { AUs: ["AU4"], labels: ["<answer> anger </answer>"] }),
    c("acc-gt-double-tags", "<think>AU4</think><answer>anger</answer>", { AUs: ["AU4"], labels: ["<answer><answer>anger</answer></answer>"] }),
    c("acc-gt-broken-tags", "<think>AU4</think><answer>anger</answer>", { AUs: ["AU4"], labels: ["</<answer>answer>anger"] }),
    c("acc-gt-empty", "<think>AU4</think><answer>anger</answer>", { AUs: ["AU4"], labels: [""] }),
    c("acc-gt-blank", "<think>AU4</think><answer>anger</answer>", { AUs: ["AU4"], labels: [" \u3000\x85"] }),
    c("acc-gt-only-tags", "<think>AU4</think><answer></answer>", { AUs: ["AU4"], labels: ["<answer></answer>"] }),
    c("acc-gt-bom", "<think>AU4</think><answer>anger</answer>", { AUs: ["AU4"], labels: ["\ufeffanger"] }),
    c("acc-gt-second-label", "<think>AU4</think><answer>fear</answer>", { AUs: ["AU4"], labels: ["anger", "fear"] }),
    c("acc-gt-answer-word", "<think>AU4</think><answer>answer</answer>", { AUs: ["AU4"], labels: ["answer"] }),
    c("acc-gt-upper", "<think>AU4</think><answer>anger</answer>", { AUs: ["AU4"], labels: ["ANGER"] }),
    c("acc-gt-synonym", "<think>AU4</think><answer>anger</answer>", { AUs: ["AU4"], labels: ["Angry"] }),
    c("acc-unknown-word", "<think>AU4</think><answer>Bemused</answer>", { AUs: ["AU4"], labels: ["bemused"] }),
    c("acc-non-ascii-case", "<think>AU4</think><answer>\u00c9motion</answer>", { AUs: ["AU4"], labels: ["\u00e9motion"] }),
    c("acc-sharp-s", "<think>AU4</think><answer>STRASSE</answer>", { AUs: ["AU4"], labels: ["stra\u00dfe"] }),
    c("acc-dotless-i", "<think>AU4</think><answer>\u0130ZMIR</answer>", { AUs: ["AU4"], labels: ["izmir"] }),
    c("acc-chinese", "<think>AU6</think><answer>\u5feb\u4e50</answer>", { AUs: ["AU6"], labels: ["\u5feb\u4e50"] }),
    c("acc-emoji", "<think>AU6</think><answer>happiness \ud83d\ude00</answer>", HAPPY),
    c("acc-lone-surrogate", "<think>AU6</think><answer>\ud800happiness</answer>", { AUs: ["AU6"], labels: ["\ud800happiness"] }),
    // AU: extraction from the first think block, upper-casing, token spelling
    c("au-exact", "<think>AU6 and AU12</think><answer>happiness</answer>", HAPPY),
    c("au-lower", "<think>au6 and au12</think><answer>happiness</answer>", HAPPY),
    c("au-mixed-case", "<think>Au6 and aU12</think><answer>happiness</answer>", HAPPY),
    c("au-spaced", "<think>AU 6 and AU 12</think><answer>happiness</answer>", HAPPY),
    c("au-dash", "<think>AU-6, AU_12</think><answer>happiness</answer>", HAPPY),
    c("au-zero-padded", "<think>AU06 and AU012</think><answer>happiness</answer>", HAPPY),
    c("au-zero-padded-truth", "<think>AU6 and AU12</think><answer>happiness</answer>", { AUs: ["AU06", "au12"], labels: ["happiness"] }),
    c("au-12-vs-1", "<think>AU12</think><answer>happiness</answer>", { AUs: ["AU1", "AU2"], labels: ["happiness"] }),
    c("au-1-vs-12", "<think>AU1</think><answer>happiness</answer>", { AUs: ["AU12"], labels: ["happiness"] }),
    c("au-glued", "<think>AU6AU12</think><answer>happiness</answer>", HAPPY),
    c("au-in-word", "<think>xAU6 beAU12tiful</think><answer>happiness</answer>", HAPPY),
    c("au-repeated", "<think>AU6 AU6 AU6 AU12 AU12</think><answer>happiness</answer>", HAPPY),
    c("au-zero", "<think>AU0 AU00</think><answer>happiness</answer>", { AUs: ["AU0"], labels: ["happiness"] }),
    c("au-huge-number", "<think>AU123456789012345678901234567890</think><answer>x</answer>", { AUs: ["AU123456789012345678901234567890"], labels: ["x"] }),
    c("au-only-in-answer", "<think>the brows are lowered</think><answer>anger (AU4, AU7)</answer>", ANGER),
    c("au-no-think", "AU4 AU7 <answer>anger</answer>", ANGER),
    c("au-unclosed-think", "<think>AU4 AU7<answer>anger</answer>", ANGER),
    c("au-second-think", "<think>nothing</think><think>AU4 AU7</think><answer>anger</answer>", ANGER),
    c("au-nested-think", "<think>AU1 <think>AU4</think> AU7</think><answer>anger</answer>", ANGER),
    c("au-close-before-open", "</think>AU1<think>AU4 AU7</think><answer>anger</answer>", ANGER),
    c("au-upper-think", "<THINK>AU4 AU7</THINK><answer>anger</answer>", ANGER),
    c("au-mixed-think", "<Think>AU4</tHiNk><answer>anger</answer>", ANGER),
    c("au-think-dotted-I", "<th\u0130nk>AU4 AU7</th\u0130nk><answer>anger</answer>", ANGER, ["unicode"]),
    c("au-think-dotless-i", "<th\u0131nk>AU4 AU7</think><answer>anger</answer>", ANGER, ["unicode"]),
    c("au-think-kelvin", "<thin\u212a>AU4 AU7</thin\u212a><answer>anger</answer>", ANGER, ["unicode"]),
    c("au-think-long-s", "<think>AU4</think><answer>anger</an\u017fwer>", ANGER),
    c("au-empty-think", "<think></think><answer>anger</answer>", ANGER),
    c("au-none-predicted", "<think>brows lowered</think><answer>anger</answer>", ANGER),
    c("au-empty-truth", "<think>AU4 AU7</think><answer>anger</answer>", { AUs: [], labels: ["anger"] }),
    c("au-empty-both", "<think>none</think><answer>anger</answer>", { AUs: [], labels: ["anger"] }),
    c("au-truth-empty-string", "<think>AU4</think><answer>anger</answer>", { AUs: [""], labels: ["anger"] }),
    c("au-truth-lower", "<think>AU4 AU7</think><answer>anger</answer>", { AUs: ["au4", "Au7"], labels: ["anger"] }),
    c("au-truth-spaced", "<think>AU4 AU7</think><answer>anger</answer>", { AUs: [" AU4 ", "AU 7"], labels: ["anger"] }),
    c("au-truth-duplicates", "<think>AU4</think><answer>anger</answer>", { AUs: ["AU4", "au4", "AU4"], labels: ["anger"] }),
    c("au-truth-sharp-s", "<think>AU4</think><answer>anger</answer>", { AUs: ["AU4", "\u00df", "SS"], labels: ["anger"] }),
    c("au-truth-ligature", "<think>AU4</think><answer>anger</answer>", { AUs: ["AU4", "\ufb01", "FI"], labels: ["anger"] }),
    c("au-truth-dotless", "<think>AU4</think><answer>anger</answer>", { AUs: ["AU4", "\u0131", "I"], labels: ["anger"] }),
    c("au-truth-new-case-pair", "<think>AU4</think><answer>anger</answer>", { AUs: ["AU4", "\u019b", "\ua7dc"], labels: ["anger"] }, ["unicode"]),
    c("au-truth-new-case-pair-2", "<think>AU4</think><answer>anger</answer>", { AUs: ["AU4", "\u{10d70}", "\u{10d50}"], labels: ["anger"] }, ["unicode"]),
    c("au-sharp-s-think", "<think>\u00dfAU4 stra\u00dfe AU7</think><answer>anger</answer>", ANGER),
    c("au-a-right-half-ring", "<think>\u1e9aU4 AU7</think><answer>anger</answer>", ANGER),
    c("au-fullwidth-letters", "<think>\uff21\uff354 AU7</think><answer>anger</answer>", ANGER),
    c("au-emoji-between", "<think>AU\ud83d\ude004 AU7</think><answer>anger</answer>", ANGER),
    c("au-chinese", "<think>\u7709\u6bdb\u4e0b\u538bAU4\uff0c\u7737\u7d27AU7\u3002</think><answer>anger</answer>", ANGER),
    c("au-cr-in-think", "<think>AU4\r\nAU7\r</think><answer>anger</answer>", ANGER),
    digit("arabic-indic", "\u0664", ["AU\u0664"]),
    digit("arabic-indic-vs-ascii", "\u0664"),
    digit("extended-arabic", "\u06f4", ["AU\u06f4"]),
    digit("devanagari", "\u096a", ["AU\u096a"]),
    digit("fullwidth", "\uff14", ["AU\uff14"]),
    digit("mongolian", "\u1814", ["AU\u1814"]),
    digit("math-bold", "\u{1d7d2}", ["AU\u{1d7d2}"]),
    digit("segmented", "\u{1fbf4}", ["AU\u{1fbf4}"]),
    digit("kawi-unicode15", "\u{11f54}", ["AU\u{11f54}"], ["unicode"]),
    digit("nag-mundari-unicode15", "\u{1e4f4}", ["AU\u{1e4f4}"], ["unicode"]),
    digit("superscript", "\u2074", ["AU\u2074"]),
    digit("circled", "\u2463", ["AU\u2463"]),
    digit("roman-numeral", "\u2163", ["AU\u2163"]),
    digit("mixed", "1\u0662", ["AU1\u0662", "AU12"]),
    // ground truth from solution when a column is missing
    c("sol-only", "<think>AU4 AU7</think><answer>anger</answer>", { solution: "<answer> anger </answer>" }),
    c("sol-with-think", "<think>AU4</think><answer>anger</answer>", { solution: "<think>AU4 AU7</think><answer>anger</answer>" }),
    c("sol-plain", "<think>AU4</think><answer>anger</answer>", { solution: "anger" }),
    c("sol-multiline-answer", "<think>AU4</think><answer>a\nb</answer>", { solution: "<answer>a\nb</answer>" }),
    c("sol-second-answer-single-line", "<think>AU4</think><answer>fear</answer>", { solution: "<answer>a\nb</answer><answer>fear</answer>" }),
    c("sol-cr-is-single-line", "<think>AU4</think><answer>a\rb</answer>", { solution: "<answer>a\rb</answer>" }),
    c("sol-ls-is-single-line", "<think>AU4</think><answer>a\u2028b</answer>", { solution: "<answer>a\u2028b</answer>" }),
    c("sol-and-labels", "<think>AU4</think><answer>anger</answer>", { labels: ["anger"], solution: "<answer>fear</answer>" }),
    c("sol-and-aus", "<think>AU4</think><answer>anger</answer>", { AUs: ["AU4"], solution: "<think>AU9</think>" }),
    c("sol-lower-au", "<think>AU4</think><answer>anger</answer>", { solution: "au4 AU07 <answer>anger</answer>" }),
    c("sol-second-open-single-line", "<think>AU4</think><answer>b</answer>", { solution: "<answer>a\n<answer>b</answer>" }),
    c("sol-many-multiline-opens", "<think>AU4</think><answer>x</answer>", { solution: `${"<answer>\n".repeat(3000)}x</answer>` }),
    c("sol-close-then-open", "<think>AU4</think><answer>c</answer>", { solution: "<answer>a\nb</answer><answer>c</answer>\n" }),
    c("sol-empty", "<think>AU4</think><answer>anger</answer>", { solution: "" }),
    c("no-truth-at-all", "<think>AU4</think><answer>anger</answer>", {}),
    c("truth-nulls", "<think>AU4</think><answer>anger</answer>", { AUs: null, labels: null, solution: "<answer>anger</answer>" }),
    // malformed input: never a crash, a documented neutral value
    c("bad-completion-null", null, ANGER),
    c("bad-completion-number", 42, ANGER),
    c("bad-completion-bool", true, ANGER),
    c("bad-completion-object", { content: OK }, ANGER),
    c("bad-completion-empty-list", [], ANGER),
    c("bad-completion-list-of-strings", [OK], ANGER),
    c("bad-completion-content-number", [{ role: "assistant", content: 5 }], ANGER),
    c("bad-completion-part-not-object", [{ role: "assistant", content: [OK] }], ANGER),
    c("bad-completion-part-list", [{ role: "assistant", content: [[]] }], ANGER),
    c("bad-completion-part-text-number", [{ role: "assistant", content: [{ type: "text", text: 1 }] }], ANGER),
    c("msg-completion", [{ role: "assistant", content: OK }], ANGER),
    c("msg-completion-parts", [{ role: "assistant", content: [{ type: "text", text: "<think>AU4 " }, { type: "image" }, { type: "text", text: "AU7</think><answer>anger</answer>" }] }], ANGER),
    c("msg-completion-two-messages", [{ role: "assistant", content: "<think>AU4</think>" }, { role: "assistant", content: "<answer>anger</answer>" }], ANGER),
    c(
      "msg-completion-tool-call-then-answer",
      [
        { role: "assistant", content: "", tool_calls: [{ type: "function", function: { name: "look", arguments: "{}" } }] },
        { role: "tool", name: "look", content: "<answer>sadness</answer>" },
        { role: "assistant", content: OK },
      ],
      ANGER,
    ),
    c("msg-completion-tool-result-last", [{ role: "assistant", content: OK }, { role: "tool", content: "<answer>sadness</answer>" }], ANGER),
    c("msg-completion-no-roles", [{ content: "<answer>sadness</answer>" }, { content: OK }], ANGER),
    c("bad-labels-string", OK, { AUs: ["AU4", "AU7"], labels: "anger" }),
    c("bad-labels-empty-list", OK, { AUs: ["AU4", "AU7"], labels: [] }),
    c("bad-labels-number", OK, { AUs: ["AU4", "AU7"], labels: [7] }),
    c("bad-labels-nested", OK, { AUs: ["AU4", "AU7"], labels: [["anger"]] }),
    c("bad-labels-object", OK, { AUs: ["AU4", "AU7"], labels: { 0: "anger" } }),
    c("bad-labels-second-string", OK, { AUs: ["AU4", "AU7"], labels: [null, "anger"] }),
    c("bad-aus-string", OK, { AUs: "AU4 AU7", labels: ["anger"] }),
    c("bad-aus-numbers", OK, { AUs: [4, 7, "AU4"], labels: ["anger"] }),
    c("bad-aus-object", OK, { AUs: { AU4: true }, labels: ["anger"] }),
    c("bad-aus-nested", OK, { AUs: [["AU4"], "AU7"], labels: ["anger"] }),
    c("bad-aus-number", OK, { AUs: 4, labels: ["anger"] }),
    c("bad-solution-number", OK, { solution: 3 }),
  ];
}

/** Mulberry32: a tiny seeded PRNG, so the file is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AU_NUMBERS = [1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 24, 25, 26, 43];
const WORDS = ["brows", "raised", "lips", "pulled", "the", "cheeks", "eyes", "\u7709\u6bdb", "l\u00e8vres", "\u00dfmile", "jaw"];
const LABELS = ["anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise", "Happiness", "happy", "sad.", " fear ", "Surprised!", "calm"];
const SPELLINGS = [
  (n: number) => `AU${n}`,
  (n: number) => `AU${n}`,
  (n: number) => `au${n}`,
  (n: number) => `AU ${n}`,
  (n: number) => `AU0${n}`,
  (n: number) => `Au-${n}`,
  (n: number) => `(AU${n})`,
  (n: number) => `AU${String(n).replace(/[0-9]/g, (d) => String.fromCharCode(0x660 + Number(d)))}`,
];

function randomCases(count: number, seed: number): Case[] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    const truthAUs = AU_NUMBERS.filter(() => rand() < 0.15).map((n) => (rand() < 0.9 ? `AU${n}` : `au${n}`));
    const predicted = AU_NUMBERS.filter(() => rand() < 0.15);
    const think = predicted.map((n) => `${pick(WORDS)} ${pick(SPELLINGS)(n)}`).join(rand() < 0.5 ? ", " : "\n");
    const label = pick(LABELS).trim().toLowerCase().replace(/[^a-z]/g, "");
    const answer = rand() < 0.6 ? label : pick(LABELS);
    const sep = pick(["", "\n", " ", "\n\n", "\x85", "\u3000", "\ufeff", " x "]);
    const thinkOpen = pick(["<think>", "<think>", "<think>", "<THINK>", "<Think>"]);
    const thinkClose = pick(["</think>", "</think>", "</think>", "</THINK>", ""]);
    const answerOpen = pick(["<answer>", "<answer>", "<answer>", "<ANSWER>", ""]);
    const answerClose = pick(["</answer>", "</answer>", "</answer>", ""]);
    const prefix = pick(["", "", "", " ", "Sure. ", "\n"]);
    const suffix = pick(["", "", "", "\n", " ", ".", "<answer>fear</answer>"]);
    const completion = `${prefix}${thinkOpen}${think}${thinkClose}${sep}${answerOpen}${answer}${answerClose}${suffix}`;
    cases.push(c(`random-${seed}-${i}`, completion, { AUs: truthAUs, labels: [rand() < 0.05 ? "" : pick([label, label, label, "neutral", "Happiness"])] }));
  }
  return cases;
}

/** 50k-character completions: long runs, many tags, many tokens, non-ASCII. */
function bigCases(): Case[] {
  const repeatTo = (unit: string, chars: number) => unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);
  const tokens = Array.from({ length: 6000 }, (_, i) => `AU${(i % 60) + 1}`).join(" ");
  const slow = ["slow-regex"];
  return [
    c("big-valid", `<think>${repeatTo("Lip corners pulled (AU12), cheeks raised (au6). ", 50_000)}</think>\n<answer>happiness</answer>`, HAPPY),
    c("big-tokens", `<think>${tokens}</think><answer>happiness</answer>`, { AUs: ["AU6", "AU12", "AU61"], labels: ["happiness"] }),
    c("big-no-close", `<think>${repeatTo("x</think>y", 50_000)}<answer>happiness</answer>`, HAPPY),
    c("big-many-answers", `<think>AU6</think>${repeatTo("<answer>fear</answer>", 50_000)}<answer>happiness</answer>`, HAPPY),
    c("big-unclosed-answers", `<think>AU6</think>${repeatTo("<answer>", 50_000)}happiness`, HAPPY, slow),
    c("big-unclosed-thinks", `${repeatTo("<think>", 50_000)}AU6 AU12<answer>happiness</answer>`, HAPPY, slow),
    c("big-whitespace", `<think>AU6 AU12</think>${repeatTo(" \n\t\u3000\x85", 50_000)}<answer>happiness</answer>`, HAPPY),
    c("big-non-ascii", `<think>${repeatTo("\u00e9\u0664\u7709\ud83d\ude00AU\u0664", 50_000)}</think><answer>\u5feb\u4e50</answer>`, { AUs: ["AU\u0664"], labels: ["\u5feb\u4e50"] }),
    c("big-answer-text", `<think>AU6</think><answer>${repeatTo("happiness ", 50_000)}</answer>`, HAPPY),
  ];
}

export function buildRewardVectors(): RewardVector[] {
  const vectors: RewardVector[] = [];
  const add = (specName: string, cases: Case[]) => {
    for (const { name, tags, ...rest } of cases) {
      const spec = VECTOR_SPECS[specName];
      const v: RewardVector = { id: `${specName}/${name}`, spec: specName, ...(tags ? { tags } : {}), ...rest, expected: scoreCompletion(rest.completion, rest, spec) };
      vectors.push(v);
    }
  };
  const edges = edgeCases();
  add("facial-r1", edges);
  add("normalized", edges);
  add("weighted", edges.filter((_, i) => i % 3 === 0));
  add("weighted-normalized", edges.filter((_, i) => i % 3 === 1));
  add("facial-r1", randomCases(160, 1));
  add("normalized", randomCases(80, 2));
  add("weighted", randomCases(20, 3));
  add("facial-r1", bigCases());
  add("normalized", bigCases().filter((_, i) => i % 2 === 0));
  return vectors;
}

export function renderRewardVectors(): string {
  return buildRewardVectors()
    .map((v) => JSON.stringify(v))
    .join("\n")
    .concat("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const text = renderRewardVectors();
  if (process.argv.includes("--check")) {
    const current = readFileSync(VECTOR_FILE, "utf8");
    if (current !== text) {
      console.error(`${VECTOR_FILE} is stale: run node --import tsx scripts/generate-reward-vectors.ts`);
      process.exit(1);
    }
  } else {
    writeFileSync(VECTOR_FILE, text);
    console.error(`wrote ${text.split("\n").length - 1} vectors to ${VECTOR_FILE}`);
  }
}
