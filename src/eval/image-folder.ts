import { stat } from "node:fs/promises";
import { invalidInput } from "../util/errors.js";

/** Fails with invalid input, named after the `--images` option, unless `dir` is a directory. */
export async function assertImageDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw invalidInput(info ? "is not a directory" : "no such image folder", { file: dir, field: "--images" });
}
