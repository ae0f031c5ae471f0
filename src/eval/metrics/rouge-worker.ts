import { parentPort } from "node:worker_threads";
import { rougeScores } from "./rouge.js";

/** Worker side of `RougePool`: scores each batch of pairs and sends the F-measures back. */
parentPort?.on("message", (message: { batch: number; references: string[]; candidates: string[] }) => {
  const scores = new Float64Array(message.references.length * 3);
  for (let i = 0; i < message.references.length; i++) {
    const s = rougeScores(message.references[i], message.candidates[i]);
    scores[3 * i] = s.rouge1.fmeasure;
    scores[3 * i + 1] = s.rouge2.fmeasure;
    scores[3 * i + 2] = s.rougeL.fmeasure;
  }
  parentPort!.postMessage({ batch: message.batch, scores }, [scores.buffer]);
});
