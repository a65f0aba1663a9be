/** Structured JSON logs: one object per line. Adapters decide where lines go (stderr, Powertools). */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (event_id, job_id, handler...). */
  child(fields: LogFields): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function jsonLogger(
  write: (line: string) => void,
  options: {
    level?: LogLevel;
    base?: LogFields;
    now?: () => Date;
    /** Applied to each line written (secret scrubbing: shared/secrets/secret-scrubber.ts). */
    redact?: (line: string) => string;
  } = {},
): Logger {
  const min = ORDER[options.level ?? "info"];
  const base = options.base ?? {};
  const now = options.now ?? (() => new Date());
  return {
    log(level, message, fields) {
      if (ORDER[level] < min) return;
      const line = JSON.stringify({ time: now().toISOString(), level, message, ...base, ...fields });
      write(options.redact ? options.redact(line) : line);
    },
    child(fields) {
      return jsonLogger(write, { ...options, base: { ...base, ...fields } });
    },
  };
}

export const silentLogger: Logger = {
  log() {},
  child() {
    return silentLogger;
  },
};
