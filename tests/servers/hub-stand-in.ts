/**
 * A stand-in for the hosted Hugging Face Hub, for tests and benchmarks: `node:http` on
 * 127.0.0.1 speaking the endpoints @huggingface/hub uses to push and read repositories
 * (whoami-v2, repos/create, repo info, revision, preupload, the LFS batch with "basic"
 * transfer and signed PUT URLs, NDJSON commits, branches and tags, tree listings with Link
 * paging, paths-info, and resolve as the download functions read it: a `Range: bytes=0-0` probe
 * answered 206 with `Content-Range`, `ETag`, `X-Repo-Commit` and, for LFS files,
 * `X-Linked-Etag` / `X-Linked-Size`; HEAD alike). Every revision (a branch, a tag, or the sha of
 * any commit) can be read. Repositories live in memory. Every API request must carry
 * `Authorization: Bearer <token>` with the configured token (the LFS PUT URLs are signed
 * instead, as S3 URLs are). Faults can be injected on commits and LFS PUTs.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Fault {
  /** Fail this many calls, then behave. */
  count: number;
  status?: 429 | 500 | 502 | 503;
  /** Seconds, sent as `retry-after` with the failures. */
  retryAfter?: number;
  /** Destroy the connection instead of answering (PUT: half-way through the body). */
  reset?: boolean;
}

export interface StandInOptions {
  token: string;
  user?: string;
  /** Files at least this big go through LFS (the Hub uses 10 MiB); binary files always do. */
  lfsThreshold?: number;
  /** Tree entries per page (default 50). */
  pageSize?: number;
  faults?: { commit?: Fault; put?: Fault; batch?: Fault };
  /**
   * Objects of at least `minSize` bytes get the Hub's "multipart" upload: S3-style part URLs
   * (`?partNumber=N&uploadId=...`) of `chunkSize` bytes in the batch reply's `header`, and a
   * completion POST of `{oid, parts: [{partNumber, etag}]}` to the action's `href`.
   */
  multipart?: { minSize: number; chunkSize: number };
}

interface Entry {
  size: number;
  /** sha256 of the content, for LFS files. */
  lfsOid?: string;
  /** Content of a regular file. */
  content?: Buffer;
  oid: string;
  /** The commit that last changed the file (paths-info and tree with expand). */
  lastCommit: { id: string; title: string; date: string };
}

/** The files of a commit. */
interface Snapshot {
  sha: string;
  files: Map<string, Entry>;
}

interface Repo {
  type: string;
  id: string;
  private: boolean;
  license?: string;
  branches: Map<string, Snapshot>;
  tags: Map<string, string>;
  /** Every commit's files, by sha: any commit can be read as a revision. */
  snapshots: Map<string, Snapshot>;
  commits: { sha: string; title: string }[];
}

export interface RequestRecord {
  method: string;
  path: string;
  auth: string | undefined;
}

const BINARY_EXTENSIONS = /\.(png|jpe?g|gif|webp|bmp|safetensors|bin|pt|pth|ckpt|onnx|parquet|arrow|zip|gz|tar|npy|npz|h5|msgpack)$/i;

export class HubStandIn {
  readonly repos = new Map<string, Repo>();
  /** LFS objects by sha256, shared by all repositories. */
  readonly objects = new Map<string, Buffer>();
  readonly requests: RequestRecord[] = [];
  /** Parts of multipart uploads in progress, by oid and part number. */
  private readonly parts = new Map<string, Map<number, Buffer>>();
  multipartCompleted = 0;
  lfsBytesReceived = 0;
  lfsPuts = 0;
  commits = 0;
  private server: Server | undefined;
  private readonly signature = randomBytes(8).toString("hex");
  private readonly faults: { commit?: Fault; put?: Fault; batch?: Fault };
  url = "";

