import { request, type Agent } from "node:http";

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/** One HTTP request with a raw body (string or chunks sent one by one), on an optional agent. */
export function http(
  url: string,
  options: { method?: string; body?: string | Buffer | (string | Buffer)[]; headers?: Record<string, string>; agent?: Agent } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? "POST", headers: options.headers, agent: options.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    const body = options.body;
    if (Array.isArray(body)) for (const piece of body) req.write(piece);
    else if (body !== undefined) req.write(body);
    req.end();
  });
}

export function postJson(url: string, value: unknown, headers: Record<string, string> = {}, agent?: Agent): Promise<HttpResult> {
  return http(url, { body: JSON.stringify(value), headers: { "content-type": "application/json", ...headers }, agent });
}

export const QWEN_PROMPT = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>What emotion does this face show?<|im_end|>\n<|im_start|>assistant\n";
