import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runPool } from "../../src/util/concurrency.js";
import { buildPrompt, orderLabelSet } from "../../src/eval/prompt.js";
import { createRemoteClient } from "../../src/eval/client.js";
import { parseRetryAfter } from "../../src/util/retry.js";
import { RemoteError } from "../../src/util/errors.js";
import { thinkText } from "../../src/eval/judge.js";
import { startOpenAiStandIn, testImageBytes } from "../servers/openai-stand-in.js";

describe("runPool", () => {
  it("never runs more than `concurrency` workers and visits every item once", async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    async function* source() {
      for (let i = 0; i < 100; i++) yield i;
    }
    await runPool({
      source: source(),
      concurrency: 7,
      worker: async (i) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, i % 3));
        seen.push(i);
        running--;
      },
    });
    assert.equal(peak, 7);
    assert.deepEqual(seen.sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
  });

  it("stops starting items after a worker throws, and rethrows", async () => {
    let started = 0;
    await assert.rejects(
      runPool({
        source: Array.from({ length: 1000 }, (_, i) => i),
        concurrency: 4,
        worker: async (i) => {
          started++;
          await new Promise((resolve) => setTimeout(resolve, 1));
          if (i === 10) throw new Error("boom");
        },
      }),
      /boom/,
    );
    assert.ok(started < 20, `started ${started}`);
  });

  it("stops pulling when the signal aborts", async () => {
    const stop = new AbortController();
    let done = 0;
    await runPool({
      source: Array.from({ length: 1000 }, (_, i) => i),
      concurrency: 2,
      signal: stop.signal,
      worker: async () => {
        if (++done === 5) stop.abort();
      },
    });
    assert.ok(done >= 5 && done < 10);
  });
});

describe("buildPrompt", () => {
  it("names the label set, AU1..AU43 and the format; the sft variant has no worked example", () => {
    const grpo = buildPrompt({ question: "What is the emotion?", labels: ["sadness", "anger"] });
    assert.match(grpo, /^What is the emotion\?/);
    assert.match(grpo, /sadness, anger\./);
    assert.match(grpo, /AU1: Inner brow raiser/);
    assert.match(grpo, /AU43: Eyes closed/);
    assert.doesNotMatch(grpo, /AU44|AU45|AU46/);
    assert.match(grpo, /Example of the expected output: <think>/);
    assert.match(grpo, /avoid the words no, not, without and maybe/);
    const sft = buildPrompt({ question: "What is the emotion?", labels: ["sadness"], variant: "sft" });
    assert.doesNotMatch(sft, /Example of the expected output/);
    assert.equal(buildPrompt({ question: "q" }), buildPrompt({ question: "q", labels: [] }));
    assert.match(buildPrompt({ question: "q" }), /anger, disgust, fear, happiness, neutral, sadness, surprise\./);
  });

  it("orders a label set canonically, unknown labels last", () => {
    assert.deepEqual(orderLabelSet(["surprise", "zeal", "anger", "awe"]), ["anger", "surprise", "awe", "zeal"]);
  });
});

describe("judge helpers", () => {
  it("rates the first think block, or the whole output", () => {
    assert.equal(thinkText("<think> a\nb </think><answer>x</answer><think>c</think>"), "a\nb");
    assert.equal(thinkText("plain text"), "plain text");
  });

});

describe("remote client", () => {
  it("reads retry-after-ms, retry-after seconds and dates", () => {
    assert.equal(parseRetryAfter(new Headers({ "retry-after-ms": "250" })), 250);
    assert.equal(parseRetryAfter(new Headers({ "retry-after": "2" })), 2000);
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString();
    const fromDate = parseRetryAfter(new Headers({ "retry-after": inTwoSeconds }))!;
    assert.ok(fromDate > 0 && fromDate <= 2000);
    assert.equal(parseRetryAfter(new Headers({ "retry-after": "600" })), 60_000);
    assert.equal(parseRetryAfter(new Headers()), undefined);
  });

  it("retries 429, 500, resets and malformed replies, then gives up with the last error", async () => {
    const request = (id: string) => ({
      model: "m",
      messages: [
        { role: "user" as const, content: [{ type: "image_url" as const, image_url: { url: `data:image/png;base64,${testImageBytes(id).toString("base64")}` } }] },
      ],
    });
    for (const kind of ["429", "500", "reset", "malformed"] as const) {
      const server = await startOpenAiStandIn({ faults: { rate: 1, kinds: [kind], repeat: 2, retryAfterMs: 1 } });
      try {
        const client = await createRemoteClient({ endpoint: server.url, retries: 2, retryBaseMs: 1 });
        const completion = await client.chat(request("a"));
        assert.match(completion.choices[0].message.content ?? "", /Record a/);
        assert.equal(server.stats.requestsByItem.get("a"), 3, `${kind}: two faults, then success`);
        const strict = await createRemoteClient({ endpoint: server.url, retries: 1, retryBaseMs: 1 });
        const err = await strict.chat(request("b")).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof RemoteError, `${kind}: ${String(err)}`);
        assert.equal(err.fatal, false);
        assert.equal(server.stats.requestsByItem.get("b"), 2);
      } finally {
        await server.close();
      }
    }
  });

  it("waits as long as a 429's retry-after says, not its own shorter backoff", async () => {
    const server = await startOpenAiStandIn({ faults: { rate: 1, kinds: ["429"], retryAfterMs: 300 } });
    try {
      const client = await createRemoteClient({ endpoint: server.url, retries: 2, retryBaseMs: 1 });
      await client.chat({ model: "m", messages: [{ role: "user", content: "hi" }] });
      const [times] = [...server.stats.requestTimes.values()];
      assert.equal(times.length, 2);
      assert.ok(times[1] - times[0] >= 295, `retried after ${times[1] - times[0]} ms`);
    } finally {
      await server.close();
    }
  });

  it("times out slow replies", async () => {
    const server = await startOpenAiStandIn({ faults: { rate: 1, kinds: ["slow"], repeat: 5, slowMs: 2000 } });
    try {
      const client = await createRemoteClient({ endpoint: server.url, retries: 1, retryBaseMs: 1, timeoutMs: 100 });
      await assert.rejects(client.chat({ model: "m", messages: [{ role: "user", content: "hi" }] }), (e: unknown) => e instanceof RemoteError && e.kind === "timeout");
    } finally {
      await server.close();
    }
  });
});
