// facial-r1 loop overhead per round: two rounds on the bundled sample (24 training records, 5
// pool records synthesized per round, the 12-record test set evaluated and judged, both pushed
// to the Hub stand-in), with the CPU stand-in trainer on the local backend and the OpenAI
// stand-in answering at once. Overhead = wall time minus the training jobs' own time (there is
// no API latency to remove). Baseline in the same run: the same rounds done by hand, one CLI
// command per step (plan, launch --wait, pull, eval infer / judge / score, synth, data merge,
// hub push-model / push-dataset, eval report), as a user chains them today.
import { statSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measureNode, recordResults, ROOT, table, type Measurement } from "./lib.js";
import { hubEnv, startStandIn } from "../tests/hub/fixtures.js";
import { startOpenAiStandIn } from "../tests/servers/openai-stand-in.js";
import { SAMPLE, writeLoopWorkspace, type LoopWorkspace } from "../tests/loop/fixture.js";
import { writeRoundConfig } from "../src/loop/round-config.js";

const CLI = join(ROOT, "dist", "cli", "main.js");
const ROUNDS = 2;
const PER_ROUND = 5;
const RUNS = 2;

const judge = await startOpenAiStandIn();
const model = await startOpenAiStandIn();
const hub = await startStandIn();

/** Wall time of a training job: from its wrapper being written (submit) to its exit code. */
function jobSeconds(bundle: string): number {
  const started = statSync(join(bundle, ".facial-r1", "job.sh")).mtimeMs;
  const ended = statSync(join(bundle, ".facial-r1", "exit_code")).mtimeMs;
  return (ended - started) / 1000;
}

async function workspace(tag: string): Promise<{ ws: LoopWorkspace; env: NodeJS.ProcessEnv }> {
  const dir = await mkdtemp(join(tmpdir(), `bench-loop-${tag}-`));
  const ws = await writeLoopWorkspace(dir, {
    rounds: ROUNDS,
    perRound: PER_ROUND,
    servePort: 1,
    judgeUrl: judge.url,
    push: { dataset: `lab/${tag}-data`, model: `lab/${tag}-model` },
    extra: { endpoint: { url: model.url, model: "stand-in" } },
  });
  return { ws, env: { ...hubEnv(hub, dir), FACIAL_R1_HOME: ws.home } };
}

interface Timing {
  seconds: number;
  /** Processes started (1 for the loop). */
  commands: number;
  training: number;
  peakRssMiB: number;
}

async function loopOnce(i: number): Promise<Timing> {
  const { ws, env } = await workspace(`loop${i}`);
  const m = await measureNode([CLI, "loop", ws.config, "--json"], env);
  if (m.exitCode !== 0) throw new Error(`loop failed: ${m.stderr.slice(-3000)}`);
  let training = 0;
  for (let k = 1; k <= ROUNDS; k++) training += jobSeconds(join(ws.out, "rounds", String(k), "bundle"));
  await rm(ws.dir, { recursive: true, force: true });
  return { seconds: m.seconds, commands: 1, training, peakRssMiB: m.peakRssMiB };
}

