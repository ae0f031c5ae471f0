/**
 * The Porter stemmer exactly as NLTK's `PorterStemmer()` runs it in its default
 * NLTK_EXTENSIONS mode (the stemmer Google's `rouge_score` uses). The published 1980
 * algorithm plus NLTK's departures: a table of irregular forms, words of one or two
 * letters left alone, `ies`/`ied` on four-letter words, `y -> i` only after a
 * consonant that is not the first letter, `alli` handled before the other step-2
 * rules, `fulli` and `logi` rules, and a two-letter `*o` condition.
 * Input is expected in lower case (rouge_score lowercases before stemming).
 */

const IRREGULAR_FORMS: ReadonlyMap<string, string> = new Map([
  ["sky", "sky"],
  ["skies", "sky"],
  ["dying", "die"],
  ["lying", "lie"],
  ["tying", "tie"],
  ["news", "news"],
  ["innings", "inning"],
  ["inning", "inning"],
  ["outings", "outing"],
  ["outing", "outing"],
  ["cannings", "canning"],
  ["canning", "canning"],
  ["howe", "howe"],
  ["proceed", "proceed"],
  ["exceed", "exceed"],
  ["succeed", "succeed"],
]);

function isVowelLetter(c: string): boolean {
  return c === "a" || c === "e" || c === "i" || c === "o" || c === "u";
}

/** `y` is a consonant at the start of a word or after a vowel, a vowel after a consonant. */
function isConsonant(word: string, i: number): boolean {
  const c = word[i];
  if (isVowelLetter(c)) return false;
  if (c === "y") return i === 0 ? true : !isConsonant(word, i - 1);
  return true;
}

/** m in [C](VC){m}[V]: the number of vowel-consonant sequences. */
function measure(stem: string): number {
  let m = 0;
  let previousVowel = false;
  for (let i = 0; i < stem.length; i++) {
    const consonant = isConsonant(stem, i);
    if (consonant && previousVowel) m++;
    previousVowel = !consonant;
  }
  return m;
}

function containsVowel(stem: string): boolean {
  for (let i = 0; i < stem.length; i++) if (!isConsonant(stem, i)) return true;
  return false;
}

function endsDoubleConsonant(word: string): boolean {
  const n = word.length;
  return n >= 2 && word[n - 1] === word[n - 2] && isConsonant(word, n - 1);
}

/** *o: consonant-vowel-consonant, the last not w, x or y; or (NLTK) a two-letter vowel-consonant word. */
function endsCvc(word: string): boolean {
  const n = word.length;
  if (n >= 3) {
    const last = word[n - 1];
    if (isConsonant(word, n - 3) && !isConsonant(word, n - 2) && isConsonant(word, n - 1) && last !== "w" && last !== "x" && last !== "y") {
      return true;
    }
  }
  return n === 2 && !isConsonant(word, 0) && isConsonant(word, 1);
}

/** A rule: suffix (or DOUBLE for a double consonant), replacement, condition on the stem. */
interface Rule {
  suffix: string;
  replacement: string;
  condition?: (stem: string) => boolean;
}

const DOUBLE = "*d";

/**
 * The first rule whose suffix matches decides: its replacement if the condition holds,
 * otherwise the word unchanged (later rules are not tried).
 */
function applyRules(word: string, rules: readonly Rule[]): string {
  for (const rule of rules) {
    if (rule.suffix === DOUBLE) {
      if (endsDoubleConsonant(word)) {
        const stem = word.slice(0, -2);
        return !rule.condition || rule.condition(stem) ? stem + rule.replacement : word;
      }
      continue;
    }
    if (word.endsWith(rule.suffix)) {
      const stem = rule.suffix === "" ? word : word.slice(0, -rule.suffix.length);
      return !rule.condition || rule.condition(stem) ? stem + rule.replacement : word;
    }
  }
  return word;
}

const positiveMeasure = (stem: string): boolean => measure(stem) > 0;
const measureAboveOne = (stem: string): boolean => measure(stem) > 1;

const STEP_1A: readonly Rule[] = [
  { suffix: "sses", replacement: "ss" },
  { suffix: "ies", replacement: "i" },
  { suffix: "ss", replacement: "ss" },
  { suffix: "s", replacement: "" },
];

function step1a(word: string): string {
  if (word.endsWith("ies") && word.length === 4) return `${word.slice(0, -3)}ie`;
  return applyRules(word, STEP_1A);
}

function step1b(word: string): string {
  if (word.endsWith("ied")) return word.slice(0, -3) + (word.length === 4 ? "ie" : "i");
  if (word.endsWith("eed")) {
    const stem = word.slice(0, -3);
    return measure(stem) > 0 ? `${stem}ee` : word;
  }
  let stem: string | undefined;
  for (const suffix of ["ed", "ing"]) {
    if (word.endsWith(suffix)) {
      const candidate = word.slice(0, -suffix.length);
      if (containsVowel(candidate)) {
        stem = candidate;
        break;
      }
    }
  }
  if (stem === undefined) return word;
  const last = stem[stem.length - 1];
  return applyRules(stem, [
    { suffix: "at", replacement: "ate" },
    { suffix: "bl", replacement: "ble" },
    { suffix: "iz", replacement: "ize" },
    { suffix: DOUBLE, replacement: last, condition: () => last !== "l" && last !== "s" && last !== "z" },
    { suffix: "", replacement: "e", condition: (s) => measure(s) === 1 && endsCvc(s) },
  ]);
}

