import { Worker } from "node:worker_threads";
import { rougeScores } from "./rouge.js";

/**
 * ROUGE-1/2/L F-measures of many (reference, candidate) pairs, computed on a worker
 * thread while the caller keeps reading and scoring: the pairs go out in batches, and
 * each batch's results come back as one Float64Array (3 values per pair, in order).
 * Results land at the caller's positions, so means are taken in dataset order whatever
 * the timing. Without a worker (or when it fails to start) pairs are scored inline.
 */

const BATCH = 2000;
const MAX_IN_FLIGHT = 4;

export class RougePool {
  private worker: Worker | undefined;
  private references: string[] = [];
  private candidates: string[] = [];
  private positions: number[] = [];
  private readonly pending = new Map<number, { positions: number[]; references: string[]; candidates: string[]; done: () => void }>();
  private nextBatch = 0;
  /** Batches the worker scored (the rest, if any, were scored inline). */
  workerBatches = 0;

  /** `target[3 * position + k]` receives ROUGE-1 (k = 0), ROUGE-2 (1) and ROUGE-L (2) F. */
  constructor(
    private readonly target: Float64Array,
    private useWorker: boolean,
  ) {}

  /** Starts the worker on first use, so a run without references never pays for one. */
  private workerReady(): Worker | undefined {
    if (this.useWorker && !this.worker) {
      this.useWorker = false;
      this.worker = startWorker();
      this.worker?.on("message", (message: { batch: number; scores: Float64Array }) => {
        const job = this.pending.get(message.batch);
        if (!job) return;
        this.pending.delete(message.batch);
        this.workerBatches++;
        job.positions.forEach((position, i) => {
          for (let k = 0; k < 3; k++) this.target[3 * position + k] = message.scores[3 * i + k];
        });
        job.done();
      });
      // A worker that fails (cannot load, crashes) is dropped: its unfinished batches and all
      // later pairs are scored inline, so the results are the same either way.
      this.worker?.on("error", () => {
        const worker = this.worker;
        this.worker = undefined;
        void worker?.terminate();
        for (const job of this.pending.values()) {
          job.positions.forEach((position, i) => this.scoreInline(position, job.references[i], job.candidates[i]));
          job.done();
        }
        this.pending.clear();
      });
    }
    return this.worker;
  }

  private scoreInline(position: number, reference: string, candidate: string): void {
    const s = rougeScores(reference, candidate);
    this.target[3 * position] = s.rouge1.fmeasure;
    this.target[3 * position + 1] = s.rouge2.fmeasure;
    this.target[3 * position + 2] = s.rougeL.fmeasure;
  }

  /** Scores a pair (now, or later on the worker); a promise means: wait before adding more. */
  add(position: number, reference: string, candidate: string): Promise<void> | undefined {
    if (!this.workerReady()) {
      this.scoreInline(position, reference, candidate);
      return undefined;
    }
    this.references.push(reference);
    this.candidates.push(candidate);
    this.positions.push(position);
    return this.positions.length >= BATCH ? this.flush() : undefined;
  }

  /** Sends what is buffered; waits while too many batches are out. */
  private async flush(): Promise<void> {
    if (this.positions.length === 0) return;
    const batch = this.nextBatch++;
    const job = { positions: this.positions, references: this.references, candidates: this.candidates };
    if (!this.worker) {
      job.positions.forEach((position, i) => this.scoreInline(position, job.references[i], job.candidates[i]));
    } else {
      const done = new Promise<void>((resolve) => this.pending.set(batch, { ...job, done: resolve }));
      this.worker.postMessage({ batch, references: job.references, candidates: job.candidates });
      this.inFlight.push(done);
    }
    this.references = [];
    this.candidates = [];
    this.positions = [];
    while (this.inFlight.length > MAX_IN_FLIGHT) await this.inFlight.shift();
  }

  private readonly inFlight: Promise<void>[] = [];

  /** Waits for every pair to be scored. */
  async finish(): Promise<void> {
    await this.flush();
    await Promise.all(this.inFlight);
  }

  /** Stops the worker (always call, also after a failure). */
  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}

function startWorker(): Worker | undefined {
  // From source (tests, tsx) the worker is the .ts file; built, the .js next to this one.
  const fromSource = import.meta.url.endsWith(".ts");
  try {
    if (!fromSource) return new Worker(new URL("./rouge-worker.js", import.meta.url));
    // Workers do not inherit the TypeScript loader: register it first, then load the worker.
    const loader = JSON.stringify(import.meta.resolve("tsx/esm/api"));
    const entry = JSON.stringify(new URL("./rouge-worker.ts", import.meta.url).href);
    return new Worker(`import(${loader}).then((api) => { api.register(); return import(${entry}); });`, { eval: true });
  } catch {
    return undefined;
  }
}
