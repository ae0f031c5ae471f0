import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { RunConfig } from "../../src/schema/run-config.js";
import { extraArgProblems, trainerArgs, entryOf, type ArgPaths } from "../../src/trainer/args.js";
import { parseRunConfigFile, parseRunConfigText } from "../../src/trainer/config-file.js";
import { acceptedFlags, GRPO_IGNORED_FLAGS, ignoredFlagReason, type VlmR1Trainer } from "../../src/trainer/flags.js";
import { lit } from "../../src/util/shell.js";
import { ROOT } from "../helpers/cli.js";
import { configYaml } from "./fixture.js";

const PATHS: ArgPaths = {
  model: lit("/m/Qwen2.5-VL-7B"),
  outputDir: lit("/out"),
  deepspeedConfig: lit("/b/zero3.json"),
  dataFiles: [lit("/b/a.jsonl")],
  imageFolders: [lit("/i")],
  sftDatasets: lit("/b/sft.yaml"),
  imageRoot: lit("/"),
};

function parse(text: string): RunConfig {
  const result = parseRunConfigText(text, "run.yaml");
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  return result.loaded.config;
}

test("the flag model pins what grpo_jsonl.py and sft.py accept", () => {
  const grpo = acceptedFlags("grpo", "facial-r1");
  assert.deepEqual([...acceptedFlags("grpo", "vlm-r1")].sort(), [...grpo].sort(), "both trainers parse the same GRPO classes");
  const sft = acceptedFlags("sft", "vlm-r1");
  const forkSft = acceptedFlags("sft", "facial-r1");
  assert.ok(!forkSft.has("image_root"), "the fork's SFTScriptArguments has no image_root (commented out at its head)");
  assert.deepEqual([...sft].filter((f) => !forkSft.has(f)), ["image_root"]);
  for (const f of ["data_file_paths", "image_folders", "reward_funcs", "reward_method", "num_generations", "max_completion_length", "beta", "freeze_vision_modules", "dataset_name", "deepspeed", "per_device_train_batch_size", "use_peft", "lora_r"]) {
    assert.ok(grpo.has(f), `grpo accepts --${f}`);
  }
  for (const f of ["max_length", "max_seq_length", "packing", "dataset_name", "image_root", "learning_rate"]) assert.ok(sft.has(f), `sft accepts --${f}`);
  for (const f of ["data_file_paths", "num_generations", "freeze_vision_modules"]) assert.ok(!sft.has(f), `sft has no --${f}`);
  for (const f of ["max_seq_length", "packing", "rollout_batch_size", "num_rollouts"]) assert.ok(!grpo.has(f), `grpo has no --${f}`);
  // Accepted but ignored by the VLM-R1 trainer.
  for (const f of ["use_vllm", "temperature", "top_p", "top_k", "reward_weights", "max_prompt_length", "sync_ref_model", "log_completions"]) {
    assert.ok(grpo.has(f));
    assert.ok(ignoredFlagReason("grpo", f));
  }
  for (const f of Object.keys(GRPO_IGNORED_FLAGS)) assert.ok(grpo.has(f), `${f} is listed as ignored, so the parser must accept it`);
  assert.equal(ignoredFlagReason("grpo", "beta"), undefined);
});

test("every flag emitted for the checked-in configs and their variants is one the parser accepts", async () => {
  const configs: RunConfig[] = [];
  for (const name of (await readdir(join(ROOT, "configs"))).filter((f) => f.endsWith(".yaml"))) {
    const result = await parseRunConfigFile(join(ROOT, "configs", name));
    assert.ok(result.ok, name);
    configs.push(result.loaded.config);
  }
  configs.push(parse(configYaml({ stage: "sft", extra: "training:\n  finetuning: lora\n  save_steps: 10\n  max_steps: 3\n  save_only_model: true" })));
  configs.push(
    parse(configYaml({ datasets: [{ file: "a.jsonl", images: "i" }], extra: "training:\n  extra_args: {warmup_ratio: 0.1, lr_scheduler_type: cosine}" }).replace('images: "i"', 'images: "i"\n    reward_method: default')),
  );
  for (const config of configs) {
    const accepted = acceptedFlags(entryOf(config), config.trainer.target as VlmR1Trainer);
    const args = trainerArgs(config, PATHS, { lora: config.training.finetuning === "lora" });
    for (const a of args) {
      const flag = a.flag.replace(/^--/, "");
      assert.ok(accepted.has(flag), `${config.name} (${config.stage}) emits --${flag}, which the parser does not accept`);
      assert.equal(ignoredFlagReason(entryOf(config), flag), undefined, `${config.name} emits ignored --${flag}`);
    }
    assert.equal(new Set(args.map((a) => a.flag)).size, args.length, "no flag twice");
  }
});

