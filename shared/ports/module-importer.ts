/** Loads a code module (a hook module named in the config) from its absolute file path; its Node adapter is shared/node/node-module-importer.ts. */
export type ImportModule = (absolutePath: string) => Promise<Record<string, unknown>>;
