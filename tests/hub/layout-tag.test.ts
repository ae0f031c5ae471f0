import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { appendFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.js";
import type { HubStandIn } from "../servers/hub-stand-in.js";
import { download, frontMatter, hubEnv, startStandIn, writeDataset } from "./fixtures.js";

describe("hub push-dataset --layout imagefolder, hub push-* --tag", () => {
  let server: HubStandIn;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let data: Awaited<ReturnType<typeof writeDataset>>;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    tmp = await tempDir();
    server = await startStandIn();
    env = hubEnv(server, tmp.dir);
    data = await writeDataset(join(tmp.dir, "data"));
  });
  after(async () => {
    await server.stop();
    await tmp.cleanup();
  });

  it("pushes each split as a folder of its images with a metadata.jsonl whose file_name the viewer decodes", async () => {
    const result = await runCli(["hub", "push-dataset", data.train, data.test, "--repo", "lab/faces", "--images", data.images, "--layout", "imagefolder", "--json"], { env });
    assert.equal(result.code, 0, result.stderr);
    const files = [...server.files("dataset", "lab/faces")!.keys()].sort();
    const expectedImages = data.referenced.map((image) => `${image.split("/")[1]}/${image}`);
    assert.deepEqual(files, ["README.md", "test/metadata.jsonl", "train/metadata.jsonl", ...expectedImages].sort());

    const card = (await download(server, "datasets/", "lab/faces", "README.md")).toString();
    const meta = await frontMatter(card);
    assert.deepEqual((meta.configs as { data_files: unknown }[])[0].data_files, [
      { split: "train", path: "train/**" },
      { split: "test", path: "test/**" },
    ]);
    assert.match(card, /## Layout\n\nImage folder/);

    const records = (await readFile(data.train, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const rows = (await download(server, "datasets/", "lab/faces", "train/metadata.jsonl")).toString().trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(rows.length, records.length);
    rows.forEach((row, i) => {
      assert.equal(row.image, undefined, "the image column comes from file_name");
      assert.equal(row.file_name, records[i].image);
      assert.deepEqual(row.image_paths, [records[i].image]);
      assert.equal(row.id, records[i].id);
      assert.deepEqual(row.AUs, records[i].AUs);
      assert.ok(files.includes(`train/${row.file_name}`), `train/${row.file_name} is in the repository`);
      assert.deepEqual(Object.keys(row), Object.keys(rows[0]), "every row has the same columns");
    });
  });

  it("refuses the image-folder layout without the images", async () => {
    const result = await runCli(["hub", "push-dataset", data.train, "--repo", "lab/noimages", "--layout", "imagefolder"], { env });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--layout imagefolder needs --images/);
  });

  it("tags the pushed revision; a push run again keeps the tag, a tag at another commit is refused", async () => {
    const push = (...extra: string[]) => runCli(["hub", "push-dataset", data.train, "--repo", "lab/tagged", "--revision", "round-1", "--tag", "round-1-final", "--json", ...extra], { env });
    const first = await push();
    assert.equal(first.code, 0, first.stderr);
    const summary = JSON.parse(first.stdout) as { commit: string; tag: string; tag_created: boolean };
    assert.equal(summary.tag, "round-1-final");
    assert.equal(summary.tag_created, true);
    const repo = server.repos.get("dataset/lab/tagged")!;
    assert.equal(repo.tags.get("round-1-final"), summary.commit);
    assert.equal(repo.branches.get("round-1")!.sha, summary.commit);
    assert.ok(repo.branches.get("main")!.files.size === 0, "main is left as it was");

    const again = await push();
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      (({ commit, tag_created }) => ({ commit, tag_created }))(JSON.parse(again.stdout) as { commit: string | null; tag_created: boolean }),
      { commit: null, tag_created: false },
    );

    await appendFile(data.train, `${JSON.stringify({ id: "train-new", dataset: "rafdb", image: "faces/train/0.png", question: "q", AUs: [], labels: ["happiness"] })}\n`);
    const moved = await push();
    assert.equal(moved.code, 1);
    assert.match(moved.stderr, /tag round-1-final of lab\/tagged already names commit/);
    assert.equal(repo.tags.get("round-1-final"), summary.commit, "the tag still names the first commit");
  });

  it("refuses a bad tag name before any request", async () => {
    const before = server.requests.length;
    const result = await runCli(["hub", "push-dataset", data.train, "--repo", "lab/x", "--tag", "bad..tag"], { env });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--tag must be a ref name/);
    assert.equal(server.requests.length, before);
  });
});
