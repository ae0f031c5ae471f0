/**
 * A bounded-concurrency pool over a (possibly async, possibly huge) source: at most
 * `concurrency` workers run at once and the source is pulled only when a slot is free,
 * so memory stays constant however long the source is.
 */
export interface PoolOptions<T> {
  source: Iterable<T> | AsyncIterable<T>;
  concurrency: number;
  worker: (item: T) => Promise<void>;
  /** Stops pulling new items once aborted; items already running finish. */
  signal?: AbortSignal;
}

/**
 * Runs `worker` over every item of `source`. If a worker throws, no further items
 * are started, the running ones are awaited, and the first error is rethrown.
 */
export async function runPool<T>(options: PoolOptions<T>): Promise<void> {
  const { concurrency, worker, signal } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const iterator = toAsyncIterator(options.source);
  let firstError: { error: unknown } | undefined;
  let exhausted = false;
  // Pulls are serialised: async iterators must not be advanced concurrently.
  let pulling: Promise<unknown> = Promise.resolve();

  const next = (): Promise<IteratorResult<T>> => {
    const result = pulling.then(() => iterator.next());
    pulling = result.catch(() => undefined);
    return result;
  };

  const lane = async (): Promise<void> => {
    while (!firstError && !exhausted && !signal?.aborted) {
      let step: IteratorResult<T>;
      try {
        step = await next();
      } catch (error) {
        firstError ??= { error };
        return;
      }
      if (step.done) {
        exhausted = true;
        return;
      }
      if (firstError) return;
      try {
        await worker(step.value);
      } catch (error) {
        firstError ??= { error };
      }
    }
  };

  await Promise.all(Array.from({ length: concurrency }, lane));
  if (!exhausted) await iterator.return?.();
  if (firstError) throw firstError.error;
}

function toAsyncIterator<T>(source: Iterable<T> | AsyncIterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in source) return (source as AsyncIterable<T>)[Symbol.asyncIterator]();
  const sync = (source as Iterable<T>)[Symbol.iterator]();
  return {
    next: async () => sync.next(),
    return: async () => sync.return?.() ?? { done: true, value: undefined },
  };
}

/**
 * Maps `source` through `prepare` with up to `ahead` preparations running before they are
 * needed, yielding results in source order. Put in front of `runPool` it takes per-item
 * set-up (reading files, encoding) off the critical path of each worker.
 */
export async function* readAhead<T, U>(source: Iterable<T> | AsyncIterable<T>, ahead: number, prepare: (item: T) => Promise<U>): AsyncGenerator<U> {
  const iterator = toAsyncIterator(source);
  const buffer: Promise<U>[] = [];
  let ended = false;
  try {
    while (true) {
      while (!ended && buffer.length < ahead) {
        const step = await iterator.next();
        if (step.done) {
          ended = true;
          break;
        }
        const prepared = prepare(step.value);
        // Rejections surface when the item is yielded; never as unhandled ones before.
        prepared.catch(() => undefined);
        buffer.push(prepared);
      }
      const oldest = buffer.shift();
      if (!oldest) return;
      yield await oldest;
    }
  } finally {
    if (!ended) await iterator.return?.();
  }
}

/**
 * Hands inputs to `step` in the order they were added, each once it has settled: an input
 * that is there already goes through at once when nothing waits before it. At most `size`
 * inputs wait; past that, `add` returns a promise to await before adding more.
 */
export class InOrder<T> {
  private readonly waiting: { value?: T; ready: boolean; settled: Promise<void> }[] = [];

  constructor(
    private readonly size: number,
    private readonly step: (value: T) => void,
  ) {}

  add(input: T | Promise<T>): Promise<void> | undefined {
    if (!(input instanceof Promise)) {
      if (this.waiting.length === 0) {
        this.step(input);
        return undefined;
      }
      this.waiting.push({ value: input, ready: true, settled: Promise.resolve() });
    } else {
      const entry: { value?: T; ready: boolean; settled: Promise<void> } = { ready: false, settled: Promise.resolve() };
      entry.settled = input.then((value) => {
        entry.value = value;
        entry.ready = true;
        this.flush();
      });
      this.waiting.push(entry);
    }
    return this.waiting.length > this.size ? this.next() : undefined;
  }

  /** Waits until every input has gone through `step`. */
  async drain(): Promise<void> {
    while (this.waiting.length > 0) await this.next();
  }

  private async next(): Promise<void> {
    await this.waiting[0].settled;
    this.flush();
  }

  private flush(): void {
    while (this.waiting.length > 0 && this.waiting[0].ready) this.step(this.waiting.shift()!.value as T);
  }
}
