import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";

export interface PayloadBucketProps {
  /** Days an object is kept: the event log's retention (its items may point here). */
  readonly retentionDays: number;
}

/** Where the objects of the claim check live (shared/aws/payload-store.ts). */
export const PAYLOAD_PREFIX = "events/";

/**
 * The claim-check bucket: events too large for a DynamoDB item (400 KB) or an SQS message
 * (256 KiB) are kept here, gzipped, and the item and the message carry a reference. Encrypted
 * (S3-managed keys), TLS only, no public access, objects expire with the event log; kept when the
 * stack is deleted, like the table whose items point here.
 */
export class PayloadBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: PayloadBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, "Bucket", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ prefix: PAYLOAD_PREFIX, expiration: Duration.days(props.retentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge({
      id: "AwsSolutions-S1",
      reason:
        "The bucket holds transient copies of webhook events, written and read only by the stack's own roles; request-level audit is CloudTrail's (data events), not worth a second bucket of access logs.",
    });
  }

  /** The object ARNs the functions and clients may read or write (the claim-check prefix). */
  get objectsArn(): string {
    return this.bucket.arnForObjects(`${PAYLOAD_PREFIX}*`);
  }
}
