import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmod, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { parse as parseYaml } from "yaml";
import { parseRunConfigText } from "../../src/trainer/config-file.js";
import { SCRIPT_DIR, type ScriptContext } from "../../src/trainer/script-prelude.js";
import { renderTrainScript } from "../../src/trainer/scripts.js";
import { lit, renderWord, shellQuote } from "../../src/util/shell.js";
import { tempDir } from "../helpers/cli.js";

const NASTY = [
  "plain",
  "with space",
  "it's",
  'double "quoted"',
  "$(touch PWNED)",
  "`touch PWNED`",
  "${HOME}",
  "new\nline",
  "back\\slash",
  "*.png",
  "~user",
  "",
  "-dash",
  "semi;colon & amp | pipe > gt",
  "tab\there",
  "unicode é 表",
];

test("every quoted word reaches a program unchanged through bash", () => {
  const script = `printf '%s\\0' ${NASTY.map((v) => renderWord(lit(v))).join(" ")} ${NASTY.map(shellQuote).join(" ")}`;
  const out = execFileSync("bash", ["-c", script], { cwd: "/tmp" }).toString();
  assert.deepEqual(out.split("\0").slice(0, -1), [...NASTY, ...NASTY]);
});

async function runScript(params: { stage: "grpo" | "sft"; target: "vlm-r1" | "facial-r1"; bundleName: string; imagesDir: string; modelPath: string; runName?: string; env?: Record<string, string> }) {
  const { dir, cleanup } = await tempDir();
  try {
    const bundle = join(dir, params.bundleName);
    const trainerHome = join(dir, "trainer home");
    const bin = join(dir, "bin");
    await mkdir(join(trainerHome, "src", "open-r1-multimodal", "src"), { recursive: true });
    await mkdir(join(bundle, "data"), { recursive: true });
    await writeFile(join(bundle, "data", "config.json"), "{}\n");
    await mkdir(bin);
    for (const tool of ["torchrun", "accelerate"]) {
      await writeFile(join(bin, tool), `#!/usr/bin/env bash\nprintf '%s\\0' "$@" > "$ARGV_OUT"\npwd > "$ARGV_OUT.cwd"\n`);
      await chmod(join(bin, tool), 0o755);
    }
    const yaml = [
      "name: quoting",
      `stage: ${params.stage}`,
      `model: {path: ${JSON.stringify(params.modelPath)}}`,
      `trainer: {target: ${params.target}}`,
      "datasets:",
      `  - {file: "d one.jsonl", images: ${JSON.stringify(params.imagesDir)}}`,
      `  - {file: "/abs/d2.jsonl", images: "/abs/img dir"}`,
      `output: {run_name: ${JSON.stringify(params.runName ?? "quoting")}}`,
    ].join("\n");
    const parsed = parseRunConfigText(yaml, "run.yaml");
    assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
    const dataRoot = join(dir, "data root");
    const ctx: ScriptContext = { bundleDirDefault: SCRIPT_DIR, dataRootDefault: lit(dataRoot), configLabel: "run.yaml", toolVersion: "test", modelIsLocal: false };
    const script = join(bundle, "train.sh");
    await writeFile(script, renderTrainScript(parsed.loaded.config, ctx, { grpoEntry: "launcher" }));
    const argvOut = join(dir, "argv");
    const result = spawnSync("bash", [script], {
      cwd: dir,
      env: { PATH: `${bin}:${process.env.PATH}`, ARGV_OUT: argvOut, TRAINER_HOME: trainerHome, HOME: dir, ...params.env },
      encoding: "utf8",
    });
    assert.equal(result.status, 0, result.stderr);
    const argv = (await readFile(argvOut, "utf8")).split("\0").slice(0, -1);
    const cwd = (await readFile(`${argvOut}.cwd`, "utf8")).trim();
    const files = await readdir(dir);
    const sftYaml = await readFile(flagValue(argv, "--dataset_name") ?? join(dir, "none"), "utf8").catch(() => "");
    return { argv, cwd, bundle, dataRoot, trainerHome, files, dir, sftYaml };
  } finally {
    await cleanup();
  }
}

function flagValue(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i === -1 ? undefined : argv[i + 1];
}

