import { runContext, throwIfAborted, type ProgressEvent, type ProgressListener } from "./run-context.js";

/**
 * Counts work and reports it, at most one event per interval, to the progress listener of the
 * run context it was made in (none: nothing is reported). Each tick also checks the context's
 * signal, so every loop that counts its work can be cancelled.
 */
export interface ProgressOptions {
  label: string;
  total?: number;
  unit?: string;
  intervalMs?: number;
  /** false: report nothing (the count and the abort check still work). */
  enabled?: boolean;
}

export class Progress {
  private done = 0;
  private readonly started = Date.now();
  /** Starts at the start time: short jobs finish before their first report. */
  private lastReport = Date.now();
  private reported = false;
  private readonly listener: ProgressListener | undefined;
  private readonly signal: AbortSignal | undefined;

  constructor(private readonly options: ProgressOptions) {
    const context = runContext();
    this.listener = (options.enabled ?? true) ? context.onProgress : undefined;
    this.signal = context.signal;
  }

  get count(): number {
    return this.done;
  }

  tick(n = 1): void {
    this.done += n;
    if (this.signal?.aborted) throwIfAborted(this.signal);
    if (!this.listener) return;
    const now = Date.now();
    if (now - this.lastReport >= (this.options.intervalMs ?? 2000)) {
      this.lastReport = now;
      this.reported = true;
      this.listener(this.event(now, false));
    }
  }

  finish(): void {
    if (this.listener && this.reported) this.listener(this.event(Date.now(), true));
  }

  private event(now: number, finished: boolean): ProgressEvent {
    const seconds = Math.max((now - this.started) / 1000, 1e-3);
    const rate = this.done / seconds;
    const { total } = this.options;
    return {
      label: this.options.label,
      done: this.done,
      ...(total !== undefined ? { total } : {}),
      unit: this.options.unit ?? "items",
      ratePerSecond: rate,
      ...(total !== undefined && rate > 0 ? { etaSeconds: (total - this.done) / rate } : {}),
      finished,
    };
  }
}

/** One line for a progress event, as the CLI prints it: `label: 1200/5000 records (310 records/s, ETA 12s)`. */
export function formatProgress(event: ProgressEvent): string {
  let line = `${event.label}: ${event.done}`;
  if (event.total !== undefined) line += `/${event.total}`;
  line += ` ${event.unit} (${formatRate(event.ratePerSecond)} ${event.unit}/s`;
  if (event.etaSeconds !== undefined) line += `, ETA ${formatDuration(event.etaSeconds)}`;
  return `${line})`;
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
