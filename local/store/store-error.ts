/** The root error of the local store: every failure it raises names what and where. */
export class StoreError extends Error {
  override readonly name: string = "StoreError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An admin request (redrive, replay, handler state) named something that is not there or not allowed. */
export class StoreRequestError extends StoreError {
  override readonly name = "StoreRequestError";
}

/** The store file is damaged: found at open (integrity check) or by a read or write that hit a bad page. */
export class StoreCorruptError extends StoreError {
  override readonly name = "StoreCorruptError";
}

/** What kind of failure a store error is, from SQLite's code (or the file system's) anywhere in its causes. */
export const StoreFailureKind = {
  /** SQLITE_FULL / ENOSPC: writes fail until space returns; they succeed again afterwards. */
  DISK_FULL: "disk_full",
  /** SQLITE_CORRUPT / SQLITE_NOTADB: the file is damaged; `evd daemon repair`. */
  CORRUPT: "corrupt",
  /** SQLITE_IOERR and a failed WAL flush: the disk misbehaved; restart once it is fixed. */
  IO: "io_error",
  /** SQLITE_BUSY / SQLITE_LOCKED: another connection held the file too long. */
  BUSY: "busy",
  OTHER: "other",
} as const;
export type StoreFailureKind = (typeof StoreFailureKind)[keyof typeof StoreFailureKind];

function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    if (e instanceof StoreCorruptError) codes.push("SQLITE_CORRUPT");
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

export function storeFailureKind(error: unknown): StoreFailureKind {
  const codes = codesOf(error);
  const has = (prefix: string) => codes.some((c) => c === prefix || c.startsWith(`${prefix}_`));
  if (has("SQLITE_FULL") || codes.includes("ENOSPC") || codes.includes("EDQUOT")) return StoreFailureKind.DISK_FULL;
  if (has("SQLITE_CORRUPT") || has("SQLITE_NOTADB")) return StoreFailureKind.CORRUPT;
  if (has("SQLITE_IOERR") || codes.includes("EIO")) return StoreFailureKind.IO;
  if (has("SQLITE_BUSY") || has("SQLITE_LOCKED")) return StoreFailureKind.BUSY;
  return StoreFailureKind.OTHER;
}

/** A failure a later attempt of the same write can overcome (space returns, a lock is released). */
export function isTransientStoreFailure(error: unknown): boolean {
  const kind = storeFailureKind(error);
  return kind === StoreFailureKind.DISK_FULL || kind === StoreFailureKind.BUSY;
}
