import type { Problem } from "../util/errors.js";
import type { LoadedLoopConfig } from "./config-file.js";
import type { StateStore } from "./state.js";

/** What every step of a round gets: the config, the state to record into, and where to report. */
export interface LoopContext {
  loaded: LoadedLoopConfig;
  store: StateStore;
  /** Human progress lines (the CLI prints them on stderr). */
  say: (line: string) => void;
  onProblem: (problem: Problem) => void;
  /** Ctrl-C: stops waiting and sending; a rerun continues. */
  signal?: AbortSignal;
}
