import { parentPort } from "node:worker_threads";
import { PreparedReferences } from "./rouge.js";

/** Messages to the worker side of `RougePool`: references first, then candidates for them. */
export type RougeWorkerRequest =
  | { kind: "references"; positions: number[]; texts: string[] }
  | { kind: "candidates"; batch: number; positions: number[]; texts: string[] };

/** The F-measures of one candidates batch: ROUGE-1, ROUGE-2, ROUGE-L per pair, in order. */
export interface RougeWorkerReply {
  batch: number;
  scores: Float64Array;
}

const references = new PreparedReferences();

parentPort?.on("message", (request: RougeWorkerRequest) => {
  if (request.kind === "references") {
    request.positions.forEach((position, i) => references.add(position, request.texts[i]));
    return;
  }
  const scores = new Float64Array(request.positions.length * 3);
  request.positions.forEach((position, i) => {
    const s = references.score(position, request.texts[i]);
    scores[3 * i] = s.rouge1.fmeasure;
    scores[3 * i + 1] = s.rouge2.fmeasure;
    scores[3 * i + 2] = s.rougeL.fmeasure;
  });
  const reply: RougeWorkerReply = { batch: request.batch, scores };
  parentPort!.postMessage(reply, [scores.buffer]);
});
