// Worker thread of ImageCheckPool: checks batches of image files with synchronous system calls.
import { parentPort } from "node:worker_threads";
import { ImageFolder, type ImageOutcome } from "./image-folder.js";

export interface ImageCheckJob {
  id: number;
  root: string;
  keys: string[];
}

export interface ImageCheckReply {
  id: number;
  outcomes: ImageOutcome[];
}

const folders = new Map<string, ImageFolder>();

parentPort?.on("message", (job: ImageCheckJob) => {
  let folder = folders.get(job.root);
  if (!folder) folders.set(job.root, (folder = new ImageFolder(job.root)));
  const reply: ImageCheckReply = { id: job.id, outcomes: job.keys.map((key) => folder.inspect(key)) };
  parentPort!.postMessage(reply);
});
