import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { encodePng } from "../../src/util/png.js";
import { HubStandIn, type StandInOptions } from "../servers/hub-stand-in.js";

/** Recognisable fake token: a test greps every output and written file for it. */
export const TOKEN = "hf_FAKEtokenZZ7731secretQQ";

const LABELS = ["happiness", "sadness", "anger", "surprise"];
const AUS = [["AU6", "AU12"], ["AU1", "AU4", "AU15"], ["AU4", "AU7"], ["AU1", "AU2", "AU26"]];

export function record(i: number, split: string): Record<string, unknown> {
  return {
    id: `${split}-${i}`,
    dataset: "rafdb",
    image: `faces/${split}/${i}.png`,
    question: "What emotion does this face show?",
    AUs: AUS[i % 4],
    labels: [LABELS[i % 4]],
    description: `Record ${i}.`,
  };
}

/** A PNG whose bytes depend on `seed`, `side` pixels square. */
export function png(seed: number, side = 16): Buffer {
  const pixels = new Uint8Array(side * side);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 31 + seed * 97) & 0xff;
  return encodePng(side, side, pixels);
}

/**
 * `train.jsonl` (8 records), `test.jsonl` (4 records), their images under `images/faces/...`
 * and two images no record references.
 */
export async function writeDataset(dir: string): Promise<{ train: string; test: string; images: string; referenced: string[] }> {
  const images = join(dir, "images");
  const referenced: string[] = [];
  const write = async (split: string, n: number): Promise<string> => {
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = record(i, split);
      lines.push(JSON.stringify(r));
      const path = join(images, r.image as string);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, png(i + (split === "test" ? 100 : 0)));
      referenced.push(r.image as string);
    }
    const file = join(dir, `${split}.jsonl`);
    await writeFile(file, `${lines.join("\n")}\n`);
    return file;
  };
  const train = await write("train", 8);
  const test = await write("test", 4);
  await mkdir(join(images, "unused"), { recursive: true });
  await writeFile(join(images, "unused", "a.png"), png(900));
  await writeFile(join(images, "faces", "stray.png"), png(901));
  return { train, test, images, referenced };
}

/** A transformers-like checkpoint folder with DeepSpeed and Trainer optimizer states. */
export async function writeCheckpoint(dir: string): Promise<{ dir: string; kept: string[]; skipped: string[] }> {
  const files: Record<string, Buffer | string> = {
    "config.json": JSON.stringify({ model_type: "qwen2_5_vl", architectures: ["Qwen2_5_VLForConditionalGeneration"] }),
    "generation_config.json": "{}",
    "model-00001-of-00002.safetensors": Buffer.alloc(300_000, 1),
    "model-00002-of-00002.safetensors": Buffer.alloc(200_000, 2),
    "model.safetensors.index.json": JSON.stringify({ weight_map: {} }),
    "tokenizer.json": JSON.stringify({ model: { type: "WordLevel" } }),
    "tokenizer_config.json": "{}",
    "trainer_state.json": JSON.stringify({ global_step: 100, log_history: [] }),
    "training_args.bin": Buffer.alloc(100, 3),
    "optimizer.pt": Buffer.alloc(50_000, 4),
    "scheduler.pt": Buffer.alloc(100, 5),
    "rng_state_0.pth": Buffer.alloc(100, 6),
    "global_step100/bf16_zero_pp_rank_0_mp_rank_00_optim_states.pt": Buffer.alloc(80_000, 7),
    "global_step100/zero_pp_rank_0_mp_rank_00_model_states.pt": Buffer.alloc(1000, 8),
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const skipped = Object.keys(files).filter((p) => p.startsWith("global_step") || /^(optimizer|scheduler|rng_state)/.test(p));
  return { dir, kept: Object.keys(files).filter((p) => !skipped.includes(p)), skipped };
}

export function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export async function startStandIn(options: Partial<StandInOptions> = {}): Promise<HubStandIn> {
  const server = new HubStandIn({ token: TOKEN, user: "tester", ...options });
  await server.start();
  return server;
}

/** Environment for a CLI run against the stand-in; HF_HOME isolates it from any real token file. */
export function hubEnv(server: HubStandIn, home: string, token: string | undefined = TOKEN): NodeJS.ProcessEnv {
  return { HF_ENDPOINT: server.url, HF_HOME: home, HF_TOKEN: token ?? "", FACIAL_R1_QUIET: "" };
}

/** Downloads a pushed file through the resolve URL, as the Hub serves it. */
export async function download(server: HubStandIn, prefix: string, repo: string, path: string, revision = "main"): Promise<Buffer> {
  const res = await fetch(`${server.url}/${prefix}${repo}/resolve/${encodeURIComponent(revision)}/${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  if (res.status !== 200) throw new Error(`download ${path}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** Parses the YAML front matter of a card. */
export async function frontMatter(card: string): Promise<Record<string, unknown>> {
  const match = /^---\n([\s\S]*?)\n---\n/.exec(card);
  if (!match) throw new Error("card has no front matter");
  const { parse } = await import("yaml");
  return parse(match[1]) as Record<string, unknown>;
}