const STEP_1C: readonly Rule[] = [
  { suffix: "y", replacement: "i", condition: (stem) => stem.length > 1 && isConsonant(stem, stem.length - 1) },
];

function step2(word: string): string {
  if (word.endsWith("alli") && positiveMeasure(word.slice(0, -4))) return step2(`${word.slice(0, -4)}al`);
  return applyRules(word, [
    { suffix: "ational", replacement: "ate", condition: positiveMeasure },
    { suffix: "tional", replacement: "tion", condition: positiveMeasure },
    { suffix: "enci", replacement: "ence", condition: positiveMeasure },
    { suffix: "anci", replacement: "ance", condition: positiveMeasure },
    { suffix: "izer", replacement: "ize", condition: positiveMeasure },
    { suffix: "bli", replacement: "ble", condition: positiveMeasure },
    { suffix: "alli", replacement: "al", condition: positiveMeasure },
    { suffix: "entli", replacement: "ent", condition: positiveMeasure },
    { suffix: "eli", replacement: "e", condition: positiveMeasure },
    { suffix: "ousli", replacement: "ous", condition: positiveMeasure },
    { suffix: "ization", replacement: "ize", condition: positiveMeasure },
    { suffix: "ation", replacement: "ate", condition: positiveMeasure },
    { suffix: "ator", replacement: "ate", condition: positiveMeasure },
    { suffix: "alism", replacement: "al", condition: positiveMeasure },
    { suffix: "iveness", replacement: "ive", condition: positiveMeasure },
    { suffix: "fulness", replacement: "ful", condition: positiveMeasure },
    { suffix: "ousness", replacement: "ous", condition: positiveMeasure },
    { suffix: "aliti", replacement: "al", condition: positiveMeasure },
    { suffix: "iviti", replacement: "ive", condition: positiveMeasure },
    { suffix: "biliti", replacement: "ble", condition: positiveMeasure },
    { suffix: "fulli", replacement: "ful", condition: positiveMeasure },
    // The `l` stays with the stem for the measure, so short stems (geo-, theo-) qualify.
    { suffix: "logi", replacement: "log", condition: () => positiveMeasure(word.slice(0, -3)) },
  ]);
}

const STEP_3: readonly Rule[] = [
  { suffix: "icate", replacement: "ic", condition: positiveMeasure },
  { suffix: "ative", replacement: "", condition: positiveMeasure },
  { suffix: "alize", replacement: "al", condition: positiveMeasure },
  { suffix: "iciti", replacement: "ic", condition: positiveMeasure },
  { suffix: "ical", replacement: "ic", condition: positiveMeasure },
  { suffix: "ful", replacement: "", condition: positiveMeasure },
  { suffix: "ness", replacement: "", condition: positiveMeasure },
];

const STEP_4: readonly Rule[] = [
  ...["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent"].map((suffix) => ({
    suffix,
    replacement: "",
    condition: measureAboveOne,
  })),
  {
    suffix: "ion",
    replacement: "",
    condition: (stem: string) => measure(stem) > 1 && (stem.endsWith("s") || stem.endsWith("t")),
  },
  ...["ou", "ism", "ate", "iti", "ous", "ive", "ize"].map((suffix) => ({ suffix, replacement: "", condition: measureAboveOne })),
];

function step5a(word: string): string {
  if (!word.endsWith("e")) return word;
  const stem = word.slice(0, -1);
  const m = measure(stem);
  if (m > 1) return stem;
  if (m === 1 && !endsCvc(stem)) return stem;
  return word;
}

function step5b(word: string): string {
  return applyRules(word, [{ suffix: "ll", replacement: "l", condition: () => measure(word.slice(0, -1)) > 1 }]);
}

/** NLTK 3.8 `PorterStemmer().stem(word)` for a lower-case word. */
export function porterStem(word: string): string {
  const irregular = IRREGULAR_FORMS.get(word);
  if (irregular !== undefined) return irregular;
  if (word.length <= 2) return word;
  let stem = step1a(word);
  stem = step1b(stem);
  stem = applyRules(stem, STEP_1C);
  stem = step2(stem);
  stem = applyRules(stem, STEP_3);
  stem = applyRules(stem, STEP_4);
  stem = step5a(stem);
  return step5b(stem);
}

/** A memoising stemmer: tokens repeat heavily across a corpus. */
export function cachedPorterStemmer(maxEntries = 200_000): (word: string) => string {
  const cache = new Map<string, string>();
  return (word) => {
    let stem = cache.get(word);
    if (stem === undefined) {
      stem = porterStem(word);
      if (cache.size >= maxEntries) cache.clear();
      cache.set(word, stem);
    }
    return stem;
  };
}
