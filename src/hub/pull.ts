import { lstat, readdir, stat } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { format } from "node:util";
import { invalidInput } from "../util/errors.js";
import { Progress } from "../util/progress.js";
import { findHubCredentials, hubEndpoint } from "./credentials.js";
import { HubTransport } from "./transport.js";
import { checkRepoName, DEFAULT_BRANCH, type HubRepoType } from "./upload.js";

export interface PullParams {
  type: HubRepoType;
  /** `namespace/name`. */
  repo: string;
  /** A branch, a tag or a commit sha (default main). */
  revision?: string;
  /** Glob patterns of the files to fetch (fnmatch, as huggingface_hub's allow_patterns); default all. */
  allow?: string[];
  /** Glob patterns of files to leave out, applied after `allow`. */
  ignore?: string[];
  /** The Hugging Face cache (default: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub). */
  cacheDir?: string;
  /** Retry messages and other lines of the library (download progress goes to a progress line). */
  onMessage?: (line: string) => void;
}

export interface PullResult {
  repo: string;
  type: HubRepoType;
  revision: string;
  commit: string;
  /** `<cache>/<type>s--<ns>--<name>/snapshots/<commit>`: the folder transformers, vLLM and huggingface_hub read offline. */
  snapshot: string;
  files: number;
  bytes: number;
  /** Files fetched now; the others were in the cache already. */
  downloaded: number;
}

/**
 * `hub pull-dataset` / `hub pull-model`: downloads a repository at a revision into the
 * Hugging Face cache with @huggingface/hub's `snapshotDownload`, which writes the layout
 * huggingface_hub, transformers and vLLM read offline (`refs/<revision>` holding the commit,
 * `blobs/<etag>`, and `snapshots/<commit>/<path>` symlinks into the blobs). Files already in
 * the cache are not fetched again. Allow and ignore patterns narrow the library's listing of
 * the revision, so only the matching files are downloaded.
 */
export async function pullRepo(params: PullParams): Promise<PullResult> {
  checkRepoName(params.repo);
  const revision = params.revision ?? DEFAULT_BRANCH;
  if (!/^[\w./-]+$/.test(revision) || revision.includes("..")) throw invalidInput(`--revision must be a branch, tag or commit sha, got "${revision}"`);
  const credentials = (await findHubCredentials()) ?? { token: "", tokenSource: "HF_TOKEN" as const, endpoint: hubEndpoint() };
  const transport = new HubTransport({
    credentials,
    onRetry: (what, attempt, delayMs, reason) => params.onMessage?.(`${what}: ${reason}, retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s`),
  });
  const wanted = pathFilter(params.allow ?? [], params.ignore ?? []);
  const hub = await import("@huggingface/hub");
  const progress = new Progress({ label: "pull", unit: "files" });
  let downloaded = 0;
  let snapshot: string;
  try {
    snapshot = await withLibraryLogs(
      (line) => {
        if (line.startsWith("Downloading ")) {
          downloaded++;
          progress.tick();
        } else params.onMessage?.(line);
      },
      () =>
        hub.snapshotDownload({
          repo: { type: params.type, name: params.repo },
          revision,
          cacheDir: params.cacheDir,
          hubUrl: credentials.endpoint,
          accessToken: credentials.token || undefined,
          fetch: filteredListings(transport.fetch, wanted),
        }),
    );
  } catch (err) {
    throw transport.explain(err, `downloading ${params.type} ${params.repo} at ${revision}`);
  } finally {
    progress.finish();
  }
  const files = await snapshotFiles(snapshot);
  return { repo: params.repo, type: params.type, revision, commit: basename(snapshot), snapshot, files: files.length, bytes: files.reduce((n, f) => n + f.bytes, 0), downloaded };
}

/** fnmatch-style matching of repository paths: `*` and `?` also match "/"; a pattern ending in "/" means the folder's files. */
export function pathFilter(allow: readonly string[], ignore: readonly string[]): (path: string) => boolean {
  const compile = (patterns: readonly string[]) => patterns.map((p) => globToRegExp(p.endsWith("/") ? `${p}*` : p));
  const allowed = compile(allow);
  const ignored = compile(ignore);
  return (path) => (allowed.length === 0 || allowed.some((r) => r.test(path))) && !ignored.some((r) => r.test(path));
}

function globToRegExp(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") out += ".*";
    else if (c === "?") out += ".";
    else if (c === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close === -1) out += "\\[";
      else {
        const body = pattern.slice(i + 1, close);
        out += `[${body.startsWith("!") ? `^${body.slice(1)}` : body.replace(/\\/g, "\\\\")}]`;
        i = close;
      }
    } else out += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${out}$`, "s");
}

/**
 * A fetch that narrows tree listings (`GET /api/{type}s/{repo}/tree/...`) to the wanted files,
 * so `snapshotDownload` fetches only those. Every other request passes through unchanged.
 */
function filteredListings(inner: typeof fetch, wanted: (path: string) => boolean): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!response.ok || (init?.method ?? "GET") !== "GET" || !/\/api\/(models|datasets|spaces)\/[^?]+\/tree\//.test(url)) return response;
    const entries = (await response.json()) as { type: string; path: string }[];
    const kept = entries.filter((e) => e.type === "file" && wanted(e.path));
    const headers = new Headers(response.headers);
    headers.delete("content-length");
    headers.delete("content-encoding");
    return new Response(JSON.stringify(kept), { status: response.status, statusText: response.statusText, headers });
  };
}

/**
 * Runs the library with its console lines (`downloadFileToCacheDir` prints one per file on
 * stdout, which `--json` keeps for the result) sent to `onLine` instead.
 */
async function withLibraryLogs<T>(onLine: (line: string) => void, work: () => Promise<T>): Promise<T> {
  const { debug, info, log } = console;
  const capture = (...args: unknown[]) => onLine(format(...args));
  console.debug = capture;
  console.info = capture;
  console.log = capture;
  try {
    return await work();
  } finally {
    console.debug = debug;
    console.info = info;
    console.log = log;
  }
}

/** The files of a snapshot folder (symlinks into the blobs), with their sizes. */
async function snapshotFiles(snapshot: string): Promise<{ path: string; bytes: number }[]> {
  const out: { path: string; bytes: number }[] = [];
  for (const entry of await readdir(snapshot, { recursive: true, withFileTypes: true })) {
    const full = join(entry.parentPath, entry.name);
    if ((await lstat(full)).isDirectory()) continue;
    out.push({ path: relative(snapshot, full), bytes: (await stat(full)).size });
  }
  return out;
}
