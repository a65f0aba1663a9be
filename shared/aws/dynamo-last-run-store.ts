/** LastRunStore on DynamoDB: one item per schedule; a later write never goes back in time. */
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { LastRunStore } from "../ports/last-run-store.ts";
import type { TableRef } from "./dynamo-document.ts";
import { isConditionalCheckFailed } from "./errors.ts";
import { ItemKind, lastRunKey } from "./table-layout.ts";

export class DynamoLastRunStore implements LastRunStore {
  readonly #table: TableRef;

  constructor(options: { readonly table: TableRef }) {
    this.#table = options.table;
  }

  async get(scheduleName: string): Promise<number | undefined> {
    const out = await this.#table
      .doc()
      .send(new GetCommand({ TableName: this.#table.tableName, Key: lastRunKey(scheduleName), ConsistentRead: true }));
    return out.Item ? Number(out.Item.last_run_at) : undefined;
  }

  async set(scheduleName: string, at: number): Promise<void> {
    await this.#table
      .doc()
      .send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: lastRunKey(scheduleName),
          ConditionExpression: "attribute_not_exists(last_run_at) OR last_run_at <= :at",
          UpdateExpression: "SET last_run_at = :at, schedule_name = :name, kind = :kind",
          ExpressionAttributeValues: { ":at": at, ":name": scheduleName, ":kind": ItemKind.LAST_RUN },
        }),
      )
      .catch((err: unknown) => {
        // A newer run was recorded meanwhile (out-of-order delivery): keep the newer one.
        if (!isConditionalCheckFailed(err)) throw err;
      });
  }
}
