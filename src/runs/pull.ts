import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { shellQuote } from "../util/shell.js";
import { writeFileAtomic } from "../util/fs.js";
import { invalidInput } from "../util/errors.js";
import { executorFor, refreshStatus } from "../launch/launch.js";
import { jobFilesOf, runOutputPath } from "../launch/job-files.js";
import { isFinished, type RunRecord, type RunStatus } from "../launch/types.js";
import { metricAtStep, metricRows, metricsCsv, metricsJsonl, parseTrainerState, trainSummary, type MetricRow, type TrainerState } from "../trainer/trainer-state.js";
import { MANIFEST_FILE } from "../trainer/bundle/manifest.js";
import { renderRunCharts } from "./run-charts.js";
import { TRAINER_TARGETS, type TrainerTarget } from "../schema/run-config.js";
import { isVllmTarget, targetSpecOf } from "../trainer/targets/index.js";
import { HF_TRAINER_CHECKPOINTS, type CheckpointLayout } from "../trainer/targets/checkpoints.js";

/** Which checkpoints a pull fetches: every one, the last, the best by a metric, or none. */
export const CHECKPOINT_CHOICES = ["all", "last", "best", "none"] as const;
export type CheckpointChoice = (typeof CHECKPOINT_CHOICES)[number];

export interface PullOptions {
  record: RunRecord;
  out: string;
  checkpoints?: CheckpointChoice;
  /** Metric that picks the best checkpoint (higher is better), e.g. "reward". */
  bestMetric?: string;
  /** false: metrics, logs and checkpoint metadata only, no model or optimizer files. */
  weights?: boolean;
  /** Also render the charts as PNG. */
  png?: boolean;
  /** How long a checkpoint must stay unchanged to count as fully written while the run is live. */
  settleMs?: number;
}

export interface CheckpointReport {
  name: string;
  step: number;
  action: "fetched" | "already-pulled" | "not-selected" | "incomplete";
}

export interface PullReport {
  run: string;
  out: string;
  status: RunStatus;
  checkpoints: CheckpointReport[];
  metricsRows: number;
  files: { metricsJsonl?: string; metricsCsv?: string; trainerState?: string; jobLog: string; charts: string[] };
  summary: RunSummary | undefined;
}

/**
 * Files that hold weights or optimizer state: left out by --no-weights. DeepSpeed's ZeRO
 * folder inside an HF checkpoint (`checkpoint-N/global_stepN/`) is matched below the top so
 * that checkpoints which are themselves named global_step... (verl, EasyR1, OpenRLHF) keep
 * their metadata.
 */
const WEIGHT_PATTERNS = ["*.safetensors", "*.bin", "*.pt", "*.pth", "*.ckpt", "/*/global_step*/", "zero_to_fp32.py", "latest"];
const MARKER = ".facial-r1-pulled.json";

interface RemoteCheckpoint {
  name: string;
  step: number;
  /** Its layout's folder, relative to the output folder. */
  dir: string;
  hasState: boolean;
  fingerprint: string;
}

/**
 * Brings a run back: its logs, trainer_state.json and chosen checkpoints, then derives
 * metrics.jsonl / metrics.csv, charts and a summary. Safe to interrupt and rerun: files land
 * atomically, checkpoints already pulled are not fetched again, checkpoints still being
 * written are skipped.
 */
