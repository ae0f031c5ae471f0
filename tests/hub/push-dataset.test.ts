import assert from "node:assert/strict";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/cli.js";
import type { HubStandIn } from "../servers/hub-stand-in.js";
import { TOKEN, download, frontMatter, hubEnv, record, sha256, startStandIn, writeDataset } from "./fixtures.js";

describe("hub push-dataset", () => {
  let server: HubStandIn;
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let data: Awaited<ReturnType<typeof writeDataset>>;

  before(async () => {
    tmp = await tempDir("facial-r1-hub-");
    data = await writeDataset(tmp.dir);
    server = await startStandIn();
  });
  after(async () => {
    await server.stop();
    await tmp.cleanup();
  });

  it("pushes the splits, only the referenced images and a card the Hub viewer can read; a re-push sends no LFS bytes", async () => {
    const args = ["hub", "push-dataset", data.train, data.test, "--repo", "lab/fea-mini", "--images", data.images, "--license", "cc-by-nc-4.0", "--json"];
    const first = await runCli(args, { env: hubEnv(server, tmp.dir) });
    assert.equal(first.code, 0, first.stderr);
    const summary = JSON.parse(first.stdout) as Record<string, number | boolean | string>;
    assert.equal(summary.dry_run, false);
    assert.equal(summary.files, 1 + 2 + data.referenced.length);
    assert.equal(summary.lfs_uploaded, data.referenced.length);
    assert.ok((summary.lfs_bytes_uploaded as number) > 0);
    assert.equal(summary.unchanged, 0);
    assert.match(first.stderr, new RegExp(`${summary.files} files, [0-9.]+ MiB uploaded .* 0 unchanged`));

    const stored = server.files("dataset", "lab/fea-mini")!;
    const paths = [...stored.keys()].sort();
    const expectedImages = data.referenced.map((p) => `images/${p}`).sort();
    assert.deepEqual(paths, ["README.md", "data/test.jsonl", "data/train.jsonl", ...expectedImages].sort());
    assert.ok(!paths.includes("images/unused/a.png") && !paths.includes("images/faces/stray.png"));

    for (const [local, remote] of [
      [data.train, "data/train.jsonl"],
      [data.test, "data/test.jsonl"],
      ...data.referenced.map((p) => [join(data.images, p), `images/${p}`]),
    ]) {
      const pushed = await download(server, "datasets/", "lab/fea-mini", remote);
      assert.equal(sha256(pushed), sha256(await readFile(local)), remote);
    }

    const card = (await download(server, "datasets/", "lab/fea-mini", "README.md")).toString();
    const meta = await frontMatter(card);
    assert.equal(meta.license, "cc-by-nc-4.0");
    assert.deepEqual(meta.size_categories, ["n<1K"]);
    assert.ok(Array.isArray(meta.task_categories) && (meta.task_categories as string[]).includes("image-text-to-text"));
    assert.deepEqual(meta.configs, [
      {
        config_name: "default",
        data_files: [
          { split: "train", path: "data/train.jsonl" },
          { split: "test", path: "data/test.jsonl" },
        ],
      },
    ]);
    assert.match(card, /\| train \| `data\/train.jsonl` \| 8 \| 0 \|/);
    assert.match(card, /\| test \| `data\/test.jsonl` \| 4 \| 0 \|/);
    // 2 of 8 train records are labelled sadness and carry AU15 (stats are reused from `data stats`).
    assert.match(card, /\| sadness \| 25\.0% \| 25\.0% \|/);
    assert.match(card, /\| AU15 \| 25\.0% \| 25\.0% \|/);
    assert.match(card, /\| meta_info \| object \| no \|/);
    assert.match(card, /@inproceedings\{[^}]*title\s*=\s*\{Facial-R1: Aligning Reasoning and Recognition/);

    const lfsBefore = server.lfsBytesReceived;
    const putsBefore = server.lfsPuts;
    const commitsBefore = server.commits;
    const second = await runCli(args, { env: hubEnv(server, tmp.dir) });
    assert.equal(second.code, 0, second.stderr);
    const again = JSON.parse(second.stdout) as Record<string, number | null>;
    assert.equal(server.lfsBytesReceived, lfsBefore);
    assert.equal(server.lfsPuts, putsBefore);
    assert.equal(server.commits, commitsBefore, "nothing changed: no empty commit");
    assert.equal(again.commit, null);
    assert.match(second.stderr, /\(main, nothing changed, no commit made\)/);
    assert.doesNotMatch(second.stderr, /commit \?/);
    assert.equal(again.lfs_uploaded, 0);
    assert.equal(again.lfs_bytes_uploaded, 0);
    assert.equal(again.unchanged, summary.files);
    assert.match(second.stderr, new RegExp(`${summary.files} files, 0\\.0 MiB uploaded .* ${summary.files} unchanged`));

    // A new repository with the same images: the LFS batch reply leaves out the stored objects.
    const copy = await runCli([...args.slice(0, 5), "lab/fea-copy", ...args.slice(6)], { env: hubEnv(server, tmp.dir) });
    assert.equal(copy.code, 0, copy.stderr);
    const copied = JSON.parse(copy.stdout) as Record<string, number>;
    assert.equal(server.lfsPuts, putsBefore);
    assert.equal(copied.lfs_uploaded, 0);
    assert.equal(copied.unchanged, data.referenced.length);
    assert.equal(server.files("dataset", "lab/fea-copy")!.size, summary.files);
  });

  it("refuses a dataset with invalid records, with counts and file:line problems; --allow-invalid pushes it", async () => {
    const bad = join(tmp.dir, "bad_train.jsonl");
    const lines = [record(0, "train"), { ...record(1, "train"), AUs: "AU1" }, record(2, "train"), { ...record(3, "train"), labels: undefined }];
    await writeFile(bad, `${lines.map((l) => JSON.stringify(l)).join("\n")}\nnot json\n`);
    const requestsBefore = server.requests.length;
    const refused = await runCli(["hub", "push-dataset", bad, "--repo", "lab/bad"], { env: hubEnv(server, tmp.dir) });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /refusing to push: 3 of 5 records are invalid \(bad_train\.jsonl: 3 of 5\)/);
    assert.match(refused.stderr, /bad_train\.jsonl:2: AUs: /);
    assert.match(refused.stderr, /bad_train\.jsonl:5: /);
    assert.match(refused.stderr, /--allow-invalid/);
    // The token is checked first; a refused dataset then sends nothing.
    assert.deepEqual(server.requests.slice(requestsBefore).map((r) => `${r.method} ${r.path}`), ["GET /api/whoami-v2"]);

    const allowed = await runCli(["hub", "push-dataset", bad, "--repo", "lab/bad", "--allow-invalid", "--json"], { env: hubEnv(server, tmp.dir) });
    assert.equal(allowed.code, 0, allowed.stderr);
    const pushed = await download(server, "datasets/", "lab/bad", "data/bad_train.jsonl");
    assert.equal(sha256(pushed), sha256(await readFile(bad)));
    const card = (await download(server, "datasets/", "lab/bad", "README.md")).toString();
    assert.match(card, /3 lines failed validation/);
  });

  it("--dry-run lists files and the card and makes no request; no token is needed", async () => {
    const before = server.requests.length;
    const result = await runCli(["hub", "push-dataset", "--split", `validation=${data.test}`, data.train, "--repo", "lab/dry", "--images", data.images, "--dry-run", "--json"], {
      env: hubEnv(server, tmp.dir, ""),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(server.requests.length, before);
    const plan = JSON.parse(result.stdout) as { dry_run: boolean; files: { path: string; size: number; lfs: boolean }[]; card: string };
    assert.equal(plan.dry_run, true);
    assert.equal(plan.files.length, 1 + 2 + data.referenced.length);
    assert.ok(plan.files.every((f) => f.lfs === f.path.endsWith(".png")));
    const meta = await frontMatter(plan.card);
    const configs = meta.configs as { data_files: { split: string }[] }[];
    assert.deepEqual(configs[0].data_files.map((d) => d.split), ["train", "validation"]);
    assert.match(result.stderr, /dry run: nothing is sent/);
    assert.match(result.stderr, /lfs .* images\/faces\/train\/0\.png/);
  });

  it("asks for --split when a file name names no split", async () => {
    const other = join(tmp.dir, "records.jsonl");
    await writeFile(other, `${JSON.stringify(record(0, "x"))}\n`);
    const result = await runCli(["hub", "push-dataset", other, "--repo", "lab/x", "--dry-run"], { env: hubEnv(server, tmp.dir) });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /records\.jsonl: cannot tell the split .* --split NAME=FILE/);
  });

  it("never writes the token anywhere: stdout, stderr or any file", async () => {
    const outputs = [await runCli(["hub", "push-dataset", data.train, "--repo", "lab/secret", "--json"], { env: hubEnv(server, tmp.dir) })];
    outputs.push(await runCli(["hub", "push-dataset", data.train, "--repo", "lab/secret"], { env: hubEnv(server, tmp.dir, "hf_FAKEtokenZZ7731secretQQwrong") }));
    for (const o of outputs) {
      assert.ok(!o.stdout.includes(TOKEN) && !o.stderr.includes(TOKEN), "token in CLI output");
      assert.ok(!o.stderr.includes("FAKEtoken"), "token fragment in CLI output");
    }
    const files = await readdir(tmp.dir, { recursive: true, withFileTypes: true });
    for (const f of files.filter((e) => e.isFile())) {
      const text = await readFile(join(f.parentPath, f.name), "latin1");
      assert.ok(!text.includes("FAKEtoken"), `token in ${f.name}`);
    }
    for (const [key, entry] of server.files("dataset", "lab/secret") ?? new Map()) {
      const bytes = entry.content ?? server.objects.get(entry.lfsOid!)!;
      assert.ok(!bytes.toString("latin1").includes("FAKEtoken"), `token in pushed ${key}`);
    }
    assert.equal(outputs[0].code, 0, outputs[0].stderr);
    assert.equal(outputs[1].code, 1);
  });
});
