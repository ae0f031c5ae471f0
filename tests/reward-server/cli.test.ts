import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { request } from "node:http";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT, runCli, tempDir } from "../helpers/cli.js";
import { http, postJson } from "./http.js";

const TOKEN = "tok-4f1e9c2a7b";
const ANSWER = "<think>Brows raised (AU1, AU2), jaw dropped (AU26).</think>\n<answer>surprise</answer>";

interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `facial-r1 rewards serve --port 0 --json` as a real child process and waits for its URL. */
async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src", "cli", "main.ts"), "rewards", "serve", "--port", "0", "--json", ...args], {
    cwd: ROOT,
    env: { ...process.env, FACIAL_R1_QUIET: "1", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      const nl = stdout.indexOf("\n");
      if (nl !== -1) resolve((JSON.parse(stdout.slice(0, nl)) as { url: string }).url);
    });
    void exited.then(({ code }) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)));
  });
  return { child, url, stderr: () => stderr, exited };
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
}

test("serve: prints its URL, needs the token from the environment, never prints it, and stops on SIGTERM after finishing the request in flight", async () => {
  const server = await serve([], { FACIAL_R1_REWARD_TOKEN: TOKEN });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(server.stderr(), /reward server listening on http:\/\/127\.0\.0\.1:\d+/);
    // OpenRLHF's client sends no headers: with a token the server says it cannot serve OpenRLHF, and why.
    assert.match(server.stderr(), /note: POST \/get_reward needs the bearer token, and OpenRLHF's remote reward client sends no headers/);
    const body = { query: [`q${ANSWER}<|im_end|>`], prompts: ["q"], labels: ['{"AUs": ["AU1", "AU2", "AU26"], "labels": ["surprise"]}'] };
    const refused = await postJson(`${server.url}/get_reward`, body);
    assert.equal(refused.status, 401);
    assert.match((refused.json as { error: string }).error, /plugin build --target openrlhf/);
    assert.equal((await postJson(`${server.url}/get_reward`, body, { authorization: "Bearer wrong" })).status, 401);
    const ok = await postJson(`${server.url}/get_reward`, body, { authorization: `Bearer ${TOKEN}` });
    assert.equal(ok.status, 200);
    assert.deepEqual((ok.json as { rewards: number[] }).rewards, [3]);

    // A request whose body is still on its way when SIGTERM arrives.
    const text = JSON.stringify(body);
    let finish!: () => void;
    let written!: () => void;
    const headersSent = new Promise<void>((resolve) => (written = resolve));
    const inFlight = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        `${server.url}/get_reward`,
        { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", "content-length": Buffer.byteLength(text) } },
        (res) => {
          let out = "";
          res.on("data", (d) => (out += d));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: out }));
        },
      );
      req.on("error", reject);
      req.flushHeaders();
      req.write(text.slice(0, 20), () => written());
      finish = () => req.end(text.slice(20));
    });
    await headersSent;
    // The health answer comes after the server has read the earlier request's headers.
    assert.equal((await http(`${server.url}/health`, { method: "GET" })).status, 200);
    server.child.kill("SIGTERM");
    await waitFor(() => server.stderr().includes("SIGTERM: finishing requests in flight"));
    finish();
    const res = await inFlight;
    assert.equal(res.status, 200);
    assert.deepEqual((JSON.parse(res.text) as { rewards: number[] }).rewards, [3]);
    const { code, signal } = await server.exited;
    assert.equal(signal, null);
    assert.equal(code, 0);
    assert.match(server.stderr(), /stopped: \d+ request\(s\), 2 completion\(s\) scored, 2 rejected/);
    assert.ok(!server.stderr().includes(TOKEN), "the token must never be printed");
  } finally {
    server.child.kill("SIGKILL");
  }
});

test("serve: SIGINT stops an idle server with exit 0; --preset is used", async () => {
  const server = await serve(["--preset", "normalized"]);
  try {
    const health = await http(`${server.url}/health`, { method: "GET" });
    assert.equal((health.json as { rewards: string }).rewards, "normalized");
    server.child.kill("SIGINT");
    assert.deepEqual(await server.exited, { code: 0, signal: null });
  } finally {
    server.child.kill("SIGKILL");
  }
});

test("serve: usage errors exit 2 with a message", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const config = join(dir, "rewards.yaml");
    await writeFile(config, "rewards:\n  weights:\n    format: lots\n");
    const [port, preset, bad] = await Promise.all([
      runCli(["rewards", "serve", "--port", "99999"]),
      runCli(["rewards", "serve", "--preset", "nope", "--port", "0"]),
      runCli(["rewards", "serve", "--config", config, "--port", "0"]),
    ]);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--port must be an integer in 0\.\.65535/);
    assert.equal(preset.code, 2);
    assert.match(preset.stderr, /unknown preset "nope"/);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /rewards\.yaml:3:13: rewards\.weights\.format: expected a number, got the string "lots"$/m);
  } finally {
    await cleanup();
  }
});
