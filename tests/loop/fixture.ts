import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { stringify } from "yaml";
import { ROOT } from "../helpers/cli.js";
import { standInSetup } from "../launch/fixture.js";

export const SAMPLE = join(ROOT, "samples", "fea-sample");
const TSX = pathToFileURL(createRequire(join(ROOT, "package.json")).resolve("tsx")).href;

/** Records of round 1's training data; the rest of the sample's training file is the pool. */
export const TRAIN_RECORDS = 24;

export interface LoopWorkspace {
  dir: string;
  config: string;
  out: string;
  /** FACIAL_R1_HOME of the loop's runs. */
  home: string;
  pool: string;
  train: string;
  /** Pool records planted to be excluded: one shows an eval image, one repeats a training id. */
  leakId: string;
  duplicateId: string;
}

export interface WorkspaceOptions {
  rounds: number;
  perRound: number;
  servePort: number;
  judgeUrl: string;
  /** Reply latency of the served stand-in model, ms. */
  latencyMs?: number;
  push?: { dataset: string; model: string };
  /** Extra loop config keys (merged at the top level). */
  extra?: Record<string, unknown>;
}

/**
 * A loop over the bundled sample: round 1 trains on the first 24 records of its training file,
 * the other 12 are the pool (with a record showing an eval image and one repeating a training
 * id planted among them), the sample's test file is the eval set. Training runs on the local
 * backend with the CPU stand-in trainer; each round's serving job runs the OpenAI stand-in as
 * its server process.
 */
export async function writeLoopWorkspace(dir: string, options: WorkspaceOptions): Promise<LoopWorkspace> {
  const lines = (await readFile(join(SAMPLE, "train.jsonl"), "utf8")).trim().split("\n");
  const evalRecord = JSON.parse((await readFile(join(SAMPLE, "test.jsonl"), "utf8")).split("\n")[0]) as Record<string, unknown>;
  const data = join(dir, "data");
  await mkdir(data, { recursive: true });
  const train = join(data, "train.jsonl");
  await writeFile(train, `${lines.slice(0, TRAIN_RECORDS).join("\n")}\n`);
  const leak = { ...evalRecord, id: "pool-leak-0001", description: undefined };
  const duplicate = { ...(JSON.parse(lines[TRAIN_RECORDS + 1]) as Record<string, unknown>), id: (JSON.parse(lines[0]) as { id: string }).id };
  const poolLines = [lines[TRAIN_RECORDS], JSON.stringify(leak), JSON.stringify(duplicate), ...lines.slice(TRAIN_RECORDS + 1)];
  const pool = join(data, "pool.jsonl");
  await writeFile(pool, `${poolLines.join("\n")}\n`);

  const setup = await standInSetup(dir);
  const runConfig = join(dir, "run.yaml");
  await writeFile(
    runConfig,
    stringify({
      name: "e2e",
      stage: "grpo",
      model: { path: "Qwen/Qwen2.5-VL-3B-Instruct" },
      trainer: { target: "facial-r1", drop_empty_aus: true },
      datasets: [{ file: "data/train.jsonl", images: SAMPLE + "/images" }],
      training: { epochs: 1 },
    }),
  );
  const serve = [
    `exec ${JSON.stringify(process.execPath)} --import ${JSON.stringify(TSX)} ${JSON.stringify(join(ROOT, "tests", "servers", "openai-stand-in-main.ts"))}`,
    `--port "$PORT" --log "$PWD/requests.jsonl" --latency-ms ${options.latencyMs ?? 100} --mistake-every 3`,
  ].join(" ");
  const config = join(dir, "loop.yaml");
  const loop: Record<string, unknown> = {
    name: "e2e",
    out: "./out",
    train: { config: "run.yaml", poll_interval_s: 0.2 },
    data: { file: "data/train.jsonl", images: join(SAMPLE, "images") },
    pool: { file: "data/pool.jsonl", per_round: options.perRound },
    eval: { file: join(SAMPLE, "test.jsonl"), images: join(SAMPLE, "images"), judge: { endpoint: options.judgeUrl, concurrency: 4 } },
    endpoint: { serve: { command: serve, port: options.servePort, model: "facial-r1", ready_timeout_s: 60 } },
    launch: { backend: "local", setup },
    requests: { concurrency: 2, corrections: 1, timeout_s: 30, retries: 2 },
    stop: { rounds: options.rounds, metric: "au.macro_f1" },
    ...(options.push ? { push: { dataset: { repo: options.push.dataset, layout: "imagefolder" }, model: { repo: options.push.model } } } : {}),
    ...options.extra,
  };
  await writeFile(config, `# yaml-language-server: $schema=${join(ROOT, "schemas", "loop.schema.json")}\n${stringify(loop)}`);
  return { dir, config, out: join(dir, "out"), home: join(dir, "home"), pool, train, leakId: "pool-leak-0001", duplicateId: (JSON.parse(lines[0]) as { id: string }).id };
}

/** A free TCP port on 127.0.0.1 (for a serving job's server). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface LoopProcess {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** `facial-r1 loop CONFIG --json` as its own process (so a test can kill -9 it). */
export function startLoop(ws: LoopWorkspace, env: NodeJS.ProcessEnv = {}, args: string[] = []): LoopProcess {
  const child = spawn(process.execPath, ["--import", TSX, join(ROOT, "src", "cli", "main.ts"), "loop", ws.config, "--json", ...args], {
    cwd: ws.dir,
    env: { ...process.env, FACIAL_R1_QUIET: "1", FACIAL_R1_HOME: ws.home, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}
