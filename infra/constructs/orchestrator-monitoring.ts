import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as sns from "aws-cdk-lib/aws-sns";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface OrchestratorMonitoringProps {
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly runner: lambda.IFunction;
  readonly ingest: lambda.IFunction;
  /** Alarm when the oldest job has waited this long. */
  readonly maxQueueAge: Duration;
  /** @default - alarms have no action (they show in the console and the dashboard) */
  readonly alarmTopic?: sns.ITopic;
  readonly dashboardName: string;
  /** Alarm when the storm breaker pauses a webhook source (the config has HTTP sources and the breaker on). */
  readonly alarmOnPausedSources: boolean;
}

/** The runtime's metric namespace (functions/metrics.ts) and the guardrails' metrics in it. */
export const GUARDRAIL_METRICS = {
  namespace: "LoopEventDriven",
  sourcePaused: "source_paused",
  budgetExceeded: "budget_exceeded",
} as const;

/**
 * Alarms on what needs a human: a job in the DLQ, runner errors, a queue that is not drained
 * (oldest message age), ingest errors, a source the storm breaker paused; and a dashboard of the
 * flow (received, queued, running, failed, dead-lettered) and of the guardrails.
 */
export class OrchestratorMonitoring extends Construct {
  readonly dlqNotEmpty: cloudwatch.Alarm;
  readonly runnerErrors: cloudwatch.Alarm;
  readonly ingestErrors: cloudwatch.Alarm;
  readonly queueAge: cloudwatch.Alarm;
  /** Absent without webhook sources or with the breaker off. */
  readonly sourcePaused: cloudwatch.Alarm | undefined;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OrchestratorMonitoringProps) {
    super(scope, id);
    const minute = Duration.minutes(1);
    const dlqVisible = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: minute,
      statistic: "Maximum",
    });
    const queueAge = props.queue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: "Maximum" });
    const runnerErrors = props.runner.metricErrors({ period: Duration.minutes(5), statistic: "Sum" });
    const ingestErrors = props.ingest.metricErrors({ period: Duration.minutes(5), statistic: "Sum" });

    this.dlqNotEmpty = new cloudwatch.Alarm(this, "DlqNotEmpty", {
      alarmDescription:
        "A job exhausted its retries and is in the DLQ: inspect with `evd cloud dlq list`, fix, then `evd cloud dlq redrive`.",
      metric: dlqVisible,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.runnerErrors = new cloudwatch.Alarm(this, "RunnerErrors", {
      alarmDescription: "The runner function failed (crash or timeout) outside the per-record error handling.",
      metric: runnerErrors,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.ingestErrors = new cloudwatch.Alarm(this, "IngestErrors", {
      alarmDescription: "The ingest function failed: webhook senders got a 5xx and will retry or give up.",
      metric: ingestErrors,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.queueAge = new cloudwatch.Alarm(this, "QueueAge", {
      alarmDescription: `The oldest job has waited more than ${props.maxQueueAge.toHumanString()}: the runners do not keep up (or are throttled).`,
      metric: queueAge,
      threshold: props.maxQueueAge.toSeconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const guardrailMetric = (name: string, service: string) =>
      new cloudwatch.Metric({
        namespace: GUARDRAIL_METRICS.namespace,
        metricName: name,
        dimensionsMap: { service },
        period: Duration.minutes(5),
        statistic: "Sum",
      });
    const paused = guardrailMetric(GUARDRAIL_METRICS.sourcePaused, "ingest");
    this.sourcePaused = props.alarmOnPausedSources
      ? new cloudwatch.Alarm(this, "SourcePaused", {
          alarmDescription:
            "The storm breaker paused a webhook source (more than guardrails.storm.max_events events per window): its deliveries get 429 until the cooldown ends. Check the sender (logs: 'source paused by the storm breaker'), then `evd cloud breaker resume SOURCE` or wait.",
          metric: paused,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        })
      : undefined;
    if (props.alarmTopic) {
      const action = new actions.SnsAction(props.alarmTopic);
      for (const alarm of this.alarms) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }

    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", { dashboardName: props.dashboardName });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: "Alarms",
        alarms: [...this.alarms],
        width: 24,
        height: 3,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Jobs queued / in flight",
        left: [
          props.queue.metricApproximateNumberOfMessagesVisible({ period: minute, label: "queued" }),
          props.queue.metricApproximateNumberOfMessagesNotVisible({ period: minute, label: "in flight" }),
          props.queue.metricNumberOfMessagesSent({ period: minute, statistic: "Sum", label: "sent" }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({ title: "Oldest job age (s)", left: [queueAge], width: 8 }),
      new cloudwatch.GraphWidget({ title: "Dead-lettered jobs", left: [dlqVisible], width: 8 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Ingest",
        left: [
          props.ingest.metricInvocations({ period: minute, statistic: "Sum" }),
          ingestErrors,
          props.ingest.metricThrottles({ period: minute, statistic: "Sum" }),
        ],
        right: [props.ingest.metricDuration({ period: minute, statistic: "p99" })],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Runner",
        left: [
          props.runner.metricInvocations({ period: minute, statistic: "Sum" }),
          runnerErrors,
          props.runner.metricThrottles({ period: minute, statistic: "Sum" }),
        ],
        right: [props.runner.metricDuration({ period: minute, statistic: "p99" })],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Guardrails: paused sources, jobs over budget",
        left: [
          paused.with({ label: "source_paused (ingest)" }),
          guardrailMetric(GUARDRAIL_METRICS.sourcePaused, "runner").with({ label: "source_paused (runner)" }),
          // Counted per handler (dimensions service + handler): every handler's line.
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${GUARDRAIL_METRICS.namespace},handler,service} MetricName="${GUARDRAIL_METRICS.budgetExceeded}"', 'Sum', 300)`,
            usingMetrics: {},
            label: "budget_exceeded",
            period: Duration.minutes(5),
          }),
        ],
        width: 24,
      }),
    );
  }

  get alarms(): readonly cloudwatch.Alarm[] {
    return [
      this.dlqNotEmpty,
      this.runnerErrors,
      this.ingestErrors,
      this.queueAge,
      ...(this.sourcePaused ? [this.sourcePaused] : []),
    ];
  }
}
