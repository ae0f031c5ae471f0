import type { Command } from "commander";
import { setTimeout as sleep } from "node:timers/promises";
import { action, collect, printJson, say } from "./io.js";
import type { LaunchFlags } from "../launch/options.js";
import type { RunRecord, RunStatus } from "../launch/types.js";
import type { CheckpointChoice } from "../runs/pull.js";
import { invalidInput } from "../util/errors.js";


export function registerLaunchCommands(program: Command): void {
  program
    .command("launch")
    .description("Start a planned run bundle on this machine, a host over ssh, or a Slurm cluster (1..N nodes)")
    .argument("<bundle>", "run bundle directory (from facial-r1 plan)")
    .option("--backend <name>", "local | ssh | slurm (default: the launch config's, else local)")
    .option("--config <file>", "launch config YAML (backend, setup, ssh, slurm); flags override it")
    .option("--entry <script>", "script to run, relative to the bundle (default: manifest.json scripts.train)")
    .option("--setup <line>", "shell line run before the entry, e.g. 'source ~/venv/bin/activate' (repeatable)", collect)
    .option("--host <host>", "ssh: host name or ~/.ssh/config alias")
    .option("--user <user>", "ssh: user")
    .option("--port <port>", "ssh: port")
    .option("--identity <file>", "ssh: private key file")
    .option("--ssh-config <file>", "ssh: ssh_config file (default: ~/.ssh/config)")
    .option("--remote-dir <dir>", "ssh / slurm --login: remote directory for run bundles")
    .option("--nodes <n>", "slurm: number of nodes")
    .option("--gpus-per-node <n>", "slurm: GPUs per node (default: 8)")
    .option("--partition <name>", "slurm: partition")
    .option("--account <name>", "slurm: account")
    .option("--qos <name>", "slurm: quality of service")
    .option("--time <limit>", "slurm: time limit, e.g. 2-00:00:00")
    .option("--no-exclusive", "slurm: share nodes with other jobs")
    .option("--sbatch-option <opt>", "slurm: extra sbatch option, e.g. --mem=0 (repeatable)", collect)
    .option("--master-port <port>", "slurm: rendezvous port on the first node (default: 29500)")
    .option("--login <host>", "slurm: submit through this login node over ssh")
    .option("--wait <until>", "wait until the run is 'running' or 'finished' before returning")
    .option("--json", "print the run record as JSON on stdout")
    .action(
      action(async (bundleDir: string, opts: LaunchFlags & { entry?: string; wait?: string; json?: boolean }) => {
        if (opts.wait && opts.wait !== "running" && opts.wait !== "finished") throw invalidInput(`--wait must be running or finished, got "${opts.wait}"`);
        const { launchBundle, readBundle } = await import("../launch/launch.js");
        const { resolveLaunchConfig } = await import("../launch/options.js");
        const { isFinished } = await import("../launch/types.js");
        const config = await resolveLaunchConfig(opts);
        const bundle = await readBundle(bundleDir, opts.entry);
        const record = await launchBundle({ bundle, config });
        const { jobFilesOf, runOutputPath } = await import("../launch/job-files.js");
        say(`launched ${record.id} (${record.backend}${record.slurm?.jobId ? `, Slurm job ${record.slurm.jobId}` : record.pid ? `, pid ${record.pid}` : ""}) in ${record.workdir}`);
        say(`its outputs go to ${runOutputPath(record)}, its log to ${record.workdir}/${jobFilesOf(record).log}`);
        let status: RunStatus | undefined;
        if (opts.wait) status = await waitFor(record, opts.wait === "running" ? (s) => s.state !== "pending" : (s) => isFinished(s.state));
        if (opts.json) printJson({ ...record, status });
        if (status) say(describeStatus(record, status));
        return status && status.state !== "running" && status.state !== "succeeded" ? 1 : 0;
      }),
    );

  program
    .command("status")
    .description("Show a run's state: pending, running, succeeded, failed or cancelled, with exit code and reason")
    .argument("<run>", "run id (or a unique prefix)")
    .option("--wait", "wait until the run has finished; exit 0 only if it succeeded")
    .option("--json", "print the status as JSON on stdout")
    .action(
      action(async (runId: string, opts: { wait?: boolean; json?: boolean }) => {
        const { loadRun } = await import("../runs/registry.js");
        const { refreshStatus } = await import("../launch/launch.js");
        const { isFinished } = await import("../launch/types.js");
        const record = await loadRun(runId);
        const status = opts.wait ? await waitFor(record, (s) => isFinished(s.state)) : await refreshStatus(record);
        if (opts.json) printJson({ run: record.id, backend: record.backend, ...status });
        say(describeStatus(record, status));
        return opts.wait && status.state !== "succeeded" ? 1 : 0;
      }),
    );

  program
    .command("logs")
    .description("Print a run's log (stdout and stderr of the job)")
    .argument("<run>", "run id (or a unique prefix)")
    .option("--tail <n>", "only the last n lines")
    .option("-f, --follow", "keep printing new lines until the run finishes")
    .action(
      action(async (runId: string, opts: { tail?: string; follow?: boolean }) => {
        const { loadRun } = await import("../runs/registry.js");
        const { backendFor, refreshStatus } = await import("../launch/launch.js");
        const { isFinished } = await import("../launch/types.js");
        const record = await loadRun(runId);
        const backend = backendFor(record);
        const tail = opts.tail === undefined ? undefined : Number(opts.tail);
        if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw invalidInput(`--tail must be a non-negative integer, got "${opts.tail}"`);
        let text = await backend.logs(record, { tail });
        process.stdout.write(text);
        if (!opts.follow) return 0;
        let printed = text.length;
        while (true) {
          const status = await refreshStatus(record);
          text = await backend.logs(record);
          if (text.length > printed) process.stdout.write(text.slice(printed));
          printed = Math.max(printed, text.length);
          if (isFinished(status.state)) return status.state === "succeeded" ? 0 : 1;
          await sleep(1000);
        }
      }),
    );

  program
    .command("cancel")
    .description("Cancel a run (its whole process group, or its Slurm job)")
    .argument("<run>", "run id (or a unique prefix)")
    .action(
      action(async (runId: string) => {
        const { loadRun } = await import("../runs/registry.js");
        const { backendFor } = await import("../launch/launch.js");
        const { isFinished } = await import("../launch/types.js");
        const record = await loadRun(runId);
        await backendFor(record).cancel(record);
        const status = await waitFor(record, (s) => isFinished(s.state), 30_000);
        say(describeStatus(record, status));
      }),
    );

  program
    .command("pull")
    .description("Bring a run back: logs, trainer_state.json, checkpoints; write metrics.jsonl/csv, charts and a summary")
    .argument("<run>", "run id (or a unique prefix)")
    .option("--out <dir>", "destination directory (default: ./pulled/<run id>)")
    .option("--checkpoints <which>", "all | last | best | none", "last")
    .option("--best-metric <name>", "metric that picks --checkpoints best (higher is better)", "reward")
    .option("--no-weights", "metrics, logs and checkpoint metadata only (no model or optimizer files)")
    .option("--png", "also render the charts as PNG")
    .option("--json", "print the pull report as JSON on stdout")
    .action(
      action(async (runId: string, opts: { out?: string; checkpoints: string; bestMetric: string; weights: boolean; png?: boolean; json?: boolean }) => {
        if (!["all", "last", "best", "none"].includes(opts.checkpoints)) throw invalidInput(`--checkpoints must be all, last, best or none, got "${opts.checkpoints}"`);
        const { loadRun } = await import("../runs/registry.js");
        const { formatSummary, pullRun } = await import("../runs/pull.js");
        const record = await loadRun(runId);
        const report = await pullRun({
          record,
          out: opts.out ?? `pulled/${record.id}`,
          checkpoints: opts.checkpoints as CheckpointChoice,
          bestMetric: opts.bestMetric,
          weights: opts.weights,
          png: opts.png,
        });
        for (const c of report.checkpoints) if (c.action !== "not-selected") say(`${c.name}: ${c.action}`);
        if (report.summary) say(formatSummary(report.summary));
        else say("no trainer_state.json yet: logs only");
        say(`pulled into ${report.out}`);
        if (opts.json) printJson(report);
      }),
    );

  const runs = program.command("runs").description("The local registry of launched runs");
  runs
    .command("list")
    .description("List launched runs, newest first")
    .option("--json", "print the runs as JSON on stdout")
    .action(
      action(async (opts: { json?: boolean }) => {
        const { listRuns } = await import("../runs/registry.js");
        const all = await listRuns();
        if (opts.json) printJson(all);
        for (const r of all) say(`${r.id}  ${r.backend.padEnd(5)}  ${(r.lastStatus?.state ?? "?").padEnd(9)}  ${r.createdAt}  ${r.bundle}`);
        if (all.length === 0) say("no runs yet (facial-r1 launch BUNDLE)");
      }),
    );
  runs
    .command("show")
    .description("Show one run's record and current status")
    .argument("<run>", "run id (or a unique prefix)")
    .option("--json", "print the record as JSON on stdout")
    .action(
      action(async (runId: string, opts: { json?: boolean }) => {
        const { loadRun } = await import("../runs/registry.js");
        const { refreshStatus } = await import("../launch/launch.js");
        const record = await loadRun(runId);
        const status = await refreshStatus(record);
        if (opts.json) printJson({ ...record, lastStatus: status });
        else {
          say(`${record.id}: ${record.backend}, bundle ${record.bundle}, created ${record.createdAt}`);
          const { jobFilesOf, runOutputPath } = await import("../launch/job-files.js");
          say(`workdir ${record.workdir}; outputs ${runOutputPath(record)}; log ${record.workdir}/${jobFilesOf(record).log}`);
          say(describeStatus(record, status));
        }
      }),
    );
}

async function waitFor(record: RunRecord, done: (s: RunStatus) => boolean, timeoutMs = Infinity): Promise<RunStatus> {
  const { refreshStatus } = await import("../launch/launch.js");
  const started = Date.now();
  while (true) {
    const status = await refreshStatus(record);
    if (done(status) || Date.now() - started > timeoutMs) return status;
    await sleep(200);
  }
}

function describeStatus(record: RunRecord, status: RunStatus): string {
  const code = status.exitCode !== undefined ? ` (exit code ${status.exitCode})` : "";
  return `${record.id}: ${status.state}${code}${status.reason ? `\n${status.reason}` : ""}`;
}
