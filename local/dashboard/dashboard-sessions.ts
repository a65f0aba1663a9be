/**
 * Who may use the dashboard: whoever opened a login URL. A login token is good once: exchanging it
 * gives a session id, set as an HttpOnly, SameSite=Strict cookie scoped to /ui. Tokens and session
 * ids are 32 random bytes; only their SHA-256 is kept, so looking one up leaks nothing through
 * timing and a memory dump holds no usable credential.
 */
import { createHash, randomBytes } from "node:crypto";

export const SESSION_COOKIE = "evd_session";

/** Unused login tokens kept at once; minting more forgets the oldest. */
const MAX_LOGIN_TOKENS = 16;

const digest = (secret: string): string => createHash("sha256").update(secret).digest("hex");

export class DashboardSessions {
  readonly #loginTokens = new Set<string>();
  readonly #sessions = new Set<string>();

  /** A fresh one-time login token. */
  newLoginToken(): string {
    const token = randomBytes(32).toString("base64url");
    this.#loginTokens.add(digest(token));
    while (this.#loginTokens.size > MAX_LOGIN_TOKENS) {
      const oldest = this.#loginTokens.values().next().value as string;
      this.#loginTokens.delete(oldest);
    }
    return token;
  }

  /** Exchanges a login token (once) for a new session id; undefined when unknown or used. */
  redeem(token: string): string | undefined {
    const key = digest(token);
    if (!this.#loginTokens.delete(key)) return undefined;
    const session = randomBytes(32).toString("base64url");
    this.#sessions.add(digest(session));
    return session;
  }

  isSession(session: string | undefined): boolean {
    return session !== undefined && session !== "" && this.#sessions.has(digest(session));
  }

  /** The Set-Cookie value for a session. */
  static cookie(session: string): string {
    return `${SESSION_COOKIE}=${session}; Path=/ui; HttpOnly; SameSite=Strict`;
  }
}

/** The value of cookie `name` in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
