/**
 * DynamoDB Local for the tests: the product's starter (`evd cloud local` runs it too), and the
 * harness's error type and server shape, which the other harness files use.
 */
export { dynamoLocalDir, freePort, startDynamoLocal } from "../../local/cloud-local/emulators/dynamodb-local.ts";
export type { RunningServer } from "../../local/cloud-local/emulators/http-service.ts";

export class HarnessError extends Error {
  override readonly name = "HarnessError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
