import { z } from "zod";
import { checkYamlConfig, noYamlFile, orThrow, readYamlMapping } from "../util/yaml-config.js";
import { LaunchConfigSchema, SlurmOptionsSchema, SshTargetSchema, type LaunchConfig, type SlurmOptions, type SshTarget } from "./types.js";

/** ssh settings given over a launch config file's `ssh`: each one replaces the file's. */
export type SshOverrides = Partial<SshTarget>;
/** Slurm settings given over a launch config file's `slurm`: each one replaces the file's; the rest keep the file's values or the defaults. */
export type SlurmOverrides = Partial<Omit<SlurmOptions, "login">>;

export const SshOverridesSchema = SshTargetSchema.partial();

const slurm = SlurmOptionsSchema.shape;
/** Slurm settings given over a launch config file's `slurm` (each optional; the file's or the defaults stay for the rest). */
export const SlurmOverridesSchema = z.strictObject({
  nodes: slurm.nodes.unwrap().optional(),
  gpus_per_node: slurm.gpus_per_node.unwrap().optional(),
  partition: slurm.partition,
  account: slurm.account,
  qos: slurm.qos,
  time: slurm.time,
  exclusive: slurm.exclusive.unwrap().optional(),
  cpus_per_task: slurm.cpus_per_task,
  master_port: slurm.master_port.unwrap().optional(),
  directives: slurm.directives.unwrap().optional(),
});

/** A launch config file and the settings that override it (what `facial-r1 launch` takes as flags). */
export const LaunchOverridesSchema = z.strictObject({
  file: z.string().min(1).optional(),
  backend: z.string().optional(),
  setup: z.array(z.string()).optional(),
  ssh: SshOverridesSchema.optional(),
  slurm: SlurmOverridesSchema.optional(),
  /** Slurm: the login node to submit through, reached with the ssh settings. */
  login: z.string().min(1).optional(),
});
export type LaunchOverrides = z.infer<typeof LaunchOverridesSchema>;

export async function resolveLaunchConfig(o: LaunchOverrides): Promise<LaunchConfig> {
  const file = o.file ? orThrow(await readYamlMapping(o.file, { kind: "a launch config", mappingHint: "(backend, setup, ssh, slurm)" })) : noYamlFile();
  const base = file.value;
  const ssh = { ...(base.ssh as object | undefined), ...defined(o.ssh ?? {}) };
  const backend = o.backend ?? (base.backend as string | undefined) ?? "local";
  const slurmOverrides = defined({ ...o.slurm, login: o.login ? { ...ssh, host: o.login } : undefined });
  const merged = {
    ...base,
    backend,
    setup: [...((base.setup as string[] | undefined) ?? []), ...(o.setup ?? [])],
    ssh: backend === "ssh" && Object.keys(ssh).length > 0 ? ssh : base.ssh,
    slurm: backend === "slurm" ? { ...(base.slurm as object | undefined), ...slurmOverrides } : base.slurm,
  };
  // Settings given over the file have no place in it: a problem with one names the key it sits under.
  return orThrow(checkYamlConfig(LaunchConfigSchema, file, merged));
}

function defined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
