import { z } from "zod";
import { LaunchConfigSchema } from "../launch/types.js";
import { RUN_NAME_PATTERN } from "../schema/run-config.js";

/**
 * The loop config (LOOP.yaml): everything `facial-r1 loop` needs to run the stage-3 loop
 * round after round: the run config trained each round, the data it starts from, the pool of
 * labelled images the round's model writes reasoning for, the eval set, the model endpoint,
 * when to stop, and what to push. Every object is strict; relative paths resolve against the
 * loop file's folder.
 */

export const LOOP_METRICS = ["au.macro_f1", "au.micro_f1", "emotion.accuracy", "rouge.rougeL", "judge.mean"] as const;
export type LoopMetric = (typeof LOOP_METRICS)[number];

const positiveInt = () => z.number().int().positive();
const seconds = (fallback: number, what: string) => z.number().positive().default(fallback).describe(what);
const repoName = () =>
  z
    .string()
    .regex(/^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/, "a repository id NS/NAME")
    .describe("Repository id on the Hub, NS/NAME");

export const LoopTrainSchema = z
  .strictObject({
    config: z.string().min(1).describe("Run config YAML trained each round (facial-r1 config init); its datasets are replaced by the round's data version"),
    model_from: z
      .enum(["base", "previous"])
      .default("base")
      .describe("base: every round starts from the run config's model; previous: from the checkpoint of the round before (a path on the training machines)"),
    poll_interval_s: seconds(30, "Seconds between status checks of the training job"),
  })
  .describe("The training run of each round");

export const LoopDataSchema = z
  .strictObject({
    file: z.string().min(1).describe("FEA JSONL training data of round 1 (data version 1)"),
    images: z.string().min(1).describe("Image folder of the training data and of the pool"),
  })
  .describe("The data the first round trains on");

export const LoopPoolSchema = z
  .strictObject({
    file: z.string().min(1).describe("Labelled FEA JSONL records (AUs, labels) to synthesize reasoning for; image paths relative to data.images"),
    per_round: positiveInt().optional().describe("Pool records synthesized per round (default: every record not used yet)"),
  })
  .describe("The synthesis pool: each round takes records whose images no earlier round used");

export const LoopJudgeSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe("Rate the predicted reasoning against the references (the paper's GPT score)"),
    model: z.string().min(1).default("gpt-4o-mini"),
    endpoint: z.string().url().optional().describe("OpenAI-compatible API base URL (default: OpenAI)"),
    api_key_env: z.string().min(1).default("OPENAI_API_KEY").describe("Environment variable holding the judge's API key"),
    concurrency: positiveInt().default(8),
  })
  .describe("The LLM judge");

export const LoopEvalSchema = z
  .strictObject({
    file: z.string().min(1).describe("FEA JSONL test file every round's model is scored on; pool records sharing its images or ids are never trained on"),
    images: z.string().min(1).describe("Image folder of the test file"),
    protocol: z.enum(["facial-r1", "standard"]).default("facial-r1"),
    benchmark: z.string().min(1).optional().describe("Benchmark of the standard protocol (default: from each record's dataset)"),
    judge: LoopJudgeSchema.prefault({}),
  })
  .describe("The eval set");

export const ServeSchema = z
  .strictObject({
    command: z
      .string()
      .min(1)
      .default('vllm serve "$CHECKPOINT" --served-model-name "$SERVED_MODEL" --host 0.0.0.0 --port "$PORT"')
      .describe("Shell command of the serving job; it gets CHECKPOINT (the round's checkpoint on the training machine), SERVED_MODEL and PORT"),
    model: z.string().min(1).default("facial-r1").describe("Model name the server answers to"),
    port: z.number().int().min(1).max(65535).default(8000),
    host: z.string().min(1).optional().describe("Host the loop reaches the server on (default: 127.0.0.1 locally, the ssh host, or the Slurm node the job runs on)"),
    ready_timeout_s: seconds(900, "Seconds to wait for the server to answer GET /v1/models"),
  })
  .describe("A serving job the loop launches on the training backend for each round's checkpoint, and stops after");

