import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { JsonlWriter, readJsonl, readJsonlBatches, readLineBatches, readLines, type JsonlLine } from "../../src/data/jsonl.js";
import { FacialR1Error, formatProblem } from "../../src/util/errors.js";
import { tempDir } from "../helpers/cli.js";

async function collect<T>(gen: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of gen) out.push(item);
  return out;
}

function summary(items: JsonlLine[]): string[] {
  return items.map((i) => (i.kind === "line" ? `${i.line}:${i.text}` : `${i.line}!${formatProblem(i.problem)}`));
}

async function withFile(content: string | Buffer, fn: (file: string, dir: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, "in.jsonl");
    await writeFile(file, content);
    await fn(file, dir);
  } finally {
    await cleanup();
  }
}

test("CRLF, a BOM, blank lines and a last line without newline", async () => {
  await withFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\r\n\r\n   \n{"b":"é"}\r\n\n{"c":3}')]), async (file) => {
    const lines = await collect(readLines(file));
    assert.deepEqual(summary(lines), ['1:{"a":1}', '4:{"b":"é"}', '6:{"c":3}']);
    const values = await collect(readJsonl(file));
    assert.deepEqual(
      values.map((v) => (v.kind === "value" ? v.value : v.kind)),
      [{ a: 1 }, { b: "é" }, { c: 3 }],
    );
  });
});

test("invalid UTF-8 is reported with the byte offset; the lines around it survive", async () => {
  const content = Buffer.concat([Buffer.from('{"a":1}\n{"b":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n{"c":3}\n')]);
  await withFile(content, async (file) => {
    const lines = await collect(readLines(file));
    assert.equal(lines.length, 3);
    assert.deepEqual(summary(lines)[1], `2!${file}:2: invalid UTF-8 at byte 7 of the line`);
    const bad = lines[1];
    assert.ok(bad.kind === "unreadable" && bad.raw?.equals(content.subarray(8, 18)), "the raw bytes are kept for the rejects file");
    const values = await collect(readJsonl(file));
    assert.equal(values[1].kind, "unreadable");
    assert.ok(values[1].kind === "unreadable" && values[1].raw !== undefined);
  });
});

test("over-long lines are reported by size without being loaded, at any chunk size", async () => {
  const long = `{"x":"${"a".repeat(5000)}"}`;
  await withFile(`{"a":1}\n${long}\n{"b":2}\n${long}`, async (file) => {
    for (const chunkBytes of [7, 64, 1 << 20]) {
      const lines = await collect(readLines(file, { maxLineBytes: 1000, chunkBytes }));
      assert.deepEqual(summary(lines), [
        '1:{"a":1}',
        `2!${file}:2: line is 4.9 KiB, over the 1000 B limit`,
        '3:{"b":2}',
        `4!${file}:4: line is 4.9 KiB, over the 1000 B limit`,
      ]);
    }
  });
});

test("tiny chunks split multi-byte characters and CRLF without harm", async () => {
  const text = '{"k":"ü€😀"}\r\n{"k":"ß"}\r\n';
  await withFile(text, async (file) => {
    for (const chunkBytes of [1, 2, 3, 5]) {
      const lines = await collect(readLines(file, { chunkBytes }));
      assert.deepEqual(summary(lines), ['1:{"k":"ü€😀"}', '2:{"k":"ß"}'], `chunk ${chunkBytes}`);
    }
  });
});

test("batches hold the same lines as the per-line readers", async () => {
  const content = Array.from({ length: 500 }, (_, i) => (i % 50 === 7 ? "{broken" : JSON.stringify({ i }))).join("\n");
  await withFile(content, async (file) => {
    const flat = (await collect(readLineBatches(file, { chunkBytes: 256 }))).flat();
    assert.deepEqual(flat, await collect(readLines(file, { chunkBytes: 256 })));
    const values = (await collect(readJsonlBatches(file, { chunkBytes: 256 }))).flat();
    assert.deepEqual(values, await collect(readJsonl(file, { chunkBytes: 256 })));
    assert.equal(values.length, 500);
    assert.equal(values.filter((v) => v.kind === "unreadable").length, 10);
  });
});

test("invalid JSON and a truncated last line carry the parser's reason and the text", async () => {
  await withFile('{"a":1}\n{"a":\n{"b":2', async (file) => {
    const values = await collect(readJsonl(file));
    assert.equal(values.length, 3);
    const [, second, third] = values;
    assert.ok(second.kind === "unreadable" && second.text === '{"a":' && /^invalid JSON: /.test(second.problem.message));
    assert.ok(third.kind === "unreadable" && third.line === 3 && third.text === '{"b":2');
  });
});

test("an empty file yields nothing; a directory or missing file is one clear error", async () => {
  await withFile("", async (file, dir) => {
    assert.deepEqual(await collect(readJsonl(file)), []);
    await assert.rejects(collect(readJsonl(dir)), (err: unknown) => {
      assert.ok(err instanceof FacialR1Error);
      assert.equal(err.toString(), `${dir}: is a directory, expected a JSONL file`);
      assert.equal(err.exitCode, 2);
      return true;
    });
    await assert.rejects(collect(readJsonl(join(dir, "nope.jsonl"))), /no such file/);
  });
});

test("JsonlWriter writes atomically: nothing visible before close, nothing left after abort", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const out = join(dir, "sub", "out.jsonl");
    const writer = new JsonlWriter(out);
    await writer.write({ a: 1 });
    await writer.writeLine('{"b":2}');
    assert.equal(existsSync(out), false);
    await writer.close();
    assert.equal(await readFile(out, "utf8"), '{"a":1}\n{"b":2}\n');
    assert.equal(writer.count, 2);

    const aborted = new JsonlWriter(join(dir, "gone.jsonl"));
    await aborted.write({ c: 3 });
    await aborted.abort();
    await mkdir(join(dir, "sub"), { recursive: true });
    assert.deepEqual((await readdir(dir)).sort(), ["sub"]);
    assert.deepEqual(await readdir(join(dir, "sub")), ["out.jsonl"]);
  } finally {
    await cleanup();
  }
});
