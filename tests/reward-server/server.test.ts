import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { connect } from "node:net";
import { rewardScorer, startRewardServer, type RunningRewardServer } from "../../src/rewards/server.js";
import { scoreCompletion } from "../../src/rewards/score.js";
import { REWARD_PRESETS } from "../../src/schema/reward-spec.js";
import { http, postJson, QWEN_PROMPT } from "./http.js";

const CASES = [
  { completion: "<think>Lip corners pulled up (AU12) and cheeks raised (AU6).</think>\n<answer>happiness</answer>", AUs: ["AU6", "AU12"], labels: ["happiness"] },
  { completion: "<think>Lip corners pulled up (AU12).</think>\n<answer>happiness</answer>", AUs: ["AU6", "AU12"], labels: ["happiness"] },
  { completion: "<think>Brows lowered (AU4).</think><answer>anger</answer>", AUs: ["AU4", "AU7"], labels: ["disgust"] },
  { completion: "The face looks happy. <answer>happiness</answer>", AUs: ["AU6", "AU12"], labels: ["happiness"] },
  { completion: "<think>AU1, AU2 and AU26.</think> <answer>surprise</answer>", AUs: [], labels: ["surprise"] },
  { completion: "<think>no units</think><answer>Happiness</answer>\n", AUs: ["AU6"], labels: ["happiness"] },
];

let server: RunningRewardServer;
const TOKEN = "s3cret-token-value";

before(async () => {
  server = await startRewardServer({ scorer: rewardScorer(REWARD_PRESETS["facial-r1"], "facial-r1"), port: 0, maxBodyBytes: 64 * 1024 });
});
after(async () => {
  await server.close();
});

test("listens on loopback at the printed URL; /health answers without a token", async () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const res = await http(`${server.url}/health`, { method: "GET" });
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, { status: "ok", rewards: "facial-r1", range: { min: -1, max: 3 } });
});

test("/get_reward scores like the TypeScript rewards, with scores in [0, 1] and per-reward extra_logs", async () => {
  const body = {
    query: CASES.map((c) => `${QWEN_PROMPT}${c.completion}<|im_end|>\n<|endoftext|>`),
    prompts: CASES.map(() => QWEN_PROMPT),
    labels: CASES.map((c) => JSON.stringify({ AUs: c.AUs, labels: c.labels })),
  };
  const res = await postJson(`${server.url}/get_reward`, body);
  assert.equal(res.status, 200, res.text);
  const reply = res.json as { rewards: number[]; scores: number[]; extra_logs: Record<string, number[]> };
  const expected = CASES.map((c) => scoreCompletion(c.completion, { AUs: c.AUs, labels: c.labels }));
  assert.deepEqual(reply.rewards, expected.map((e) => e.total));
  assert.deepEqual(reply.scores, expected.map((e) => (e.total + 1) / 4));
  assert.deepEqual(reply.extra_logs.format_reward, expected.map((e) => e.format));
  assert.deepEqual(reply.extra_logs.accuracy_reward, expected.map((e) => e.accuracy));
  assert.deepEqual(reply.extra_logs.au_reward, expected.map((e) => e.au));
  assert.deepEqual(reply.extra_logs.response_after_prompt, CASES.map(() => 1));
  // Known values of the published semantics: a perfect answer is 3, and text outside the tags fails the format.
  assert.equal(reply.rewards[0], 3);
  assert.equal(reply.extra_logs.format_reward[3], 0);
  assert.equal(reply.extra_logs.format_reward[5], 0);
  for (const s of reply.scores) assert.ok(s >= 0 && s <= 1);
});

test("a plain emotion word is a label too; OpenRLHF's one-sample requests work", async () => {
  const res = await postJson(`${server.url}/get_reward`, { query: [`${QWEN_PROMPT}${CASES[0].completion}<|im_end|>`], prompts: [QWEN_PROMPT], labels: ["happiness"] });
  assert.equal(res.status, 200);
  const reply = res.json as { rewards: number[]; extra_logs: Record<string, number[]> };
  assert.equal(reply.extra_logs.accuracy_reward[0], 1);
  assert.equal(reply.extra_logs.au_reward[0], 0);
  assert.equal(reply.rewards[0], 2);
});

test("/v1/score returns per-item scores in order", async () => {
  const res = await postJson(`${server.url}/v1/score`, CASES);
  assert.equal(res.status, 200, res.text);
  const expected = CASES.map((c) => {
    const s = scoreCompletion(c.completion, c);
    return { ...s, score: (s.total + 1) / 4 };
  });
  assert.deepEqual(res.json, expected);
  const empty = await postJson(`${server.url}/v1/score`, []);
  assert.deepEqual(empty.json, []);
});

