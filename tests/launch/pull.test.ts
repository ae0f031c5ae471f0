import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { appendFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { scratch } from "./fixture.js";
import { infraEnv } from "../helpers/infra.js";
import { pullRun } from "../../src/runs/pull.js";
import { baseModelOfCheckpoint } from "../../src/runs/base-model.js";
import type { RunRecord } from "../../src/launch/types.js";

function trainerState(step: number, rewards: number[]): string {
  const log_history = rewards.map((reward, i) => ({ step: i + 1, reward, "rewards/format_reward": reward / 2, loss: 0.1, epoch: (i + 1) / rewards.length }));
  return JSON.stringify({ global_step: step, max_steps: rewards.length, epoch: 1, log_history });
}

describe("pull", () => {
  let dir: string;
  let job: ChildProcess;
  let record: RunRecord;
  let output: string;

  before(async () => {
    dir = await scratch();
    const workdir = join(dir, "run");
    output = join(workdir, "outputs", "demo");
    await mkdir(join(workdir, ".facial-r1"), { recursive: true });
    // A live "job": the pull must treat the run as still running.
    job = spawn("sleep", ["120"], { stdio: "ignore" });
    await writeFile(join(workdir, ".facial-r1", "pid"), `${job.pid}\n`);
    await writeFile(join(workdir, ".facial-r1", "job.log"), "step 1\nstep 2\n");
    await writeFile(join(workdir, "manifest.json"), `${JSON.stringify({ format: "facial-r1-run-bundle/1", config: { model: { path: "Qwen/Qwen2.5-VL-3B-Instruct" } } })}\n`);
    for (const step of [1, 2]) {
      await mkdir(join(output, `checkpoint-${step}`), { recursive: true });
      await writeFile(join(output, `checkpoint-${step}`, "model.safetensors"), Buffer.alloc(4096 * step, step));
      await writeFile(join(output, `checkpoint-${step}`, "trainer_state.json"), trainerState(step, [0.5, 1.5, 1.0].slice(0, step)));
    }
    // checkpoint-3: weights written, trainer_state.json not yet (being saved).
    await mkdir(join(output, "checkpoint-3"), { recursive: true });
    await writeFile(join(output, "checkpoint-3", "model.safetensors"), Buffer.alloc(1000));
    await mkdir(join(output, "tmp-checkpoint-4"), { recursive: true });
    record = { id: "demo", backend: "local", bundle: workdir, entry: "run.sh", createdAt: new Date().toISOString(), workdir, outputDir: "outputs/demo", pid: job.pid };
  });
  after(async () => {
    job.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it("skips checkpoints still being written", async (t) => {
    if (!infraEnv(t)) return;
    // checkpoint-2 keeps changing during the pull's settle window: not complete yet either.
    const writer = setInterval(() => void appendFile(join(output, "checkpoint-2", "optimizer.pt"), "x"), 50);
    const report = await pullRun({ record, out: join(dir, "out-best"), checkpoints: "best", settleMs: 600 }).finally(() => clearInterval(writer));
    assert.equal(report.status.state, "running");
    assert.deepEqual(
      report.checkpoints.map((c) => [c.name, c.action]),
      [["checkpoint-1", "fetched"], ["checkpoint-2", "incomplete"], ["checkpoint-3", "incomplete"]],
    );
    assert.equal(report.metricsRows, 1, "metrics come from the newest complete checkpoint's trainer_state.json");
  });

  it("completes a checkpoint left half-copied by an interrupted pull and never fetches it twice", async (t) => {
    if (!infraEnv(t)) return;
    const out = join(dir, "out-resume");
    const local = join(out, "checkpoints", "checkpoint-2");
    await mkdir(local, { recursive: true });
    await writeFile(join(local, "model.safetensors"), Buffer.alloc(100, 2)); // truncated copy, no completion marker
    const first = await pullRun({ record, out, checkpoints: "all", settleMs: 100 });
    assert.deepEqual(first.checkpoints.filter((c) => c.action === "fetched").map((c) => c.name), ["checkpoint-1", "checkpoint-2"]);
    assert.deepEqual(await readFile(join(local, "model.safetensors")), await readFile(join(output, "checkpoint-2", "model.safetensors")));
    const second = await pullRun({ record, out, checkpoints: "all", settleMs: 100 });
    assert.deepEqual(second.checkpoints.filter((c) => c.action === "already-pulled").map((c) => c.name), ["checkpoint-1", "checkpoint-2"]);
    const rows = (await readFile(join(out, "metrics.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(rows.map((r) => [r.step, r.reward]), [[1, 0.5], [2, 1.5]]);
  });

  it("picks the best checkpoint by a metric", async (t) => {
    if (!infraEnv(t)) return;
    const byReward = await pullRun({ record, out: join(dir, "out-reward"), checkpoints: "best", bestMetric: "reward", settleMs: 100 });
    assert.deepEqual(byReward.checkpoints.filter((c) => c.action === "fetched").map((c) => c.name), ["checkpoint-2"]);
    await assert.rejects(pullRun({ record, out: join(dir, "out-none"), checkpoints: "best", bestMetric: "missing_metric", settleMs: 100 }), /no metric "missing_metric" in the run's log_history \(it has: epoch, loss, reward/);
  });

  it("leaves weights behind with --no-weights", async (t) => {
    if (!infraEnv(t)) return;
    const out = join(dir, "out-light");
    await pullRun({ record, out, checkpoints: "last", weights: false, settleMs: 100 });
    await assert.rejects(readFile(join(out, "checkpoints", "checkpoint-2", "model.safetensors")));
    assert.ok(JSON.parse(await readFile(join(out, "checkpoints", "checkpoint-2", "trainer_state.json"), "utf8")).global_step === 2);
    // The bundle's manifest comes along: the pulled checkpoint says what it was trained from.
    assert.equal(await readFile(join(out, "manifest.json"), "utf8"), await readFile(join(record.bundle, "manifest.json"), "utf8"));
    assert.equal((await baseModelOfCheckpoint(join(out, "checkpoints", "checkpoint-2")))?.id, "Qwen/Qwen2.5-VL-3B-Instruct");
  });
});

/** A finished run of `trainer` whose output folder holds `files` (path → content); the tracker files say which checkpoints finished. */
async function finishedRun(dir: string, trainer: string, files: Record<string, string>): Promise<RunRecord> {
  const workdir = join(dir, trainer);
  const jobDir = ".facial-r1/runs/r1";
  await mkdir(join(workdir, jobDir), { recursive: true });
  await writeFile(join(workdir, jobDir, "job.log"), "done\n");
  await writeFile(join(workdir, jobDir, "pid"), "999999999\n");
  await writeFile(join(workdir, jobDir, "exit_code"), "0\n");
  await writeFile(join(workdir, "manifest.json"), `${JSON.stringify({ format: "facial-r1-run-bundle/1", trainer })}\n`);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(workdir, "out", path, ".."), { recursive: true });
    await writeFile(join(workdir, "out", path), content);
  }
  return { id: `${trainer}-run`, backend: "local", bundle: workdir, entry: "train.sh", createdAt: new Date().toISOString(), workdir, outputDir: "out", jobDir };
}

describe("pull of each trainer's checkpoint layout", () => {
  let dir: string;
  before(async () => {
    dir = await scratch();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  // weight and kept: paths under the pulled checkpoints/ folder; from: the weight's path in the output folder.
  const cases: { trainer: string; files: Record<string, string>; expected: [string, string][]; weight: string; from: string; kept: string }[] = [
    {
      // verl: latest_checkpointed_iteration.txt is written after global_step_N is saved; step 3 was cut off.
      trainer: "verl",
      files: {
        "global_step_1/actor/model_world_size_1_rank_0.pt": "w1",
        "global_step_1/actor/huggingface/config.json": "{}",
        "global_step_2/actor/model_world_size_1_rank_0.pt": "w2",
        "global_step_2/actor/huggingface/config.json": "{}",
        "global_step_2/data.pt": "d",
        "global_step_3/actor/model_world_size_1_rank_0.pt": "w3",
        "latest_checkpointed_iteration.txt": "2",
      },
      expected: [["global_step_1", "not-selected"], ["global_step_2", "fetched"], ["global_step_3", "incomplete"]],
      weight: "global_step_2/actor/model_world_size_1_rank_0.pt",
      from: "global_step_2/actor/model_world_size_1_rank_0.pt",
      kept: "global_step_2/actor/huggingface/config.json",
    },
    {
      trainer: "easyr1",
      files: {
        "global_step_5/actor/model_world_size_1_rank_0.pt": "w5",
        "global_step_5/actor/huggingface/config.json": "{}",
        "global_step_10/actor/model_world_size_1_rank_0.pt": "w10",
        "global_step_10/actor/huggingface/config.json": "{}",
        "checkpoint_tracker.json": JSON.stringify({ best_global_step: 5, best_val_reward_score: 0.5, last_global_step: 10, last_actor_path: "/x/global_step_10/actor" }),
        "experiment_log.jsonl": "",
      },
      expected: [["global_step_5", "not-selected"], ["global_step_10", "fetched"]],
      weight: "global_step_10/actor/model_world_size_1_rank_0.pt",
      from: "global_step_10/actor/model_world_size_1_rank_0.pt",
      kept: "global_step_10/actor/huggingface/config.json",
    },
    {
      // OpenRLHF: DeepSpeed tags under ckpt/_actor with `latest`, and Hugging Face copies beside them.
      trainer: "openrlhf",
      files: {
        "ckpt/_actor/global_step4/mp_rank_00_model_states.pt": "w4",
        "ckpt/_actor/global_step4/client_states.json": "{}",
        "ckpt/_actor/global_step8/mp_rank_00_model_states.pt": "w8",
        "ckpt/_actor/global_step8/client_states.json": "{}",
        "ckpt/_actor/latest": "global_step8",
        "ckpt/_actor/best_global_step4/client_states.json": "{}",
        "ckpt/global_step8_hf/config.json": "{}",
        "ckpt/global_step8_hf/model.safetensors": "w8",
      },
      expected: [["global_step4", "not-selected"], ["global_step8", "fetched"], ["global_step8_hf", "fetched"]],
      weight: "global_step8/mp_rank_00_model_states.pt",
      from: "ckpt/_actor/global_step8/mp_rank_00_model_states.pt",
      kept: "global_step8/client_states.json",
    },
  ];

  for (const c of cases) {
    it(`${c.trainer}: lists its checkpoints, knows the finished ones from its tracker, fetches the last`, async (t) => {
      if (!infraEnv(t)) return;
      const record = await finishedRun(dir, c.trainer, c.files);
      const out = join(dir, `pulled-${c.trainer}`);
      const report = await pullRun({ record, out, checkpoints: "last" });
      assert.equal(report.status.state, "succeeded");
      assert.deepEqual(report.checkpoints.map((k) => [k.name, k.action]).sort(), [...c.expected].sort());
      assert.equal(await readFile(join(out, "checkpoints", c.weight), "utf8"), c.files[c.from]);
      const again = await pullRun({ record, out, checkpoints: "last" });
      assert.ok(again.checkpoints.every((k) => k.action !== "fetched"), "a second pull fetches nothing again");

      const light = join(dir, `light-${c.trainer}`);
      await pullRun({ record, out: light, checkpoints: "last", weights: false });
      await assert.rejects(readFile(join(light, "checkpoints", c.weight)), "--no-weights leaves the weights");
      assert.ok(await readFile(join(light, "checkpoints", c.kept), "utf8"), "and keeps the checkpoint's metadata");
    });
  }

  it("an HF checkpoint's DeepSpeed folder is left out with --no-weights, its metadata kept", async (t) => {
    if (!infraEnv(t)) return;
    const record = await finishedRun(dir, "facial-r1", {
      "checkpoint-2/trainer_state.json": JSON.stringify({ global_step: 2, max_steps: 2, epoch: 1, log_history: [{ step: 2, reward: 1, loss: 0.1 }] }),
      "checkpoint-2/config.json": "{}",
      "checkpoint-2/global_step2/zero_pp_rank_0_mp_rank_00_optim_states.json": "{}",
    });
    const out = join(dir, "light-hf");
    const report = await pullRun({ record, out, checkpoints: "last", weights: false });
    assert.deepEqual(report.checkpoints.map((k) => [k.name, k.action]), [["checkpoint-2", "fetched"]]);
    assert.equal(await readFile(join(out, "checkpoints", "checkpoint-2", "config.json"), "utf8"), "{}");
    await assert.rejects(readFile(join(out, "checkpoints", "checkpoint-2", "global_step2", "zero_pp_rank_0_mp_rank_00_optim_states.json")));
  });
});
