import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { appendFile, readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { tempDir } from "../helpers/cli.js";
import { testPython } from "../helpers/python-env.js";
import { hubEnv, startStandIn } from "../hub/fixtures.js";
import type { HubStandIn } from "../servers/hub-stand-in.js";
import { startOpenAiStandIn, type StandIn } from "../servers/openai-stand-in.js";
import { freePort, SAMPLE, startLoop, TRAIN_RECORDS, writeLoopWorkspace, type LoopProcess, type LoopWorkspace } from "./fixture.js";

interface RunRecordFile {
  id: string;
  bundle: string;
  pid?: number;
}

interface LogLine {
  kind: "synth" | "judge" | "infer";
  attempt: number;
  image_sha256: string;
}

const lines = (text: string) => text.split("\n").filter(Boolean);
const jsonl = <T>(file: string): T[] => (existsSync(file) ? lines(readFileSync(file, "utf8")).map((l) => JSON.parse(l) as T) : []);
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

async function registry(ws: LoopWorkspace): Promise<RunRecordFile[]> {
  const dir = join(ws.home, "runs");
  if (!existsSync(dir)) return [];
  return Promise.all((await readdir(dir)).filter((f) => f.endsWith(".json")).map(async (f) => JSON.parse(await readFile(join(dir, f), "utf8")) as RunRecordFile));
}

function state(ws: LoopWorkspace): { rounds: { round: number; launch?: { run_id: string; submitted: boolean }; train?: unknown; serve?: { job?: { run_id: string } } }[] } {
  const file = join(ws.out, "loop-state.json");
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : { rounds: [] };
}

/** Waits (bounded) until `ready` holds, checking every 50 ms; fails if the loop exits first. */
async function waitFor(loop: LoopProcess, what: string, ready: () => boolean, timeoutMs = 120_000): Promise<void> {
  let exited = false;
  void loop.done.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (exited) throw new Error(`the loop exited before ${what}: ${(await loop.done).stderr.slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2] !== "Z";
  } catch {
    return false;
  }
}

/** sha256 of each record's image, by record id. */
function imageHashes(file: string): Map<string, string> {
  return new Map(jsonl<{ id: string; image: string }>(file).map((r) => [r.id, sha256(readFileSync(join(SAMPLE, "images", r.image)))]));
}

describe("facial-r1 loop: two rounds on the bundled sample, killed with -9 twice in round 2", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let judge: StandIn;
  let hub: HubStandIn;
  let ws: LoopWorkspace;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    tmp = await tempDir("facial-r1-loop-");
    judge = await startOpenAiStandIn();
    hub = await startStandIn();
    ws = await writeLoopWorkspace(tmp.dir, { rounds: 2, perRound: 5, servePort: await freePort(), judgeUrl: judge.url, latencyMs: 150, push: { dataset: "lab/fea-loop", model: "lab/facial-r1-loop" } });
    // Each training step of the stand-in takes 0.5 s, so round 2's job is still running when the first kill comes.
    env = { ...hubEnv(hub, tmp.dir), FACIAL_R1_QUIET: "1", STANDIN_STEP_SECONDS: "0.5" };
  });
  after(async () => {
    // Whatever a failed run left behind: stop every job this test started, by its process group.
    for (const run of await registry(ws).catch(() => [])) {
      if (alive(run.pid)) {
        try {
          process.kill(-run.pid!, "SIGKILL");
        } catch {
          // gone
        }
      }
    }
    await judge.close();
    await hub.stop();
    await tmp.cleanup();
  });

  it("resumes after each kill with no repeated training job, API call or record, and reports the rounds", async (t) => {
    if (!testPython(t)) return;
    // Run 1: killed while round 2's training job runs.
    const first = startLoop(ws, env);
    await waitFor(first, "round 2's training job to start", () => {
      const round = state(ws).rounds.find((r) => r.round === 2);
      return round?.launch?.submitted === true && !round.train && existsSync(join(ws.out, "rounds", "2", "bundle", ".facial-r1", "runs", round.launch.run_id, "pid"));
    });
    first.child.kill("SIGKILL");
    assert.equal((await first.done).signal, "SIGKILL");
    const trainingRun2 = state(ws).rounds.find((r) => r.round === 2)!.launch!.run_id;

    // Run 2: killed in round 2's synthesis, with some records written and others in flight.
    const synthOut = join(ws.out, "rounds", "2", "synth", "out.jsonl");
    const second = startLoop(ws, env);
    await waitFor(second, "round 2's synthesis to write two records", () => existsSync(synthOut) && lines(readFileSync(synthOut, "utf8")).length >= 2);
    second.child.kill("SIGKILL");
    await second.done;
    const doneBeforeKill = new Set(lines(readFileSync(synthOut, "utf8")).flatMap((l) => {
      try {
        return [(JSON.parse(l) as { id: string }).id];
      } catch {
        return []; // a line cut by the kill
      }
    }));
    const serveRun2 = state(ws).rounds.find((r) => r.round === 2)!.serve!.job!.run_id;

    // Run 3: finishes.
    const third = await startLoop(ws, env).done;
    assert.equal(third.code, 0, third.stderr);
    const summary = JSON.parse(third.stdout) as { rounds: { round: number; run_id: string; training_records: number; next_records: number; accepted: number; selected: number; au_macro_f1: number | null; judge_mean: number | null }[]; finished: { reason: string } };
    assert.match(summary.finished.reason, /ran 2 rounds/);
    const final = state(ws);

    // No repeated training job: one run per round, round 2's the one the first run launched.
    const runs = await registry(ws);
    const training = runs.filter((r) => r.bundle.endsWith("/bundle"));
    assert.deepEqual(training.map((r) => r.id).sort(), final.rounds.map((r) => r.launch!.run_id).sort());
    assert.equal(final.rounds[1].launch!.run_id, trainingRun2);
    // One serving job per round (the one killed mid-synthesis was used again), all stopped.
    const serving = runs.filter((r) => r.bundle.endsWith("/serve"));
    assert.equal(serving.length, 2);
    assert.equal(final.rounds[1].serve!.job!.run_id, serveRun2);
    for (const run of runs) assert.ok(!alive(run.pid), `${run.id} is stopped`);

    // No repeated API call for a record already done: the serving job's request log.
    const log2 = jsonl<LogLine>(join(ws.out, "rounds", "2", "serve", "requests.jsonl"));
    const selection2 = imageHashes(join(ws.out, "rounds", "2", "synth", "selection.jsonl"));
    const firstAttempts = (log: LogLine[], image: string) => log.filter((l) => l.kind === "synth" && l.attempt === 1 && l.image_sha256 === image).length;
    assert.ok(doneBeforeKill.size >= 2);
    for (const id of doneBeforeKill) assert.equal(firstAttempts(log2, selection2.get(id)!), 1, `record ${id} was done before the kill`);
    for (const [id, image] of selection2) assert.ok(firstAttempts(log2, image) <= 2, `record ${id}: at most its request in flight at the kill is repeated`);
    const evalImages = imageHashes(join(SAMPLE, "test.jsonl"));
    for (const round of [1, 2]) {
      const log = jsonl<LogLine>(join(ws.out, "rounds", String(round), "serve", "requests.jsonl"));
      for (const [id, image] of evalImages) assert.equal(log.filter((l) => l.kind === "infer" && l.image_sha256 === image).length, 1, `round ${round}: eval record ${id} inferred once`);
    }
    const log1 = jsonl<LogLine>(join(ws.out, "rounds", "1", "serve", "requests.jsonl"));
    for (const [id, image] of imageHashes(join(ws.out, "rounds", "1", "synth", "selection.jsonl"))) assert.equal(firstAttempts(log1, image), 1, `round 1 record ${id}`);
    // The judge (cached under the output folder) never judged the same pair twice.
    assert.ok(judge.stats.chatRequests > 0);
    for (const [item, count] of judge.stats.requestsByItem) assert.equal(count, 1, `judge item ${item}`);

    // No duplicate records, and every selected record is accounted for.
    const pool = jsonl<{ id: string }>(ws.pool);
    for (const round of [1, 2]) {
      const dir = join(ws.out, "rounds", String(round));
      const out = jsonl<{ id: string; is_valid: boolean }>(join(dir, "synth", "out.jsonl"));
      const selected = jsonl<{ id: string }>(join(dir, "synth", "selection.jsonl")).map((r) => r.id);
      assert.equal(selected.length, 5);
      assert.deepEqual(out.map((r) => r.id).sort(), [...selected].sort(), `round ${round}: one output per selected record`);
      const accepted = jsonl<{ id: string }>(join(dir, "synth", "accepted.jsonl"));
      const rejected = jsonl<{ id: string; reasons: string[] }>(join(dir, "synth", "rejected.jsonl"));
      assert.deepEqual(accepted.map((r) => r.id).sort(), out.filter((r) => r.is_valid).map((r) => r.id).sort());
      const excluded = rejected.filter((r) => r.reasons.some((reason) => /^(leak|duplicate):/.test(reason)));
      assert.equal(rejected.length - excluded.length, out.filter((r) => !r.is_valid).length);
      const dataset = jsonl<{ id: string }>(join(dir, "dataset", "train.jsonl")).map((r) => r.id);
      assert.equal(new Set(dataset).size, dataset.length, `round ${round}: data version ${round + 1} has no duplicate ids`);
      assert.equal(dataset.length, summary.rounds[round - 1].training_records + accepted.length);
      assert.equal(summary.rounds[round - 1].next_records, dataset.length);
    }
    const rejected1 = jsonl<{ id: string; reasons: string[] }>(join(ws.out, "rounds", "1", "synth", "rejected.jsonl"));
    assert.match(rejected1.find((r) => r.id === ws.leakId)!.reasons.join(), /^leak: image .* is the image of eval record/);
    assert.match(rejected1.find((r) => r.id === ws.duplicateId)!.reasons.join(), /^duplicate: id .* is in the training data/);
    const used = [1, 2].flatMap((k) => jsonl<{ id: string }>(join(ws.out, "rounds", String(k), "synth", "selection.jsonl")).map((r) => r.id));
    assert.equal(new Set(used).size, used.length, "no pool record is synthesized twice");
    assert.ok(used.every((id) => pool.some((r) => r.id === id)));
    assert.equal(summary.rounds[0].training_records, TRAIN_RECORDS);

    // The manifest names what each round came from and made, by content hash.
    const manifest = JSON.parse(await readFile(join(ws.out, "rounds", "2", "manifest.json"), "utf8"));
    assert.equal(manifest.parent_data.sha256, sha256(readFileSync(join(ws.out, "rounds", "1", "dataset", "train.jsonl"))));
    assert.equal(manifest.model.run_id, trainingRun2);
    for (const file of manifest.model.files as { path: string; sha256: string }[]) {
      assert.equal(file.sha256, sha256(readFileSync(join(ws.out, "rounds", "2", "pulled", "checkpoints", manifest.model.checkpoint, file.path))));
    }
    assert.equal(manifest.synthesized.accepted.records, summary.rounds[1].accepted);
    assert.equal(manifest.dataset.version, 3);
    assert.equal(manifest.dataset.eval_leaks, 0);
    assert.equal(manifest.config.run_config.sha256, sha256(readFileSync(join(ws.out, "rounds", "2", "run.yaml"))));

    // The report across rounds.
    const report = JSON.parse(await readFile(join(ws.out, "report", "report.json"), "utf8")) as { rounds: unknown[] };
    assert.equal(report.rounds.length, 2);
    const html = await readFile(join(ws.out, "report", "report.html"), "utf8");
    assert.equal((html.match(/<svg /g) ?? []).length, 4);
    assert.match(await readFile(join(ws.out, "report", "report.md"), "utf8"), /\| 2 \| e2e-round-2-/);

    // Each round pushed to main and tagged round-k, in both repositories.
    for (const [type, repo] of [["dataset", "lab/fea-loop"], ["model", "lab/facial-r1-loop"]]) {
      const stored = hub.repos.get(`${type}/${repo}`)!;
      assert.equal(stored.tags.get("round-2"), stored.branches.get("main")!.sha, repo);
      assert.notEqual(stored.tags.get("round-1"), stored.tags.get("round-2"), repo);
    }
    const datasetRepo = hub.repos.get("dataset/lab/fea-loop")!;
    for (const round of [1, 2]) {
      const metadata = datasetRepo.snapshots.get(datasetRepo.tags.get(`round-${round}`)!)!.files.get("train/metadata.jsonl")!;
      assert.equal(lines(metadata.content!.toString()).length, summary.rounds[round - 1].next_records, `round-${round} holds data version ${round + 1}`);
    }

    // A rerun of a finished loop starts nothing and asks nothing.
    const before = { runs: runs.length, log: log2.length, judge: judge.stats.chatRequests };
    const again = await startLoop(ws, env).done;
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      { runs: (await registry(ws)).length, log: jsonl(join(ws.out, "rounds", "2", "serve", "requests.jsonl")).length, judge: judge.stats.chatRequests },
      before,
    );
  });
});

describe("facial-r1 loop: a given endpoint, a failed training run, the stop rule", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let server: StandIn;
  before(async () => {
    tmp = await tempDir("facial-r1-loop-");
    server = await startOpenAiStandIn();
  });
  after(async () => {
    await server.close();
    await tmp.cleanup();
  });

  it("stops on a failed run until --retry-failed, and stops when the metric stops improving", async (t) => {
    if (!testPython(t)) return;
    const ws = await writeLoopWorkspace(tmp.dir, {
      rounds: 3,
      perRound: 4,
      servePort: 1,
      judgeUrl: server.url,
      extra: { endpoint: { url: server.url, model: "stand-in" }, stop: { rounds: 3, metric: "au.macro_f1", min_improvement: 0.01 } },
    });
    // The starting data shows one eval image under another id: reported at each merge, kept.
    const evalRecord = JSON.parse(readFileSync(join(SAMPLE, "test.jsonl"), "utf8").split("\n")[1]) as Record<string, unknown>;
    await appendFile(ws.train, `${JSON.stringify({ ...evalRecord, id: "train-shows-an-eval-image" })}\n`);
    const failing = await startLoop(ws, { STANDIN_FAIL_AT_STEP: "1" }).done;
    assert.equal(failing.code, 1);
    assert.match(failing.stderr, /round 1: training run (\S+) failed; see facial-r1 logs \1, then rerun with --retry-failed/);
    const again = await startLoop(ws).done;
    assert.equal(again.code, 1, "a failed run is not launched again without --retry-failed");
    assert.equal((await registry(ws)).length, 1);

    const retried = await startLoop(ws, {}, ["--retry-failed"]).done;
    assert.equal(retried.code, 0, retried.stderr);
    const summary = JSON.parse(retried.stdout) as { rounds: { round: number; metric: number; stopped: string | null; next_records: number | null }[]; finished: { reason: string } };
    // The stand-in model answers the same every round: round 2 does not improve on round 1, so the loop stops there.
    assert.deepEqual(summary.rounds.map((r) => r.round), [1, 2]);
    assert.equal(summary.rounds[1].metric, summary.rounds[0].metric);
    assert.match(summary.finished.reason, /^round 2: au\.macro_f1 went from .* \(\+0\), less than min_improvement 0\.01$/);
    assert.equal(summary.rounds[1].next_records, null, "a stopped round synthesizes nothing");
    assert.ok(!existsSync(join(ws.out, "rounds", "2", "synth")));
    assert.equal((await registry(ws)).length, 3, "the failed run, its retry and round 2's run; no serving jobs");
    const manifest = JSON.parse(await readFile(join(ws.out, "rounds", "2", "manifest.json"), "utf8")) as { stopped: string; endpoint: { url: string } };
    assert.equal(manifest.endpoint.url, server.url);
    assert.match(manifest.stopped, /less than min_improvement/);
    const round1 = JSON.parse(await readFile(join(ws.out, "rounds", "1", "manifest.json"), "utf8")) as { dataset: { eval_leaks: number } };
    assert.equal(round1.dataset.eval_leaks, 1);
    assert.match(retried.stderr, /warning: .*train\.jsonl:\d+: id: leak: image \S+ is the image of eval record "[^"]+" \(training data that shares the eval set/);
  });
});

describe("facial-r1 loop: inputs", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => (tmp = await tempDir("facial-r1-loop-")));
  after(() => tmp.cleanup());

  it("refuses a missing input before any job starts (exit 2)", async () => {
    const ws = await writeLoopWorkspace(tmp.dir, { rounds: 1, perRound: 1, servePort: 1, judgeUrl: "http://127.0.0.1:1/v1" });
    await rm(ws.pool);
    const result = await startLoop(ws).done;
    assert.equal(result.code, 2);
    assert.match(result.stderr, /pool\.file: .*pool\.jsonl: no such file or folder/);
    assert.ok(!existsSync(join(ws.home, "runs")), "nothing was launched");
  });
});
