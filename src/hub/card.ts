/** Shared pieces of the generated dataset and model cards (README.md with YAML front matter). */

/** `---\n<yaml>---\n\n<body>`; the YAML is written by the `yaml` package (loaded lazily). */
export async function renderCard(frontMatter: Record<string, unknown>, body: string): Promise<string> {
  const { stringify } = await import("yaml");
  return `---\n${stringify(frontMatter, { lineWidth: 0 })}---\n\n${body.trim()}\n`;
}

/** A Markdown table; cells are escaped so a `|` in a label cannot break it. */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const cell = (c: string | number) => String(c).replace(/\|/g, "\\|").replace(/\n/g, " ");
  const line = (cells: (string | number)[]) => `| ${cells.map(cell).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export const PAPER_TITLE = "Facial-R1: Aligning Reasoning and Recognition for Facial Emotion Analysis";

export const PAPER_CITATION = `\`\`\`bibtex
@inproceedings{wu2026facialr1,
  title     = {${PAPER_TITLE}},
  author    = {Wu, Jiulong and Shen, Yucheng and Yan, Lingyong and Sun, Haixin and Xia, Deguo and Huang, Jizhou and Cao, Min},
  booktitle = {Proceedings of the AAAI Conference on Artificial Intelligence},
  year      = {2026}
}
\`\`\``;

/**
 * Whether the Hub will most likely store a file through LFS (binary types and files of
 * 10 MiB or more). Only for --dry-run listings: on a real push the Hub decides (preupload).
 */
export function likelyLfs(path: string, size: number): boolean {
  return size >= 10 * 1024 * 1024 || /\.(png|jpe?g|gif|webp|bmp|safetensors|bin|pt|pth|ckpt|onnx|parquet|arrow|npy|npz|h5|msgpack|zip|gz|tar)$/i.test(path);
}
