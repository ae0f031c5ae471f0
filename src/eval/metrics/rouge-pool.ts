import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { failure, internalError } from "../../util/errors.js";
import { startWorker } from "../../util/worker.js";
import { rougeScores } from "./rouge.js";
import type { RougeWorkerReply, RougeWorkerRequest } from "./rouge-worker.js";

/**
 * ROUGE-1/2/L F-measures of (reference, candidate) pairs, computed on a worker thread while
 * the caller keeps reading and scoring. References are handed over as the dataset is read
 * (`reference`), so the worker tokenizes them while the caller is still parsing; candidates
 * follow (`score`) in batches, and each batch's results come back as one Float64Array
 * (3 values per pair, in order) that lands at the caller's positions, so means are taken in
 * dataset order whatever the timing. Small datasets, one-core machines and runs where the
 * worker cannot start are scored inline, with the same results. The texts live on one side
 * only, so a worker that dies mid-run fails the scoring (`finish` throws) rather than
 * falling back.
 */

const BATCH = 2000;
const MAX_IN_FLIGHT = 4;

interface Buffered {
  positions: number[];
  texts: string[];
}

const emptyBuffer = (): Buffered => ({ positions: [], texts: [] });

export class RougePool {
  private worker: Worker | undefined;
  private workerError: Error | undefined;
  /** Reference texts by position, while scoring inline. */
  private readonly references: (string | undefined)[] = [];
  private referenceBuffer = emptyBuffer();
  private candidateBuffer = emptyBuffer();
  private readonly pending = new Map<number, { positions: number[]; done: () => void }>();
  private readonly inFlight: Promise<void>[] = [];
  private nextBatch = 0;
  /** Batches the worker scored (the rest, if any, were scored inline). */
  workerBatches = 0;
  private target = new Float64Array(3 * 1024).fill(Number.NaN);

  constructor(private useWorker: boolean = availableParallelism() > 1) {}

  /** ROUGE-1, ROUGE-2 and ROUGE-L F of `position` (after `finish`); undefined when it had no reference or was not scored. */
  fmeasures(position: number): [number, number, number] | undefined {
    const base = 3 * position;
    return base < this.target.length && !Number.isNaN(this.target[base]) ? [this.target[base], this.target[base + 1], this.target[base + 2]] : undefined;
  }

  /** Registers the reference of `position`; the worker starts once a full batch of them is seen. */
  reference(position: number, text: string): void {
    if (3 * position + 3 > this.target.length) {
      const grown = new Float64Array(Math.max(2 * this.target.length, 3 * position + 3)).fill(Number.NaN);
      grown.set(this.target);
      this.target = grown;
    }
    if (!this.useWorker && !this.worker) {
      this.references[position] = text;
      return;
    }
    this.referenceBuffer.positions.push(position);
    this.referenceBuffer.texts.push(text);
    if (this.referenceBuffer.positions.length >= BATCH) this.sendReferences();
  }

  /** Scores the candidate of a registered `position` (now, or later on the worker); a promise means: wait before adding more. */
  score(position: number, candidate: string): Promise<void> | undefined {
    if (this.workerError) throw this.failed(this.workerError);
    if (this.referenceBuffer.positions.length > 0) this.sendReferences();
    if (!this.worker) {
      this.scoreInline(position, candidate);
      return undefined;
    }
    this.candidateBuffer.positions.push(position);
    this.candidateBuffer.texts.push(candidate);
    return this.candidateBuffer.positions.length >= BATCH ? this.sendCandidates() : undefined;
  }

  /** Waits for every pair to be scored; throws when the worker failed. */
  async finish(): Promise<void> {
    await this.sendCandidates();
    await Promise.all(this.inFlight);
    if (this.workerError) throw this.failed(this.workerError);
  }

  private failed(err: Error): Error {
    return failure(`ROUGE scoring on its worker thread failed: ${err.message}`);
  }

  /** Stops the worker (always call, also after a failure). */
  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }

  private scoreInline(position: number, candidate: string): void {
    const reference = this.references[position];
    if (reference === undefined) throw internalError(`no reference to score at position ${position}`);
    this.references[position] = undefined;
    const s = rougeScores(reference, candidate);
    this.target[3 * position] = s.rouge1.fmeasure;
    this.target[3 * position + 1] = s.rouge2.fmeasure;
    this.target[3 * position + 2] = s.rougeL.fmeasure;
  }

  /**
   * Sends the buffered references, starting the worker with the first full batch. Until
   * then (a dataset smaller than one batch, or a worker that cannot start) they stay here
   * and are scored inline.
   */
  private sendReferences(): void {
    const buffered = this.referenceBuffer;
    this.referenceBuffer = emptyBuffer();
    if (!this.worker && this.useWorker && buffered.positions.length >= BATCH) this.startWorker();
    if (this.worker) this.worker.postMessage({ kind: "references", ...buffered } satisfies RougeWorkerRequest);
    else buffered.positions.forEach((position, i) => (this.references[position] = buffered.texts[i]));
  }

  /** Sends the buffered candidates; waits while too many batches are out. */
  private async sendCandidates(): Promise<void> {
    const job = this.candidateBuffer;
    if (job.positions.length === 0 || !this.worker) return;
    this.candidateBuffer = emptyBuffer();
    const batch = this.nextBatch++;
    this.inFlight.push(new Promise<void>((resolve) => this.pending.set(batch, { positions: job.positions, done: resolve })));
    this.worker.postMessage({ kind: "candidates", batch, ...job } satisfies RougeWorkerRequest);
    while (this.inFlight.length > MAX_IN_FLIGHT) await this.inFlight.shift();
  }

  private startWorker(): void {
    this.useWorker = false;
    this.worker = startWorker(import.meta.url, "rouge-worker");
    this.worker?.on("message", (reply: RougeWorkerReply) => {
      const job = this.pending.get(reply.batch);
      if (!job) return;
      this.pending.delete(reply.batch);
      this.workerBatches++;
      job.positions.forEach((position, i) => {
        for (let k = 0; k < 3; k++) this.target[3 * position + k] = reply.scores[3 * i + k];
      });
      job.done();
    });
    this.worker?.on("error", (err) => {
      this.workerError = err;
      const worker = this.worker;
      this.worker = undefined;
      void worker?.terminate();
      // Nothing more will come back: release the waiters so `finish` can report the failure.
      for (const job of this.pending.values()) job.done();
      this.pending.clear();
    });
  }
}