test("after 100 bad requests a good one still succeeds; each bad one gets a JSON message", async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const bad: { path: string; body: string | Buffer; status: number; message: RegExp }[] = [
    { path: "/get_reward", body: "{not json", status: 400, message: /invalid JSON/ },
    { path: "/get_reward", body: "", status: 400, message: /empty request body/ },
    { path: "/get_reward", body: '{"query": ["a"], "labels": [{"AUs": 3}]}', status: 400, message: /labels\[0\]\.AUs/ },
    { path: "/get_reward", body: '{"query": ["a"], "prompts": ["a"]}', status: 400, message: /missing field "labels"/ },
    { path: "/get_reward", body: '{"labels": ["x"]}', status: 400, message: /missing field "query"/ },
    { path: "/get_reward", body: "[1, 2]", status: 400, message: /expected a JSON object/ },
    { path: "/v1/score", body: '[{"completion": 5}]', status: 400, message: /\[0\]\.completion/ },
    { path: "/v1/score", body: '{"completion": "x"}', status: 400, message: /expected a JSON array/ },
    { path: "/v1/score", body: Buffer.from([0x7b, 0xff, 0xfe]), status: 400, message: /invalid JSON/ },
    { path: "/v1/score", body: JSON.stringify([{ completion: "x".repeat(70 * 1024) }]), status: 413, message: /over the 65536-byte limit/ },
    { path: "/nowhere", body: "{}", status: 404, message: /no endpoint \/nowhere/ },
  ];
  try {
    for (let i = 0; i < 100; i++) {
      const b = bad[i % bad.length];
      const res = await http(`${server.url}${b.path}`, { body: b.body, headers: { "content-type": "application/json" }, agent });
      assert.equal(res.status, b.status, `${b.path} ${String(b.body).slice(0, 40)}: ${res.text}`);
      assert.match((res.json as { error: string }).error, b.message);
    }
    const good = await postJson(`${server.url}/v1/score`, [CASES[0]], {}, agent);
    assert.equal(good.status, 200);
    assert.equal((good.json as { total: number }[])[0].total, 3);
  } finally {
    agent.destroy();
  }
});

test("a chunked body over the limit gets 413 without a Content-Length, and the server stays up", async () => {
  const piece = "x".repeat(16 * 1024);
  const res = await http(`${server.url}/v1/score`, { body: ['[{"completion": "', piece, piece, piece, piece, piece, '"}]'], headers: { "transfer-encoding": "chunked" } });
  assert.equal(res.status, 413);
  assert.match((res.json as { error: string }).error, /over the 65536-byte limit/);
  const health = await http(`${server.url}/health`, { method: "GET" });
  assert.equal(health.status, 200);
});

test("wrong methods get 405 with Allow", async () => {
  const res = await http(`${server.url}/get_reward`, { method: "GET" });
  assert.equal(res.status, 405);
  assert.equal(res.headers.allow, "POST");
  const health = await http(`${server.url}/health`, { method: "POST", body: "{}" });
  assert.equal(health.status, 405);
  assert.equal(health.headers.allow, "GET, HEAD");
});

test("a broken HTTP request gets 400 and leaves the server running", async () => {
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1", () => socket.write("THIS IS NOT HTTP\r\n\r\n"));
    let data = "";
    socket.on("data", (d) => (data += d.toString()));
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
  });
  assert.match(reply, /^HTTP\/1\.1 400/);
  assert.equal((await http(`${server.url}/health`, { method: "GET" })).status, 200);
});

test("with a token, POST endpoints need the bearer token; /health does not", async () => {
  const guarded = await startRewardServer({ scorer: rewardScorer(REWARD_PRESETS["facial-r1"], "facial-r1"), port: 0, token: TOKEN });
  try {
    const none = await postJson(`${guarded.url}/v1/score`, [CASES[0]]);
    assert.equal(none.status, 401);
    assert.equal(none.headers["www-authenticate"], "Bearer");
    assert.ok(!none.text.includes(TOKEN));
    const wrong = await postJson(`${guarded.url}/v1/score`, [CASES[0]], { authorization: "Bearer nope" });
    assert.equal(wrong.status, 401);
    const right = await postJson(`${guarded.url}/v1/score`, [CASES[0]], { authorization: `Bearer ${TOKEN}` });
    assert.equal(right.status, 200);
    assert.equal((await http(`${guarded.url}/health`, { method: "GET" })).status, 200);
  } finally {
    await guarded.close();
  }
});

test("close() lets a request in flight finish, then stops accepting", async () => {
  const local = await startRewardServer({ scorer: rewardScorer(REWARD_PRESETS["facial-r1"], "facial-r1"), port: 0 });
  const body = JSON.stringify([CASES[0]]);
  let sendRest!: () => void;
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(`${local.url}/v1/score`, { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.flushHeaders();
    req.write(body.slice(0, 10));
    sendRest = () => req.end(body.slice(10));
  });
  // Wait until the server is handling the request (its headers arrived, the body is incomplete).
  while (local.counters.requests === 0) await new Promise((r) => setTimeout(r, 10));
  let closed = false;
  const closing = local.close().then(() => (closed = true));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(closed, false, "close() must wait for the request in flight");
  sendRest();
  const res = await response;
  assert.equal(res.status, 200);
  assert.equal((JSON.parse(res.text) as { total: number }[])[0].total, 3);
  await closing;
  await assert.rejects(http(`${local.url}/health`, { method: "GET" }), /ECONNREFUSED/);
});

test("a port in use is a clear error", async () => {
  await assert.rejects(
    startRewardServer({ scorer: rewardScorer(REWARD_PRESETS["facial-r1"], "facial-r1"), port: server.port }),
    /is already in use; choose another --port/,
  );
});
