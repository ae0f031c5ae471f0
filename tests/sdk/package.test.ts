import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { ROOT, tempDir } from "../helpers/cli.js";

const run = promisify(execFile);
const NPM_ENV = { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip", npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };

const CONSUMER_TS = `import { FacialR1Error, planRun, validateDataset, type PlanResult, type ValidationReport } from "facial-r1";
import { defineReward, scoreRewards, type RewardScores } from "facial-r1/rewards";

export async function check(): Promise<[ValidationReport, PlanResult, RewardScores[]]> {
  const brevity = defineReward({ name: "brevity", range: [0, 1], score: ({ completion }) => Math.min(1, 10 / completion.length) });
  void brevity;
  // @ts-expect-error: planRun has no option "output" (the types are real, not any)
  await planRun({ config: "run.yaml", output: "b" }).catch((err: unknown) => err instanceof FacialR1Error);
  return Promise.all([validateDataset({ files: ["a.jsonl"] }), planRun({ config: "run.yaml", out: "b", dropEmptyAus: true }), scoreRewards({ items: [] })]);
}
`;

const CONSUMER_MJS = `import * as sdk from "facial-r1";
import { scoreRewards } from "facial-r1/rewards";
const scores = await scoreRewards({ items: [{ completion: "<think>AU4</think><answer>anger</answer>", AUs: ["AU4"], labels: ["anger"] }] });
console.log(JSON.stringify({ exports: Object.keys(sdk).length, planRun: typeof sdk.planRun, scores }));
`;

test("npm pack: the tarball installs into an empty project, imports as ESM with its types, and its bin runs", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", dir], { cwd: ROOT, env: NPM_ENV, maxBuffer: 64 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf("["))) as { filename: string; files: { path: string }[] }[];
    const paths = new Set(packed.files.map((f) => f.path));
    for (const must of ["dist/index.js", "dist/index.d.ts", "dist/rewards-api.js", "dist/cli/main.js", "plugins/trl/facial_r1_rewards.py", "configs/quickstart.yaml", "samples/fea-sample/train.jsonl"]) {
      assert.ok(paths.has(must), `${must} is in the package`);
    }
    assert.ok(![...paths].some((p) => p.startsWith("src/") || p.startsWith("tests/")), "sources and tests stay out");

    const project = join(dir, "consumer");
    await mkdir(project);
    await writeFile(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    await run("npm", ["install", join(dir, packed.filename), "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: project, env: NPM_ENV, maxBuffer: 64 * 1024 * 1024 });

    await writeFile(join(project, "run.mjs"), CONSUMER_MJS);
    const imported = JSON.parse((await run(process.execPath, ["run.mjs"], { cwd: project })).stdout) as { exports: number; planRun: string; scores: { total: number }[] };
    assert.equal(imported.planRun, "function");
    assert.ok(imported.exports > 40);
    assert.deepEqual(imported.scores.map((s) => s.total), [3]);

    await writeFile(join(project, "check.ts"), CONSUMER_TS);
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    await run(process.execPath, [tsc, "--noEmit", "--strict", "--skipLibCheck", "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext", "check.ts"], { cwd: project });

    const version = await run(join(project, "node_modules", ".bin", "facial-r1"), ["--version"], { cwd: project });
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+/);
    assert.ok((await readdir(join(project, "node_modules", "facial-r1", "plugins"))).includes("openrlhf"));
  } finally {
    await cleanup();
  }
});

test("the public API matches the checked-in report etc/facial-r1.api.md (change it on purpose: npm run api-report)", async () => {
  // npm pack above (or npm ci) built dist/; build again so that this test also stands alone.
  await run("npm", ["run", "build", "--silent"], { cwd: ROOT, env: NPM_ENV });
  const result = await run(process.execPath, [join(ROOT, "node_modules", "@microsoft", "api-extractor", "bin", "api-extractor"), "run"], { cwd: ROOT }).then(
    (r) => ({ ok: true, output: r.stdout }),
    (err: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${err.stdout ?? ""}${err.stderr ?? ""}` }),
  );
  assert.ok(result.ok, `the public API changed; review the diff and run npm run api-report:\n${result.output.slice(-3000)}`);

  // The API reference (docs/api) is generated from the same doc model: it must be current too.
  const { dir, cleanup } = await tempDir();
  try {
    await run(process.execPath, [join(ROOT, "node_modules", "@microsoft", "api-documenter", "bin", "api-documenter"), "markdown", "--input-folder", join(ROOT, ".api-temp"), "--output-folder", dir], { cwd: ROOT });
    const fresh = (await readdir(dir)).sort();
    const checkedIn = (await readdir(join(ROOT, "docs", "api"))).sort();
    assert.deepEqual(checkedIn, fresh, "docs/api lists other pages than the API has: npm run api-report");
    for (const page of fresh) assert.equal(await readFile(join(ROOT, "docs", "api", page), "utf8"), await readFile(join(dir, page), "utf8"), `docs/api/${page} is stale: npm run api-report`);
  } finally {
    await cleanup();
  }
});
