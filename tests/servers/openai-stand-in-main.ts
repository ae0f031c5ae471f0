/**
 * The OpenAI stand-in as a server process of its own: what the loop's serving job runs in the
 * tests in place of `vllm serve` (`node --import tsx tests/servers/openai-stand-in-main.ts
 * --port N`). It stops on SIGTERM, as a cancelled job does.
 *
 *   --port N            port on 127.0.0.1 (required)
 *   --log FILE          one JSON line per chat request as it arrives: `{kind, attempt, image_sha256}`
 *                       (kind synth | judge | infer; attempt = the assistant turns it carries + 1)
 *   --latency-ms N      reply latency
 *   --mistake-every N   synthesis items whose hash is divisible by N answer with a wrong label
 *                       on every attempt (they fail the quality check)
 */
import { createHash } from "node:crypto";
import { appendFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { isSynthesisRequest, startOpenAiStandIn, type ChatRequest } from "./openai-stand-in.js";

const { values } = parseArgs({
  options: { port: { type: "string" }, log: { type: "string" }, "latency-ms": { type: "string" }, "mistake-every": { type: "string" } },
});
const mistakeEvery = Number(values["mistake-every"] ?? 0);
const sha = (text: string) => createHash("sha256").update(text).digest("hex");

function logLine(request: ChatRequest): string {
  const kind = request.response_format?.type === "json_schema" ? "judge" : isSynthesisRequest(request) ? "synth" : "infer";
  const attempt = request.messages.filter((m) => m.role === "assistant").length + 1;
  let image: string | null = null;
  for (const message of request.messages) {
    if (typeof message.content === "string") continue;
    const part = message.content.find((p) => p.type === "image_url" && p.image_url);
    if (part?.image_url && image === null) {
      const url = part.image_url.url;
      image = createHash("sha256").update(Buffer.from(url.slice(url.indexOf(",") + 1), "base64")).digest("hex");
    }
  }
  return `${JSON.stringify({ kind, attempt, image_sha256: image })}\n`;
}

const server = await startOpenAiStandIn({
  latencyMs: Number(values["latency-ms"] ?? 0),
  onChat: values.log ? (request) => appendFileSync(values.log!, logLine(request)) : undefined,
  synthesis: {
    mistakes: (item) => (mistakeEvery > 0 && Number.parseInt(sha(item).slice(0, 8), 16) % mistakeEvery === 0 ? { kinds: ["label"], attempts: 1000 } : undefined),
  },
  port: Number(values.port),
});
process.stderr.write(`openai stand-in listening on ${server.url}\n`);
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
