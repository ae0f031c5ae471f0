import { formatBytes } from "../util/bytes.js";
import { hubEndpoint, resolveHubCredentials } from "./credentials.js";
import { planDatasetPush, type DatasetLayout, type PlannedFile } from "./push-dataset.js";
import { planModelPush } from "./push-model.js";
import { HubSession, checkBranchName, checkRepoName, describePush, repoUrl, type HubRepoType, type PushSummary } from "./upload.js";
import type { Problem } from "../util/errors.js";

/** What `hub push-*` prints: human lines to `say`, the machine result as the return value. */
export interface CommandIO {
  say: (line: string) => void;
  onProblem: (problem: Problem) => void;
}

interface CommonOptions {
  repo: string;
  private?: boolean;
  revision: string;
  /** Tag the pushed revision (e.g. round-3). */
  tag?: string;
  message?: string;
  license?: string;
  dryRun?: boolean;
}

export interface PushDatasetOptions extends CommonOptions {
  files: string[];
  split?: string[];
  images?: string;
  layout?: DatasetLayout;
  allowInvalid?: boolean;
}

export interface PushModelOptions extends CommonOptions {
  dir: string;
  eval?: string[];
  baseModel?: string;
  dataset?: string[];
  includeOptimizer?: boolean;
}

export type PushResult =
  | { dry_run: true; repo: string; type: HubRepoType; url: string; revision: string; files: PlannedFile[]; total_bytes: number; card: string; [k: string]: unknown }
  | ({ dry_run: false } & PushSummary & Record<string, unknown>);

/**
 * Checks the repository and branch names, then looks up the token before any file is read,
 * so a bad name or a missing token fails at once (the token is never needed for --dry-run).
 */
async function startPush(opts: CommonOptions, io: CommandIO): Promise<HubSession | undefined> {
  checkRepoName(opts.repo);
  checkBranchName(opts.revision);
  if (opts.tag !== undefined) checkBranchName(opts.tag, "--tag");
  if (opts.dryRun) return undefined;
  const credentials = await resolveHubCredentials();
  return HubSession.open({ credentials, onMessage: io.say });
}

export async function runPushDataset(opts: PushDatasetOptions, io: CommandIO): Promise<PushResult> {
  const session = await startPush(opts, io);
  const plan = await planDatasetPush({
    repo: opts.repo,
    files: opts.files,
    splits: opts.split,
    imagesDir: opts.images,
    layout: opts.layout,
    license: opts.license,
    allowInvalid: opts.allowInvalid,
    onProblem: io.onProblem,
  });
  const v = plan.validation;
  io.say(`validated: read ${v.read} = valid ${v.valid} + invalid ${v.rejected}${v.warnings ? `; ${v.warnings} warnings` : ""}`);
  if (v.rejected > 0) io.say(`warning: pushing ${v.rejected} invalid records as they are (--allow-invalid)`);
  for (const s of plan.splits) io.say(`${s.split}: ${s.file} -> ${s.path} (${s.records} records)`);
  if (opts.images !== undefined) io.say(`images: ${plan.images} referenced files, ${formatBytes(plan.imageBytes)}`);
  const extra = { splits: plan.splits, images: plan.images, validation: plan.validation };
  return finish("dataset", opts, session, plan, extra, io, `Upload dataset (${plan.splits.map((s) => `${s.split} ${s.records}`).join(", ")})`);
}

export async function runPushModel(opts: PushModelOptions, io: CommandIO): Promise<PushResult> {
  const session = await startPush(opts, io);
  const plan = await planModelPush({
    repo: opts.repo,
    dir: opts.dir,
    evalFiles: opts.eval,
    baseModel: opts.baseModel,
    license: opts.license,
    datasets: opts.dataset,
    includeOptimizer: opts.includeOptimizer,
  });
  // Files that cannot be pushed are each named; the rest (optimizer states, hidden) are summed up.
  for (const s of plan.unusable) io.onProblem({ severity: "warning", file: opts.dir, field: s.path, message: `not pushed: ${s.reason}` });
  if (plan.skipped.length > 0) {
    const bytes = plan.skipped.reduce((n, s) => n + s.size, 0);
    const listed = plan.skipped.filter((s) => !plan.unusable.includes(s));
    io.say(`skipped ${plan.skipped.length} files (${formatBytes(bytes)})${listed.length > 0 ? ":" : ""}`);
    for (const s of listed.slice(0, 20)) io.say(`  ${s.path}: ${s.reason}`);
    if (listed.length > 20) io.say(`  ... and ${listed.length - 20} more`);
  }
  for (const r of plan.results) io.say(`eval ${r.dataset}: ${r.file}`);
  const extra = { skipped: plan.skipped, eval: plan.results.map((r) => ({ ...r })) };
  return finish("model", opts, session, plan, extra, io, `Upload model${plan.results.length ? ` with ${plan.results.length} eval results` : ""}`);
}

async function finish(
  type: HubRepoType,
  opts: CommonOptions,
  session: HubSession | undefined,
  plan: { files: { path: string; size: number; localPath?: string; content?: string }[]; listing: PlannedFile[]; card: string },
  extra: Record<string, unknown>,
  io: CommandIO,
  defaultMessage: string,
): Promise<PushResult> {
  const totalBytes = plan.listing.reduce((n, f) => n + f.size, 0);
  if (opts.dryRun || !session) {
    const endpoint = hubEndpoint();
    io.say(`dry run: nothing is sent to ${endpoint}; ${plan.listing.length} files, ${formatBytes(totalBytes)} would go to ${repoUrl(endpoint, type, opts.repo)} (${opts.revision}${opts.tag ? `, tagged ${opts.tag}` : ""})`);
    for (const f of plan.listing) io.say(`  ${f.lfs ? "lfs    " : "regular"}  ${formatBytes(f.size).padStart(10)}  ${f.path}`);
    io.say("(lfs/regular: the Hub's likely choice; on a real push it decides per file)");
    io.say("--- README.md ---");
    io.say(plan.card.trimEnd());
    return { dry_run: true, repo: opts.repo, type, url: repoUrl(endpoint, type, opts.repo), revision: opts.revision, files: plan.listing, total_bytes: totalBytes, card: plan.card, ...extra };
  }
  const summary = await session.push({
    type,
    repo: opts.repo,
    files: plan.files,
    revision: opts.revision,
    tag: opts.tag,
    message: opts.message ?? defaultMessage,
    private: opts.private,
    license: opts.license,
  });
  const commit = summary.commit === null ? "nothing changed, no commit made" : `commit ${summary.commit}`;
  io.say(`pushed to ${summary.url} (${summary.revision}, ${commit}) as ${summary.user}`);
  io.say(describePush(summary));
  return { dry_run: false, ...summary, ...extra };
}
