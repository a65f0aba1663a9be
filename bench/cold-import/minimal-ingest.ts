/**
 * Figure 6's yardstick: the least an ingest Lambda can be. Verifies GitHub's HMAC, writes the
 * delivery to DynamoDB (PutItem) and sends it to SQS (SendMessage), its clients created at load
 * as a hand-written function would. Bundled exactly like functions/ (functions/build.mjs options).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

const dynamo = new DynamoDBClient({});
const sqs = new SQSClient({});

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const body = Buffer.from(event.body ?? "", event.isBase64Encoded ? "base64" : "utf8");
  const want = Buffer.from(
    `sha256=${createHmac("sha256", process.env.WEBHOOK_SECRET ?? "")
      .update(body)
      .digest("hex")}`,
  );
  const got = Buffer.from(event.headers["x-hub-signature-256"] ?? "");
  if (got.length !== want.length || !timingSafeEqual(got, want)) return { statusCode: 401 };
  const id = event.headers["x-github-delivery"] ?? "";
  await dynamo.send(
    new PutItemCommand({
      TableName: process.env.TABLE_NAME,
      Item: { pk: { S: `EVENT#${id}` }, body: { S: body.toString("utf8") } },
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: id }));
  return { statusCode: 202 };
}