  constructor(private readonly options: StandInOptions) {
    this.faults = { ...options.faults };
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) send(res, 500, { error: String(err) });
        else res.destroy();
      });
    });
    // As the Hub and its storage do, connections stay open between requests (with a hint of
    // 1 s, undici would close every connection after one request).
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Replaces the fault plan (e.g. between two pushes of one test). */
  setFaults(faults: { commit?: Fault; put?: Fault; batch?: Fault }): void {
    this.faults.commit = faults.commit;
    this.faults.put = faults.put;
    this.faults.batch = faults.batch;
  }

  /** The signed PUT URL the LFS batch would hand out for an object (for baselines of plain PUTs). */
  uploadHref(oid: string, size: number): string {
    return `${this.url}/_lfs/${oid}?size=${size}&sig=${this.signature}`;
  }

  /** The files of a branch, for assertions. */
  files(type: string, id: string, branch = "main"): Map<string, Entry> | undefined {
    return this.repos.get(`${type}/${id}`)?.branches.get(branch)?.files;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    const path = decodeURIComponent(url.pathname);
    const method = req.method ?? "GET";
    this.requests.push({ method, path, auth: req.headers.authorization });

    const lfsPut = /^\/_lfs\/([0-9a-f]{64})$/.exec(path);
    if (method === "PUT" && lfsPut && url.searchParams.has("partNumber")) return this.putPart(req, res, lfsPut[1], url);
    if (method === "PUT" && lfsPut) return this.putObject(req, res, lfsPut[1], url);
    const complete = /^\/_lfs\/([0-9a-f]{64})\/complete_multipart$/.exec(path);
    if (method === "POST" && complete) return this.completeMultipart(req, res, complete[1], url);

    if (req.headers.authorization !== `Bearer ${this.options.token}`) {
      await drain(req);
      return send(res, 401, { error: "Invalid credentials in Authorization header" });
    }
    if (method === "GET" && path === "/api/whoami-v2") {
      return send(res, 200, { type: "user", name: this.options.user ?? "tester", auth: { type: "access_token", accessToken: { displayName: "test", role: "write" } } });
    }
    if (method === "POST" && path === "/api/repos/create") return this.createRepo(req, res);

    // Routes match the raw path: a branch name may hold "/", sent as %2F.
    const raw = url.pathname;
    let m = /^\/api\/(models|datasets|spaces)\/([^/]+\/[^/]+)(?:\/([a-z-]+)(?:\/(.*))?)?$/.exec(raw);
    if (m) {
      const repo = this.repos.get(`${m[1].slice(0, -1)}/${decodeURIComponent(m[2])}`);
      if (!repo) {
        await drain(req);
        return send(res, 404, { error: "Repository not found" }, { "X-Error-Code": "RepoNotFound" });
      }
      const [action, rawRest] = [m[3], m[4] ?? ""];
      const rest = decodeURIComponent(rawRest);
      if (!action && method === "GET") return send(res, 200, { id: repo.id, private: repo.private, sha: repo.branches.get("main")?.sha });
      if (action === "revision" && method === "GET") return this.revision(res, repo, rest);
      if (action === "branch" && method === "POST") return this.createBranch(req, res, repo, rest);
      if (action === "tag" && method === "POST") return this.createTag(req, res, repo, rest);
      if (action === "refs" && method === "GET") return this.refs(res, repo);
      if (action === "preupload" && method === "POST") return this.preupload(req, res, repo, rest);
      if (action === "commit" && method === "POST") return this.commit(req, res, repo, rest);
      if (action === "tree" && method === "GET") return this.tree(res, repo, rawRest, url);
      if (action === "paths-info" && method === "POST") return this.pathsInfo(req, res, repo, rest);
    }
    m = /^\/(datasets\/|spaces\/)?([^/]+\/[^/]+)\.git\/info\/lfs\/objects\/batch$/.exec(path);
    if (m && method === "POST") {
      const repo = this.repos.get(`${m[1] ? m[1].slice(0, -2) : "model"}/${m[2]}`);
      if (!repo) return send(res, 404, { error: "Repository not found" });
      return this.batch(req, res);
    }
    m = /^\/(datasets\/|spaces\/)?([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(raw);
    if (m && (method === "GET" || method === "HEAD")) {
      const repo = this.repos.get(`${m[1] ? m[1].slice(0, -2) : "model"}/${decodeURIComponent(m[2])}`);
      return this.resolveFile(req, res, repo, decodeURIComponent(m[3]), decodeURIComponent(m[4]));
    }
    await drain(req);
    send(res, 404, { error: `no route for ${method} ${path}` });
  }

  private async createRepo(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = JSON.parse((await readBody(req)).toString()) as { name: string; organization?: string; type?: string; private?: boolean; visibility?: string; license?: string };
    const type = body.type ?? "model";
    const id = `${body.organization ?? this.options.user ?? "tester"}/${body.name}`;
    const key = `${type}/${id}`;
    if (this.repos.has(key)) return send(res, 409, { error: "You already created this repo", url: this.repoUrl(type, id) });
    const initial: Snapshot = { sha: gitSha(`init ${key}`), files: new Map() };
    this.repos.set(key, {
      type,
      id,
      private: body.private ?? body.visibility === "private",
      license: body.license,
      branches: new Map([["main", initial]]),
      tags: new Map(),
      snapshots: new Map([[initial.sha, initial]]),
      commits: [{ sha: initial.sha, title: "initial commit" }],
    });
    send(res, 200, { url: this.repoUrl(type, id), id });
  }

  private repoUrl(type: string, id: string): string {
    return `${this.url}/${type === "model" ? "" : `${type}s/`}${id}`;
  }

  /** A branch, a tag, or a commit sha. */
  private snapshotOf(repo: Repo, rev: string): Snapshot | undefined {
    const tagged = repo.tags.get(rev);
    return repo.branches.get(rev) ?? (tagged ? repo.snapshots.get(tagged) : undefined) ?? repo.snapshots.get(rev);
  }

  private revision(res: ServerResponse, repo: Repo, rev: string): void {
    const branch = this.snapshotOf(repo, rev);
    if (!branch) return send(res, 404, { error: "Invalid rev id" }, { "X-Error-Code": "RevisionNotFound" });
    send(res, 200, { id: repo.id, sha: branch.sha, private: repo.private, lastModified: new Date().toISOString(), siblings: [...branch.files.keys()].map((rfilename) => ({ rfilename })) });
  }

  /**
   * `POST .../branch/{branch}` with `{startingPoint?, emptyBranch?, overwrite?}` (what
   * @huggingface/hub's createBranch sends): a new branch at the head of `startingPoint` (a
   * branch or the head commit of one; default: main), or with no files for `emptyBranch`.
   * An existing branch is 409 unless `overwrite`; `overwrite` alone leaves it as it is.
   */
  private async createBranch(req: IncomingMessage, res: ServerResponse, repo: Repo, name: string): Promise<void> {
    const raw = (await readBody(req)).toString();
    const body = (raw ? JSON.parse(raw) : {}) as { startingPoint?: string; emptyBranch?: boolean; overwrite?: boolean };
    if (!/^[\w.-]+(\/[\w.-]+)*$/.test(name) || name.includes("..") || name.endsWith(".lock") || name.startsWith("refs/")) {
      return send(res, 400, { error: `Invalid reference name: ${name}` });
    }
    const existing = repo.branches.get(name);
    if (existing && !body.overwrite) return send(res, 409, { error: `Reference already exists: refs/heads/${name}` });
    if (existing && body.startingPoint === undefined && !body.emptyBranch) return send(res, 200, {});
    if (body.emptyBranch) {
      const empty: Snapshot = { sha: gitSha(`empty ${name} ${Date.now()} ${Math.random()}`), files: new Map() };
      repo.branches.set(name, empty);
      repo.snapshots.set(empty.sha, empty);
      return send(res, 200, {});
    }
    const from = body.startingPoint ?? "main";
    const start = this.snapshotOf(repo, from);
    if (!start) return send(res, 404, { error: `Invalid rev id: ${from}` }, { "X-Error-Code": "RevisionNotFound" });
    repo.branches.set(name, { sha: start.sha, files: new Map(start.files) });
    send(res, 200, {});
  }

  /**
   * `POST .../tag/{revision}` with `{tag, message?}` (what huggingface_hub's create_tag sends):
   * a tag at the head of the revision; 409 when the tag exists.
   */
  private async createTag(req: IncomingMessage, res: ServerResponse, repo: Repo, revision: string): Promise<void> {
    const body = JSON.parse((await readBody(req)).toString() || "{}") as { tag?: string };
    const target = this.snapshotOf(repo, revision);
    if (!target) return send(res, 404, { error: `Invalid rev id: ${revision}` }, { "X-Error-Code": "RevisionNotFound" });
    if (!body.tag || !/^[\w.-]+(\/[\w.-]+)*$/.test(body.tag)) return send(res, 400, { error: `Invalid tag name: ${body.tag}` });
    if (repo.tags.has(body.tag)) return send(res, 409, { error: `Tag already exists: ${body.tag}` });
    if (repo.branches.has(body.tag)) return send(res, 409, { error: `A branch is named ${body.tag} already` });
    repo.tags.set(body.tag, target.sha);
    send(res, 200, {});
  }

  /** `GET .../refs`: branches and tags with the commits they name (huggingface_hub's list_repo_refs). */
  private refs(res: ServerResponse, repo: Repo): void {
    const branches = [...repo.branches].map(([name, b]) => ({ name, ref: `refs/heads/${name}`, targetCommit: b.sha }));
    const tags = [...repo.tags].map(([name, sha]) => ({ name, ref: `refs/tags/${name}`, targetCommit: sha }));
    send(res, 200, { branches, tags, converts: [] });
  }

  private async preupload(req: IncomingMessage, res: ServerResponse, repo: Repo, branchName: string): Promise<void> {
    const body = JSON.parse((await readBody(req)).toString()) as { files: { path: string; size: number; sample: string }[] };
    if (!repo.branches.has(branchName)) return send(res, 404, { error: "Invalid rev id" });
    const threshold = this.options.lfsThreshold ?? 10 * 1024 * 1024;
    send(res, 200, {
      files: body.files.map((f) => {
        const binary = BINARY_EXTENSIONS.test(f.path) || Buffer.from(f.sample, "base64").includes(0);
        return { path: f.path, uploadMode: binary || f.size >= threshold ? "lfs" : "regular", shouldIgnore: false };
      }),
    });
  }

  private async batch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = JSON.parse((await readBody(req)).toString()) as { operation: string; transfers?: string[]; objects: { oid: string; size: number }[] };
    if (this.takeFault(this.faults.batch, res)) return;
    if (body.operation !== "upload") return send(res, 422, { message: "only uploads" });
    if (body.transfers && !body.transfers.includes("basic")) return send(res, 422, { message: "basic transfer required" });
    const objects = body.objects.map(({ oid, size }) => {
      const stored = this.objects.get(oid);
      if (stored && stored.length === size) return { oid, size };
      const multipart = this.options.multipart;
      if (multipart && size >= multipart.minSize) {
        const header: Record<string, string> = { chunk_size: String(multipart.chunkSize) };
        const uploadId = randomBytes(4).toString("hex");
        for (let part = 1; part <= Math.ceil(size / multipart.chunkSize); part++) {
          header[String(part).padStart(5, "0")] = `${this.url}/_lfs/${oid}?partNumber=${part}&uploadId=${uploadId}&sig=${this.signature}`;
        }
        const href = `${this.url}/_lfs/${oid}/complete_multipart?size=${size}&sig=${this.signature}`;
        return { oid, size, authenticated: true, actions: { upload: { href, header, expires_in: 3600 } } };
      }
      return { oid, size, authenticated: true, actions: { upload: { href: this.uploadHref(oid, size), expires_in: 3600 } } };
    });
    res.writeHead(200, { "Content-Type": "application/vnd.git-lfs+json" });
    res.end(JSON.stringify({ transfer: "basic", objects }));
  }

  private async putObject(req: IncomingMessage, res: ServerResponse, oid: string, url: URL): Promise<void> {
    if (url.searchParams.get("sig") !== this.signature) {
      await drain(req);
      return send(res, 403, { error: "bad signature" });
    }
    const fault = this.faults.put;
    if (fault && fault.count > 0 && fault.reset) {
      fault.count--;
      // Read part of the body, then drop the connection.
      await new Promise<void>((resolve) => req.once("data", () => resolve()));
      req.socket.destroy();
      return;
    }
    if (this.takeFault(fault, res, req)) return;
    const data = await readBody(req);
    const size = Number(url.searchParams.get("size"));
    const actual = createHash("sha256").update(data).digest("hex");
    if (data.length !== size || actual !== oid) return send(res, 400, { error: `content does not match oid/size (${data.length} bytes, sha256 ${actual})` });
    this.objects.set(oid, data);
    this.lfsPuts++;
    this.lfsBytesReceived += data.length;
    res.writeHead(200, { ETag: `"${oid}"` });
    res.end();
  }

  private async putPart(req: IncomingMessage, res: ServerResponse, oid: string, url: URL): Promise<void> {
    const data = await readBody(req);
    if (url.searchParams.get("sig") !== this.signature) return send(res, 403, { error: "bad signature" });
    const parts = this.parts.get(oid) ?? new Map<number, Buffer>();
    parts.set(Number(url.searchParams.get("partNumber")), data);
    this.parts.set(oid, parts);
    res.writeHead(200, { ETag: `"${createHash("md5").update(data).digest("hex")}"` });
    res.end();
  }

  private async completeMultipart(req: IncomingMessage, res: ServerResponse, oid: string, url: URL): Promise<void> {
    const body = JSON.parse((await readBody(req)).toString()) as { oid: string; parts: { partNumber: number; etag: string }[] };
    if (url.searchParams.get("sig") !== this.signature) return send(res, 403, { error: "bad signature" });
    const stored = this.parts.get(oid);
    const chunks: Buffer[] = [];
    for (const { partNumber, etag } of [...body.parts].sort((a, b) => a.partNumber - b.partNumber)) {
      const part = stored?.get(partNumber);
      if (!part || etag !== `"${createHash("md5").update(part).digest("hex")}"`) return send(res, 400, { error: `part ${partNumber} missing or etag mismatch` });
      chunks.push(part);
    }
    const data = Buffer.concat(chunks);
    const actual = createHash("sha256").update(data).digest("hex");
    if (body.oid !== oid || actual !== oid || data.length !== Number(url.searchParams.get("size"))) {
      return send(res, 400, { error: `content does not match oid/size (${data.length} bytes, sha256 ${actual})` });
    }
    this.parts.delete(oid);
    this.objects.set(oid, data);
    this.lfsPuts++;
    this.multipartCompleted++;
    this.lfsBytesReceived += data.length;
    send(res, 200, {});
  }

  private async commit(req: IncomingMessage, res: ServerResponse, repo: Repo, branchName: string): Promise<void> {
    const text = (await readBody(req)).toString();
    if (this.takeFault(this.faults.commit, res)) return;
    const branch = repo.branches.get(branchName);
    if (!branch) return send(res, 404, { error: "Invalid rev id" });
    const lines = text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { key: string; value: Record<string, unknown> });
    const header = lines[0];
    if (header?.key !== "header") return send(res, 400, { error: "first line must be the header" });
    const parent = header.value.parentCommit;
    if (typeof parent === "string" && parent !== branch.sha) return send(res, 412, { error: "A commit has happened since. Please refresh and try again." });
    const files = new Map(branch.files);
    const sha = gitSha(`${branch.sha}\n${text}\n${Date.now()}\n${Math.random()}`);
    const lastCommit = { id: sha, title: String(header.value.summary ?? ""), date: new Date().toISOString() };
    for (const { key, value } of lines.slice(1)) {
      const path = String(value.path);
      if (key === "file") {
        const content = Buffer.from(String(value.content), value.encoding === "base64" ? "base64" : "utf8");
        files.set(path, { size: content.length, content, oid: gitBlobSha(content), lastCommit });
      } else if (key === "lfsFile") {
        const oid = String(value.oid);
        const object = this.objects.get(oid);
        if (!object) return send(res, 422, { error: `LFS object ${oid} of ${path} was never uploaded` });
        const pointer = Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${object.length}\n`);
        files.set(path, { size: object.length, lfsOid: oid, oid: gitBlobSha(pointer), lastCommit });
      } else if (key === "deletedFile") {
        files.delete(path);
      } else {
        return send(res, 400, { error: `unknown key ${key}` });
      }
    }
    repo.branches.set(branchName, { sha, files });
    repo.snapshots.set(sha, { sha, files });
    repo.commits.push({ sha, title: String(header.value.summary ?? "") });
    this.commits++;
    send(res, 200, { success: true, commitOid: sha, commitUrl: `${this.repoUrl(repo.type, repo.id)}/commit/${sha}` });
  }

  private tree(res: ServerResponse, repo: Repo, rawRest: string, url: URL): void {
    const [rev, ...prefixParts] = rawRest.split("/").map((part) => decodeURIComponent(part));
    const branch = this.snapshotOf(repo, rev);
    if (!branch) return send(res, 404, { error: "Invalid rev id" }, { "X-Error-Code": "RevisionNotFound" });
    const prefix = prefixParts.join("/");
    const recursive = url.searchParams.get("recursive") === "true";
    const entries = treeEntries(branch.files, prefix, recursive, url.searchParams.get("expand") === "true");
    const pageSize = this.options.pageSize ?? 50;
    const cursor = Number(url.searchParams.get("cursor") ?? 0);
    const page = entries.slice(cursor, cursor + pageSize);
    const headers: Record<string, string> = {};
    if (cursor + pageSize < entries.length) {
      const next = new URL(url.href);
      next.searchParams.set("cursor", String(cursor + pageSize));
      headers.Link = `<${next.href}>; rel="next"`;
    }
    send(res, 200, page, headers);
  }

  private async pathsInfo(req: IncomingMessage, res: ServerResponse, repo: Repo, rev: string): Promise<void> {
    const body = JSON.parse((await readBody(req)).toString()) as { paths: string[]; expand?: boolean };
    const branch = this.snapshotOf(repo, rev);
    if (!branch) return send(res, 404, { error: "Invalid rev id" });
    const out = [];
    for (const path of body.paths) {
      const entry = branch.files.get(path);
      if (entry) out.push(fileEntry(path, entry, body.expand === true));
    }
    send(res, 200, out);
  }

  private async resolveFile(req: IncomingMessage, res: ServerResponse, repo: Repo | undefined, rev: string, path: string): Promise<void> {
    await drain(req);
    if (!repo) return send(res, 404, { error: "Repository not found" }, { "X-Error-Code": "RepoNotFound" });
    const snapshot = this.snapshotOf(repo, rev);
    if (!snapshot) return send(res, 404, { error: `Invalid rev id: ${rev}` }, { "X-Error-Code": "RevisionNotFound" });
    const entry = snapshot.files.get(path);
    if (!entry) return send(res, 404, { error: "Entry not found" }, { "X-Error-Code": "EntryNotFound", "X-Repo-Commit": snapshot.sha });
    const data = entry.lfsOid ? this.objects.get(entry.lfsOid)! : entry.content!;
    // As the Hub: ETag is the git blob id; an LFS file also names its content hash and size.
    const headers: Record<string, string> = {
      ETag: `"${entry.oid}"`,
      "X-Repo-Commit": snapshot.sha,
      "Accept-Ranges": "bytes",
      "Content-Type": "application/octet-stream",
      ...(entry.lfsOid ? { "X-Linked-Etag": `"${entry.lfsOid}"`, "X-Linked-Size": String(data.length) } : {}),
    };
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    let status = 200;
    let body = data;
    if (range && data.length > 0) {
      const start = Number(range[1]);
      const end = Math.min(range[2] ? Number(range[2]) : data.length - 1, data.length - 1);
      status = 206;
      headers["Content-Range"] = `bytes ${start}-${end}/${data.length}`;
      body = data.subarray(start, end + 1);
    }
    res.writeHead(status, { ...headers, "Content-Length": String(body.length) });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  /** Answers with the injected failure while the fault has calls left. */
  private takeFault(fault: Fault | undefined, res: ServerResponse, req?: IncomingMessage): boolean {
    if (!fault || fault.count <= 0) return false;
    fault.count--;
    if (fault.reset) {
      res.socket?.destroy();
      return true;
    }
    const headers: Record<string, string> = fault.retryAfter !== undefined ? { "Retry-After": String(fault.retryAfter) } : {};
    if (req) void drain(req);
    send(res, fault.status ?? 500, { error: "injected fault" }, headers);
    return true;
  }
}

function treeEntries(files: Map<string, Entry>, prefix: string, recursive: boolean, expand: boolean): object[] {
  const base = prefix ? `${prefix}/` : "";
  const dirs = new Set<string>();
  const out: object[] = [];
  for (const path of [...files.keys()].sort()) {
    if (!path.startsWith(base)) continue;
    const rest = path.slice(base.length);
    const parts = rest.split("/");
    for (let i = 1; i < parts.length && (recursive || i === 1); i++) dirs.add(base + parts.slice(0, i).join("/"));
    if (recursive || parts.length === 1) out.push(fileEntry(path, files.get(path)!, expand));
  }
  for (const dir of dirs) out.push({ type: "directory", path: dir, oid: gitSha(dir), size: 0 });
  return out;
}

function fileEntry(path: string, entry: Entry, expand = false): object {
  return {
    type: "file",
    path,
    oid: entry.oid,
    size: entry.size,
    ...(entry.lfsOid ? { lfs: { oid: entry.lfsOid, size: entry.size, pointerSize: 130 } } : {}),
    ...(expand ? { lastCommit: entry.lastCommit } : {}),
  };
}

function gitBlobSha(content: Buffer): string {
  return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
}

function gitSha(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) void _;
}
