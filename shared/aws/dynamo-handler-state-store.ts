/** HandlerStateStore on DynamoDB: one item per (handler, key), the value as a JSON string. */
import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { HandlerStateStore } from "../ports/handler-state-store.ts";
import type { Clock } from "../ports/clock.ts";
import type { TableRef } from "./dynamo-document.ts";
import { handlerStateKey, ItemKind } from "./table-layout.ts";

export class DynamoHandlerStateStore implements HandlerStateStore {
  readonly #table: TableRef;
  readonly #clock: Clock;

  constructor(options: { readonly table: TableRef; readonly clock: Clock }) {
    this.#table = options.table;
    this.#clock = options.clock;
  }

  async get(handler: string, key: string): Promise<unknown> {
    const out = await this.#table.doc().send(
      new GetCommand({
        TableName: this.#table.tableName,
        Key: handlerStateKey(handler, key),
        ConsistentRead: true,
      }),
    );
    return typeof out.Item?.value_json === "string" ? (JSON.parse(out.Item.value_json) as unknown) : undefined;
  }

  async set(handler: string, key: string, value: unknown): Promise<void> {
    if (value === undefined) {
      await this.#table
        .doc()
        .send(new DeleteCommand({ TableName: this.#table.tableName, Key: handlerStateKey(handler, key) }));
      return;
    }
    await this.#table.doc().send(
      new PutCommand({
        TableName: this.#table.tableName,
        Item: {
          ...handlerStateKey(handler, key),
          kind: ItemKind.HANDLER_STATE,
          handler,
          state_key: key,
          // A string keeps every JSON value as written (DynamoDB maps refuse empty keys, numbers lose precision).
          value_json: JSON.stringify(value),
          updated_at: new Date(this.#clock.now()).toISOString(),
        },
      }),
    );
  }
}
