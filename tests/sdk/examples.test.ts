import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { promisify } from "node:util";
import { ROOT, tempDir, TSX } from "../helpers/cli.js";
import { testPython } from "../helpers/python-env.js";
import { standInSetup } from "../launch/fixture.js";
import { runPython } from "../plugins/python.js";

const run = promisify(execFile);
const SAMPLE = join(ROOT, "samples", "fea-sample");
const TSX_IMPORT = ["--import", TSX];

/** The examples import "facial-r1" as a user does: the package's own build (dist/). */
describe("examples/ run as written", () => {
  before(async () => {
    await run("npm", ["run", "build", "--silent"], { cwd: ROOT, env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip" } });
  });

  it("evaluate.ts scores predictions and writes the report", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const records = (await readFile(join(SAMPLE, "test.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { id: string; labels: string[]; AUs: string[]; description: string });
      const predictions = join(dir, "predictions.jsonl");
      await writeFile(predictions, records.map((r) => JSON.stringify({ id: r.id, output: `<think>${r.description}</think><answer>${r.labels[0]}</answer>` })).join("\n") + "\n");
      const { stdout } = await run(process.execPath, [...TSX_IMPORT, join(ROOT, "examples", "evaluate.ts"), join(SAMPLE, "test.jsonl"), predictions, dir], { cwd: ROOT });
      const out = JSON.parse(stdout) as { accuracy: number; au_macro_f1: number; problems: number; report: string };
      assert.equal(out.accuracy, 1);
      assert.equal(out.problems, 0);
      assert.match(await readFile(out.report, "utf8"), /<html/);
    } finally {
      await cleanup();
    }
  });

  it("custom-reward.ts serves a TypeScript reward that the emitted TRL plugin calls", async () => {
    const { dir, cleanup } = await tempDir();
    const child = spawn(process.execPath, [...TSX_IMPORT, join(ROOT, "examples", "custom-reward.ts"), dir], { cwd: ROOT, env: { ...process.env, PORT: "0" }, stdio: ["ignore", "pipe", "inherit"] });
    try {
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once("line", resolve);
        child.once("exit", (code) => reject(new Error(`custom-reward.ts exited ${code}`)));
      });
      const { plugins } = JSON.parse(first) as { url: string; plugins: Record<string, string[]> };
      assert.deepEqual(Object.keys(plugins).sort(), ["easyr1", "facial-r1", "openrlhf", "trl", "verl", "vlm-r1"]);
      const think = (words: number) => `<think>${"w ".repeat(words)}</think><answer>anger</answer>`;
      const script = `import sys, json; sys.path.insert(0, sys.argv[1]); import facial_r1_rewards as m; print(json.dumps(m.REWARD_FUNCS[0](completions=sys.argv[2:], prompts=["q"] * (len(sys.argv) - 2))))`;
      const rewards = JSON.parse(await runPython(["-c", script, join(dir, "trl"), think(30), think(5), "no think"])) as number[];
      assert.deepEqual(rewards, [1, 0.5, 0]);
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
      await cleanup();
    }
  });

  it("plan-and-launch.ts plans the quickstart, runs it to success and pulls its metrics", async (t) => {
    if (!testPython(t)) return;
    const { dir, cleanup } = await tempDir();
    try {
      const setup = (await standInSetup(dir)).flatMap((line) => ["--setup", line]);
      const { stdout } = await run(process.execPath, [...TSX_IMPORT, join(ROOT, "examples", "plan-and-launch.ts"), join(ROOT, "configs", "quickstart.yaml"), join(dir, "bundle"), ...setup], {
        cwd: dir,
        env: { ...process.env, FACIAL_R1_HOME: join(dir, "home") },
      });
      const out = JSON.parse(stdout) as { state: string; steps: number; reward: number };
      assert.equal(out.state, "succeeded");
      assert.ok(out.steps >= 1);
      assert.equal(typeof out.reward, "number");
    } finally {
      await cleanup();
    }
  });
});
