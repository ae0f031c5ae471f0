import { runPushDataset, runPushModel } from "../hub/commands.js";
import { resolveHubCredentials } from "../hub/credentials.js";
import { checkBranchName } from "../hub/upload.js";
import { resolveBaseModel } from "../runs/base-model.js";
import { resolveFromLoop } from "./config-file.js";
import type { LoopContext } from "./context.js";
import type { RoundState } from "./state.js";

/** The token must be there before the first round starts, not after hours of training. */
export async function checkPushCredentials(): Promise<void> {
  await resolveHubCredentials();
}

/** A branch or tag name of the loop config with `{round}` filled in. */
export function roundRef(template: string, round: number, option: string): string {
  const name = template.replaceAll("{round}", String(round));
  checkBranchName(name, option);
  return name;
}

/**
 * Pushes what the round made (`hub push-model`, `hub push-dataset`) to `push.revision` and
 * tags the commit `push.tag` (round-1, round-2, ...): the round's checkpoint with its eval
 * result, and the new data version with the images it references. Pushing again after a kill commits only
 * what is not there yet.
 */
export async function pushRound(ctx: LoopContext, round: RoundState): Promise<void> {
  const { push, data, name } = ctx.loaded.config;
  if (!push || round.push) return;
  const revision = roundRef(push.revision, round.round, "push.revision");
  const tag = push.tag === false ? undefined : roundRef(push.tag, round.round, "push.tag");
  const io = { say: (line: string) => ctx.say(`round ${round.round}: hub: ${line}`), onProblem: ctx.onProblem };
  const common = { revision, tag, message: `Loop ${name}, round ${round.round}` };
  const pushed: NonNullable<RoundState["push"]> = {};
  if (push.model) {
    const result = await runPushModel(
      {
        ...common,
        repo: push.model.repo,
        dir: round.pull!.checkpoint_dir,
        eval: round.eval ? [round.eval.score] : [],
        baseModel: await baseModelOf(round.pull!.checkpoint_dir, push.model.base_model, io.say),
        dataset: push.dataset ? [push.dataset.repo] : undefined,
        license: push.model.license,
        private: push.model.private,
      },
      io,
    );
    pushed.model = result.dry_run ? undefined : (result.commit ?? undefined);
  }
  if (push.dataset && round.merge) {
    const result = await runPushDataset(
      {
        ...common,
        repo: push.dataset.repo,
        files: [round.merge.dataset],
        images: resolveFromLoop(ctx.loaded, data.images),
        layout: push.dataset.layout,
        license: push.dataset.license,
        private: push.dataset.private,
      },
      io,
    );
    pushed.dataset = result.dry_run ? undefined : (result.commit ?? undefined);
  }
  await ctx.store.done(round, "push", pushed);
}

/** The card's base model: the loop config's, else that of the run that wrote the checkpoint. */
async function baseModelOf(checkpointDir: string, configured: string | undefined, say: (line: string) => void): Promise<string | undefined> {
  const base = await resolveBaseModel(checkpointDir, configured);
  if (configured === undefined) say(base.note);
  return base.id;
}
