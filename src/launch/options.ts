import { checkYamlConfig, noYamlFile, orThrow, readYamlMapping } from "../schema/yaml-config.js";
import { invalidInput } from "../util/errors.js";
import { LaunchConfigSchema, type LaunchConfig } from "./types.js";

/** Command-line settings of `facial-r1 launch`; they override the launch config file. */
export interface LaunchFlags {
  backend?: string;
  config?: string;
  setup?: string[];
  host?: string;
  user?: string;
  port?: string;
  identity?: string;
  sshConfig?: string;
  remoteDir?: string;
  nodes?: string;
  gpusPerNode?: string;
  partition?: string;
  account?: string;
  qos?: string;
  time?: string;
  exclusive?: boolean;
  sbatchOption?: string[];
  masterPort?: string;
  login?: string;
}

export async function resolveLaunchConfig(flags: LaunchFlags): Promise<LaunchConfig> {
  const file = flags.config ? orThrow(await readYamlMapping(flags.config, { kind: "a launch config", mappingHint: "(backend, setup, ssh, slurm)" })) : noYamlFile();
  const base = file.value;
  const ssh = { ...(base.ssh as object | undefined), ...defined({ host: flags.host, user: flags.user, port: int(flags.port, "--port"), identity_file: flags.identity, config_file: flags.sshConfig, workdir: flags.remoteDir }) };
  const backend = flags.backend ?? (base.backend as string | undefined) ?? "local";
  const slurmFlags = defined({
    nodes: int(flags.nodes, "--nodes"),
    gpus_per_node: int(flags.gpusPerNode, "--gpus-per-node", true),
    partition: flags.partition,
    account: flags.account,
    qos: flags.qos,
    time: flags.time,
    exclusive: flags.exclusive === false ? false : undefined,
    directives: flags.sbatchOption?.length ? flags.sbatchOption : undefined,
    master_port: int(flags.masterPort, "--master-port"),
    login: flags.login ? { ...ssh, host: flags.login } : undefined,
  });
  const merged = {
    ...base,
    backend,
    setup: [...((base.setup as string[] | undefined) ?? []), ...(flags.setup ?? [])],
    ssh: backend === "ssh" && Object.keys(ssh).length > 0 ? ssh : base.ssh,
    slurm: backend === "slurm" ? { ...(base.slurm as object | undefined), ...slurmFlags } : base.slurm,
  };
  // Settings from flags have no place in the file: a problem with one names the key it sits under.
  return orThrow(checkYamlConfig(LaunchConfigSchema, file, merged));
}

function int(value: string | undefined, name: string, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw invalidInput(`${name} must be a ${allowZero ? "non-negative" : "positive"} integer, got "${value}"`);
  return n;
}

function defined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