test("extra_args: unknown, ignored, secret and planner-owned flags are refused with the reason", () => {
  const config = parse(
    configYaml({ extra: "training:\n  extra_args:\n    warmup_ratio: 0.05\n    lr_sheduler_type: cosine\n    use_vllm: true\n    hub_token: hf_x\n    learning_rate: 0.1\n    '--top-p': 0.9" }),
  );
  const found = extraArgProblems(config, (key) => ({ field: `training.extra_args.${key}` }));
  const by = (key: string) => found.find((p) => p.field === `training.extra_args.${key}`)?.message ?? "";
  assert.equal(found.length, 5);
  assert.match(by("lr_sheduler_type"), /no flag --lr_sheduler_type.*did you mean --lr_scheduler_type/);
  assert.match(by("use_vllm"), /accepts --use_vllm but ignores it/);
  assert.match(by("hub_token"), /environment \(HF_TOKEN\)/);
  assert.match(by("learning_rate"), /training\.learning_rate/);
  assert.match(by("--top-p"), /ignores it/);
});

test("GRPO arguments follow the published launch conventions", () => {
  const config = parse(configYaml({ datasets: [{ file: "a.jsonl", images: "i" }, { file: "b.jsonl", images: "j" }] }));
  const args = trainerArgs(config, { ...PATHS, dataFiles: [lit("/b/a.jsonl"), lit("/b/b.jsonl")], imageFolders: [lit("/i"), lit("/j")] }, { lora: false });
  const value = (flag: string) => args.find((a) => a.flag === `--${flag}`)?.values.map((w) => w.map((p) => ("literal" in p ? p.literal : "?")).join("")).join(" ");
  assert.equal(value("dataset_name"), "this_is_not_used");
  assert.equal(value("data_file_paths"), "/b/a.jsonl:/b/b.jsonl");
  assert.equal(value("image_folders"), "/i:/j");
  assert.equal(value("reward_funcs"), "format accuracy au");
  assert.equal(value("bf16"), "true");
  assert.equal(value("gradient_checkpointing"), "true");
  assert.equal(value("attn_implementation"), "flash_attention_2");
  assert.equal(value("beta"), "0");
  assert.equal(value("reward_method"), undefined, "no --reward_method unless a file sets one");
});

test("extra_args follow the fork's real parsers: open_r1 GRPOConfig for grpo_jsonl.py, open_r1 SFTConfig for sft.py", () => {
  const messages = (stage: string, args: Record<string, string>) => {
    const body = Object.entries(args).map(([k, v]) => `    ${k}: ${v}`).join("\n");
    const config = parse(configYaml({ stage, extra: `training:\n  extra_args:\n${body}` }));
    const found = extraArgProblems(config, (key) => ({ field: key }));
    return (key: string) => found.filter((p) => p.field === key).map((p) => p.message).join("; ");
  };
  // trl-only GRPOConfig fields that open_r1/trainer/grpo_config.py does not declare: the parser would exit.
  const grpo = messages("grpo", {
    scale_rewards: "false", loss_type: "dr_grpo", mask_truncated_completions: "true", vllm_server_host: "h", num_completions_to_print: "2",
    vllm_device: "cuda:7", ds3_gather_for_generation: "false", task_type: "default", val_split_ratio: "0.1", warmup_ratio: "0.1",
  });
  for (const f of ["scale_rewards", "loss_type", "mask_truncated_completions", "vllm_server_host", "num_completions_to_print"]) {
    assert.match(grpo(f), new RegExp(`parser has no flag --${f}`), f);
  }
  // Declared by the fork's GRPOConfig but never read by its trainer.
  for (const f of ["vllm_device", "ds3_gather_for_generation"]) assert.match(grpo(f), /accepts --\w+ but ignores it/, f);
  for (const f of ["task_type", "val_split_ratio", "warmup_ratio"]) assert.equal(grpo(f), "", `${f} is accepted and read`);

  const sft = messages("sft", { chat_template: "x", wandb_project: "p", system_prompt: "s", benchmarks: "[]", warmup_ratio: "0.1" });
  assert.match(sft("chat_template"), /parser has no flag --chat_template/);
  for (const f of ["wandb_project", "system_prompt", "benchmarks", "warmup_ratio"]) assert.equal(sft(f), "", `sft accepts --${f}`);
  assert.ok(!acceptedFlags("sft", "facial-r1").has("freeze_vision_modules"));
});
