import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { invalidInput } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";

/**
 * What the loop has done, in `<out>/loop-state.json`, written atomically after every step:
 * a rerun after a kill reads it and continues with the first step not marked done. Steps
 * that start outside work (a training job, a serving job) record the run id they are about
 * to use before starting it, so a rerun finds that job instead of starting another.
 */
export const STATE_FORMAT = "facial-r1-loop-state/1";
export const STATE_FILE = "loop-state.json";

export const ROUND_STEPS = ["plan", "launch", "train", "pull", "serve", "eval", "select", "synth", "merge", "push", "report"] as const;
export type RoundStep = (typeof ROUND_STEPS)[number];

export interface JobStep {
  run_id: string;
  /** False until the backend accepted the job (a rerun then looks for it before starting another). */
  submitted: boolean;
}

export interface RoundState {
  round: number;
  /** The training data of this round (data version `round`). */
  data: string;
  plan?: { bundle: string; config: string };
  launch?: JobStep;
  train?: { state: string; exit_code?: number };
  pull?: { dir: string; checkpoint: string; checkpoint_dir: string; remote_checkpoint: string };
  /** The model endpoint of the round: a given URL, or a serving job (`job`) stopped after synthesis. */
  serve?: { endpoint?: string; model: string; job?: JobStep; stopped?: boolean };
  eval?: { score: string; metric: number | null; judge_mean: number | null };
  select?: { selection: string; excluded: number; selected: number; already_used: number };
  synth?: { out: string; written: number; failed: number };
  /** `leaks`: records of the new data version that share an id or an image with the eval set. */
  merge?: { dataset: string; records: number; accepted: number; rejected: number; leaks: number };
  push?: { dataset?: string; model?: string };
  report?: { html: string };
  /** Why the loop stopped after this round's eval (the metric stopped improving). */
  stopped?: string;
}

export interface LoopState {
  format: typeof STATE_FORMAT;
  name: string;
  rounds: RoundState[];
  finished?: { reason: string };
}

export function statePath(out: string): string {
  return join(out, STATE_FILE);
}

export async function readState(out: string, name: string): Promise<LoopState> {
  const file = statePath(out);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { format: STATE_FORMAT, name, rounds: [] };
    throw err;
  }
  let state: LoopState;
  try {
    state = JSON.parse(text) as LoopState;
  } catch (err) {
    throw invalidInput(`not a loop state file: ${(err as Error).message}`, { file });
  }
  if (state.format !== STATE_FORMAT) throw invalidInput(`not a loop state file (format ${JSON.stringify(state.format)})`, { file });
  if (state.name !== name) throw invalidInput(`holds the state of loop "${state.name}", not "${name}"; choose another output folder`, { file });
  return state;
}

/** The state, saved after each step; `save` writes it atomically. */
export class StateStore {
  constructor(
    readonly out: string,
    readonly state: LoopState,
  ) {}

  static async open(out: string, name: string): Promise<StateStore> {
    return new StateStore(out, await readState(out, name));
  }

  round(k: number): RoundState | undefined {
    return this.state.rounds.find((r) => r.round === k);
  }

  async save(): Promise<void> {
    await writeFileAtomic(statePath(this.out), `${JSON.stringify(this.state, null, 2)}\n`);
  }

  /** Records a step's result and saves at once. */
  async done<S extends RoundStep | "stopped">(round: RoundState, step: S, value: RoundState[S]): Promise<void> {
    round[step] = value;
    await this.save();
  }
}

/** `rounds/<k>` under the output folder: everything a round made. */
export function roundDir(out: string, k: number): string {
  return join(out, "rounds", String(k));
}
