// Worker thread of PngWriterPool: encodes grayscale pixels as PNG and writes the file.
import { writeFileSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { encodePng } from "../../util/png.js";

export interface PngWorkerJob {
  id: number;
  path: string;
  width: number;
  height: number;
  pixels: Uint8Array;
}

export interface PngWorkerReply {
  id: number;
  error?: string;
}

parentPort?.on("message", (job: PngWorkerJob) => {
  // Synchronous on purpose: this thread exists to do exactly this work, and direct syscalls
  // avoid a round trip through the libuv thread pool per file.
  let error: string | undefined;
  try {
    writeFileSync(job.path, encodePng(job.width, job.height, job.pixels, "gray"));
  } catch (err) {
    error = (err as Error).message;
  }
  parentPort!.postMessage({ id: job.id, ...(error === undefined ? {} : { error }) } satisfies PngWorkerReply);
});