test("the generated GRPO script passes hostile paths to torchrun as data", async () => {
  const images = "imgs 'q' \"dq\" $(touch PWNED) `touch PWNED`\nnext";
  const r = await runScript({ stage: "grpo", target: "vlm-r1", bundleName: "bundle $(touch PWNED) 'x'", imagesDir: images, modelPath: "/m/Qwen2.5-VL-7B $(touch PWNED)", runName: "a;b" });
  assert.ok(!r.files.includes("PWNED"), "a command substitution ran");
  assert.equal(flagValue(r.argv, "--image_folders"), `${r.dataRoot}/${images}:/abs/img dir`);
  assert.equal(flagValue(r.argv, "--data_file_paths"), `${r.bundle}/data/d one.jsonl:${r.bundle}/data/d2.jsonl`);
  assert.equal(flagValue(r.argv, "--model_name_or_path"), "/m/Qwen2.5-VL-7B $(touch PWNED)");
  assert.equal(flagValue(r.argv, "--run_name"), "a;b");
  assert.equal(flagValue(r.argv, "--deepspeed"), `${r.bundle}/deepspeed/zero3.json`);
  assert.equal(r.argv[5], `${r.bundle}/plugin/train_grpo.py`);
  assert.deepEqual(r.argv.slice(0, 5), ["--nproc_per_node=8", "--nnodes=1", "--node_rank=0", "--master_addr=127.0.0.1", "--master_port=12349"]);
  assert.equal(r.cwd, join(r.trainerHome, "src", "open-r1-multimodal", "src"));
});

test("the generated SFT script launches accelerate and writes its datasets YAML at launch", async () => {
  const r = await runScript({ stage: "sft", target: "facial-r1", bundleName: "sft bundle 'x'", imagesDir: "faces", modelPath: "/m/Qwen2.5-VL-7B-Instruct" });
  assert.equal(r.argv[0], "launch");
  assert.equal(r.argv[1], `--config_file=${r.bundle}/accelerate/zero3.yaml`);
  assert.ok(r.argv.includes("--num_processes=8"));
  assert.ok(r.argv.includes("open_r1/sft.py"));
  // In the run's own output folder: two runs of one bundle never write the same file.
  assert.equal(flagValue(r.argv, "--dataset_name"), `${r.bundle}/outputs/quoting/.sft_datasets.yaml`);
  assert.equal(flagValue(r.argv, "--image_root"), undefined, "the fork's sft.py has no --image_root");
  assert.ok(r.argv.includes(`--deepspeed_config_file=${r.bundle}/deepspeed/zero3.json`));
  assert.equal(flagValue(r.argv, "--deepspeed"), undefined, "DeepSpeed comes through accelerate");
  // Every entry names its own image_root (the fork reads data["image_root"]); quotes in paths are YAML-escaped.
  const yaml = parseYaml(r.sftYaml) as { datasets: { json_path: string; image_root: string; sampling_strategy: string }[] };
  assert.deepEqual(yaml.datasets[0], { json_path: `${r.bundle}/data/d one.jsonl`, image_root: `${r.dataRoot}/faces`, sampling_strategy: "all" });

  const upstream = await runScript({ stage: "sft", target: "vlm-r1", bundleName: "sft bundle 'y'", imagesDir: "faces", modelPath: "/m/Qwen2.5-VL-7B-Instruct" });
  assert.ok(upstream.argv.includes(`${upstream.bundle}/plugin/train_sft.py`), "upstream's sft.py runs through the launcher");
  assert.equal(flagValue(upstream.argv, "--image_root"), upstream.dataRoot);
  assert.deepEqual(Object.keys((parseYaml(upstream.sftYaml) as { datasets: object[] }).datasets[0]), ["json_path", "sampling_strategy"]);
});

test("relative DATA_ROOT and OUTPUT_DIR from the environment are made absolute before the script changes directory", async () => {
  const r = await runScript({ stage: "grpo", target: "vlm-r1", bundleName: "b", imagesDir: "faces", modelPath: "/m/Qwen2.5-VL-7B", env: { DATA_ROOT: "rel root", OUTPUT_DIR: "out dir" } });
  assert.equal(flagValue(r.argv, "--image_folders"), `${r.dir}/rel root/faces:/abs/img dir`);
  assert.equal(flagValue(r.argv, "--output_dir"), `${r.dir}/out dir`);
});
