import { chmod, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeFifo } from "./harness.js";

export const SHARD = "model-00002-of-00002.safetensors";

/** Ways the second weight shard of a checkpoint folder can be there and still not be pushable. */
export const SHARD_FAULTS: { name: string; make: (dir: string, shard: string) => Promise<void>; reason: RegExp }[] = [
  { name: "a broken symbolic link", make: (dir, shard) => symlink("../blobs/gone", shard), reason: /broken symbolic link to \.\.\/blobs\/gone \(the target does not exist\)/ },
  {
    name: "a symbolic link out of the folder",
    make: async (dir, shard) => {
      await writeFile(join(dir, "elsewhere.safetensors"), Buffer.alloc(64, 2));
      await symlink(join(dir, "elsewhere.safetensors"), shard);
    },
    reason: /symbolic link to .*elsewhere\.safetensors, outside the checkpoint folder/,
  },
  { name: "a symbolic link loop", make: (dir, shard) => symlink(shard, shard), reason: /symbolic link loop/ },
  {
    name: "an unreadable file",
    make: async (dir, shard) => {
      await writeFile(shard, Buffer.alloc(64, 2));
      await chmod(shard, 0o000);
    },
    reason: /cannot read: permission denied \(EACCES\)/,
  },
  { name: "a FIFO", make: async (dir, shard) => makeFifo(shard), reason: /not a regular file/ },
];
