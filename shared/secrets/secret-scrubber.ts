/**
 * Secrets out of everything stored or printed. Providers and APIs echo credentials in their error
 * bodies (`Incorrect API key provided: sk-...`), and those errors become run results, history,
 * dead letters and log lines. A scrubber replaces:
 * - every configured secret value: the values of secret-bearing keys (`secret`, `api_key`, `token`,
 *   `webhook_url`, written literally or as `${NAME}`), and of environment variables whose NAME says
 *   secret (`*_TOKEN`, `*_SECRET`, `*API_KEY*`, `*PASSWORD*`, ...), since those may have been
 *   interpolated into other keys (an `Authorization` header);
 * - common key shapes, configured or not: OpenAI/Anthropic `sk-...`, GitHub `ghp_`/`github_pat_`,
 *   Slack `xox?-` tokens and webhook URLs, AWS access key ids, Standard Webhooks `whsec_`, Google
 *   `AIza...`, `Bearer <token>`, and the password in `scheme://user:password@host`.
 * Values shorter than 8 characters are not treated as secrets (they would mangle ordinary text).
 */
import { SECRET_KEYS, secretRefName } from "../config/secret-ref.ts";
import type { LogFields, Logger } from "../logging/logger.ts";

export const REDACTED = "[REDACTED]";
const MIN_SECRET_LENGTH = 8;
const SECRET_ENV_NAME = /secret|token|api_?key|password|passwd|credential|private_?key|webhook_url/i;

const KEY_SHAPES = new RegExp(
  [
    String.raw`\bsk-[A-Za-z0-9_-]{16,}`,
    String.raw`\bgh[pousr]_[A-Za-z0-9]{20,}`,
    String.raw`\bgithub_pat_[A-Za-z0-9_]{20,}`,
    String.raw`\bxox[abposr]-[A-Za-z0-9-]{10,}`,
    String.raw`https://hooks\.slack\.com/services/[A-Za-z0-9/_-]+`,
    String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`,
    String.raw`\bwhsec_[A-Za-z0-9+/=]{16,}`,
    String.raw`\bAIza[0-9A-Za-z_-]{35}`,
  ].join("|"),
  "g",
);
/** `Bearer <token>` / `token <token>`: the word stays, the token goes. */
const BEARER = /\b(Bearer|token)(\s+)[A-Za-z0-9._~+/=-]{16,}/gi;
/** `scheme://user:password@host`: the password goes. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi;

export interface SecretScrubber {
  /** `text` with every secret replaced by [REDACTED]. */
  scrub(text: string): string;
  /** How many secret values it knows (key shapes come on top). */
  readonly knownValues: number;
}

export function secretScrubber(values: Iterable<string | undefined>): SecretScrubber {
  const known = new Set<string>();
  for (const v of values) {
    if (typeof v !== "string" || v.length < MIN_SECRET_LENGTH) continue;
    known.add(v);
    // As it appears inside a JSON string (a log line, a stored result).
    const escaped = JSON.stringify(v).slice(1, -1);
    if (escaped !== v) known.add(escaped);
  }
  // Longest first: a secret containing another is masked whole.
  const ordered = [...known].sort((a, b) => b.length - a.length);
  return {
    knownValues: ordered.length,
    scrub(text) {
      let out = text;
      for (const v of ordered) if (out.includes(v)) out = out.split(v).join(REDACTED);
      return out
        .replace(KEY_SHAPES, REDACTED)
        .replace(BEARER, (_m, word: string, space: string) => `${word}${space}${REDACTED}`)
        .replace(URL_PASSWORD, (_m, head: string) => `${head}${REDACTED}@`);
    },
  };
}

/** A scrubber that knows no value (key shapes only). */
export const shapeScrubber: SecretScrubber = secretScrubber([]);

/**
 * The secret values a config can use: secret-bearing keys anywhere in it (a `${NAME}` reference
 * read from `env`, or the literal), plus every environment value whose name says secret.
 */
export function configSecretValues(config: unknown, env: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  const stack: unknown[] = [config];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) stack.push(...node);
    else if (typeof node === "object" && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        if (SECRET_KEYS.has(key) && typeof value === "string") {
          const ref = secretRefName(value);
          const resolved = ref === undefined ? value : env[ref];
          if (resolved) out.push(resolved);
        } else stack.push(value);
      }
    }
  }
  for (const [name, value] of Object.entries(env)) if (value && SECRET_ENV_NAME.test(name)) out.push(value);
  return out;
}

/**
 * A logger whose lines never carry a secret, whatever logger it wraps: the message and every
 * string among the fields are scrubbed (nested values through their JSON). `scrubber` is read
 * at each line, so a daemon can start with key shapes only and learn its secrets once its
 * config is read.
 */
export function scrubbingLogger(inner: Logger, scrubber: () => SecretScrubber): Logger {
  const clean = (fields: LogFields | undefined): LogFields | undefined => {
    if (fields === undefined) return undefined;
    const s = scrubber();
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (typeof value === "string") out[key] = s.scrub(value);
      else if (typeof value === "object" && value !== null) out[key] = JSON.parse(s.scrub(JSON.stringify(value)));
      else out[key] = value;
    }
    return out;
  };
  return {
    log(level, message, fields) {
      inner.log(level, scrubber().scrub(message), clean(fields));
    },
    child(fields) {
      return scrubbingLogger(inner.child(clean(fields) ?? {}), scrubber);
    },
  };
}
