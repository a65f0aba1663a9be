/** The hook-module port's Node implementation: an ES module imported from its file path. */
import { pathToFileURL } from "node:url";
import type { ImportModule } from "../ports/module-importer.ts";

export const nodeImportModule: ImportModule = async (absolutePath) =>
  (await import(pathToFileURL(absolutePath).href)) as Record<string, unknown>;
