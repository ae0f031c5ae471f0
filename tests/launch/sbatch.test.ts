import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mapSlurmState, parseScontrolJob, renderSbatchScript } from "../../src/launch/slurm.js";
import { SlurmOptionsSchema } from "../../src/launch/types.js";

describe("sbatch script", () => {
  const slurm = SlurmOptionsSchema.parse({ nodes: 4, partition: "a800", account: "vision", qos: "high", time: "2-00:00:00", directives: ["--mem=0"] });

  it("asks for N nodes x G GPUs with one task per node and exports the rendezvous", () => {
    const record = { id: "r1", workdir: "/scratch/runs/r1", entry: "grpo.sh", outputDir: "outputs/demo/r1", jobDir: ".facial-r1/runs/r1" };
    const script = renderSbatchScript({ record, setup: ["module load cuda/12.1"], slurm });
    for (const line of ["--nodes=4", "--ntasks-per-node=1", "--gres=gpu:8", "--partition=a800", "--account=vision", "--qos=high", "--time=2-00:00:00", "--exclusive", "--mem=0", "--chdir=/scratch/runs/r1"]) {
      assert.match(script, new RegExp(`^#SBATCH ${line.replace(/[-/]/g, "\\$&")}$`, "m"));
    }
    assert.match(script, /^module load cuda\/12\.1$/m);
    // The run's own log and output folder, not those of other runs of the bundle.
    assert.match(script, /^#SBATCH --output=\/scratch\/runs\/r1\/\.facial-r1\/runs\/r1\/job\.log$/m);
    assert.match(script, /^export OUTPUT_DIR='\/scratch\/runs\/r1\/outputs\/demo\/r1'$/m);
    assert.match(script, /MASTER_ADDR=\$\(scontrol show hostnames "\$SLURM_JOB_NODELIST" \| head -n 1\)/);
    assert.match(script, /^MASTER_PORT=29500$/m);
    assert.match(script, /NODE_RANK="\$SLURM_PROCID"/);
  });

  it("keeps an entry path with quotes and $(...) as data", () => {
    const entry = "it's $(touch /tmp/pwned) `x`.sh";
    const script = renderSbatchScript({ record: { id: "r2", workdir: "/w", entry, outputDir: "/abs/out" }, setup: [], slurm });
    const srun = script.split("\n").find((l) => l.startsWith("srun "))!;
    // What bash -c receives as its script, after the outer quoting is undone:
    const inner = spawnSync("bash", ["-c", `printf '%s' ${srun.slice(srun.indexOf("bash -c ") + 8)}`], { encoding: "utf8" }).stdout;
    const words = spawnSync("bash", ["-c", `set -- ${inner.replace(/^export NODE_RANK="\$SLURM_PROCID"; exec /, "")}; printf '%s\\n' "$@"`], { encoding: "utf8" }).stdout;
    assert.equal(words, `bash\n${entry}\n`);
  });

  it("maps Slurm's states onto the run states", () => {
    assert.equal(mapSlurmState("PENDING"), "pending");
    assert.equal(mapSlurmState("RUNNING"), "running");
    assert.equal(mapSlurmState("COMPLETED"), "succeeded");
    assert.equal(mapSlurmState("CANCELLED+"), "cancelled");
    assert.equal(mapSlurmState("CANCELLED by 0"), "cancelled");
    for (const s of ["FAILED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL"]) assert.equal(mapSlurmState(s), "failed");
  });

  it("reads state, exit code and reason from scontrol show job -o", () => {
    const line = "JobId=7 JobName=facial-r1-x UserId=root(0) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=3:0 RunTime=00:00:01";
    assert.deepEqual(parseScontrolJob(line), { state: "FAILED", exitCode: 3, signal: 0, reason: "NonZeroExitCode" });
    assert.equal(parseScontrolJob("slurm_load_jobs error: Invalid job id specified"), undefined);
  });
});
