import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import { readJsonlBatches } from "../../data/jsonl.js";
import { internalError } from "../../util/errors.js";
import { HashedWriter, type WrittenFile } from "../../util/hashed-writer.js";

type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]["schema"][number];

/**
 * The column types the trainers' Parquet files use, written as real nested Parquet types
 * (lists and structs, not JSON strings): what pyarrow and `datasets` read back as Python
 * lists and dicts, as the trainers' dataset classes expect.
 */
export type ParquetType =
  | { kind: "string" }
  | { kind: "int64" }
  | { kind: "list"; element: ParquetType }
  | { kind: "struct"; fields: readonly ParquetField[] };

export interface ParquetField {
  name: string;
  type: ParquetType;
}

export const pq = {
  string: { kind: "string" } as ParquetType,
  int64: { kind: "int64" } as ParquetType,
  list: (element: ParquetType): ParquetType => ({ kind: "list", element }),
  struct: (fields: Record<string, ParquetType>): ParquetType => ({ kind: "struct", fields: Object.entries(fields).map(([name, type]) => ({ name, type })) }),
};

/** Schema elements of one field (depth-first, as Parquet's flattened schema lists them); every level nullable. */
function schemaOf(field: ParquetField): SchemaElement[] {
  const { name, type } = field;
  switch (type.kind) {
    case "string":
      return [{ name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" }];
    case "int64":
      return [{ name, type: "INT64", repetition_type: "OPTIONAL" }];
    case "list":
      // The three-level LIST layout pyarrow writes: <name> (LIST) / list (repeated) / element.
      return [
        { name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        ...schemaOf({ name: "element", type: type.element }),
      ];
    case "struct":
      return [{ name, repetition_type: "OPTIONAL", num_children: type.fields.length }, ...type.fields.flatMap(schemaOf)];
  }
}

/**
 * A parsed value shaped for its column: integers as bigint, absent struct fields as null.
 * Lists and structs are shaped in place (the rows are parsed for this alone), which spares
 * the garbage collector a copy of every row.
 */
function shape(value: unknown, type: ParquetType): unknown {
  if (value === undefined || value === null) return null;
  switch (type.kind) {
    case "string":
      return typeof value === "string" ? value : JSON.stringify(value);
    case "int64":
      return BigInt(value as number);
    case "list":
      if (!Array.isArray(value)) throw internalError(`parquet: expected a list, got ${JSON.stringify(value)}`);
      for (let i = 0; i < value.length; i++) value[i] = shape(value[i], type.element);
      return value;
    case "struct": {
      const object = value as Record<string, unknown>;
      for (const field of type.fields) object[field.name] = shape(object[field.name], field.type);
      return object;
    }
  }
}

/** Rows per row group: small enough to keep memory flat, large enough for readers. */
const ROW_GROUP = 2048;

/** Hands each finished row group to a HashedWriter instead of keeping the file in memory. */
class StreamingByteWriter extends ByteWriter {
  constructor(private readonly out: HashedWriter) {
    super(1 << 20);
  }

  flush(): Promise<void> | undefined {
    this.out.writeBytes(new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
    return this.out.ready();
  }

  override finish(): void {
    this.flush();
  }
}

/**
 * Re-encodes a JSONL shard (one object per line, fields named as in `fields`) as Parquet at
 * `out`, one row group per ROW_GROUP lines, hashing the bytes as they are written.
 */
export async function jsonlToParquet(jsonl: string, out: string, fields: readonly ParquetField[]): Promise<WrittenFile> {
  const file = new HashedWriter(out);
  const schema: SchemaElement[] = [{ name: "root", num_children: fields.length }, ...fields.flatMap(schemaOf)];
  const writer = new ParquetWriter({ writer: new StreamingByteWriter(file), schema, codec: "SNAPPY", createdBy: "facial-r1" });
  let rows: Record<string, unknown>[] = [];
  const writeRows = async (): Promise<void> => {
    if (rows.length === 0) return;
    const columnData = fields.map((f) => ({ name: f.name, data: rows.map((r) => shape(r[f.name], f.type)) }));
    await writer.write({ columnData, rowGroupSize: rows.length });
    rows = [];
  };
  try {
    for await (const batch of readJsonlBatches(jsonl)) {
      for (const line of batch) {
        if (line.kind !== "value") throw internalError(`${jsonl}:${line.line}: the shard holds a line that is not JSON`);
        rows.push(line.value as Record<string, unknown>);
        if (rows.length >= ROW_GROUP) await writeRows();
      }
    }
    await writeRows();
    await writer.finish();
  } catch (err) {
    file.abort();
    throw err;
  }
  return file.close();
}

/** `train.jsonl` -> `train.parquet`: the shard of a training file, by its basename. */
export function parquetShardName(entry: { file: string }): string {
  const base = entry.file.split(/[\\/]/).pop() ?? entry.file;
  return `${base.replace(/\.jsonl?$/i, "")}.parquet`;
}
