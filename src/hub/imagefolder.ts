import { posix } from "node:path";
import { resolveInside } from "../data/images.js";
import { readJsonl } from "../data/jsonl.js";
import { imagesOf, SampleSchema } from "../schema/sample.js";
import type { UploadFile } from "./upload.js";

/**
 * The image-folder layout of a split, the one the Hub's dataset viewer shows pictures for:
 * `<split>/metadata.jsonl` with one row per record, whose `file_name` (the record's first
 * image) is relative to the split folder, and the images themselves under `<split>/`, at the
 * records' own relative paths. `datasets` decodes `file_name` into an `image` column, so the
 * row leaves out the record's `image` field and keeps every path in `image_paths`. Columns
 * are the same in every row (a missing description is null) and `meta_info`, whose keys
 * differ between sources, is a JSON string, so the viewer infers one schema for the split.
 */
export interface ImageFolderSplit {
  metadata: UploadFile;
  images: (UploadFile & { original: string })[];
  records: number;
}

/** Image report lines (`validateFiles`' imageReportPath) of one file, by record line. */
export type ImageReportIndex = Map<number, { image: string; bytes: number }[]>;

export async function imageFolderSplit(params: { split: string; file: string; imagesDir: string; checked: ImageReportIndex }): Promise<ImageFolderSplit> {
  const rows: string[] = [];
  const images = new Map<string, UploadFile & { original: string }>();
  for await (const item of readJsonl(params.file)) {
    if (item.kind !== "value") continue;
    const parsed = SampleSchema.safeParse(item.value);
    const checked = params.checked.get(item.line);
    if (!parsed.success || !checked || checked.length !== imagesOf(parsed.data).length) continue;
    const { image: _image, meta_info: metaInfo, description, id, ...rest } = parsed.data;
    const paths = checked.map((c) => posix.normalize(c.image.replace(/\\/g, "/")).replace(/^(\.\/)+/, ""));
    rows.push(
      JSON.stringify({
        file_name: paths[0],
        image_paths: paths,
        id: String(id),
        ...rest,
        description: description ?? null,
        meta_info: metaInfo === undefined ? null : JSON.stringify(metaInfo),
      }),
    );
    checked.forEach((c, i) => {
      const path = `${params.split}/${paths[i]}`;
      if (!images.has(path)) images.set(path, { path, size: c.bytes, localPath: resolveInside(params.imagesDir, c.image), original: c.image });
    });
  }
  const content = rows.length > 0 ? `${rows.join("\n")}\n` : "";
  return { metadata: { path: `${params.split}/metadata.jsonl`, size: Buffer.byteLength(content), content }, images: [...images.values()], records: rows.length };
}

/** Reads an image report into one index per input file. */
export async function indexImageReport(reportPath: string): Promise<Map<string, ImageReportIndex>> {
  const byFile = new Map<string, ImageReportIndex>();
  for await (const item of readJsonl(reportPath)) {
    if (item.kind !== "value") continue;
    const { file, line, image, bytes } = item.value as { file: string; line: number; image: string; bytes: number };
    const index = byFile.get(file) ?? new Map();
    byFile.set(file, index);
    index.set(line, [...(index.get(line) ?? []), { image, bytes }]);
  }
  return byFile;
}
