/** Root error of the router: an event or request the router cannot serve (unknown handler...). */
export class RouterError extends Error {
  override readonly name: string = "RouterError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
