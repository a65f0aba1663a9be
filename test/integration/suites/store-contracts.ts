/** The shared store contract suite against the DynamoDB adapters (one fresh table per store). */
import { historyStoreContract, jobStoreContract, lastRunStoreContract } from "../../contract/store-contract.ts";
import { DynamoHistoryStore } from "../../../shared/aws/dynamo-history-store.ts";
import { DynamoJobStore } from "../../../shared/aws/dynamo-job-store.ts";
import { DynamoHandlerStateStore } from "../../../shared/aws/dynamo-handler-state-store.ts";
import { DynamoLastRunStore } from "../../../shared/aws/dynamo-last-run-store.ts";
import { handlerStateStoreContract } from "../../contract/handler-state-contract.ts";
import { systemClock } from "../../../shared/ports/clock.ts";
import { createTestTable } from "../../harness/aws-resources.ts";
import type { AwsTestEnv } from "../../harness/aws-env.ts";

export function storeContractSuites(env: () => Promise<AwsTestEnv>): void {
  jobStoreContract("DynamoDB", async () => new DynamoJobStore({ table: await createTestTable(await env()) }));
  historyStoreContract(
    "DynamoDB",
    async () => new DynamoHistoryStore({ table: await createTestTable(await env()), clock: systemClock }),
  );
  lastRunStoreContract("DynamoDB", async () => new DynamoLastRunStore({ table: await createTestTable(await env()) }));
  handlerStateStoreContract(
    "DynamoDB",
    async () => new DynamoHandlerStateStore({ table: await createTestTable(await env()), clock: systemClock }),
  );
}
