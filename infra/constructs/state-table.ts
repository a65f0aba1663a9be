import { RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { LOG_PROJECTION, TABLE_KEYS } from "../table-keys.ts";

export interface StateTableProps {
  /**
   * What happens to the table when the stack is deleted.
   * @default RemovalPolicy.RETAIN (history and dedupe records outlive the stack)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The one DynamoDB table (single-table design) for the event log and dedupe, jobs and their
 * leases, last-run times and history, mirroring `shared/aws/table-layout.ts`: `pk`/`sk` strings,
 * TTL on `expires_at`, the write-sharded GSI `log` (`logpk`/`logsk`, projecting only what its
 * queries filter on) for listing events and runs by time. On-demand billing, point-in-time
 * recovery, AWS-managed encryption.
 */
export class StateTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StateTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, "Table", {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_KEYS.log.indexName,
      partitionKey: { name: TABLE_KEYS.log.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.log.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: [...LOG_PROJECTION],
    });
  }
}