export async function pullRun(options: PullOptions): Promise<PullReport> {
  const { record, out } = options;
  const executor = executorFor(record);
  const status = await refreshStatus(record);
  const outputDir = runOutputPath(record);
  const excludes = options.weights === false ? WEIGHT_PATTERNS : [];
  const trainer = await bundleTrainer(record.bundle);
  const layouts = checkpointLayoutsOf(trainer);

  let listing = await listCheckpoints(executor, outputDir, layouts);
  if (!isFinished(status.state)) {
    await new Promise((r) => setTimeout(r, options.settleMs ?? 1500));
    const again = new Map((await listCheckpoints(executor, outputDir, layouts)).map((c) => [c.name, c]));
    listing = listing.map((c) => (again.get(c.name)?.fingerprint === c.fingerprint ? c : { ...c, hasState: false }));
  }
  const complete = listing.filter((c) => c.hasState);

  await executor.pull(`${record.workdir}/${jobFilesOf(record).log}`, join(out, "job.log")).catch(() => undefined);
  await keepManifest(record, out);
  // Top-level files of the output dir: trainer_state.json, the rollout debug log, the final model unless --no-weights.
  if (listing.length > 0 || (await remoteExists(executor, outputDir))) {
    await executor.pull(`${outputDir}/`, join(out, "output/"), { exclude: ["*/", ...excludes] });
  }

  const lastComplete = complete[complete.length - 1];
  let state = await readState(join(out, "output", "trainer_state.json"));
  let statePath = join(out, "output", "trainer_state.json");
  if (!state && lastComplete && layouts === HF_TRAINER_CHECKPOINTS) {
    statePath = join(out, "checkpoints", lastComplete.name, "trainer_state.json");
    await executor.pull(`${outputDir}/${lastComplete.name}/trainer_state.json`, statePath);
    state = await readState(statePath);
  }
  // Trainers without HF Trainer's state file (verl, EasyR1, OpenRLHF) log their steps themselves.
  const logged = state ? undefined : await loggedMetrics(trainer, out);
  const rows = state ? metricRows(state) : (logged ?? []);

  const selected = selectCheckpoints(complete, options.checkpoints ?? "last", rows, options.bestMetric ?? "reward");
  const reports: CheckpointReport[] = [];
  const toFetch: RemoteCheckpoint[] = [];
  for (const checkpoint of listing) {
    const marker = await readMarker(join(out, "checkpoints", checkpoint.name, MARKER));
    const action: CheckpointReport["action"] = !checkpoint.hasState
      ? "incomplete"
      : !selected.has(checkpoint.name)
        ? "not-selected"
        : marker && marker.fingerprint === checkpoint.fingerprint && (marker.weights || options.weights === false)
          ? "already-pulled"
          : "fetched";
    if (action === "fetched") toFetch.push(checkpoint);
    reports.push({ name: checkpoint.name, step: checkpoint.step, action });
  }
  for (const dir of new Set(toFetch.map((c) => c.dir))) {
    // One transfer per checkpoint folder (one connection); completion markers only once it succeeded.
    const only = toFetch.filter((c) => c.dir === dir).flatMap((c) => [`--include=/${c.name}/`, `--include=/${c.name}/**`]);
    await executor.pull(`${posix.join(outputDir, dir)}/`, join(out, "checkpoints/"), { exclude: excludes, filters: [...only, "--exclude=*"] });
  }
  if (toFetch.length > 0) {
    for (const c of toFetch) {
      await writeFileAtomic(join(out, "checkpoints", c.name, MARKER), `${JSON.stringify({ fingerprint: c.fingerprint, weights: options.weights !== false })}\n`);
    }
  }

  const files: PullReport["files"] = { jobLog: join(out, "job.log"), charts: [] };
  let summary: RunSummary | undefined;
  if (state) files.trainerState = statePath;
  if (state || (logged && logged.length > 0)) {
    files.metricsJsonl = join(out, "metrics.jsonl");
    files.metricsCsv = join(out, "metrics.csv");
    await writeFileAtomic(files.metricsJsonl, metricsJsonl(rows));
    await writeFileAtomic(files.metricsCsv, metricsCsv(rows));
    files.charts = await renderRunCharts({ rows, dir: join(out, "charts"), png: options.png ?? false });
    summary = summarize(record, status, rows, state);
    await writeFileAtomic(join(out, "summary.txt"), `${formatSummary(summary)}\n`);
  }
  return { run: record.id, out, status, checkpoints: reports, metricsRows: rows.length, files, summary };
}

/**
 * A copy of the bundle's manifest.json beside the pulled files, so what was pulled says what
 * it was trained from (hub push-model reads the base model from it). A bundle launched with
 * --entry has none.
 */
async function keepManifest(record: RunRecord, out: string): Promise<void> {
  const manifest = await readFile(join(record.bundle, MANIFEST_FILE)).catch(() => undefined);
  if (manifest !== undefined) await writeFileAtomic(join(out, MANIFEST_FILE), manifest);
}

