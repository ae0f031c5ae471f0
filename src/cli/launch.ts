import type { Command } from "commander";
import { setTimeout as sleep } from "node:timers/promises";
import { action, collect, parseCount, parsePositiveInt, printJson, say } from "./io.js";
import { InvalidInputError } from "../util/errors.js";

interface LaunchOptions {
  backend?: string;
  config?: string;
  entry?: string;
  setup?: string[];
  host?: string;
  user?: string;
  port?: string;
  identity?: string;
  sshConfig?: string;
  remoteDir?: string;
  nodes?: string;
  gpusPerNode?: string;
  partition?: string;
  account?: string;
  qos?: string;
  time?: string;
  exclusive: boolean;
  sbatchOption?: string[];
  masterPort?: string;
  login?: string;
  wait?: string;
  json?: boolean;
}

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
      action(async (bundleDir: string, opts: LaunchOptions) => {
        if (opts.wait && opts.wait !== "running" && opts.wait !== "finished") throw new InvalidInputError(`--wait must be running or finished, got "${opts.wait}"`);
        const { describeRunStatus, launchRun, loadLaunchConfig, runFiles } = await import("../api/runs.js");
        const launch = await loadLaunchConfig({
          file: opts.config,
          backend: opts.backend,
          setup: opts.setup,
          ssh: { host: opts.host, user: opts.user, port: parsePositiveInt("--port", opts.port), identity_file: opts.identity, config_file: opts.sshConfig, workdir: opts.remoteDir },
          slurm: {
            nodes: parsePositiveInt("--nodes", opts.nodes),
            gpus_per_node: opts.gpusPerNode === undefined ? undefined : parseCount("--gpus-per-node", opts.gpusPerNode),
            partition: opts.partition,
            account: opts.account,
            qos: opts.qos,
            time: opts.time,
            exclusive: opts.exclusive ? undefined : false,
            directives: opts.sbatchOption,
            master_port: parsePositiveInt("--master-port", opts.masterPort),
          },
          login: opts.login,
        });
        const { run, status } = await launchRun({
          bundle: bundleDir,
          launch,
          entry: opts.entry,
          wait: opts.wait as "running" | "finished" | undefined,
          onLaunched: (record) => {
            const files = runFiles(record);
            say(`launched ${record.id} (${record.backend}${record.slurm?.jobId ? `, Slurm job ${record.slurm.jobId}` : record.pid ? `, pid ${record.pid}` : ""}) in ${record.workdir}`);
            say(`its outputs go to ${files.output}, its log to ${files.log}`);
          },
        });
        if (opts.json) printJson({ ...run, status });
        if (status) say(describeRunStatus(run, status));
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
        const { describeRunStatus, runStatus } = await import("../api/runs.js");
        const { run, status } = await runStatus({ run: runId, wait: opts.wait });
        if (opts.json) printJson({ run: run.id, backend: run.backend, ...status });
        say(describeRunStatus(run, status));
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
        const tail = opts.tail === undefined ? undefined : parseCount("--tail", opts.tail);
        const { isFinished, runLogs, runStatus } = await import("../api/runs.js");
        let text = await runLogs({ run: runId, tail });
        process.stdout.write(text);
        if (!opts.follow) return 0;
        let printed = text.length;
        let run = runId;
        while (true) {
          const { run: record, status } = await runStatus({ run });
          run = record.id;
          text = await runLogs({ run });
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
        const { cancelRun, describeRunStatus } = await import("../api/runs.js");
        const { run, status } = await cancelRun({ run: runId });
        say(describeRunStatus(run, status));
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
        const { CHECKPOINT_CHOICES, describePull, pullRun } = await import("../api/runs.js");
        const checkpoints = CHECKPOINT_CHOICES.find((c) => c === opts.checkpoints);
        if (!checkpoints) throw new InvalidInputError(`--checkpoints must be all, last, best or none, got "${opts.checkpoints}"`);
        const report = await pullRun({ run: runId, out: opts.out, checkpoints, bestMetric: opts.bestMetric, weights: opts.weights, png: opts.png });
        say(describePull(report));
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
        const { listRuns } = await import("../api/runs.js");
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
        const { describeRunStatus, runFiles, runStatus } = await import("../api/runs.js");
        const { run, status } = await runStatus({ run: runId });
        if (opts.json) printJson({ ...run, lastStatus: status });
        else {
          const files = runFiles(run);
          say(`${run.id}: ${run.backend}, bundle ${run.bundle}, created ${run.createdAt}`);
          say(`workdir ${files.workdir}; outputs ${files.output}; log ${files.log}`);
          say(describeRunStatus(run, status));
        }
      }),
    );
}
