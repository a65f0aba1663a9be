/** Root error of the events module: a delivery or input that cannot become an Event. */
export class EventError extends Error {
  override readonly name: string = "EventError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