/** The trainer's checkpoint layouts: HF Trainer's unless its target spec says otherwise. */
function checkpointLayoutsOf(trainer: TrainerTarget | undefined): readonly CheckpointLayout[] {
  const spec = trainer && isVllmTarget(trainer) ? targetSpecOf({ trainer: { target: trainer } }) : undefined;
  return spec?.checkpoints ?? HF_TRAINER_CHECKPOINTS;
}

async function listCheckpoints(executor: ReturnType<typeof executorFor>, outputDir: string, layouts: readonly CheckpointLayout[]): Promise<RemoteCheckpoint[]> {
  // Per layout, one line per checkpoint folder: name, whether its completion file is there, and
  // a fingerprint of every file's size and mtime (it changes while the checkpoint is still being
  // written); then the layout's tracker file, if it has one, on a line of its own.
  const script = layouts.flatMap((layout, i) => {
    const completion = layout.complete;
    return [
      `(cd ${shellQuote(posix.join(outputDir, layout.dir))} 2>/dev/null || exit 0`,
      `for d in ${shellQuote(layout.prefix)}*${shellQuote(layout.suffix ?? "")}; do`,
      '  [ -d "$d" ] || continue',
      "file" in completion ? `  state=0; [ -f "$d"/${shellQuote(completion.file)} ] && state=1` : "  state=0",
      '  fp=$(find "$d" -type f -printf "%P %s %T@\\n" | LC_ALL=C sort | md5sum | cut -c1-32)',
      `  printf "${i}\\t%s\\t%s\\t%s\\n" "$d" "$state" "$fp"`,
      "done",
      ..."tracker" in completion ? [`if [ -f ${shellQuote(completion.tracker)} ]; then printf "${i}\\ttracker\\t%s\\n" "$(head -c 4096 ${shellQuote(completion.tracker)} | tr '\\t\\n' '  ')"; fi`] : [],
      ")",
    ];
  });
  const result = await executor.exec(script.join("\n"));
  const lines = result.stdout.split("\n").map((line) => line.split("\t"));
  return layouts
    .flatMap((layout, i) => {
      const own = lines.filter((f) => f[0] === String(i));
      const tracker = own.find((f) => f.length === 3 && f[1] === "tracker");
      const finished = "tracker" in layout.complete && tracker ? layout.complete.trackerStep(tracker[2]) : undefined;
      const name = new RegExp(`^${escapeRegExp(layout.prefix)}(\\d+)${escapeRegExp(layout.suffix ?? "")}$`);
      return own
        .filter((f) => f.length === 4 && name.test(f[1]))
        .map(([, folder, state, fingerprint]) => {
          const step = Number(name.exec(folder)![1]);
          const hasState = "file" in layout.complete ? state === "1" : finished !== undefined && step <= finished;
          return { name: folder, step, dir: layout.dir, hasState, fingerprint };
        });
    })
    .sort((a, b) => a.step - b.step || a.name.localeCompare(b.name));
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

async function remoteExists(executor: ReturnType<typeof executorFor>, path: string): Promise<boolean> {
  return (await executor.exec(`[ -d ${shellQuote(path)} ]`)).code === 0;
}

/** The chosen checkpoints: every folder saved at the chosen step (a trainer may save one step in several layouts). */
function selectCheckpoints(complete: RemoteCheckpoint[], choice: CheckpointChoice, rows: MetricRow[], metric: string): Set<string> {
  if (choice === "none" || complete.length === 0) return new Set();
  if (choice === "all") return new Set(complete.map((c) => c.name));
  const atStep = (step: number) => new Set(complete.filter((c) => c.step === step).map((c) => c.name));
  if (choice === "last") return atStep(complete[complete.length - 1].step);
  if (rows.length > 0 && !rows.some((r) => r.values[metric] !== undefined)) {
    const known = [...new Set(rows.flatMap((r) => Object.keys(r.values)))].sort().join(", ");
    throw invalidInput(`no metric "${metric}" in the run's log_history (it has: ${known})`, { field: "--best-metric" });
  }
  let best: RemoteCheckpoint | undefined;
  let bestValue = -Infinity;
  for (const c of complete) {
    const value = metricAtStep(rows, metric, c.step);
    if (value !== undefined && value > bestValue) {
      best = c;
      bestValue = value;
    }
  }
  return best ? atStep(best.step) : new Set();
}

async function readState(path: string): Promise<TrainerState | undefined> {
  if (!existsSync(path)) return undefined;
  return parseTrainerState(await readFile(path, "utf8"), path);
}

async function readMarker(path: string): Promise<{ fingerprint: string; weights: boolean } | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch {
    return undefined;
  }
}