export const EndpointSchema = z
  .strictObject({
    url: z.string().url().optional().describe("A running OpenAI-compatible API base URL, e.g. http://gpu-host:8000/v1"),
    model: z.string().min(1).optional().describe("With url: the model name it serves"),
    api_key_env: z.string().min(1).default("OPENAI_API_KEY").describe("Environment variable holding the endpoint's key (local servers need none)"),
    serve: ServeSchema.optional(),
  })
  .refine((e) => (e.url === undefined) !== (e.serve === undefined), { message: "give exactly one of url (a running server) or serve (a serving job per round)" })
  .refine((e) => e.url === undefined || e.model !== undefined, { message: "url needs model: the model name the server answers to", path: ["model"] })
  .describe("The model that evaluates and synthesizes each round");

export const LoopRequestsSchema = z
  .strictObject({
    concurrency: positiveInt().default(8).describe("Records in flight (eval infer and synth)"),
    timeout_s: seconds(120, "Per-request timeout"),
    retries: z.number().int().min(0).default(5).describe("Retries per request on 429/5xx/timeouts/connection errors"),
    max_tokens: positiveInt().default(1024),
    prompt: z.enum(["grpo", "sft"]).default("grpo").describe("Training prompt variant"),
    corrections: z.number().int().min(0).default(5).describe("Synthesis: corrections per record after a failed quality check"),
  })
  .describe("How eval and synthesis requests are sent");

export const LoopStopSchema = z
  .strictObject({
    rounds: positiveInt().describe("Rounds to run at most (raise it and rerun to continue)"),
    metric: z.enum(LOOP_METRICS).default("au.macro_f1").describe("Eval metric watched by min_improvement"),
    min_improvement: z
      .number()
      .min(0)
      .optional()
      .describe("Stop when the metric improves by less than this over the round before (fractions; judge.mean on its 1..10 scale)"),
  })
  .describe("When the loop stops");

export const LoopPushSchema = z
  .strictObject({
    dataset: z
      .strictObject({
        repo: repoName(),
        layout: z.enum(["jsonl", "imagefolder"]).default("imagefolder").describe("jsonl: records and images; imagefolder: the layout the Hub's viewer shows images for"),
        license: z.string().min(1).optional(),
        private: z.boolean().default(false),
      })
      .optional()
      .describe("Push each round's new data version"),
    model: z
      .strictObject({
        repo: repoName(),
        base_model: z.string().min(1).optional().describe("The card's base_model; default: the run config's model.path when it names a Hub model"),
        license: z.string().min(1).optional(),
        private: z.boolean().default(false),
      })
      .optional()
      .describe("Push each round's checkpoint with its eval results"),
    revision: z.string().min(1).default("main").describe("Branch the rounds are pushed to; {round} is replaced by the round number (round-{round}: a branch per round)"),
    tag: z
      .union([z.string().min(1), z.literal(false)])
      .default("round-{round}")
      .describe("Tag of each round's commit, {round} replaced by the round number; false for none"),
  })
  .refine((p) => p.tag === false || p.tag !== p.revision, { message: "the tag must differ from the branch name", path: ["tag"] })
  .describe("What goes to the Hugging Face Hub after each round (token from HF_TOKEN)");

/** The loop config (LOOP.yaml, schemas/loop.schema.json): the zod schema {@link LoopConfig} is inferred from. */
export const LoopConfigSchema = z
  .strictObject({
    name: z
      .string()
      .regex(RUN_NAME_PATTERN, "use letters, digits, '.', '_' and '-' only")
      .describe("Loop name: run names and the default output folder"),
    out: z.string().min(1).optional().describe("Output folder (rounds/<k>/, state, report); default: <name> next to this file"),
    train: LoopTrainSchema,
    data: LoopDataSchema,
    pool: LoopPoolSchema,
    eval: LoopEvalSchema,
    endpoint: EndpointSchema,
    launch: LaunchConfigSchema.prefault({}).describe("Where training (and serving) jobs run: backend local | ssh | slurm, setup lines, ssh and slurm settings"),
    requests: LoopRequestsSchema.prefault({}),
    stop: LoopStopSchema,
    push: LoopPushSchema.optional(),
  })
  .describe("A facial-r1 loop config");

/** A loop config with every default filled in. */
export type LoopConfig = z.infer<typeof LoopConfigSchema>;
export type LoopConfigInput = z.input<typeof LoopConfigSchema>;
export type ServeConfig = z.infer<typeof ServeSchema>;

/** The JSON Schema editors use for completion (schemas/loop.schema.json). */
export function loopConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(LoopConfigSchema, { target: "draft-2020-12", io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return { title: "facial-r1 loop config", ...schema };
}
