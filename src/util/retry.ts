/** The retry timing shared by every client that talks to a remote service (OpenAI-compatible servers, the Hub). */

const MAX_BACKOFF_MS = 8000;
const MAX_RETRY_AFTER_MS = 60_000;

/** Delay before retry number `attempt + 1`: doubles from `baseMs` up to 8 s, jittered to 75-100% so clients spread out. */
export function backoffDelay(attempt: number, baseMs: number): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** attempt) * (0.75 + Math.random() * 0.25);
}

/** `retry-after-ms` (milliseconds) or `retry-after` (seconds or an HTTP date), capped at one minute. */
export function parseRetryAfter(headers: Headers | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get("retry-after-ms") ?? NaN);
  if (Number.isFinite(ms) && ms >= 0) return Math.min(ms, MAX_RETRY_AFTER_MS);
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - Date.now()), MAX_RETRY_AFTER_MS);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
