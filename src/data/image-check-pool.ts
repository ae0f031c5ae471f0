import type { Worker } from "node:worker_threads";
import { startWorker } from "../util/worker.js";
import type { ImageCheckJob, ImageCheckReply } from "./image-check-worker.js";
import { ImageFolder, type ImageOutcome } from "./image-folder.js";

/**
 * Image checks on worker threads, for storage where a check waits (a network file system):
 * several checks are then in flight at once, while the caller goes on parsing. Checks are
 * sent in batches per folder (a full batch at once, the rest when the caller next waits); a
 * worker that stops has its batches redone on the calling thread, with the same results: a
 * check never hangs on it.
 */

const BATCH = 128;
/** Checks in flight at once on network storage (as many as libuv's default thread pool runs). */
const THREADS = 4;

interface Batch {
  root: string;
  keys: string[];
  done: ((outcome: ImageOutcome) => void)[];
}

interface Slot {
  worker: Worker;
  batches: Map<number, Batch>;
  alive: boolean;
}

export class ImageCheckPool {
  private readonly slots: Slot[] = [];
  private readonly open = new Map<string, Batch>();
  private flushing = false;
  private nextId = 0;
  /** Folders of the batches redone here. */
  private readonly here = new Map<string, ImageFolder>();

  constructor(private readonly maxThreads: number) {}

  /** Worker threads that are running. */
  get threads(): number {
    return this.slots.filter((s) => s.alive).length;
  }

  /** A worker with no batch, started when every running one has work and there is room for one more. */
  private idleSlot(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) if (s.alive && (!best || s.batches.size < best.batches.size)) best = s;
    if (best && best.batches.size === 0) return best;
    if (this.slots.length >= this.maxThreads) return best;
    const worker = startWorker(import.meta.url, "image-check-worker");
    if (!worker) return best;
    const slot: Slot = { worker, batches: new Map(), alive: true };
    worker.on("message", (reply: ImageCheckReply) => this.receive(slot, reply));
    worker.on("error", () => this.retire(slot));
    worker.on("exit", () => this.retire(slot));
    this.slots.push(slot);
    return slot;
  }

  /** The outcome of the file `key` under the folder `root` (an absolute path). */
  check(root: string, key: string): Promise<ImageOutcome> {
    return new Promise((resolve) => {
      let batch = this.open.get(root);
      if (!batch) this.open.set(root, (batch = { root, keys: [], done: [] }));
      batch.keys.push(key);
      batch.done.push(resolve);
      if (batch.keys.length >= BATCH) this.send(batch);
      else if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => {
          this.flushing = false;
          for (const open of [...this.open.values()]) this.send(open);
        });
      }
    });
  }

  private send(batch: Batch): void {
    this.open.delete(batch.root);
    const slot = this.idleSlot();
    if (!slot) return this.runHere(batch);
    const id = this.nextId++;
    if (slot.batches.size === 0) slot.worker.ref();
    slot.batches.set(id, batch);
    slot.worker.postMessage({ id, root: batch.root, keys: batch.keys } satisfies ImageCheckJob);
  }

  private receive(slot: Slot, reply: ImageCheckReply): void {
    const batch = slot.batches.get(reply.id);
    if (!batch) return;
    slot.batches.delete(reply.id);
    // An idle worker does not keep the process alive.
    if (slot.batches.size === 0) slot.worker.unref();
    batch.done.forEach((done, i) => done(reply.outcomes[i]));
  }

  private retire(slot: Slot): void {
    if (!slot.alive) return;
    slot.alive = false;
    void slot.worker.terminate();
    const batches = [...slot.batches.values()];
    slot.batches.clear();
    for (const batch of batches) this.runHere(batch);
  }

  private runHere(batch: Batch): void {
    let folder = this.here.get(batch.root);
    if (!folder) this.here.set(batch.root, (folder = new ImageFolder(batch.root)));
    batch.done.forEach((done, i) => done(folder.inspect(batch.keys[i])));
  }
}

let shared: ImageCheckPool | undefined;

/** The process's pool; its workers start as batches need them. */
export function imageCheckPool(): ImageCheckPool {
  if (shared === undefined) {
    shared = new ImageCheckPool(THREADS);
  }
  return shared;
}
