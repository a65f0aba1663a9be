import { Duration, Validations } from "aws-cdk-lib";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface JobQueuesProps {
  /** Visibility timeout of the job queue: at least 6x the runner's timeout (AWS guidance for SQS event sources). */
  readonly visibilityTimeout: Duration;
  /** Receives before SQS moves a message to the DLQ: the config's `retry.max_attempts`. */
  readonly maxReceiveCount: number;
  /**
   * How long the DLQ keeps a message.
   * @default Duration.days(14) (the SQS maximum)
   */
  readonly dlqRetention?: Duration;
  /**
   * How long the job queue keeps a message.
   * @default Duration.days(4)
   */
  readonly retention?: Duration;
}

/**
 * The standard (not FIFO) SQS job queue and its dead-letter queue. Both are encrypted with
 * SQS-managed keys (SSE-SQS: EventBridge Scheduler can send to them without a KMS grant) and
 * refuse non-TLS requests. The message body is the Job JSON, or a schedule firing.
 */
export class JobQueues extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: JobQueuesProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, "DeadLetterQueue", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.dlqRetention ?? Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "This queue is itself the dead-letter queue of the job queue; its messages are inspected and redriven with `evd cloud dlq`.",
    });
    this.queue = new sqs.Queue(this, "JobQueue", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      receiveMessageWaitTime: Duration.seconds(20),
      retentionPeriod: props.retention ?? Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}
