import { createServer } from "node:net";
import { join } from "node:path";

/** Commands that call an OpenAI-compatible endpoint once per record, and endpoints that never answer. */

/** A port nothing listens on: bound by this process, then closed, so connecting to it is refused. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Fixture {
  dataset: string;
  images: string;
  predictions: string;
  dir: string;
  endpoint: string;
}

/** A command that calls the endpoint once per record, and how to read its --json summary. */
export interface RemoteCommand {
  name: string;
  args: (fx: Fixture) => string[];
  out: (dir: string) => string;
  /** Done, failed and not attempted records, from the --json summary. */
  state: (json: Record<string, Record<string, unknown>>) => { done: number; failed: number; notAttempted: number };
}

export const REMOTE_COMMANDS: RemoteCommand[] = [
  {
    name: "eval infer",
    args: (fx) => ["eval", "infer", "--dataset", fx.dataset, "--images", fx.images, "--endpoint", fx.endpoint, "--model", "m", "--out", join(fx.dir, "pred.jsonl"), "--json"],
    out: (dir) => join(dir, "pred.jsonl"),
    state: ({ infer }) => ({ done: infer.succeeded as number, failed: infer.failed as number, notAttempted: infer.not_attempted as number }),
  },
  {
    name: "eval judge",
    args: (fx) => ["eval", "judge", "--dataset", fx.dataset, "--predictions", fx.predictions, "--endpoint", fx.endpoint, "--no-cache", "--out", join(fx.dir, "judge.jsonl"), "--json"],
    out: (dir) => join(dir, "judge.jsonl"),
    state: ({ judge }) => {
      const counts = judge.counts as Record<string, number>;
      return { done: counts.scored, failed: counts.failed, notAttempted: counts.not_judged };
    },
  },
  {
    name: "synth",
    args: (fx) => ["synth", "--dataset", fx.dataset, "--images", fx.images, "--endpoint", fx.endpoint, "--model", "m", "--out", join(fx.dir, "synth.jsonl"), "--json"],
    out: (dir) => join(dir, "synth.jsonl"),
    state: ({ synth }) => ({ done: (synth.written as { total: number }).total, failed: synth.failed as number, notAttempted: synth.not_attempted as number }),
  },
];

/** Endpoints that can never answer: a refused connection, and a port fetch will not connect to. */
export const DEAD_ENDPOINTS: { name: string; url: () => Promise<string>; message: (url: string) => RegExp }[] = [
  {
    name: "a refused connection (a closed port)",
    url: async () => `http://127.0.0.1:${await refusedPort()}/v1`,
    message: (url) => new RegExp(`^error: run stopped: cannot reach ${url.replace(/[./]/g, "\\$&")} \\(ECONNREFUSED\\): is the server running and the URL right\\?$`),
  },
  {
    // Port 9 (discard) is one fetch never connects to ("bad port"): the endpoint of the issue.
    name: "a bad port (9)",
    url: () => Promise.resolve("http://127.0.0.1:9/v1"),
    message: () => /^error: run stopped: cannot reach http:\/\/127\.0\.0\.1:9\/v1: port 9 is one that fetch refuses to connect to/,
  },
];
