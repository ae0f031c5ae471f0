import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { ImageChecker, ImageError, readImageInfo, resolveInside, resolveInsideReal, type ImageFormat } from "../../src/data/images.js";
import { encodePng } from "../../src/util/png.js";
import { tempDir } from "../helpers/cli.js";

const WIDTH = 37;
const HEIGHT = 21;

function rgbPixels(width: number, height: number): Uint8Array {
  return Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37) % 251);
}

function bmp(width: number, height: number): Buffer {
  const row = Math.ceil((width * 3) / 4) * 4;
  const size = 54 + row * height;
  const buf = Buffer.alloc(size);
  buf.write("BM", 0, "latin1");
  buf.writeUInt32LE(size, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(width, 18);
  buf.writeInt32LE(-height, 22); // top-down
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  buf.writeUInt32LE(row * height, 34);
  return buf;
}

/** One valid file per format (and per WebP flavour), made by sharp or by hand. */
async function samples(): Promise<Record<string, { bytes: Buffer; format: ImageFormat }>> {
  const png = encodePng(WIDTH, HEIGHT, rgbPixels(WIDTH, HEIGHT), "rgb");
  const raw = sharp(Buffer.from(rgbPixels(WIDTH, HEIGHT)), { raw: { width: WIDTH, height: HEIGHT, channels: 3 } });
  const rgba = sharp(Buffer.from(Uint8Array.from({ length: WIDTH * HEIGHT * 4 }, (_, i) => (i % 4 === 3 ? 128 : i % 256))), {
    raw: { width: WIDTH, height: HEIGHT, channels: 4 },
  });
  return {
    "a.png": { bytes: png, format: "png" },
    "a.jpg": { bytes: await raw.clone().jpeg().toBuffer(), format: "jpeg" },
    "exif.jpg": { bytes: await raw.clone().jpeg().withMetadata({ exif: { IFD0: { Copyright: "x" } } }).toBuffer(), format: "jpeg" },
    "progressive.jpg": { bytes: await raw.clone().jpeg({ progressive: true }).toBuffer(), format: "jpeg" },
    "a.gif": { bytes: await raw.clone().gif().toBuffer(), format: "gif" },
    "lossy.webp": { bytes: await raw.clone().webp({ quality: 50 }).toBuffer(), format: "webp" },
    "lossless.webp": { bytes: await raw.clone().webp({ lossless: true }).toBuffer(), format: "webp" },
    "alpha.webp": { bytes: await rgba.clone().webp({ quality: 50 }).toBuffer(), format: "webp" },
    "a.bmp": { bytes: bmp(WIDTH, HEIGHT), format: "bmp" },
  };
}

async function kindOf(path: string): Promise<string> {
  try {
    await readImageInfo(path);
    return "ok";
  } catch (err) {
    assert.ok(err instanceof ImageError, String(err));
    return `${err.kind}: ${err.message}`;
  }
}

test("format and dimensions of PNG, JPEG, GIF, WebP and BMP from the header", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    for (const [name, { bytes, format }] of Object.entries(await samples())) {
      const path = join(dir, name);
      await writeFile(path, bytes);
      assert.deepEqual(await readImageInfo(path), { format, width: WIDTH, height: HEIGHT, bytes: bytes.length }, name);
    }
  } finally {
    await cleanup();
  }
});

test("truncated copies of every format are caught as corrupt", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    for (const [name, { bytes }] of Object.entries(await samples())) {
      for (const keep of [Math.floor(bytes.length / 2), bytes.length - 3, 40]) {
        const path = join(dir, `cut-${keep}-${name}`);
        await writeFile(path, bytes.subarray(0, keep));
        assert.match(await kindOf(path), /^corrupt: corrupt (PNG|JPEG|GIF|WebP|BMP): /, `${name} cut to ${keep} bytes`);
      }
    }
  } finally {
    await cleanup();
  }
});

test("zero-byte, unknown, damaged-header and missing files each get their own message", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeFile(join(dir, "empty.png"), "");
    await writeFile(join(dir, "text.png"), "this is not an image at all");
    const png = Buffer.from(encodePng(4, 4, new Uint8Array(16)));
    png[18] ^= 0xff; // width byte inside IHDR: checksum no longer matches
    await writeFile(join(dir, "crc.png"), png);
    await mkdir(join(dir, "folder.png"));
    assert.equal(await kindOf(join(dir, "empty.png")), "empty: empty file (0 bytes)");
    assert.equal(await kindOf(join(dir, "text.png")), "unsupported: not a PNG, JPEG, GIF, WebP or BMP image (unknown signature)");
    assert.equal(await kindOf(join(dir, "crc.png")), "corrupt: corrupt PNG: IHDR checksum mismatch");
    assert.equal(await kindOf(join(dir, "nope.png")), "missing: image file not found");
    assert.match(await kindOf(join(dir, "folder.png")), /^not_a_file: /);
  } finally {
    await cleanup();
  }
});

