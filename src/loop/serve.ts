import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { backendFor, executorFor, refreshStatus } from "../launch/launch.js";
import { isFinished, type RunRecord } from "../launch/types.js";
import { loadRun } from "../launch/registry.js";
import { shellQuote } from "../util/shell.js";
import { failure } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import type { ServeConfig } from "./config.js";
import type { LoopContext } from "./context.js";
import { startJobOnce } from "./jobs.js";
import { roundDir, type RoundState } from "./state.js";

/** The file a serving job writes its host name to, next to its job files. */
const HOST_FILE = ".facial-r1/serve-host";
const READY_POLL_MS = 1000;

/**
 * The endpoint that evaluates and synthesizes a round: the configured URL, or a serving job
 * launched like the training job (same backend, setup lines) on the round's checkpoint, and
 * stopped once synthesis is done. A serving job that a rerun finds still running is used
 * again; one that died is replaced.
 */
export async function serveRound(ctx: LoopContext, round: RoundState): Promise<{ endpoint: string; model: string }> {
  const { endpoint } = ctx.loaded.config;
  if (endpoint.url !== undefined) {
    if (!round.serve) await ctx.store.done(round, "serve", { endpoint: endpoint.url, model: endpoint.model! });
    return { endpoint: endpoint.url, model: endpoint.model! };
  }
  const serve = endpoint.serve!;
  let job = round.serve?.job;
  if (job?.submitted) {
    const record = await loadRun(job.run_id).catch(() => undefined);
    if (!record || isFinished((await refreshStatus(record)).state)) job = undefined;
  }
  const bundle = await writeServeBundle(ctx, round, serve);
  const remember = (next: NonNullable<RoundState["serve"]>["job"]) => ctx.store.done(round, "serve", { model: serve.model, job: next });
  const { record, reused } = await startJobOnce({ previous: job, bundle, config: ctx.loaded.config.launch, remember });
  ctx.say(`round ${round.round}: ${reused ? "using" : "launched"} serving job ${record.id} for ${round.pull!.checkpoint}`);
  const url = `http://${await serveHost(record, serve)}:${serve.port}/v1`;
  await waitUntilServing({ ctx, record, url, timeoutMs: serve.ready_timeout_s * 1000 });
  ctx.say(`round ${round.round}: ${url} serves ${serve.model}`);
  await ctx.store.done(round, "serve", { model: serve.model, job: round.serve!.job, endpoint: url });
  return { endpoint: url, model: serve.model };
}

/** Stops the round's serving job, if it has one still running. */
export async function stopServing(ctx: LoopContext, round: RoundState): Promise<void> {
  const job = round.serve?.job;
  if (!job || round.serve?.stopped) return;
  const record = await loadRun(job.run_id).catch(() => undefined);
  if (record && !isFinished((await refreshStatus(record)).state)) {
    await backendFor(record).cancel(record);
    ctx.say(`round ${round.round}: stopped serving job ${record.id}`);
  }
  await ctx.store.done(round, "serve", { ...round.serve!, stopped: true });
}

/** `rounds/<k>/serve/serve.sh`: the configured command with CHECKPOINT, SERVED_MODEL and PORT set. */
async function writeServeBundle(ctx: LoopContext, round: RoundState, serve: ServeConfig) {
  const dir = join(roundDir(ctx.loaded.out, round.round), "serve");
  await mkdir(join(dir, ".facial-r1"), { recursive: true });
  const script = [
    "#!/usr/bin/env bash",
    `# Serving job of round ${round.round} of loop ${ctx.loaded.config.name}: the round's checkpoint behind an OpenAI-compatible API.`,
    "set -eu",
    `export CHECKPOINT=${shellQuote(round.pull!.remote_checkpoint)}`,
    `export SERVED_MODEL=${shellQuote(serve.model)}`,
    `export PORT=${serve.port}`,
    `mkdir -p .facial-r1 && hostname > ${HOST_FILE} || true`,
    serve.command,
    "",
  ].join("\n");
  await writeFileAtomic(join(dir, "serve.sh"), script, 0o755);
  return { dir, name: `${ctx.loaded.config.name}-serve-${round.round}`, entry: "serve.sh", outputDir: "." };
}

/** Where the loop reaches the server: the configured host, this machine, the ssh host, or the Slurm node. */
async function serveHost(record: RunRecord, serve: ServeConfig): Promise<string> {
  if (serve.host) return serve.host;
  if (record.backend === "local") return "127.0.0.1";
  if (record.backend === "ssh") return record.ssh!.host;
  for (let i = 0; i < 600; i++) {
    const read = await executorFor(record).exec(`cat ${shellQuote(`${record.workdir}/${HOST_FILE}`)} 2>/dev/null`);
    const host = read.stdout.trim();
    if (host) return host;
    const status = await refreshStatus(record);
    if (isFinished(status.state)) throw failure(`serving job ${record.id} ${status.state} before it started: ${status.reason ?? ""}`);
    await sleep(READY_POLL_MS);
  }
  throw failure(`serving job ${record.id} did not start within 10 minutes (still queued?); set endpoint.serve.host or rerun`);
}

async function waitUntilServing(params: { ctx: LoopContext; record: RunRecord; url: string; timeoutMs: number }): Promise<void> {
  const { record, url } = params;
  const deadline = Date.now() + params.timeoutMs;
  while (true) {
    try {
      const res = await fetch(`${url}/models`, { signal: AbortSignal.timeout(5000) });
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    const status = await refreshStatus(record);
    if (isFinished(status.state)) throw failure(`serving job ${record.id} ${status.state} before ${url} answered: ${status.reason ?? "see facial-r1 logs " + record.id}`);
    if (Date.now() > deadline) throw failure(`${url} did not answer GET /models within ${params.timeoutMs / 1000} s (serving job ${record.id} is still ${status.state}); raise endpoint.serve.ready_timeout_s or rerun`);
    await sleep(READY_POLL_MS, undefined, { signal: params.ctx.signal });
  }
}
