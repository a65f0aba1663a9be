/** The hook-module port's Node implementation: an ES module imported from its file path. */
import { pathToFileURL } from "node:url";
import type { ImportModule } from "../hooks/load-hook-modules.ts";

export const nodeImportModule: ImportModule = async (absolutePath) =>
  (await import(pathToFileURL(absolutePath).href)) as Record<string, unknown>;
