import { writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { encodePng } from "../../util/png.js";
import { startWorker } from "../../util/worker.js";
import type { PngWorkerJob, PngWorkerReply } from "./png-worker.js";

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** A worker silent this long on one job is given up and its jobs redone on the main thread. */
const REPLY_TIMEOUT_MS = 60_000;

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  alive: boolean;
}

/** A worker that stopped (crashed, could not start): its jobs are redone on the main thread. */
class WorkerGone extends Error {}

export interface PngWrite {
  path: string;
  width: number;
  height: number;
  pixels: Uint8Array;
}

/**
 * Encodes and writes PNGs on worker threads, so that parsing (main thread) and PNG deflate
 * run on different cores. Jobs go round-robin to the live workers; each keeps several writes
 * in flight. Should every worker be gone, PNGs are written on the main thread: a job never hangs.
 */
export class PngWriterPool {
  private readonly slots: Slot[] = [];
  private nextSlot = 0;
  private nextId = 0;

  constructor(size = Math.max(1, availableParallelism() - 1)) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const worker = startWorker(import.meta.url, "png-worker");
      if (!worker) continue;
      const slot: Slot = { worker, pending: new Map(), alive: true };
      worker.on("message", (reply: PngWorkerReply) => {
        const job = slot.pending.get(reply.id);
        if (!job) return;
        slot.pending.delete(reply.id);
        clearTimeout(job.timer);
        if (reply.error === undefined) job.resolve();
        else job.reject(new Error(reply.error));
      });
      const gone = (why: string) => this.retire(slot, why);
      worker.on("error", (err) => gone(err.message));
      worker.on("exit", (code) => gone(`exited with code ${code}`));
      this.slots.push(slot);
    }
  }

  async write(job: PngWrite): Promise<void> {
    const slot = this.liveSlot();
    if (!slot) return writeHere(job);
    try {
      await this.post(slot, job);
    } catch (err) {
      if (!(err instanceof WorkerGone)) throw err;
      await writeHere(job);
    }
  }

  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    for (const slot of slots) slot.alive = false;
    await Promise.all(slots.map(({ worker }) => worker.terminate()));
  }

  private retire(slot: Slot, why: string): void {
    slot.alive = false;
    for (const job of slot.pending.values()) {
      clearTimeout(job.timer);
      job.reject(new WorkerGone(why));
    }
    slot.pending.clear();
  }

  private liveSlot(): Slot | undefined {
    for (let tries = 0; tries < this.slots.length; tries++) {
      const slot = this.slots[this.nextSlot];
      this.nextSlot = (this.nextSlot + 1) % this.slots.length;
      if (slot.alive) return slot;
    }
    return undefined;
  }

  private post(slot: Slot, job: PngWrite): Promise<void> {
    const id = this.nextId++;
    // A copy that owns its buffer is transferred; the caller's pixels stay usable for a retry here.
    const pixels = job.pixels.slice();
    const message: PngWorkerJob = { id, path: job.path, width: job.width, height: job.height, pixels };
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.retire(slot, `no reply in ${REPLY_TIMEOUT_MS / 1000} s`);
        void slot.worker.terminate();
      }, REPLY_TIMEOUT_MS);
      slot.pending.set(id, { resolve, reject, timer });
      slot.worker.postMessage(message);
    });
  }
}

async function writeHere(job: PngWrite): Promise<void> {
  await writeFile(job.path, encodePng(job.width, job.height, job.pixels, "gray"));
}
