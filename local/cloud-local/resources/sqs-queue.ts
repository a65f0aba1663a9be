/** AWS::SQS::Queue -> the SQS emulator, every attribute as declared (redrive policy included). */
import { CreateQueueCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { str, type Provisioner } from "./provisioner.ts";

/** CloudFormation properties that are CreateQueue attributes of the same name. */
const ATTRIBUTES = [
  "DelaySeconds",
  "MaximumMessageSize",
  "MessageRetentionPeriod",
  "ReceiveMessageWaitTimeSeconds",
  "VisibilityTimeout",
  "FifoQueue",
  "ContentBasedDeduplication",
  "DeduplicationScope",
  "FifoThroughputLimit",
  "SqsManagedSseEnabled",
  "KmsMasterKeyId",
  "KmsDataKeyReusePeriodSeconds",
] as const;

export const sqsQueue: Provisioner = {
  types: ["AWS::SQS::Queue"],
  async provision(ctx) {
    const p = ctx.properties;
    const fifo = p.FifoQueue === true || p.FifoQueue === "true";
    const name = str(p, "QueueName") ?? ctx.physicalName({ maxLength: 80, ...(fifo ? { ending: ".fifo" } : {}) });
    const attributes: Record<string, string> = {};
    for (const key of ATTRIBUTES) if (p[key] !== undefined) attributes[key] = String(p[key]);
    for (const key of ["RedrivePolicy", "RedriveAllowPolicy"] as const) {
      const v = p[key];
      if (v !== undefined) attributes[key] = typeof v === "string" ? v : JSON.stringify(v);
    }
    const tags = Array.isArray(p.Tags)
      ? Object.fromEntries((p.Tags as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]))
      : undefined;
    const sqs = ctx.cloud.opts.aws.sqs();
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: attributes, ...(tags ? { tags } : {}) }),
    );
    const described = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
    const arn = described.Attributes!.QueueArn!;
    ctx.cloud.queues.set(arn, { logicalId: ctx.logicalId, url: QueueUrl!, arn, attributes });
    if (attributes.KmsMasterKeyId) ctx.note("KMS encryption is declared, not emulated");
    return { physicalId: QueueUrl!, ref: QueueUrl!, attributes: { Arn: arn, QueueName: name, QueueUrl } };
  },
};
