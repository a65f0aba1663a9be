/** An example folder of `examples/` copied to a temporary folder, so a test's runs leave no trace in the tree. */
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot, tempDir } from "../helpers/daemon-process.ts";

export async function copyExample(name: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const tmp = await tempDir(`example-${name}`);
  await cp(join(repoRoot, "examples", name), tmp.dir, { recursive: true });
  return tmp;
}