test("resolveInside rejects absolute paths and .. escapes by the path text", () => {
  assert.equal(resolveInside("/data/img", "a/b.png"), "/data/img/a/b.png");
  assert.equal(resolveInside("/data/img", "a/../b.png"), "/data/img/b.png");
  assert.equal(resolveInside("/data/img", "..foo/x.png"), "/data/img/..foo/x.png");
  for (const bad of ["/etc/passwd", "../img2/x.png", "a/../../x.png", "..", ""]) {
    assert.throws(() => resolveInside("/data/img", bad), (err: unknown) => err instanceof ImageError && err.kind === "outside", bad);
  }
});

test("symbolic links may point inside the image folder but not out of it", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const root = join(dir, "images");
    await mkdir(join(root, "sub"), { recursive: true });
    await writeFile(join(root, "sub", "real.png"), encodePng(2, 2, new Uint8Array(4)));
    await writeFile(join(dir, "secret.png"), encodePng(2, 2, new Uint8Array(4)));
    await symlink(join(root, "sub", "real.png"), join(root, "inside.png"));
    await symlink(join(dir, "secret.png"), join(root, "outside.png"));
    await symlink(dir, join(root, "parent"));
    await symlink(join(root, "gone.png"), join(root, "dangling.png"));
    assert.match(await resolveInsideReal(root, "inside.png"), /sub\/real\.png$/);
    for (const [path, kind] of [
      ["outside.png", "outside"],
      ["parent/secret.png", "outside"],
      ["dangling.png", "missing"],
    ]) {
      await assert.rejects(resolveInsideReal(root, path), (err: unknown) => err instanceof ImageError && err.kind === kind, path);
    }
  } finally {
    await cleanup();
  }
});

test("ImageChecker reads each distinct file once, answers and counts every reference, and summarises them", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const names: string[] = [];
    for (let i = 0; i < 30; i++) {
      const name = `${i}.png`;
      await writeFile(join(dir, name), encodePng(10 + i, 5, new Uint8Array((10 + i) * 5)));
      names.push(name);
    }
    await writeFile(join(dir, "zero.png"), "");
    await mkdir(join(dir, "sub"));
    const checker = new ImageChecker({ root: dir, concurrency: 3 });
    await checker.assertRoot();
    // Three spellings of 0.png, two references to the missing file.
    const references = [...names, "zero.png", "missing.png", "../x.png", "./0.png", "sub/../0.png", "missing.png"];
    const results = await Promise.all(references.map((n) => checker.check(n)));
    assert.equal(results.filter((r) => r.ok).length, 32);
    assert.deepEqual(results.slice(-3).map((r) => r.image), ["./0.png", "sub/../0.png", "missing.png"], "each answer names its own reference");
    assert.equal(checker.filesRead, 32, "30 images, zero.png and missing.png, each once");
    assert.deepEqual(checker.summary(), {
      checked: 36,
      ok: 32,
      failed: 4,
      problems: { empty: 1, missing: 2, outside: 1 },
      formats: { png: 32 },
      width: { min: 10, max: 39 },
      height: { min: 5, max: 5 },
    });
    await assert.rejects(new ImageChecker({ root: join(dir, "0.png") }).assertRoot(), /image folder is not a directory/);
    await assert.rejects(new ImageChecker({ root: join(dir, "none") }).assertRoot(), /image folder not found/);
  } finally {
    await cleanup();
  }
});

test("checks on worker threads answer exactly as checks on the calling thread", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const names: string[] = [];
    for (const [name, { bytes }] of Object.entries(await samples())) {
      await writeFile(join(dir, name), bytes);
      await writeFile(join(dir, `cut-${name}`), bytes.subarray(0, bytes.length - 3));
      names.push(name, `cut-${name}`);
    }
    await writeFile(join(dir, "empty.png"), "");
    await mkdir(join(dir, "folder.png"));
    await symlink("a.png", join(dir, "link.png"));
    await symlink(join(dir, "..", "elsewhere.png"), join(dir, "escape.png"));
    names.push("empty.png", "folder.png", "link.png", "escape.png", "missing.png", "../up.png", "/abs.png", "./a.png");
    const here = new ImageChecker({ root: dir, concurrency: 1 });
    const threads = new ImageChecker({ root: dir, threads: true });
    const answers = async (checker: ImageChecker) =>
      (await Promise.all(names.map((n) => checker.check(n)))).map((r) => (r.ok ? r : { ok: false, image: r.image, kind: r.error.kind, message: r.error.message }));
    assert.deepEqual(await answers(threads), await answers(here));
    assert.deepEqual(threads.summary(), here.summary());
  } finally {
    await cleanup();
  }
});
