import { z } from "zod";
import { renderRemotePlugin, type RemoteReward } from "../plugins/remote.js";
import { PLUGIN_TARGETS, type PluginTarget } from "../plugins/targets.js";
import { writePluginFiles } from "../plugins/index.js";
import { defineReward, type RewardDefinition, type RewardInput } from "../rewards/custom.js";
import { scoreCompletion, type RewardScores } from "../rewards/score.js";
import { isLoopback, OPENRLHF_TOKEN_NOTE, rewardScorer, startRewardServer, type RunningRewardServer } from "../rewards/server.js";
import { REWARD_PRESETS, type RewardSpec } from "../schema/reward-spec.js";
import type { Truth } from "../rewards/openrlhf.js";
import { invalidInput, RemoteError } from "../util/errors.js";
import { parseOptions, PROBLEM_FIELDS, sameShape, type ProblemOptions } from "./options.js";
import { rewardSpecOf, SPEC_FIELDS, type RewardSpecSource } from "./reward-plugin.js";

export { defineReward, OPENRLHF_TOKEN_NOTE, REWARD_PRESETS, scoreCompletion };
export type { RemoteReward, RewardDefinition, RewardInput, RewardScores, RewardSpec, RunningRewardServer, Truth };

/** One completion and its ground truth, for {@link scoreRewards}. */
export interface ScoredItem extends Truth {
  /** A string, or a trainer's message list (its last assistant message is scored). */
  completion: unknown;
}

/** Options of {@link scoreRewards}. */
export interface ScoreRewardsOptions extends RewardSpecSource {
  items: ScoredItem[];
}

const ScoreRewardsOptions = z.strictObject({
  items: z.array(z.custom<ScoredItem>((v) => typeof v === "object" && v !== null && "completion" in v, "expected { completion, AUs?, labels?, solution? }")),
  ...SPEC_FIELDS,
});
sameShape<z.input<typeof ScoreRewardsOptions>, ScoreRewardsOptions>(true);

/**
 * The Facial-R1 rewards (format, accuracy, AU and their weighted total) of completions, in
 * order, exactly as every emitted Python plugin computes them.
 */
export async function scoreRewards(options: ScoreRewardsOptions): Promise<RewardScores[]> {
  const o = parseOptions("scoreRewards", ScoreRewardsOptions, options);
  const spec = await rewardSpecOf(o);
  return o.items.map((item) => scoreCompletion(item.completion, item, spec));
}

/**
 * Options of {@link serveRewards}; the spec fields choose the built-in rewards' spec. `onProblem`
 * hears a warning when the server listens beyond this machine without a token.
 */
export interface ServeRewardsOptions extends RewardSpecSource, ProblemOptions {
  /** Rewards written in TypeScript (defineReward), served at POST /v1/rewards/<name>. */
  rewards?: RewardDefinition[];
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 5000; 0 picks a free one). */
  port?: number;
  /** Bearer token the POST endpoints require (default: FACIAL_R1_REWARD_TOKEN, else none). */
  token?: string;
  /** Largest request body accepted (default 8 MiB). */
  maxBodyBytes?: number;
  /** Name of the built-in rewards that GET /health shows (default: `configFile`, else the spec's preset). */
  name?: string;
}

const ServeRewardsOptions = z.strictObject({
  rewards: z.array(z.custom<RewardDefinition>((v) => typeof v === "object" && v !== null && typeof (v as RewardDefinition).score === "function", "expected a defineReward(...) result")).default([]),
  host: z.string().min(1).default("127.0.0.1"),
  port: z.number().int().min(0).max(65535).default(5000),
  token: z.string().min(1).optional(),
  maxBodyBytes: z.number().int().positive().optional(),
  name: z.string().min(1).optional(),
  ...SPEC_FIELDS,
  ...PROBLEM_FIELDS,
});
sameShape<z.input<typeof ServeRewardsOptions>, ServeRewardsOptions>(true);

/**
 * Serves the built-in rewards (OpenRLHF's POST /get_reward, POST /v1/score) and any
 * TypeScript-defined ones (POST /v1/rewards/<name>, listed at GET /v1/rewards) over HTTP.
 * Resolves once it accepts requests; `close()` finishes the requests in flight.
 */
export async function serveRewards(options: ServeRewardsOptions = {}): Promise<RunningRewardServer> {
  const o = parseOptions("serveRewards", ServeRewardsOptions, options);
  const names = new Set<string>();
  for (const r of o.rewards) {
    defineReward(r);
    if (names.has(r.name)) throw invalidInput(`serveRewards(): two rewards are named ${r.name}`);
    names.add(r.name);
  }
  const spec = await rewardSpecOf(o);
  const token = o.token ?? (process.env.FACIAL_R1_REWARD_TOKEN || undefined);
  const server = await startRewardServer({
    scorer: rewardScorer(spec, o.name ?? o.configFile ?? spec.preset),
    rewards: o.rewards,
    host: o.host,
    port: o.port,
    token,
    maxBodyBytes: o.maxBodyBytes,
  });
  if (!isLoopback(o.host) && !token) {
    o.onProblem?.({ severity: "warning", message: `listening on ${o.host} without a token: anyone who can reach this port can use the server (set FACIAL_R1_REWARD_TOKEN)` });
  }
  return server;
}

/** Options of {@link buildRemoteRewardPlugin}. */
export interface BuildRemoteRewardPluginOptions {
  target: PluginTarget;
  outDir: string;
  /** The reward server's base URL, e.g. http://10.0.0.5:5000. */
  server: string;
  /** The rewards to call (definitions, or `{name, range}`); default: every reward the server lists. */
  rewards?: RemoteReward[];
}

const BuildRemoteRewardPluginOptions = z.strictObject({
  target: z.enum(PLUGIN_TARGETS),
  outDir: z.string().min(1),
  server: z.string().url(),
  rewards: z.array(z.custom<RemoteReward>((v) => typeof v === "object" && v !== null && typeof (v as RemoteReward).name === "string" && Array.isArray((v as RemoteReward).range), "expected { name, range }")).optional(),
});
sameShape<z.input<typeof BuildRemoteRewardPluginOptions>, BuildRemoteRewardPluginOptions>(true);

/**
 * A Python plugin for `target` whose reward functions call the server for TypeScript-defined
 * rewards, in that trainer's calling convention; returns the written paths.
 */
export async function buildRemoteRewardPlugin(options: BuildRemoteRewardPluginOptions): Promise<string[]> {
  const o = parseOptions("buildRemoteRewardPlugin", BuildRemoteRewardPluginOptions, options);
  const rewards: RemoteReward[] = o.rewards ?? (await listServedRewards(o.server));
  return writePluginFiles(o.outDir, renderRemotePlugin(o.target, { server: o.server, rewards }));
}

/** The TypeScript-defined rewards a running server serves (GET /v1/rewards). */
export async function listServedRewards(server: string): Promise<RemoteReward[]> {
  const url = `${server.replace(/\/+$/, "")}/v1/rewards`;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new RemoteError("unreachable", `cannot reach the reward server at ${url}: ${(err as Error).message}`);
  }
  if (!response.ok) throw new RemoteError(response.status === 404 ? "not_found" : "server", `${url} answered HTTP ${response.status}`, response.status);
  return ((await response.json()) as { rewards: RemoteReward[] }).rewards;
}

