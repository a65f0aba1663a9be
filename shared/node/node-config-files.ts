/** The Node adapter of the ConfigFiles port: the local filesystem. */
import { readFile, stat } from "node:fs/promises";
import type { ConfigFiles } from "../ports/config-files.ts";

export const nodeConfigFiles: ConfigFiles = {
  async kind(path) {
    try {
      const s = await stat(path);
      return s.isFile() ? "file" : s.isDirectory() ? "directory" : undefined;
    } catch {
      return undefined;
    }
  },
  readText(path) {
    return readFile(path, "utf8");
  },
  workingDirectory: () => process.cwd(),
};
