/** Read access to configuration files (the config, Amplifier profiles and bundles, hook modules). */
export type FileKind = "file" | "directory";

export interface ConfigFiles {
  /** What is at an absolute path, or undefined when nothing is. */
  kind(path: string): Promise<FileKind | undefined>;
  /** The UTF-8 text of the file at an absolute path. Throws an Error saying why it cannot be read. */
  readText(path: string): Promise<string>;
  /** Where relative paths start when the caller names no folder (the process's working directory). */
  workingDirectory(): string;
}
