/**
 * Reads the repr of a Python dict of scalars, as `logger.info(f"... {dict}")` prints it:
 * string keys; numbers (with inf / nan), True / False / None, strings, lists, tuples and
 * nested dicts as values. Returns the numeric entries only (booleans as 0 / 1).
 */
export function numericEntries(text: string): Record<string, number> {
  const reader = new Reader(text);
  const value = reader.value();
  if (!isDict(value)) throw new SyntaxError("not a dict");
  const out: Record<string, number> = {};
  for (const [key, v] of value.entries) if (typeof v === "number") out[key] = v;
  return out;
}

interface Dict {
  entries: [string, Value][];
}
type Value = number | string | null | Value[] | Dict;

function isDict(value: Value): value is Dict {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const WORDS: Record<string, Value> = { True: 1, False: 0, None: null, inf: Infinity, nan: NaN };

class Reader {
  private at = 0;
  constructor(private readonly text: string) {}

  value(): Value {
    this.space();
    const c = this.text[this.at];
    if (c === "{") return this.dict();
    if (c === "[" || c === "(") return this.sequence(c === "[" ? "]" : ")");
    if (c === "'" || c === '"') return this.string();
    const match = /^-?(?:inf|nan|True|False|None|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)/.exec(this.text.slice(this.at));
    if (!match) throw new SyntaxError(`unexpected ${JSON.stringify(c ?? "end")} at ${this.at}`);
    this.at += match[0].length;
    const word = match[0].replace(/^-/, "");
    const negative = match[0].startsWith("-");
    const v = word in WORDS ? WORDS[word] : Number(word);
    return typeof v === "number" && negative ? -v : v;
  }

  private dict(): Dict {
    this.expect("{");
    const entries: [string, Value][] = [];
    while (!this.take("}")) {
      const key = this.value();
      this.expect(":");
      entries.push([String(key), this.value()]);
      this.take(",");
    }
    return { entries };
  }

  private sequence(close: string): Value[] {
    this.at++;
    const items: Value[] = [];
    while (!this.take(close)) {
      items.push(this.value());
      this.take(",");
    }
    return items;
  }

  private string(): string {
    const quote = this.text[this.at++];
    let out = "";
    while (this.at < this.text.length && this.text[this.at] !== quote) {
      if (this.text[this.at] === "\\") this.at++;
      out += this.text[this.at++];
    }
    if (this.at >= this.text.length) throw new SyntaxError("unterminated string");
    this.at++;
    return out;
  }

  private space(): void {
    while (/\s/.test(this.text[this.at] ?? "")) this.at++;
  }

  private take(token: string): boolean {
    this.space();
    if (this.text[this.at] !== token) return false;
    this.at++;
    return true;
  }

  private expect(token: string): void {
    if (!this.take(token)) throw new SyntaxError(`expected ${token} at ${this.at}`);
  }
}
