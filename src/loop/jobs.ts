import { setTimeout as sleep } from "node:timers/promises";
import { launchBundle, newRunId, newRunRecord, recoverSubmittedRun, refreshStatus, type BundleInfo } from "../launch/launch.js";
import { isFinished, type LaunchConfig, type RunRecord, type RunStatus } from "../launch/types.js";
import { loadRun } from "../launch/registry.js";
import { failure } from "../util/errors.js";
import type { JobStep } from "./state.js";

/**
 * Starts a job at most once across kills: the run id is chosen and saved (`remember`) before
 * the backend is asked, so a rerun finds the job (in the registry, or by the traces its
 * wrapper left when the launching process died before registering it) instead of starting a
 * second one.
 */
export async function startJobOnce(params: {
  previous: JobStep | undefined;
  bundle: BundleInfo;
  config: LaunchConfig;
  remember: (job: JobStep) => Promise<void>;
}): Promise<{ record: RunRecord; reused: boolean }> {
  const { previous, bundle, config } = params;
  if (previous) {
    const registered = await loadRun(previous.run_id).catch(() => undefined);
    const record = registered ?? (previous.submitted ? undefined : await recoverSubmittedRun(newRunRecord(bundle, config, previous.run_id)));
    if (record) {
      if (!previous.submitted) await params.remember({ run_id: record.id, submitted: true });
      return { record, reused: true };
    }
    if (previous.submitted) throw failure(`run ${previous.run_id} was submitted but is not in the run registry (was FACIAL_R1_HOME changed?)`);
  }
  const runId = previous?.run_id ?? newRunId(bundle.name);
  await params.remember({ run_id: runId, submitted: false });
  const record = await launchBundle({ bundle, config, runId });
  await params.remember({ run_id: record.id, submitted: true });
  return { record, reused: false };
}

/** Polls a run until it has finished (or the signal aborts the wait). */
export async function waitForRun(params: { record: RunRecord; intervalMs: number; signal?: AbortSignal; onStatus?: (status: RunStatus) => void }): Promise<RunStatus> {
  let last: string | undefined;
  while (true) {
    const status = await refreshStatus(params.record);
    if (status.state !== last) params.onStatus?.(status);
    last = status.state;
    if (isFinished(status.state)) return status;
    await sleep(params.intervalMs, undefined, { signal: params.signal });
  }
}
