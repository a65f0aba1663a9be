/**
 * Root error of the signatures module. Thrown only for server-side problems (an unusable
 * secret); anything wrong with a request is a `{ ok: false, reason }` result, never a throw.
 * Messages never contain the secret or an expected signature.
 */
export class SignatureError extends Error {
  override readonly name = "SignatureError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
