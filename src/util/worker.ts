import { Worker } from "node:worker_threads";

/**
 * Starts the worker module `name` that lies next to the module `from` (its import.meta.url):
 * built, the .js file; run from source (tests, tsx), the .ts file, after registering the
 * TypeScript loader, which workers do not inherit. Undefined when no thread can be started
 * (callers then do the work themselves).
 */
export function startWorker(from: string, name: string): Worker | undefined {
  try {
    if (!from.endsWith(".ts")) return new Worker(new URL(`./${name}.js`, from));
    const loader = JSON.stringify(import.meta.resolve("tsx/esm/api"));
    const entry = JSON.stringify(new URL(`./${name}.ts`, from).href);
    return new Worker(`import(${loader}).then((api) => { api.register(); return import(${entry}); });`, { eval: true });
  } catch {
    return undefined;
  }
}
