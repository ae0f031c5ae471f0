import { createHash } from "node:crypto";
import { createReadStream, openAsBlob } from "node:fs";
import { runPool } from "../util/concurrency.js";
import { sha256, sha256File } from "../util/fs.js";
import { FacialR1Error, invalidInput } from "../util/errors.js";
import { Progress } from "../util/progress.js";
import { describeTokenSource, type HubCredentials } from "./credentials.js";
import { HubTransport } from "./transport.js";

export type HubRepoType = "model" | "dataset";

/** One file of a push: a local file or generated content, at `path` in the repository. */
export interface UploadFile {
  path: string;
  size: number;
  localPath?: string;
  content?: string;
}

export interface PushParams {
  type: HubRepoType;
  /** `namespace/name`. */
  repo: string;
  files: UploadFile[];
  revision?: string;
  /** Tag the branch's head with this name after the push (an existing tag at that commit is fine). */
  tag?: string;
  message: string;
  private?: boolean;
  license?: string;
  /** Progress lines on stderr (default true). */
  progress?: boolean;
}

export interface PushSummary {
  repo: string;
  type: HubRepoType;
  url: string;
  revision: string;
  user: string;
  created: boolean;
  /** The branch did not exist and was created from the default branch. */
  branch_created: boolean;
  commit: string | null;
  /** The tag of the pushed revision, when asked for, and whether this push created it. */
  tag: string | null;
  tag_created: boolean;
  files: number;
  lfs_files: number;
  regular_files: number;
  /** LFS objects sent now, and their bytes. */
  lfs_uploaded: number;
  lfs_bytes_uploaded: number;
  /** LFS objects the Hub already had (not sent again). */
  unchanged: number;
  unchanged_bytes: number;
  /** Small files sent inside the commit itself. */
  regular_bytes: number;
  retries: number;
}

const REPO_NAME = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;

export function checkRepoName(repo: string): void {
  if (!REPO_NAME.test(repo) || repo.includes("..") || repo.length > 200) {
    throw invalidInput(`--repo must be NAMESPACE/NAME (letters, digits, "-", "_", "."), got "${repo}"`);
  }
}

export const DEFAULT_BRANCH = "main";