/** The same rounds by hand: one CLI process per step. */
async function byHandOnce(i: number): Promise<Timing> {
  const { ws, env } = await workspace(`hand${i}`);
  const images = join(SAMPLE, "images");
  const test = join(SAMPLE, "test.jsonl");
  const setup = ["--setup", `export PATH=${join(ROOT, "tests", "stand-in", "bin")}:$PATH`, "--setup", `export TRAINER_HOME=${join(ws.dir, "trainer-home")}`];
  let seconds = 0;
  let training = 0;
  let peak = 0;
  let commands = 0;
  const run = async (args: string[]): Promise<Measurement> => {
    commands++;
    const m = await measureNode([CLI, ...args], env);
    if (m.exitCode !== 0) throw new Error(`${args.slice(0, 2).join(" ")} failed: ${m.stderr.slice(-3000)}`);
    seconds += m.seconds;
    peak = Math.max(peak, m.peakRssMiB);
    return m;
  };
  const used = new Set<string>([ws.leakId, ws.duplicateId]);
  let data = ws.train;
  const scores: string[] = [];
  for (let k = 1; k <= ROUNDS; k++) {
    const dir = join(ws.dir, "by-hand", String(k));
    await mkdir(dir, { recursive: true });
    const config = await writeRoundConfig({ template: join(ws.dir, "run.yaml"), round: k, data, images, out: dir });
    await run(["plan", config, "--out", join(dir, "bundle")]);
    const launched = await run(["launch", join(dir, "bundle"), ...setup, "--wait", "finished", "--json"]);
    training += jobSeconds(join(dir, "bundle"));
    const id = (JSON.parse(launched.stdout) as { id: string }).id;
    const pulled = await run(["pull", id, "--out", join(dir, "pulled"), "--json"]);
    const checkpoint = (JSON.parse(pulled.stdout) as { checkpoints: { name: string; action: string }[] }).checkpoints.filter((c) => c.action === "fetched").pop()!.name;
    const predictions = join(dir, "predictions.jsonl");
    const endpoint = ["--endpoint", model.url, "--model", "stand-in", "--concurrency", "2"];
    await run(["eval", "infer", "--dataset", test, "--images", images, ...endpoint, "--out", predictions]);
    await run(["eval", "judge", "--dataset", test, "--predictions", predictions, "--endpoint", judge.url, "--cache", join(dir, "judge-cache"), "--out", join(dir, "judge.jsonl")]);
    const score = await run(["eval", "score", "--dataset", test, "--predictions", predictions, "--judgements", join(dir, "judge.jsonl"), "--json"]);
    scores.push(join(dir, `round-${k}.json`));
    await writeFile(scores[scores.length - 1], score.stdout);
    // Selection by hand: the next pool records not used yet.
    const pool = (await readFile(ws.pool, "utf8")).trim().split("\n").filter((l) => !used.has((JSON.parse(l) as { id: string }).id)).slice(0, PER_ROUND);
    for (const l of pool) used.add((JSON.parse(l) as { id: string }).id);
    await writeFile(join(dir, "selection.jsonl"), `${pool.join("\n")}\n`);
    const synth = join(dir, "synth.jsonl");
    await run(["synth", "--dataset", join(dir, "selection.jsonl"), "--images", images, ...endpoint, "--retries", "1", "--out", synth]);
    const accepted = (await readFile(synth, "utf8")).trim().split("\n").filter((l) => (JSON.parse(l) as { is_valid: boolean }).is_valid);
    await writeFile(join(dir, "accepted.jsonl"), `${accepted.join("\n")}\n`);
    const next = join(dir, "dataset", "train.jsonl");
    await mkdir(join(dir, "dataset"), { recursive: true });
    await run(["data", "merge", data, join(dir, "accepted.jsonl"), "--out", next]);
    await run(["hub", "push-model", join(dir, "pulled", "checkpoints", checkpoint), "--repo", `lab/hand${i}-model`, "--eval", scores[scores.length - 1], "--tag", `round-${k}`]);
    await run(["hub", "push-dataset", next, "--images", images, "--layout", "imagefolder", "--repo", `lab/hand${i}-data`, "--tag", `round-${k}`]);
    await run(["eval", "report", ...scores, "--out", join(ws.dir, "by-hand", "report")]);
    data = next;
  }
  await rm(ws.dir, { recursive: true, force: true });
  return { seconds, commands, training, peakRssMiB: peak };
}

try {
  const loops: Timing[] = [];
  const hands: Timing[] = [];
  for (let i = 0; i < RUNS; i++) {
    hands.push(await byHandOnce(i));
    loops.push(await loopOnce(i));
  }
  const overhead = (t: Timing) => (t.seconds - t.training) / ROUNDS;
  const best = (list: Timing[]) => list.reduce((a, b) => (overhead(b) < overhead(a) ? b : a));
  const loop = best(loops);
  const hand = best(hands);
  const rows = [
    ["by hand: one CLI command per step (baseline)", hand.seconds.toFixed(2), (hand.training / ROUNDS).toFixed(2), overhead(hand).toFixed(2), "100%", hand.peakRssMiB.toFixed(0)],
    ["`facial-r1 loop`", loop.seconds.toFixed(2), (loop.training / ROUNDS).toFixed(2), overhead(loop).toFixed(2), `${((overhead(loop) / overhead(hand)) * 100).toFixed(0)}%`, loop.peakRssMiB.toFixed(0)],
  ];
  const markdown = [
    "## loop",
    "",
    `Two rounds on the bundled sample: ${PER_ROUND} pool records synthesized per round (quality check, one correction at most), the 12-record test set inferred, judged and scored, the checkpoint and the new data version (image-folder layout) pushed and tagged, the report written. CPU stand-in trainer on the local backend, OpenAI stand-ins answering at once, Hub stand-in: so the overhead per round is the wall time minus the training jobs' own time (wrapper written to exit code), with no API latency in it. Baseline in the same run: the same steps by hand, one \`dist/cli\` process each (${hand.commands} commands). Best of ${RUNS} runs, taken alternately.`,
    "",
    table(["run", "wall s (2 rounds)", "training s per round", "overhead s per round", "overhead vs by hand", "peak RSS MiB"], rows),
  ].join("\n");
  recordResults("loop", markdown);
  console.error(markdown);
} finally {
  await judge.close();
  await model.close();
  await hub.stop();
}
