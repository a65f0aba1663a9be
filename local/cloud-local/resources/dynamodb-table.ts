/** AWS::DynamoDB::Table -> DynamoDB Local: keys, attributes, GSIs, LSIs, billing, streams, TTL. */
import {
  CreateTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type GlobalSecondaryIndex,
  type LocalSecondaryIndex,
} from "@aws-sdk/client-dynamodb";
import { str, type Provisioner } from "./provisioner.ts";

type Props = Readonly<Record<string, unknown>>;

function index<T extends GlobalSecondaryIndex | LocalSecondaryIndex>(raw: unknown, withThroughput: boolean): T {
  const i = raw as Record<string, unknown>;
  return {
    IndexName: i.IndexName,
    KeySchema: i.KeySchema,
    Projection: i.Projection,
    ...(withThroughput && i.ProvisionedThroughput ? { ProvisionedThroughput: i.ProvisionedThroughput } : {}),
  } as T;
}

const NOT_EMULATED = [
  ["PointInTimeRecoverySpecification", "point-in-time recovery"],
  ["SSESpecification", "encryption at rest settings"],
  ["ContributorInsightsSpecification", "contributor insights"],
  ["KinesisStreamSpecification", "Kinesis streaming"],
  ["ResourcePolicy", "the resource policy"],
] as const;

export const dynamoDbTable: Provisioner = {
  types: ["AWS::DynamoDB::Table"],
  async provision(ctx) {
    const p: Props = ctx.properties;
    const name = str(p, "TableName") ?? ctx.physicalName({ maxLength: 255 });
    const provisioned = p.BillingMode !== "PAY_PER_REQUEST";
    const stream = p.StreamSpecification as { StreamViewType?: string } | undefined;
    const input: CreateTableCommandInput = {
      TableName: name,
      AttributeDefinitions: p.AttributeDefinitions as CreateTableCommandInput["AttributeDefinitions"],
      KeySchema: p.KeySchema as CreateTableCommandInput["KeySchema"],
      BillingMode: provisioned ? "PROVISIONED" : "PAY_PER_REQUEST",
      ...(provisioned
        ? {
            ProvisionedThroughput: (p.ProvisionedThroughput as CreateTableCommandInput["ProvisionedThroughput"]) ?? {
              ReadCapacityUnits: 5,
              WriteCapacityUnits: 5,
            },
          }
        : {}),
      ...(Array.isArray(p.GlobalSecondaryIndexes)
        ? { GlobalSecondaryIndexes: p.GlobalSecondaryIndexes.map((i) => index<GlobalSecondaryIndex>(i, provisioned)) }
        : {}),
      ...(Array.isArray(p.LocalSecondaryIndexes)
        ? { LocalSecondaryIndexes: p.LocalSecondaryIndexes.map((i) => index<LocalSecondaryIndex>(i, false)) }
        : {}),
      ...(stream?.StreamViewType
        ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType as "NEW_IMAGE" } }
        : {}),
      ...(p.DeletionProtectionEnabled === true ? { DeletionProtectionEnabled: true } : {}),
      ...(Array.isArray(p.Tags) ? { Tags: p.Tags as CreateTableCommandInput["Tags"] } : {}),
    };
    const created = await ctx.cloud.opts.aws.dynamodb().send(new CreateTableCommand(input));
    const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
    if (ttl?.Enabled && ttl.AttributeName) {
      await ctx.cloud.opts.aws.dynamodb().send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
        }),
      );
    }
    for (const [key, what] of NOT_EMULATED)
      if (p[key] !== undefined) ctx.note(`${what} (${key}) is declared, not emulated`);
    if (stream?.StreamViewType) ctx.note("the stream exists in DynamoDB Local, but no event source reads it");
    const { region, accountId } = ctx.cloud.identity;
    const arn = created.TableDescription?.TableArn ?? `arn:aws:dynamodb:${region}:${accountId}:table/${name}`;
    return {
      physicalId: name,
      ref: name,
      attributes: {
        Arn: arn,
        ...(created.TableDescription?.LatestStreamArn ? { StreamArn: created.TableDescription.LatestStreamArn } : {}),
      },
    };
  },
};
