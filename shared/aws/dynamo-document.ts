/** The DynamoDB document client every table adapter shares (built lazily, once). */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { lazy, sdkConfig, type AwsConnection } from "./aws-connection.ts";

/** Where an adapter finds its table: a client getter (lazy) and the table name. */
export interface TableRef {
  readonly tableName: string;
  readonly doc: () => DynamoDBDocumentClient;
}

export function documentClient(conn: AwsConnection = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig(conn)), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
}

/** A TableRef whose client is created on the first call that needs it. */
export function tableRef(tableName: string, conn: AwsConnection = {}): TableRef {
  return { tableName, doc: lazy(() => documentClient(conn)) };
}