export interface RunSummary {
  run: string;
  backend: string;
  state: string;
  exitCode?: number;
  reason?: string;
  step: number;
  maxSteps?: number;
  epoch?: number | null;
  first: Record<string, number>;
  last: Record<string, number>;
  best: Record<string, { value: number; step: number }>;
  train?: Record<string, number>;
}

/** The step metrics a run's trainer logged, when its bundle names a trainer that logs them itself. */
async function loggedMetrics(trainer: TrainerTarget | undefined, out: string): Promise<MetricRow[] | undefined> {
  const spec = trainer && isVllmTarget(trainer) ? targetSpecOf({ trainer: { target: trainer } }) : undefined;
  if (!spec?.metrics) return undefined;
  const jobLog = await readFile(join(out, "job.log"), "utf8").catch(() => undefined);
  return spec.metrics({ jobLog, outputDir: join(out, "output") });
}

async function bundleTrainer(bundle: string): Promise<TrainerTarget | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(bundle, "manifest.json"), "utf8")) as { trainer?: string };
    return (TRAINER_TARGETS as readonly string[]).includes(manifest.trainer ?? "") ? (manifest.trainer as TrainerTarget) : undefined;
  } catch {
    return undefined;
  }
}

function summarize(record: RunRecord, status: RunStatus, rows: MetricRow[], state?: TrainerState): RunSummary {
  const best: RunSummary["best"] = {};
  for (const row of rows) {
    for (const [key, value] of Object.entries(row.values)) {
      if ((key === "reward" || key.startsWith("rewards/")) && (!best[key] || value > best[key].value)) best[key] = { value, step: row.step };
    }
  }
  return {
    run: record.id,
    backend: record.backend,
    state: status.state,
    exitCode: status.exitCode,
    reason: status.reason,
    step: state?.global_step ?? rows[rows.length - 1]?.step ?? 0,
    maxSteps: state?.max_steps,
    epoch: state ? state.epoch : rows[rows.length - 1]?.values.epoch,
    first: rows[0]?.values ?? {},
    last: rows[rows.length - 1]?.values ?? {},
    best,
    train: state ? trainSummary(state) : undefined,
  };
}

/**
 * What a pull did, for people: each checkpoint selected and what became of it, the run's state
 * and metrics table (first, last and best value of each metric), where it all went.
 */
export function describePull(report: PullReport): string {
  const lines = report.checkpoints.filter((c) => c.action !== "not-selected").map((c) => `${c.name}: ${c.action}`);
  lines.push(report.summary ? formatSummary(report.summary) : "no trainer_state.json yet: logs only");
  lines.push(`pulled into ${report.out}`);
  return lines.join("\n");
}

export function formatSummary(s: RunSummary): string {
  const keys = [...new Set([...Object.keys(s.last)])].filter((k) => k !== "step" && k !== "epoch").sort();
  const lines = [
    `run ${s.run} (${s.backend}): ${s.state}${s.exitCode !== undefined ? `, exit code ${s.exitCode}` : ""}`,
    `step ${s.step}${s.maxSteps ? `/${s.maxSteps}` : ""}, epoch ${s.epoch ?? "?"}`,
    "",
    `${"metric".padEnd(28)} ${"first".padStart(12)} ${"last".padStart(12)} ${"best (step)".padStart(20)}`,
    ...keys.map((k) => {
      const best = s.best[k] ? `${num(s.best[k].value)} (${s.best[k].step})` : "";
      return `${k.padEnd(28)} ${num(s.first[k]).padStart(12)} ${num(s.last[k]).padStart(12)} ${best.padStart(20)}`;
    }),
  ];
  if (s.train) lines.push("", `train_runtime ${num(s.train.train_runtime)} s, train_loss ${num(s.train.train_loss)}`);
  if (s.reason && s.state !== "succeeded") lines.push("", `reason: ${s.reason}`);
  return lines.join("\n");
}

function num(value: number | undefined): string {
  if (value === undefined) return "-";
  return Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(3) : String(Number(value.toFixed(4)));
}
