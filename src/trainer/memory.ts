import type { DeepSpeedStage } from "../schema/run-config.js";

/**
 * A per-GPU memory estimate for full or LoRA fine-tuning of a Qwen2.5-VL-sized model under
 * DeepSpeed ZeRO. It is deliberately simple (mixed-precision Adam bookkeeping plus a
 * transformer activation model) and errs on the generous side; the verdict is meant to
 * catch plans that cannot fit, not to replace a profiler.
 */
export interface ModelShape {
  parameters: number;
  hidden: number;
  layers: number;
  intermediate: number;
  vocab: number;
}

/** Known Qwen2.5-VL sizes (language model dims; parameter counts include the vision tower). */
const KNOWN_SHAPES: { nominalB: number; shape: ModelShape }[] = [
  { nominalB: 3, shape: { parameters: 3.75e9, hidden: 2048, layers: 36, intermediate: 11008, vocab: 151936 } },
  { nominalB: 7, shape: { parameters: 8.29e9, hidden: 3584, layers: 28, intermediate: 18944, vocab: 152064 } },
  { nominalB: 32, shape: { parameters: 33.5e9, hidden: 5120, layers: 64, intermediate: 27648, vocab: 152064 } },
  { nominalB: 72, shape: { parameters: 73.4e9, hidden: 8192, layers: 80, intermediate: 29568, vocab: 152064 } },
];

/** The nominal size written in a model path ("Qwen2.5-VL-7B-Instruct" → 7), if any. */
export function nominalSizeFromPath(path: string): number | undefined {
  const match = /(?:^|[^0-9.])(\d+(?:\.\d+)?)[bB](?![a-zA-Z])/.exec(path);
  return match ? Number(match[1]) : undefined;
}

/** Shape for a parameter count in billions: a known size, or one scaled from the nearest. */
export function modelShape(parametersB: number): ModelShape {
  let nearest = KNOWN_SHAPES[0];
  for (const k of KNOWN_SHAPES) {
    if (Math.abs(k.nominalB - parametersB) < Math.abs(nearest.nominalB - parametersB)) nearest = k;
    if (Math.abs(k.shape.parameters / 1e9 - parametersB) < 0.5) return k.shape;
  }
  if (Math.abs(nearest.nominalB - parametersB) < 0.01) return nearest.shape;
  const scale = parametersB / nearest.nominalB;
  return {
    ...nearest.shape,
    parameters: parametersB * 1e9 * (nearest.shape.parameters / (nearest.nominalB * 1e9)),
    hidden: Math.round((nearest.shape.hidden * Math.sqrt(scale)) / 128) * 128,
  };
}

export interface MemoryParams {
  shape: ModelShape;
  zero: DeepSpeedStage;
  lora: boolean;
  /** GPUs the ZeRO states are partitioned over. */
  worldSize: number;
  gradientCheckpointing: boolean;
  /** Sequences in one micro-batch (GRPO: completions; SFT: samples). */
  microBatch: number;
  /** Tokens per sequence (prompt + completion, or the SFT max length). */
  sequenceTokens: number;
  /** GRPO with beta > 0 keeps a reference model. */
  referenceModel: boolean;
  /** GRPO generation gathers the full ZeRO-3 weights on every GPU (ds3_gather_for_generation). */
  gatherForGeneration: boolean;
  gpuMemoryGiB: number;
}

export interface MemoryEstimate {
  /** GiB per GPU, by component. */
  components: Record<string, number>;
  totalGiB: number;
  gpuMemoryGiB: number;
  verdict: "fits" | "tight" | "does-not-fit";
  explanation: string;
}

const GiB = 1024 ** 3;
const BF16 = 2;
const FP32 = 4;
/** Fraction of the adapter relative to the model for typical LoRA ranks on attention projections. */
const LORA_PARAMETER_FRACTION = 0.01;
const RUNTIME_OVERHEAD_GIB = 3;
const FRAGMENTATION = 0.1;

export function estimateMemory(p: MemoryParams): MemoryEstimate {
  const { shape } = p;
  const P = shape.parameters;
  const zero3 = p.zero !== "zero2";
  const offload = p.zero === "zero3-offload";
  const partition = (bytes: number) => (zero3 ? bytes / p.worldSize : bytes);
  const trainable = p.lora ? P * LORA_PARAMETER_FRACTION : P;

  const c: Record<string, number> = {};
  // Weights: bf16, partitioned under ZeRO-3 (offloaded to CPU with the offload variant).
  c.parameters = offload ? 0 : partition(P * BF16) + (p.lora ? trainable * BF16 : 0);
  // Gradients: bf16 for the trainable part, partitioned from ZeRO-2 on.
  c.gradients = (trainable * BF16) / p.worldSize;
  // Adam: fp32 master weights + two moments, partitioned; on CPU with offload.
  c.optimizer = offload ? 0 : (trainable * 3 * FP32) / p.worldSize;
  if (p.referenceModel && !p.lora) c.reference_model = offload ? 0 : partition(P * BF16);
  // ZeRO-3 gathers layers on the fly: up to stage3_max_live_parameters (1e9) at a time.
  if (zero3) c.gathered_layers = Math.min(P, 1e9) * BF16;
  if (p.gatherForGeneration && zero3) c.generation_gather = P * BF16;

  const tokens = p.microBatch * p.sequenceTokens;
  const perLayerCheckpoint = tokens * shape.hidden * BF16;
  // One layer's working set while it runs (attention with flash attention, MLP intermediates).
  const layerWorking = tokens * (shape.hidden * 10 + shape.intermediate * 3) * BF16;
  c.activations = p.gradientCheckpointing ? perLayerCheckpoint * shape.layers + layerWorking : layerWorking * shape.layers;
  // Logits in bf16 plus one fp32 log-softmax pass over them.
  c.logits = tokens * shape.vocab * (BF16 + FP32);

  const componentsGiB: Record<string, number> = {};
  let total = RUNTIME_OVERHEAD_GIB * GiB;
  for (const [k, v] of Object.entries(c)) {
    componentsGiB[k] = round(v / GiB);
    total += v;
  }
  componentsGiB.runtime_overhead = RUNTIME_OVERHEAD_GIB;
  total *= 1 + FRAGMENTATION;
  const totalGiB = round(total / GiB);
  const ratio = totalGiB / p.gpuMemoryGiB;
  const verdict = ratio > 1 ? "does-not-fit" : ratio > 0.9 ? "tight" : "fits";
  const biggest = Object.entries(componentsGiB).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k} ${v} GiB`).join(", ");
  const explanation =
    `about ${totalGiB} GiB per GPU of ${p.gpuMemoryGiB} GiB (${Math.round(ratio * 100)}%; largest: ${biggest})` +
    (verdict === "does-not-fit"
      ? "; reduce per_device_batch, num_generations or max_completion_length, enable gradient checkpointing, use zero3-offload, or LoRA"
      : verdict === "tight"
        ? "; close to the limit, expect OOM with larger images or longer prompts"
        : "");
  return { components: componentsGiB, totalGiB, gpuMemoryGiB: p.gpuMemoryGiB, verdict, explanation };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
