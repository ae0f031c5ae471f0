import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCli, tempDir } from "../helpers/cli.js";
import { startOpenAiStandIn, type SynthMistake } from "../servers/openai-stand-in.js";
import { parseJsonl, synthArgs, synthId, synthMeta, synthRecord, writeSynthFixture } from "./fixtures.js";
import { createRemoteClient } from "../../src/eval/client.js";
import { runSynthesis } from "../../src/synth/run.js";
import { SYNTH_PROMPT_VERSION, CORRECTION_HEADER } from "../../src/synth/synth-prompt.js";
import { checkSynthOutput } from "../../src/synth/quality-check.js";
import { formatProblem, type Problem } from "../../src/util/errors.js";

const KEY = "fake-test-key-0123456789abcdef";

function mistakesFrom(table: Record<string, SynthMistake>): (item: string) => SynthMistake | undefined {
  return (item) => table[item];
}

describe("facial-r1 synth against the OpenAI stand-in", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(async () => cleanup());

  it("all pass on the first try: ground truth in the prompt, records written in FEA form, data validate --strict accepts them", async () => {
    const server = await startOpenAiStandIn({ apiKey: KEY });
    server.keepBodies = true;
    try {
      const fx = await writeSynthFixture(join(dir, "pass"), 8);
      const r = await runCli(synthArgs({ ...fx, url: server.url }, ["--concurrency", "3", "--json"]), { env: { OPENAI_API_KEY: KEY } });
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout).synth;
      assert.deepEqual(summary.written, { total: 8, valid_first_try: 8, valid_after_corrections: {}, invalid: 0 });
      assert.equal(summary.read, 8);
      assert.equal(summary.requests, 8);
      assert.match(r.stderr, /synth: read 8 = written 8 \+ failed 0 \+ rejected 0 \+ skipped 0/);

      const records = parseJsonl(await readFile(fx.out, "utf8"));
      assert.equal(records.length, 8);
      for (const record of records) {
        const i = Number(String(record.id).slice(4));
        const input = synthRecord(i);
        const meta = synthMeta(record);
        // Every input field kept; description replaced by the reasoning; provenance in meta_info.synth.
        for (const key of ["id", "dataset", "image", "question", "AUs", "labels"]) assert.deepEqual(record[key], input[key], key);
        assert.equal((record.meta_info as Record<string, unknown>).row, i);
        assert.equal(record.is_valid, true);
        assert.equal(meta.attempts, 1);
        assert.deepEqual(meta.problems, []);
        assert.equal(meta.prompt_version, SYNTH_PROMPT_VERSION);
        assert.equal(meta.prompt_variant, "grpo");
        assert.equal(meta.model, "stand-in");
        assert.equal(meta.source_description, input.description);
        assert.equal(checkSynthOutput(meta.output, { AUs: input.AUs as string[], labels: input.labels as string[] }).passed, true);
        assert.equal(`<think>${record.description}</think><answer>${(input.labels as string[])[0]}</answer>`, meta.output);
      }
      const body = server.stats.bodies[0] as { temperature: number; messages: { content: { type: string; text?: string; image_url?: { url: string } }[] }[] };
      assert.equal(body.temperature, 0);
      assert.equal(body.messages.length, 1);
      assert.match(body.messages[0].content[0].image_url!.url, /^data:image\/png;base64,/);
      const text = body.messages[0].content.find((p) => p.type === "text")!.text!;
      assert.match(text, /one of these emotion words: anger, happiness, sadness, surprise\./, "the file's label set, in canonical order");
      assert.match(text, /Example of the expected output/);
      assert.match(text, /Action Units the analysis must identify: AU\d+/);
      assert.ok(!r.stderr.includes(KEY) && !r.stdout.includes(KEY));

      const validate = await runCli(["data", "validate", fx.out, "--images", fx.images, "--strict", "--json"]);
      assert.equal(validate.code, 0, validate.stderr);
      const total = JSON.parse(validate.stdout).total;
      assert.deepEqual([total.valid, total.rejected, total.warnings], [8, 0, 0]);
    } finally {
      await server.close();
    }
  });

  it("corrects records after k attempts, with the previous output and every problem in the correction", async () => {
    const table: Record<string, SynthMistake> = {
      [synthId(0)]: { kinds: ["au"], attempts: 1 },
      [synthId(1)]: { kinds: ["label"], attempts: 2 },
      [synthId(2)]: { kinds: ["empty-think"], attempts: 3 },
      [synthId(3)]: { kinds: ["no-answer"], attempts: 1 },
      [synthId(4)]: { kinds: ["au", "label"], attempts: 1 },
    };
    const server = await startOpenAiStandIn({ synthesis: { mistakes: mistakesFrom(table) } });
    try {
      const fx = await writeSynthFixture(join(dir, "correct"), 7);
      const client = await createRemoteClient({ endpoint: server.url });
      const summary = await runSynthesis({ ...fx, client, model: "stand-in", concurrency: 4 });
      assert.deepEqual(summary.written, { total: 7, valid_first_try: 2, valid_after_corrections: { "1": 3, "2": 1, "3": 1 }, invalid: 0 });
      assert.equal(summary.requests, 15);
      const records = new Map(parseJsonl(await readFile(fx.out, "utf8")).map((r) => [String(r.id), r]));
      const expected = [2, 3, 4, 2, 2, 1, 1];
      expected.forEach((attempts, i) => {
        const record = records.get(synthId(i))!;
        assert.equal(synthMeta(record).attempts, attempts, synthId(i));
        assert.equal(server.stats.synthRequests.get(synthId(i))!.length, attempts, synthId(i));
        assert.equal(record.is_valid, true);
        assert.match(String(record.description), new RegExp(`^Attempt ${attempts}: `), "the passing output is kept");
      });

      // Attempt 2 of the AU + label item: prompt, previous answer, correction naming both problems.
      const [first, second] = server.stats.synthRequests.get(synthId(4))!;
      assert.deepEqual(first.messages.map((m) => m.role), ["user"]);
      assert.deepEqual(second.messages.map((m) => m.role), ["user", "assistant", "user"]);
      assert.equal(second.attempt, 2);
      assert.equal(second.messages[0].text, first.messages[0].text, "the same prompt opens every attempt");
      const previous = checkSynthOutput(second.messages[1].text, { AUs: synthRecord(4).AUs as string[], labels: synthRecord(4).labels as string[] });
      assert.deepEqual(previous.problems.map((p) => p.code), ["au_mismatch", "label_mismatch"]);
      const correction = second.messages[2].text;
      assert.ok(correction.startsWith(CORRECTION_HEADER));
      for (const p of previous.problems) assert.ok(correction.includes(`- ${p.message}`), p.message);
      assert.match(correction, /missing AU12; not in the ground truth: AU43/);
      assert.match(correction, /the answer gives "surprise" but the ground-truth emotion is "happiness"/);

      // The third attempt of the empty-think item answers the second output, not the first.
      const third = server.stats.synthRequests.get(synthId(2))![2];
      assert.match(third.messages[1].text, /^<think> <\/think><answer>anger<\/answer>$/);
      assert.match(third.messages[2].text, /- the reasoning block <think> <\/think> is empty/);
      assert.match(third.messages[2].text, /- the Action Units named \(none\) differ/);
      const missing = server.stats.synthRequests.get(synthId(3))![1];
      assert.match(missing.messages[2].text, /- the answer block <answer> \.\.\. <\/answer> is missing/);
    } finally {
      await server.close();
    }
  });

  it("never passing: keeps the first output and marks the record is_valid false", async () => {
    const server = await startOpenAiStandIn({ synthesis: { mistakes: (item) => (item === synthId(1) ? { kinds: ["label"], attempts: 99 } : undefined) } });
    try {
      const fx = await writeSynthFixture(join(dir, "never"), 3);
      const r = await runCli(synthArgs({ ...fx, url: server.url }, ["--retries", "2", "--prompt", "sft", "--json"]));
      assert.equal(r.code, 0, "invalid records are written: the run succeeds");
      const summary = JSON.parse(r.stdout).synth;
      assert.deepEqual(summary.written, { total: 3, valid_first_try: 2, valid_after_corrections: {}, invalid: 1 });
      assert.match(r.stderr, /invalid 1 \(first output kept, is_valid false\)/);
      const record = parseJsonl(await readFile(fx.out, "utf8")).find((x) => x.id === synthId(1))!;
      const meta = synthMeta(record);
      assert.equal(record.is_valid, false);
      assert.equal(meta.attempts, 3, "--retries 2: the first attempt and two corrections");
      assert.equal(server.stats.synthRequests.get(synthId(1))!.length, 3);
      assert.match(meta.output, /^<think>Attempt 1: /, "the first output is kept");
      assert.match(String(record.description), /^Attempt 1: /);
      assert.deepEqual(meta.problems, ['the answer gives "surprise" but the ground-truth emotion is "sadness"']);
      assert.deepEqual(meta.kept_output_problems, meta.problems);
      assert.equal(meta.prompt_variant, "sft");
      const validate = await runCli(["data", "validate", fx.out]);
      assert.equal(validate.code, 0, validate.stderr);
    } finally {
      await server.close();
    }
  });

  it("records without AUs or without labels: the check skips that part, the prompt leaves it out", async () => {
    const server = await startOpenAiStandIn({ synthesis: { mistakes: (item) => (item === synthId(0) ? { kinds: ["au"], attempts: 9 } : { kinds: ["label"], attempts: 9 }) } });
    try {
      const fx = await writeSynthFixture(join(dir, "partial-truth"), 3, (i) => (i === 0 ? { AUs: [] } : i === 1 ? { labels: [] } : { AUs: [], labels: [] }));
      const client = await createRemoteClient({ endpoint: server.url });
      const summary = await runSynthesis({ ...fx, client, model: "stand-in" });
      assert.deepEqual(summary.written, { total: 3, valid_first_try: 3, valid_after_corrections: {}, invalid: 0 });
      const prompt0 = server.stats.synthRequests.get(synthId(0))![0].messages[0].text;
      assert.doesNotMatch(prompt0, /Action Units the analysis must identify/);
      assert.match(prompt0, /Emotion the answer must give: happiness\./);
      const prompt1 = server.stats.synthRequests.get(synthId(1))![0].messages[0].text;
      assert.match(prompt1, /Action Units the analysis must identify: AU1, AU4, AU15\./);
      assert.doesNotMatch(prompt1, /Emotion the answer must give/);
      // Neither AUs nor labels: no ground-truth section, only the format is checked.
      assert.equal(server.stats.synthRequests.get(synthId(2)), undefined);
      assert.equal(server.stats.requestsByItem.get(synthId(2)), 1);
      const records = new Map(parseJsonl(await readFile(fx.out, "utf8")).map((r) => [String(r.id), r]));
      assert.match(synthMeta(records.get(synthId(0))!).output, /AU43/, "an AU the record does not list is accepted when it lists none");
    } finally {
      await server.close();
    }
  });

  it("reports bad dataset lines with file:line, fails unusable images, and the counts add up", async () => {
    const server = await startOpenAiStandIn();
    try {
      const fx = await writeSynthFixture(join(dir, "bad"), 4);
      const text = await readFile(fx.dataset, "utf8");
      const extra = [
        '{"id": "broken",',
        JSON.stringify({ id: "no-question", dataset: "x", image: "a.png", AUs: [], labels: [] }),
        JSON.stringify(synthRecord(0)),
        JSON.stringify(synthRecord(8, { image: "img/nowhere.png" })),
      ];
      await writeFile(fx.dataset, `${text}\n${extra.join("\n")}\n`);
      const r = await runCli(synthArgs({ ...fx, url: server.url }, ["--json"]));
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /train\.jsonl:6: invalid JSON/);
      assert.match(r.stderr, /train\.jsonl:7: question: /);
      assert.match(r.stderr, /train\.jsonl:8: id: duplicate id "syn-00000"/);
      const s = JSON.parse(r.stdout).synth;
      assert.equal(s.read, 8);
      assert.equal(s.rejected, 3);
      assert.equal(s.failed, 1);
      assert.equal(s.written.total, 4);
      assert.equal(s.read, s.written.total + s.failed + s.rejected + s.skipped + s.over_limit + s.not_attempted);
      assert.match(r.stderr, /read 8 = written 4 \+ failed 1 \+ rejected 3 \+ skipped 0/);
      const failures = parseJsonl(await readFile(`${fx.out}.failures.jsonl`, "utf8"));
      assert.deepEqual(failures.map((f) => [f.id, f.kind]), [[synthId(8), "input"]]);
      assert.match(String(failures[0].error), /image not found: .*nowhere\.png/);
      assert.equal(server.stats.chatRequests, 4, "no request for a record whose image is unusable");
    } finally {
      await server.close();
    }
  });

  it("a wrong API key or an unreachable endpoint stops the run with a clear message and exit 1; bad options exit 2", async () => {
    const server = await startOpenAiStandIn({ apiKey: KEY });
    const closed = await startOpenAiStandIn();
    await closed.close();
    try {
      const fx = await writeSynthFixture(join(dir, "auth"), 40);
      const wrong = "fake-wrong-key-abcdefghijklmnop";
      const auth = await runCli(synthArgs({ ...fx, url: server.url }, ["--concurrency", "2", "--api-key-env", "MY_KEY", "--json"]), { env: { MY_KEY: wrong } });
      assert.equal(auth.code, 1);
      assert.match(auth.stderr, /error: run stopped: .*rejected the API key in \$MY_KEY \(HTTP 401\)/);
      assert.ok(!auth.stderr.includes(wrong) && !auth.stdout.includes(wrong), "the key is never printed");
      const s = JSON.parse(auth.stdout).synth;
      assert.equal(s.failed, 0, "records are not failed for a bad key");
      assert.equal(s.not_attempted, 40);
      assert.ok(server.stats.chatRequests <= 4, `stopped early (${server.stats.chatRequests} requests)`);

      const down = await runCli(synthArgs({ ...fx, url: closed.url }, ["--request-retries", "1"]));
      assert.equal(down.code, 1);
      assert.match(down.stderr, /cannot reach http:\/\/127\.0\.0\.1:\d+\/v1 \(ECONNREFUSED\)/);
      assert.match(down.stderr, /not attempted 40/);

      const noImages = await runCli(synthArgs({ ...fx, images: join(dir, "nowhere"), url: server.url }));
      assert.equal(noImages.code, 2);
      assert.match(noImages.stderr, /nowhere: --images: no such image folder/);
      const badRetries = await runCli(synthArgs({ ...fx, url: server.url }, ["--retries", "-1"]));
      assert.equal(badRetries.code, 2);
      assert.match(badRetries.stderr, /--retries must be a non-negative integer/);
    } finally {
      await server.close();
    }
  });

  it("reports a partial last line left in the output and generates that record again", async () => {
    const server = await startOpenAiStandIn();
    try {
      const fx = await writeSynthFixture(join(dir, "partial"), 3);
      await writeFile(fx.out, `${JSON.stringify({ ...synthRecord(0), is_valid: true })}\n{"id": "${synthId(1)}", "data`);
      const problems: Problem[] = [];
      const client = await createRemoteClient({ endpoint: server.url });
      const summary = await runSynthesis({ ...fx, client, model: "stand-in", onProblem: (p) => problems.push(p) });
      assert.match(formatProblem(problems[0]), /synth\.jsonl: discarded a partial last line \(\d+ bytes\)/);
      assert.equal(summary.skipped, 1);
      assert.equal(summary.written.total, 2);
      const ids = parseJsonl(await readFile(fx.out, "utf8")).map((r) => String(r.id));
      assert.deepEqual(ids.sort(), [0, 1, 2].map(synthId));
      assert.equal(server.stats.requestsByItem.get(synthId(0)), undefined);
      assert.equal(server.stats.requestsByItem.get(synthId(1)), 1);
    } finally {
      await server.close();
    }
  });
});
