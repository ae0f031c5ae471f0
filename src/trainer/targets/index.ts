import { VLLM_TARGETS, type TrainerTarget, type VllmTarget } from "../../schema/run-config.js";
import { invalidInput } from "../../util/errors.js";
import { OPENRLHF_SPEC } from "./openrlhf/index.js";
import { TRL_SPEC } from "./trl/index.js";
import { easyr1Spec } from "./easyr1/index.js";
import { verlSpec } from "./verl/index.js";
import type { TrainerTargetSpec } from "./types.js";

export type { BundleFile, KeyVocabulary, PulledRun, ReportFinding, TargetBundleContext, TrainerTargetSpec } from "./types.js";

/** The trainers planned through a TrainerTargetSpec, by name. */
const SPECS: Partial<Record<VllmTarget, TrainerTargetSpec>> = {
  trl: TRL_SPEC,
  verl: verlSpec,
  easyr1: easyr1Spec,
  openrlhf: OPENRLHF_SPEC,
};

export function isVllmTarget(name: TrainerTarget): name is VllmTarget {
  return (VLLM_TARGETS as readonly string[]).includes(name);
}

/** The spec of a config's trainer, or undefined for VLM-R1 and the fork. */
export function targetSpecOf(config: { trainer: { target: TrainerTarget } }): TrainerTargetSpec | undefined {
  const target = config.trainer.target;
  if (!isVllmTarget(target)) return undefined;
  const spec = SPECS[target];
  if (!spec) throw invalidInput(`trainer.target ${target} cannot be planned by this version of facial-r1`, { field: "trainer.target" });
  return spec;
}
