// Worker thread of PngWriterPool: encodes grayscale pixels as PNG and writes the file.
import { writeFile } from "node:fs/promises";
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
  const reply = (error?: string) => parentPort!.postMessage({ id: job.id, ...(error === undefined ? {} : { error }) } satisfies PngWorkerReply);
  let png: Buffer;
  try {
    png = encodePng(job.width, job.height, job.pixels, "gray");
  } catch (err) {
    reply((err as Error).message);
    return;
  }
  writeFile(job.path, png).then(
    () => reply(),
    (err: Error) => reply(err.message),
  );
});
