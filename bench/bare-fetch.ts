import { testImageBytes } from "../tests/servers/openai-stand-in.js";

/**
 * Baseline for the remote-model benchmarks: the OpenAI stand-in driven by a bare `fetch` loop
 * with `concurrency` requests in flight, each carrying a small PNG (a distinct one per request,
 * named `<tag>-<i>`). Returns requests per second: what the machine and the stand-in allow.
 */
export async function bareFetchRate(params: { url: string; requests: number; concurrency: number; tag: string }): Promise<number> {
  const body = (i: number) =>
    JSON.stringify({
      model: "stand-in",
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${testImageBytes(`${params.tag}-${i}`).toString("base64")}` } }] }],
    });
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: params.concurrency }, async () => {
      while (next < params.requests) {
        const i = next++;
        const res = await fetch(`${params.url}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: body(i) });
        await res.json();
      }
    }),
  );
  return params.requests / (Number(process.hrtime.bigint() - started) / 1e9);
}
