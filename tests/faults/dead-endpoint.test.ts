import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeInferFixture } from "../eval-remote/fixtures.js";
import { assertOutcome, runCli } from "./harness.js";
import { tempDir } from "../helpers/cli.js";

// Port 9 (discard) is one fetch never connects to ("bad port"): the endpoint of the issue.
const DEAD = "http://127.0.0.1:9/v1";
const REFUSED = /^error: .*cannot reach http:\/\/127\.0\.0\.1:9\/v1: port 9 is one that fetch refuses to connect to/;

const COMMANDS: { name: string; args: (fx: { dataset: string; images: string; predictions: string; dir: string }) => string[]; out: (dir: string) => string }[] = [
  {
    name: "eval infer",
    args: (fx) => ["eval", "infer", "--dataset", fx.dataset, "--images", fx.images, "--endpoint", DEAD, "--model", "m", "--out", join(fx.dir, "pred.jsonl")],
    out: (dir) => join(dir, "pred.jsonl"),
  },
  {
    name: "eval judge",
    args: (fx) => ["eval", "judge", "--dataset", fx.dataset, "--predictions", fx.predictions, "--endpoint", DEAD, "--no-cache", "--out", join(fx.dir, "judge.jsonl")],
    out: (dir) => join(dir, "judge.jsonl"),
  },
  {
    name: "synth",
    args: (fx) => ["synth", "--dataset", fx.dataset, "--images", fx.images, "--endpoint", DEAD, "--model", "m", "--out", join(fx.dir, "synth.jsonl")],
    out: (dir) => join(dir, "synth.jsonl"),
  },
];

for (const command of COMMANDS) {
  test(`${command.name} against a refused connection stops at once with one line; nothing scored or marked failed`, async () => {
    const { dir, cleanup } = await tempDir("facial-r1-fault-");
    try {
      const fx = await writeInferFixture(dir, 40);
      const predictions = join(dir, "predictions.jsonl");
      const records = (await readFile(fx.dataset, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as { id: string });
      await writeFile(predictions, records.map((r) => `${JSON.stringify({ id: r.id, output: "<think>AU6</think><answer>happiness</answer>" })}\n`).join(""));
      // The default retries: without failing fast this would retry every record for minutes.
      const result = await runCli(command.args({ ...fx, predictions, dir }), { cwd: dir, env: { OPENAI_API_KEY: "" } });
      assertOutcome(result, { code: 1, message: REFUSED }, command.name);
      const out = command.out(dir);
      const written = existsSync(out) ? (await readFile(out, "utf8")).trim() : "";
      assert.equal(written, "", "records were written as done");
      const failures = `${out}.failures.jsonl`;
      assert.equal(existsSync(failures) ? (await readFile(failures, "utf8")).trim() : "", "", "records were marked failed");
    } finally {
      await cleanup();
    }
  });
}
