import { z } from "zod";
import { PredictionSchema, SampleSchema } from "./sample.js";

/** The JSON Schema files shipped under `schemas/`, derived from the zod schemas. */
export function jsonSchemas(): Record<string, unknown> {
  return {
    "sample.schema.json": z.toJSONSchema(SampleSchema, { target: "draft-2020-12" }),
    "prediction.schema.json": z.toJSONSchema(PredictionSchema, { target: "draft-2020-12" }),
  };
}
