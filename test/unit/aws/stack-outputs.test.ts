import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resourcesFromOutputs } from "../../../shared/aws/stack-outputs.ts";

describe("stack outputs -> resources", () => {
  it("finds the names by output key suffix, the DLQ apart from the job queue", () => {
    assert.deepEqual(
      resourcesFromOutputs({
        OrchestratorTableName1A2B3C4D: "evd-table",
        OrchestratorJobQueueUrlC3D4E5F6: "https://sqs/jobs",
        OrchestratorDeadLetterQueueUrlE5F6A7B8: "https://sqs/dlq",
        OrchestratorApiUrl: "https://api",
        Unrelated: "x",
      }),
      { tableName: "evd-table", queueUrl: "https://sqs/jobs", dlqUrl: "https://sqs/dlq", apiUrl: "https://api" },
    );
  });

  it("does not take a DLQ URL output for the job queue", () => {
    assert.deepEqual(resourcesFromOutputs({ DlqQueueUrl: "https://sqs/dlq", QueueUrl: "https://sqs/jobs" }), {
      dlqUrl: "https://sqs/dlq",
      queueUrl: "https://sqs/jobs",
    });
  });

  it("reads the keys the infra stack writes", () => {
    assert.deepEqual(
      resourcesFromOutputs({
        EvdQueueUrl: "https://sqs/jobs",
        EvdQueueArn: "arn:q",
        EvdDlqUrl: "https://sqs/dlq",
        EvdDlqArn: "arn:d",
        EvdTableName: "evd-state",
        EvdScheduleGroup: "evd-schedules",
        EvdApiUrl: "https://api/",
        EvdScheduleNames: "a,b",
      }),
      {
        queueUrl: "https://sqs/jobs",
        dlqUrl: "https://sqs/dlq",
        tableName: "evd-state",
        scheduleGroup: "evd-schedules",
        apiUrl: "https://api/",
      },
    );
  });
});
