import { INPUT_FAULTS } from "./corpus.js";
import { BATCH_COMMANDS } from "./batch-commands.js";
import { DEAD_ENDPOINTS, REMOTE_COMMANDS } from "./endpoints.js";
import { SHARD_FAULTS } from "./shard-faults.js";
import { SUBJECTS } from "./subjects.js";
import { OUTPUT_CASES, PRINTERS, STREAM_FAULTS, STREAMING_WRITERS } from "./writers.js";

/** One (command × fault) pair the fault suite runs: the command as its tests name it, and the fault. */
export interface FaultPair {
  command: string;
  fault: string;
  /** The test file that runs it. */
  suite: string;
}

/**
 * Every (command × fault) pair of the suite, built from the same lists the test files loop
 * over, so the count is the count of what runs.
 */
export function faultPairs(): FaultPair[] {
  const pair = (suite: string) => (command: string, fault: string): FaultPair => ({ command, fault, suite });
  const input = pair("input-faults");
  const output = pair("output-faults");
  const stream = pair("stream-faults");
  const interrupt = pair("interrupt");
  return [
    ...SUBJECTS.flatMap((s) => INPUT_FAULTS.map((f) => input(s.name, `${f} input`))),
    ...OUTPUT_CASES.map((c) => output(c.writer.name, `output ${c.kind === "dir" ? "folder" : "file"} is a ${c.fault}`)),
    ...PRINTERS.flatMap((p) => STREAM_FAULTS.map((f) => stream(p.name, f))),
    ...STREAMING_WRITERS.map((w) => interrupt(w.name, "SIGINT mid-write")),
    interrupt("data shard", "SIGKILL mid-write, temporaries swept by the next run"),
    ...REMOTE_COMMANDS.flatMap((c) => DEAD_ENDPOINTS.map((e) => pair("dead-endpoint")(c.name, `endpoint is ${e.name}`))),
    ...SHARD_FAULTS.map((f) => pair("checkpoint-faults")("hub push-model", `a weight shard is ${f.name}`)),
    ...BATCH_COMMANDS.map((c) => pair("batch-kill")(c.name, "killed between creating a batch and saving its id")),
  ];
}

/** The CLI command a pair's command name stands for: `data validate --fix` → `data validate`. */
export function commandOf(name: string): string {
  const words = name.split(" ");
  const flag = words.findIndex((w) => w.startsWith("--"));
  return (flag === -1 ? words : words.slice(0, flag)).join(" ");
}
