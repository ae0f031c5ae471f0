import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { tempDir } from "../helpers/cli.js";
import { parseJsonl } from "./fixtures.js";
import { RemoteError } from "../../src/util/errors.js";
import { failuresFileOf, runResumable } from "../../src/eval/resumable-run.js";
import { resumeOutput } from "../../src/eval/resume-output.js";
import type { Problem } from "../../src/util/errors.js";

const records = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r${i}` }));

describe("runResumable", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(async () => cleanup());

  it("appends results, records input and request failures, and rewrites the failures file", async () => {
    const out = join(dir, "basic.jsonl");
    await writeFile(out, `${JSON.stringify({ id: "earlier" })}\n`);
    await writeFile(failuresFileOf(out), `${JSON.stringify({ id: "old failure" })}\n`);
    const run = await runResumable({
      label: "test",
      out,
      records: records(6),
      pending: 6,
      concurrency: 3,
      prepare: async (r) => {
        if (r.id === "r1") throw new Error("image not found: x.png");
        return `request ${r.id}`;
      },
      send: async (r, request) => {
        if (r.id === "r2") throw new RemoteError("server", "HTTP 500");
        if (r.id === "r3") throw new Error("no kind");
        return { id: r.id, request };
      },
    });
    assert.deepEqual(run, { written: 3, failed: 3, not_attempted: 0 });
    const written = parseJsonl(await readFile(out, "utf8"));
    assert.deepEqual(written.map((l) => l.id).sort(), ["earlier", "r0", "r4", "r5"]);
    assert.ok(written.some((l) => l.id === "r4" && l.request === "request r4"));
    const failures = parseJsonl(await readFile(failuresFileOf(out), "utf8")).sort((a, b) => String(a.id).localeCompare(String(b.id)));
    assert.deepEqual(failures, [
      { id: "r1", error: "image not found: x.png", kind: "input" },
      { id: "r2", error: "HTTP 500", kind: "server" },
      { id: "r3", error: "no kind" },
    ]);
  });

  it("a signal aborted before the run starts (Ctrl-C while records were planned) starts no record", async () => {
    const out = join(dir, "aborted-early.jsonl");
    const controller = new AbortController();
    controller.abort();
    let sent = 0;
    const run = await runResumable({
      label: "test",
      out,
      records: records(5),
      pending: 5,
      concurrency: 2,
      signal: controller.signal,
      prepare: async (r) => r.id,
      send: async (r) => {
        sent++;
        return { id: r.id };
      },
    });
    assert.equal(sent, 0);
    assert.equal(run.written, 0);
    assert.equal(run.aborted, "interrupted");
  });

  it("stops the whole run on a fatal RemoteError; records not sent are not attempted", async () => {
    const out = join(dir, "fatal.jsonl");
    let sent = 0;
    const run = await runResumable({
      label: "test",
      out,
      records: records(20),
      pending: 20,
      concurrency: 1,
      prepare: async (r) => r.id,
      send: async (r) => {
        sent++;
        if (r.id === "r2") throw new RemoteError("auth", "HTTP 401: check the API key");
        return { id: r.id };
      },
    });
    assert.equal(sent, 3);
    assert.deepEqual(run, { written: 2, failed: 0, not_attempted: 18, aborted: "HTTP 401: check the API key" });
    assert.equal(await readFile(failuresFileOf(out), "utf8"), "");
  });

  it("an outer abort stops new records and is reported as interrupted", async () => {
    const out = join(dir, "interrupted.jsonl");
    const outer = new AbortController();
    const run = await runResumable({
      label: "test",
      out,
      records: records(20),
      pending: 20,
      concurrency: 2,
      signal: outer.signal,
      prepare: async (r) => r.id,
      send: async (r) => {
        if (r.id === "r3") outer.abort();
        return { id: r.id };
      },
    });
    assert.equal(run.aborted, "interrupted");
    assert.ok(run.written >= 4 && run.written < 20, `written ${run.written}`);
    assert.equal(run.written + run.failed + run.not_attempted, 20);
    assert.equal(parseJsonl(await readFile(out, "utf8")).length, run.written);
  });
});

describe("resumeOutput", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(async () => cleanup());

  const lines = [JSON.stringify({ id: "a", output: "x" }), "{not json", JSON.stringify({ name: "no id" }), JSON.stringify({ id: 7 })];

  it("cuts a partial last line, reads the done ids and reports the other lines in the caller's words", async () => {
    const out = join(dir, "out.jsonl");
    await writeFile(out, `${lines.join("\n")}\n{"id": "partial`);
    const problems: Problem[] = [];
    const resumed = await resumeOutput({
      out,
      report: (p) => problems.push(p),
      redone: "the record is generated again",
      notARecord: "a line without an id (ignored)",
    });
    assert.equal(resumed.partial, '{"id": "partial'.length);
    assert.deepEqual([...resumed.done].sort(), ["7", "a"]);
    assert.equal(await readFile(out, "utf8"), `${lines.join("\n")}\n`);
    assert.match(problems[0].message, /discarded a partial last line \(15 bytes\)/);
    assert.equal(problems[1].line, 2);
    assert.match(problems[1].message, /\(ignored; the record is generated again\)$/);
    assert.deepEqual({ line: problems[2].line, message: problems[2].message }, { line: 3, message: "a line without an id (ignored)" });
    assert.equal(problems.length, 3);
  });

  it("takes the caller's test of a done line", async () => {
    const out = join(dir, "strict.jsonl");
    await writeFile(out, `${lines.join("\n")}\n`);
    const problems: Problem[] = [];
    const resumed = await resumeOutput({
      out,
      report: (p) => problems.push(p),
      redone: "the record is requested again",
      idOf: (value) => {
        const v = value as { id?: unknown; output?: unknown };
        return typeof v.output === "string" ? String(v.id) : undefined;
      },
      notARecord: "not a prediction record (ignored; the record is requested again)",
    });
    assert.deepEqual([...resumed.done], ["a"]);
    assert.equal(resumed.partial, 0);
    assert.deepEqual(
      problems.map((p) => p.line),
      [2, 3, 4],
    );
    assert.match(problems[0].message, /\(ignored; the record is requested again\)$/);
    assert.equal(problems[2].message, "not a prediction record (ignored; the record is requested again)");
  });

  it("a missing output file means nothing is done", async () => {
    const resumed = await resumeOutput({ out: join(dir, "missing.jsonl"), report: () => assert.fail("no problem expected"), redone: "", notARecord: "" });
    assert.deepEqual(resumed, { partial: 0, done: new Set() });
  });
});
