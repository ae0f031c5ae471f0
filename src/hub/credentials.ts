import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { errorMessage, invalidInput } from "../util/errors.js";

export const DEFAULT_HUB_ENDPOINT = "https://huggingface.co";

/** Where the token came from, for messages (the token itself is never shown). */
export type TokenSource = "HF_TOKEN" | "token file";

export interface HubCredentials {
  token: string;
  tokenSource: TokenSource;
  /** The token file read, when the token came from one. */
  tokenFile?: string;
  /** Hub URL without a trailing slash. */
  endpoint: string;
}

/** `$HF_HOME/token`, by default `~/.cache/huggingface/token` (the file `huggingface-cli login` writes). */
export function tokenFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "huggingface");
  return join(home, "token");
}

export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const endpoint = (env.HF_ENDPOINT || DEFAULT_HUB_ENDPOINT).replace(/\/+$/, "");
  try {
    new URL(endpoint);
  } catch {
    throw invalidInput(`HF_ENDPOINT is not a URL: "${endpoint}"`);
  }
  return endpoint;
}

/** The token from HF_TOKEN, else from the token file; a clear error when there is none. */
export async function resolveHubCredentials(env: NodeJS.ProcessEnv = process.env): Promise<HubCredentials> {
  const found = await findHubCredentials(env);
  if (found) return found;
  throw invalidInput(
    `no Hugging Face token: set the environment variable HF_TOKEN to a write token (https://huggingface.co/settings/tokens), ` +
      `or log in with \`huggingface-cli login\` (token file ${tokenFilePath(env)})`,
  );
}

/** The token from HF_TOKEN, else from the token file, or undefined when neither has one (public repositories need none). */
export async function findHubCredentials(env: NodeJS.ProcessEnv = process.env): Promise<HubCredentials | undefined> {
  const endpoint = hubEndpoint(env);
  const fromEnv = env.HF_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv, tokenSource: "HF_TOKEN", endpoint };
  const file = tokenFilePath(env);
  let text: string | undefined;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") throw invalidInput(`cannot read the Hugging Face token file ${file}: ${code ?? errorMessage(err)}`);
  }
  const token = text?.trim();
  return token ? { token, tokenSource: "token file", tokenFile: file, endpoint } : undefined;
}

/** How to name the token's origin in a message. */
export function describeTokenSource(credentials: Pick<HubCredentials, "tokenSource" | "tokenFile">): string {
  return credentials.tokenSource === "HF_TOKEN" ? "the token in $HF_TOKEN" : `the token in ${credentials.tokenFile}`;
}
