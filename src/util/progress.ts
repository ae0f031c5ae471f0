/**
 * Progress on stderr: count, rate and ETA, at most one line per interval.
 * Silent when FACIAL_R1_QUIET is set or when `enabled` is false.
 */
export interface ProgressOptions {
  label: string;
  total?: number;
  unit?: string;
  intervalMs?: number;
  enabled?: boolean;
  stream?: NodeJS.WritableStream;
}

export class Progress {
  private done = 0;
  private readonly started = Date.now();
  /** Starts at the start time: short jobs finish before their first progress line. */
  private lastPrint = Date.now();
  private printed = false;
  private readonly enabled: boolean;

  constructor(private readonly options: ProgressOptions) {
    this.enabled = (options.enabled ?? true) && !process.env.FACIAL_R1_QUIET;
  }

  get count(): number {
    return this.done;
  }

  tick(n = 1): void {
    this.done += n;
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastPrint >= (this.options.intervalMs ?? 2000)) {
      this.lastPrint = now;
      this.printed = true;
      this.print(now);
    }
  }

  finish(): void {
    if (this.enabled && this.printed) this.print(Date.now());
  }

  private print(now: number): void {
    const seconds = Math.max((now - this.started) / 1000, 1e-3);
    const rate = this.done / seconds;
    const unit = this.options.unit ?? "items";
    let line = `${this.options.label}: ${this.done}`;
    if (this.options.total !== undefined) line += `/${this.options.total}`;
    line += ` ${unit} (${formatRate(rate)} ${unit}/s`;
    if (this.options.total !== undefined && rate > 0) {
      line += `, ETA ${formatDuration((this.options.total - this.done) / rate)}`;
    }
    (this.options.stream ?? process.stderr).write(`${line})\n`);
  }
}

function formatRate(rate: number): string {
  return rate >= 100 ? Math.round(rate).toString() : rate.toFixed(1);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : m > 0 ? `${m}m${String(r).padStart(2, "0")}s` : `${r}s`;
}
