import { z } from "zod";

/**
 * One training / evaluation sample in the Facial-R1 (FEA) JSONL format.
 * AU token spelling and label vocabulary are checked in `data/record-check.ts`,
 * where a suggested fix can be attached; the schema checks shape and types.
 */
export const SampleSchema = z
  .looseObject({
    id: z.union([z.string().min(1), z.number().int()]).describe("Unique id across all files of a dataset"),
    dataset: z.string().min(1).describe("Source dataset tag, e.g. rafdb, fer2013, disfa"),
    image: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .describe("Image path(s) relative to the file's image folder"),
    question: z.string().describe("The question asked about the image"),
    AUs: z.array(z.string()).describe('Active Action Units, e.g. ["AU1", "AU4"]'),
    labels: z.array(z.string()).describe('Emotion labels, e.g. ["sadness"]; labels[0] is the ground truth'),
    description: z.string().optional().describe("Reference reasoning / description of the face"),
    meta_info: z.record(z.string(), z.unknown()).optional().describe("Provenance: source file, row or frame, subject"),
    is_valid: z.boolean().optional().describe("false = the trainer skips this record"),
    accu_reward_method: z.string().optional().describe("Per-record accuracy reward method override"),
  })
  .describe("A Facial-R1 sample record");

export type Sample = z.infer<typeof SampleSchema>;

export const SAMPLE_FIELDS = Object.keys(SampleSchema.shape) as readonly string[];

export function imagesOf(sample: Pick<Sample, "image">): string[] {
  return Array.isArray(sample.image) ? sample.image : [sample.image];
}

/** Prediction record of `eval infer` / `eval score`. */
export const PredictionSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number().int()]),
  output: z.string(),
});

export type Prediction = z.infer<typeof PredictionSchema>;