const BRANCH_PART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * A branch name the Hub accepts (git's ref rules, narrowed to plain characters): parts of
 * letters, digits, "-", "_", "." separated by "/", no "..", not ending in "." or ".lock", and
 * not under `refs/` (where the Hub keeps pull-request and conversion refs).
 */
export function checkBranchName(branch: string, option = "--revision"): void {
  const parts = branch.split("/");
  const ok =
    branch.length > 0 &&
    branch.length <= 200 &&
    parts.every((p) => BRANCH_PART.test(p) && !p.endsWith(".lock") && !p.endsWith(".")) &&
    !branch.includes("..") &&
    parts[0] !== "refs";
  if (!ok) {
    throw invalidInput(
      `${option} must be a ${option === "--revision" ? "branch" : "ref"} name: parts of letters, digits, "-", "_", "." separated by "/", ` +
        `each starting with a letter or digit, no "..", not ending in "." or ".lock", not under refs/; got "${branch}"`,
    );
  }
}

/** The web URL of a repository. */
export function repoUrl(endpoint: string, type: HubRepoType, repo: string): string {
  return `${endpoint}/${type === "dataset" ? "datasets/" : ""}${repo}`;
}

export interface SessionParams {
  credentials: HubCredentials;
  retries?: number;
  retryBaseMs?: number;
  /** Human messages (retries, the repository being created). */
  onMessage?: (message: string) => void;
}

/** Counters of one push, filled from the library's traffic by the transport. */
interface PushCounters {
  lfsPaths: Set<string>;
  lfsUploaded: number;
  lfsBytes: number;
  unchanged: number;
  unchangedBytes: number;
  retries: number;
  progress?: Progress;
}

/**
 * A checked connection to the Hub: `openHubSession` checks the token (whoami) before any
 * work is done; `push` then creates the repository (already existing is fine) and the branch
 * (from the default branch, when missing) and makes one commit through @huggingface/hub with
 * the plain LFS transfer ("basic", or "multipart" when the Hub asks for it): the Hub decides per
 * file (preupload) what goes through LFS, and its LFS batch reply leaves out the objects it
 * already stores, so an unchanged file is never sent twice.
 */
export class HubSession {
  private counters: PushCounters = newCounters();

  private constructor(
    private readonly hub: typeof import("@huggingface/hub"),
    private readonly transport: HubTransport,
    private readonly params: SessionParams,
    readonly user: string,
  ) {}

  static async open(params: SessionParams): Promise<HubSession> {
    const { credentials } = params;
    if (!credentials.token.startsWith("hf_")) {
      throw new FacialR1Error("remote", `${describeTokenSource(credentials)} is not a Hugging Face access token (they start with "hf_")`);
    }
    const hub = await import("@huggingface/hub");
    // The transport exists before the session; its callbacks reach the session's counters of the current push.
    const holder: { session?: HubSession } = {};
    const counters = (): PushCounters => holder.session?.counters ?? newCounters();
    const transport = new HubTransport({
      credentials,
      retries: params.retries,
      retryBaseMs: params.retryBaseMs,
      onPreupload: (modes) => {
        for (const m of modes) if (m.uploadMode === "lfs") counters().lfsPaths.add(m.path);
      },
      onBatchReply: ({ stored, storedBytes }) => {
        const c = counters();
        c.unchanged += stored;
        c.unchangedBytes += storedBytes;
        c.progress?.tick(stored);
      },
      onObjectUploaded: (bytes, complete) => {
        const c = counters();
        c.lfsBytes += bytes;
        if (!complete) return;
        c.lfsUploaded++;
        c.progress?.tick();
      },
      onRetry: (what, attempt, delayMs, reason) => {
        counters().retries++;
        params.onMessage?.(`${what}: ${reason}, retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s`);
      },
    });
    let user: string;
    try {
      user = (await hub.whoAmI({ accessToken: credentials.token, hubUrl: credentials.endpoint, fetch: transport.fetch })).name;
    } catch (err) {
      throw transport.explain(err, "checking the token (whoami)");
    }
    holder.session = new HubSession(hub, transport, params, user);
    return holder.session;
  }

  async push(params: PushParams): Promise<PushSummary> {
    checkRepoName(params.repo);
    const revision = params.revision ?? DEFAULT_BRANCH;
    checkBranchName(revision);
    const { hub, transport } = this;
    const { credentials } = this.params;
    const counters = (this.counters = newCounters());
    counters.progress = new Progress({ label: "upload", unit: "files", total: params.files.length, enabled: params.progress ?? true });
    const common = { accessToken: credentials.token, hubUrl: credentials.endpoint, fetch: transport.fetch };
    const repoDesignation = { type: params.type, name: params.repo } as const;

    let created = false;
    try {
      await hub.createRepo({ ...common, repo: repoDesignation, private: params.private, license: params.license });
      created = true;
      this.params.onMessage?.(`created ${params.type} repository ${params.repo}${params.private ? " (private)" : ""}`);
    } catch (err) {
      if ((err as { statusCode?: unknown }).statusCode !== 409) throw transport.explain(err, `creating ${params.type} repository ${params.repo}`);
      if (params.private) this.params.onMessage?.(`${params.repo} exists already: --private applies only when creating it; its visibility is unchanged`);
    }

    const branchCreated = revision !== DEFAULT_BRANCH && (await this.createBranch(params, revision));
    // A new repository holds nothing; a new branch holds what the default branch holds.
    const unchanged = created ? new Set<string>() : await this.unchangedFiles(params, revision);
    const changed = params.files.filter((f) => !unchanged.has(f.path));
    for (const f of params.files) {
      if (!unchanged.has(f.path)) continue;
      counters.unchanged++;
      counters.unchangedBytes += f.size;
    }
    counters.progress.tick(unchanged.size);
    let commit: string | null = null;
    let regularFiles: UploadFile[] = [];
    if (changed.length === 0) {
      this.params.onMessage?.(`nothing changed on ${params.repo} (${revision}): no commit made`);
    } else {
      try {
        commit = await this.commit(params, revision, changed);
      } catch (err) {
        counters.progress.finish();
        throw transport.explain(err, `pushing to ${params.repo}`);
      }
      regularFiles = changed.filter((f) => !counters.lfsPaths.has(f.path));
      // Small files travel inside the commit: done when it is.
      counters.progress.tick(regularFiles.length);
    }
    counters.progress.finish();
    const tagCreated = params.tag !== undefined && (await this.createTag(params, revision, params.tag));
    return this.summary(params, revision, created, branchCreated, commit, counters, regularFiles, tagCreated);
  }

  /**
   * Tags the head of `revision` (the Hub's `POST .../tag/{revision}`, as huggingface_hub's
   * create_tag sends it); false when the tag exists already at that commit (a push run again),
   * an error when it names another commit.
   */
  private async createTag(params: PushParams, revision: string, tag: string): Promise<boolean> {
    const { credentials } = this.params;
    const base = `${credentials.endpoint}/api/${params.type}s/${params.repo}`;
    const headers = { Authorization: `Bearer ${credentials.token}`, "Content-Type": "application/json" };
    const response = await this.transport.fetch(`${base}/tag/${encodeURIComponent(revision)}`, { method: "POST", headers, body: JSON.stringify({ tag, message: params.message }) });
    if (response.ok) {
      await response.body?.cancel();
      this.params.onMessage?.(`tagged the head of ${revision} as ${tag}`);
      return true;
    }
    const text = await response.text();
    const doing = `tagging ${params.repo} ${revision} as ${tag}`;
    if (response.status !== 409) throw this.transport.explain({ statusCode: response.status, message: text }, doing);
    // 409: the name is taken. Fine only when it is this tag, at this commit.
    const refs = await this.refs(params);
    const existing = refs.tags.find((t) => t.name === tag);
    if (!existing) throw this.transport.explain({ statusCode: 409, message: text }, doing);
    const head = refs.branches.find((b) => b.name === revision)?.targetCommit;
    if (existing.targetCommit !== head) throw new FacialR1Error("failure", `tag ${tag} of ${params.repo} already names commit ${existing.targetCommit}, not the head of ${revision} (${head}); choose another tag`);
    return false;
  }

  /** The repository's branches and tags with their commits (the Hub's `GET .../refs`). */
  private async refs(params: PushParams): Promise<{ branches: GitRef[]; tags: GitRef[] }> {
    const { credentials } = this.params;
    const response = await this.transport.fetch(`${credentials.endpoint}/api/${params.type}s/${params.repo}/refs`, { headers: { Authorization: `Bearer ${credentials.token}` } });
    if (!response.ok) throw this.transport.explain({ statusCode: response.status, message: await response.text() }, `listing the branches and tags of ${params.repo}`);
    return (await response.json()) as { branches: GitRef[]; tags: GitRef[] };
  }

  /** One commit of the changed files through @huggingface/hub with plain LFS (no Xet). */
  private async commit(params: PushParams, revision: string, files: UploadFile[]): Promise<string | null> {
    const { credentials } = this.params;
    const operations = await Promise.all(
      files.map(async (file) => ({
        operation: "addOrUpdate" as const,
        path: file.path,
        content: file.localPath !== undefined ? await openAsBlob(file.localPath) : new Blob([file.content ?? ""]),
      })),
    );
    const output = await this.hub.commit({
      accessToken: credentials.token,
      hubUrl: credentials.endpoint,
      fetch: this.transport.fetch,
      repo: { type: params.type, name: params.repo },
      operations,
      title: params.message,
      branch: revision,
      // Plain LFS: no Xet. The library then offers "basic" and "multipart" and follows the transfer the LFS batch reply names.
      useXet: false,
    });
    return output?.commit.oid ?? null;
  }

  /**
   * Creates `branch` from the default branch; false when it exists already (409). Asking is
   * one request either way, and cannot race with someone creating it in between.
   */
  private async createBranch(params: PushParams, branch: string): Promise<boolean> {
    const { credentials } = this.params;
    try {
      await this.hub.createBranch({
        accessToken: credentials.token,
        hubUrl: credentials.endpoint,
        fetch: this.transport.fetch,
        repo: { type: params.type, name: params.repo },
        branch,
      });
    } catch (err) {
      if ((err as { statusCode?: unknown }).statusCode === 409) return false;
      throw this.transport.explain(err, `creating branch ${branch} of ${params.repo}`);
    }
    this.params.onMessage?.(`created branch ${branch} of ${params.repo} from its default branch`);
    return true;
  }

  private summary(
    params: PushParams,
    revision: string,
    created: boolean,
    branchCreated: boolean,
    commit: string | null,
    counters: PushCounters,
    regularFiles: UploadFile[],
    tagCreated: boolean,
  ): PushSummary {
    return {
      repo: params.repo,
      type: params.type,
      url: repoUrl(this.params.credentials.endpoint, params.type, params.repo),
      revision,
      user: this.user,
      created,
      branch_created: branchCreated,
      commit,
      tag: params.tag ?? null,
      tag_created: tagCreated,
      files: params.files.length,
      lfs_files: counters.lfsPaths.size,
      regular_files: regularFiles.length,
      lfs_uploaded: counters.lfsUploaded,
      lfs_bytes_uploaded: counters.lfsBytes,
      unchanged: counters.unchanged,
      unchanged_bytes: counters.unchangedBytes,
      regular_bytes: regularFiles.reduce((n, f) => n + f.size, 0),
      retries: counters.retries,
    };
  }

  /**
   * Files the branch already holds with the same content (paths-info: the LFS sha256, or the
   * git blob id of a regular file), left out of the commit so that a push of unchanged files
   * makes no empty commit. A branch that does not exist yet holds nothing.
   */
  private async unchangedFiles(params: PushParams, revision: string): Promise<Set<string>> {
    const { credentials } = this.params;
    const same = new Set<string>();
    for (let start = 0; start < params.files.length; start += PATHS_INFO_CHUNK) {
      const chunk = params.files.slice(start, start + PATHS_INFO_CHUNK);
      let remote: Awaited<ReturnType<typeof this.hub.pathsInfo>>;
      try {
        remote = await this.hub.pathsInfo({
          accessToken: credentials.token,
          hubUrl: credentials.endpoint,
          fetch: this.transport.fetch,
          repo: { type: params.type, name: params.repo },
          paths: chunk.map((f) => f.path),
          revision,
        });
      } catch (err) {
        if ((err as { statusCode?: unknown }).statusCode === 404) return same;
        throw this.transport.explain(err, `reading what ${params.repo} already holds (paths-info)`);
      }
      const byPath = new Map(remote.map((r) => [r.path, r]));
      await runPool({
        source: chunk,
        concurrency: HASH_CONCURRENCY,
        worker: async (file) => {
          const info = byPath.get(file.path);
          if (!info || info.type !== "file" || info.size !== file.size) return;
          const matches = info.lfs ? info.lfs.oid === (await contentSha256(file)) : info.oid === (await gitBlobId(file));
          if (matches) same.add(file.path);
        },
      });
    }
    return same;
  }
}

interface GitRef {
  name: string;
  targetCommit: string;
}

const PATHS_INFO_CHUNK = 500;
/** Files hashed at once (reading overlaps hashing). */
const HASH_CONCURRENCY = 8;

async function contentSha256(file: UploadFile): Promise<string> {
  return file.localPath !== undefined ? sha256File(file.localPath) : sha256(file.content ?? "");
}

/** The git object id of a file's content: sha1 of `blob <size>\0<content>`. */
async function gitBlobId(file: UploadFile): Promise<string> {
  const hash = createHash("sha1").update(`blob ${file.size}\0`);
  if (file.localPath === undefined) return hash.update(file.content ?? "").digest("hex");
  for await (const chunk of createReadStream(file.localPath)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function newCounters(): PushCounters {
  return { lfsPaths: new Set(), lfsUploaded: 0, lfsBytes: 0, unchanged: 0, unchangedBytes: 0, retries: 0 };
}

/** `N files, X MiB uploaded, M unchanged`. */
export function describePush(summary: PushSummary): string {
  const uploaded = summary.lfs_bytes_uploaded + summary.regular_bytes;
  return (
    `${summary.files} files, ${mib(uploaded)} MiB uploaded (${summary.lfs_uploaded} LFS objects, ${mib(summary.lfs_bytes_uploaded)} MiB; ` +
    `${summary.regular_files} small files in the commit), ${summary.unchanged} unchanged (${mib(summary.unchanged_bytes)} MiB already on the Hub)`
  );
}

export function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
