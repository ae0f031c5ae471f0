/**
 * A reward written in TypeScript, used by a Python trainer: define it, serve it, and emit for
 * each trainer a plugin that calls the server in that trainer's own calling convention.
 *
 *   npx tsx examples/custom-reward.ts plugins-out/      # serves on 127.0.0.1:5005 until Ctrl-C
 *
 * Then, e.g. with TRL: `from facial_r1_rewards import REWARD_FUNCS` from plugins-out/trl/, or
 * with the Facial-R1 fork: plugins-out/facial-r1/train_grpo.py with --reward_funcs think_length.
 * Set FACIAL_R1_REWARD_TOKEN on both sides to require a token.
 */
import { join } from "node:path";
import { buildRemoteRewardPlugin, defineReward, PLUGIN_TARGETS, serveRewards } from "facial-r1/rewards";

const out = process.argv[2] ?? "plugins-out";
const port = Number(process.env.PORT ?? 5005);

// The paper asks for concise reasoning: 1 for a think block of 10 to 60 words, less outside.
const thinkLength = defineReward({
  name: "think_length",
  range: [0, 1],
  description: "1 for a <think> block of 10 to 60 words, falling off outside",
  score: ({ completion }) => {
    const think = /<think>([\s\S]*?)<\/think>/.exec(completion)?.[1];
    if (think === undefined) return 0;
    const words = think.split(/\s+/).filter(Boolean).length;
    return words < 10 ? words / 10 : words <= 60 ? 1 : Math.max(0, 1 - (words - 60) / 60);
  },
});

const server = await serveRewards({ rewards: [thinkLength], port });
const plugins: Record<string, string[]> = {};
for (const target of PLUGIN_TARGETS) plugins[target] = await buildRemoteRewardPlugin({ target, outDir: join(out, target), server: server.url });
console.log(JSON.stringify({ url: server.url, plugins }));

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
