/**
 * Plan a run from a run config and launch it, from TypeScript: what `facial-r1 plan` and
 * `facial-r1 launch --wait finished` do, plus pulling the metrics back.
 *
 *   npx tsx examples/plan-and-launch.ts configs/quickstart.yaml runs/quickstart \
 *     --setup 'export TRAINER_HOME=~/Facial-R1'
 *
 * The run goes to the local backend; pass `launch: { backend: "slurm", slurm: {...} }` to
 * launchRun for a cluster.
 */
import { parseArgs } from "node:util";
import { launchRun, planRun, pullRun, type ProgressEvent } from "facial-r1";

const { positionals, values } = parseArgs({ allowPositionals: true, options: { setup: { type: "string", multiple: true } } });
const [config, out] = positionals;
if (!config || !out) throw new Error("usage: plan-and-launch.ts CONFIG OUT [--setup LINE]...");

const progress = (e: ProgressEvent) => console.error(`${e.label}: ${e.done} ${e.unit}`);
const plan = await planRun({ config, out, onProblem: (p) => console.error(`${p.severity ?? "error"}: ${p.file}:${p.line ?? ""} ${p.message}`), onProgress: progress });
if (!plan.written) {
  console.error(`preflight found ${plan.preflight.errors} error(s); nothing was written`);
  process.exit(2);
}
console.error(`bundle in ${plan.out}: ${plan.preflight.arithmetic.optimizerSteps} optimizer step(s), ${plan.preflight.arithmetic.trainRecords} training records`);

const { run, status } = await launchRun({ bundle: plan.out, launch: { backend: "local", setup: values.setup ?? [] }, wait: "finished" });
console.error(`run ${run.id}: ${status?.state}`);
const pulled = await pullRun({ run: run.id, out: `${out}-pulled` });
console.log(JSON.stringify({ run: run.id, state: status?.state, steps: pulled.summary?.step, reward: pulled.summary?.last.reward }));
