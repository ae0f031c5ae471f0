import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeInferFixture } from "../eval-remote/fixtures.js";
import { synthArgs, writeSynthFixture } from "../synth/fixtures.js";

/** The commands that submit Batch API jobs, each with inputs for a run of a few records. */
export interface BatchCommand {
  name: string;
  /** Writes the inputs; returns the command's arguments and its output file. */
  setup: (dir: string, url: string) => Promise<{ args: string[]; out: string }>;
  /** The records the finished rerun must have written. */
  records: number;
}

export const BATCH_COMMANDS: BatchCommand[] = [
  {
    name: "eval judge --batch",
    records: 6,
    setup: async (dir, url) => {
      const fx = await writeInferFixture(dir, 6);
      const records = (await readFile(fx.dataset, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as { id: string });
      const predictions = join(dir, "pred.jsonl");
      await writeFile(predictions, records.map((r, i) => `${JSON.stringify({ id: r.id, output: `<think>AU1 judge:${i + 2}</think><answer>sadness</answer>` })}\n`).join(""));
      const out = join(dir, "judge.jsonl");
      return { args: ["eval", "judge", "--dataset", fx.dataset, "--predictions", predictions, "--endpoint", url, "--no-cache", "--out", out, "--batch", "--poll-interval", "0.02", "--json"], out };
    },
  },
  {
    name: "synth --batch",
    records: 5,
    setup: async (dir, url) => {
      const fx = await writeSynthFixture(dir, 5);
      return { args: synthArgs({ ...fx, url }, ["--batch", "--poll-interval", "0.02", "--json"]), out: fx.out };
    },
  },
];
