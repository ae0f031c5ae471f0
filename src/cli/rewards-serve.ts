import type { Command } from "commander";
import type { RewardComponent } from "../rewards-api.js";
import { InvalidInputError } from "../util/errors.js";
import { action, parsePositiveInt, printJson, printJsonLine, say, sayProblem } from "./io.js";

const MAX_PROBLEMS_SHOWN = 20;

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidInputError(`--port must be an integer in 0..65535, got "${value}"`);
  return n;
}

/** `--rewards format,accuracy`: some of `known` (the SDK's REWARD_COMPONENTS), returned in their order. */
function parseComponents(text: string, known: readonly RewardComponent[]): RewardComponent[] {
  const names = text.split(/[\s,]+/).filter(Boolean);
  if (names.length === 0) throw new InvalidInputError(`--rewards: name at least one of ${known.join(", ")}`);
  for (const name of names) {
    if (!(known as readonly string[]).includes(name)) {
      throw new InvalidInputError(`--rewards: unknown reward "${name}"; expected some of ${known.join(", ")}`);
    }
  }
  return known.filter((c) => names.includes(c));
}

/** Resolves with the name of the first SIGTERM or SIGINT received. */
function shutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off("SIGTERM", on);
      process.off("SIGINT", on);
      resolve(signal);
    };
    process.on("SIGTERM", on);
    process.on("SIGINT", on);
  });
}

export function registerRewardServerCommands(rewards: Command): void {
  rewards
    .command("serve")
    .description("Serve the rewards over HTTP: OpenRLHF's POST /get_reward, POST /v1/score (batch), GET /health")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <n>", "port; 0 picks a free one", "5000")
    .option("--token <token>", "require Authorization: Bearer <token> (prefer the FACIAL_R1_REWARD_TOKEN environment variable)")
    .option("--preset <name>", "reward preset: facial-r1 (published semantics) or normalized", "facial-r1")
    .option("--config <file>", "reward spec file (YAML/JSON; a spec or a run config with `rewards:`); wins over --preset")
    .option("--max-body-bytes <n>", "largest request body accepted (larger ones get 413)", String(8 * 1024 * 1024))
    .option("--json", "print {url, host, port} as one JSON line on stdout once listening")
    .action(
      action(async (opts: { host: string; port: string; token?: string; preset: string; config?: string; maxBodyBytes: string; json?: boolean }) => {
        const port = parsePort(opts.port);
        const maxBodyBytes = parsePositiveInt("--max-body-bytes", opts.maxBodyBytes)!;
        const token = opts.token ?? (process.env.FACIAL_R1_REWARD_TOKEN || undefined);
        const { describeScoreMapping, loadRewardSpec } = await import("../api/reward-files.js");
        const { OPENRLHF_TOKEN_NOTE, serveRewards } = await import("../api/rewards.js");
        const spec = await loadRewardSpec({ configFile: opts.config, preset: opts.preset });
        const name = opts.config ?? spec.preset;
        const server = await serveRewards({ spec, name, host: opts.host, port, token: token || undefined, maxBodyBytes, onProblem: sayProblem });
        const stopped = shutdownSignal();
        say(`reward server listening on ${server.url} (rewards ${name}, score = ${describeScoreMapping(spec)}${token ? ", bearer token required" : ""})`);
        if (token) say(`note: ${OPENRLHF_TOKEN_NOTE}`);
        else say(`OpenRLHF: --remote_rm_url ${server.url}/get_reward   (stop with Ctrl-C or SIGTERM)`);
        if (opts.json) printJsonLine({ url: server.url, host: server.host, port: server.port, get_reward: `${server.url}/get_reward`, score: `${server.url}/v1/score`, health: `${server.url}/health` });
        const signal = await stopped;
        say(`${signal}: finishing requests in flight and stopping`);
        await server.close();
        const c = server.counters;
        say(`stopped: ${c.requests} request(s), ${c.completions} completion(s) scored, ${c.rejected} rejected, ${c.failed} failed`);
        return 0;
      }),
    );

  rewards
    .command("replay")
    .description("Rescore a trainer's rollout debug log (or a JSONL of completions): reward means, zero-variance groups, GRPO advantages, format failures")
    .argument("<log-or-jsonl>", "VLM-R1 rollout log (DEBUG_MODE=true, LOG_PATH) or JSONL {prompt_id|problem+image, completion, AUs, labels}")
    .option("--preset <name>", "reward preset: facial-r1 or normalized", "facial-r1")
    .option("--config <file>", "reward spec file (YAML/JSON); wins over --preset")
    .option("--rewards <list>", "rewards summed into the total, e.g. format,accuracy,au (default: format,accuracy for logs, all for JSONL)")
    .option("--num-generations <n>", "split each prompt's completions into groups of n (the trainer's num_generations)")
    .option("--per-group", "include every group's rewards and advantages in the JSON output")
    .option("--json", "print the report as JSON on stdout")
    .action(
      action(async (file: string, opts: { preset: string; config?: string; rewards?: string; numGenerations?: string; perGroup?: boolean; json?: boolean }) => {
        const { formatReplayReport, loadRewardSpec, replayRewards, REWARD_COMPONENTS } = await import("../api/reward-files.js");
        const spec = await loadRewardSpec({ configFile: opts.config, preset: opts.preset });
        const components = opts.rewards !== undefined ? parseComponents(opts.rewards, REWARD_COMPONENTS) : undefined;
        const numGenerations = parsePositiveInt("--num-generations", opts.numGenerations);
        let shown = 0;
        let hidden = 0;
        const report = await replayRewards({
          file,
          spec,
          components,
          numGenerations,
          perGroup: opts.perGroup,
          onProblem: (problem) => {
            if (shown < MAX_PROBLEMS_SHOWN) {
              shown++;
              sayProblem(problem);
            } else hidden++;
          },
        });
        if (hidden > 0) say(`... ${hidden} more problem(s) not shown`);
        if (opts.json) printJson(report);
        else say(formatReplayReport(report));
        if (report.completions === 0) {
          say(`error: ${file}: no completions found (expected a VLM-R1 rollout log or JSONL with a "completion" field per line)`);
          return 2;
        }
        return report.problems > 0 ? 1 : 0;
      }),
    );
}
