/**
 * The spec's `handler_state`: values a handler keeps between its runs (a cursor, the last SHA it
 * reviewed), per handler and key, written by the `tool-state` tool. The embedded store keeps them
 * locally (`evd daemon state --json` shows them), DynamoDB in the cloud.
 */
export interface HandlerStateStore {
  /** The value stored under (handler, key), or undefined. */
  get(handler: string, key: string): Promise<unknown>;
  /** Stores a JSON value; `undefined` deletes the key. */
  set(handler: string, key: string, value: unknown): Promise<void>;
}
