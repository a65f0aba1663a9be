import { Duration } from "aws-cdk-lib";
import type * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sns from "aws-cdk-lib/aws-sns";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { METRIC_NAMESPACE, Metric } from "../../functions/metrics.ts";
import { TABLE_KEYS } from "../table-keys.ts";

export interface OrchestratorMonitoringProps {
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly runner: lambda.IFunction;
  readonly ingest: lambda.IFunction;
  readonly table: dynamodb.ITable;
  /** The webhook API and its access log group; absent when the config has no HTTP source. */
  readonly api?: { readonly api: apigwv2.IHttpApi; readonly accessLogGroup: logs.ILogGroup };
  /** Alarm when the oldest job has waited this long. */
  readonly maxQueueAge: Duration;
  /** @default - alarms have no action (they show in the console and the dashboard) */
  readonly alarmTopic?: sns.ITopic;
  /** Dashboards are global to the account: the name must be unique across regions. */
  readonly dashboardName: string;
  /** Alarm when the storm breaker pauses a webhook source (the config has HTTP sources and the breaker on). */
  readonly alarmOnPausedSources: boolean;
}

/**
 * Alarms on what needs a human: a job in the DLQ, runner errors, a queue that is not drained
 * (oldest message age), ingest errors; and, because each of these loses or delays deliveries
 * silently otherwise: API 5xx, API 429s (GitHub does not retry a throttled delivery), ingest
 * 503s (queue or secret store unavailable), Lambda throttles of either function, DynamoDB
 * throttles (table or index); and a webhook source the storm breaker paused. A dashboard shows
 * the flow (received, queued, running, failed, dead-lettered) and the guardrails.
 */
export class OrchestratorMonitoring extends Construct {
  readonly dlqNotEmpty: cloudwatch.Alarm;
  readonly runnerErrors: cloudwatch.Alarm;
  readonly ingestErrors: cloudwatch.Alarm;
  readonly queueAge: cloudwatch.Alarm;
  readonly ingestUnavailable: cloudwatch.Alarm;
  readonly ingestThrottles: cloudwatch.Alarm;
  readonly runnerThrottles: cloudwatch.Alarm;
  readonly tableThrottles: cloudwatch.Alarm;
  /** Absent without an API. */
  readonly apiServerErrors: cloudwatch.Alarm | undefined;
  readonly apiThrottled: cloudwatch.Alarm | undefined;
  /** Absent without webhook sources or with the breaker off. */
  readonly sourcePaused: cloudwatch.Alarm | undefined;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OrchestratorMonitoringProps) {
    super(scope, id);
    const minute = Duration.minutes(1);
    const fiveMinutes = Duration.minutes(5);
    const anyOver = (alarmId: string, metric: cloudwatch.IMetric, description: string) =>
      new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
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
    this.ingestUnavailable = anyOver(
      "IngestUnavailable",
      new cloudwatch.Metric({
        namespace: METRIC_NAMESPACE,
        metricName: "rejected",
        dimensionsMap: { service: "ingest", status: "503" },
        period: fiveMinutes,
        statistic: "Sum",
      }),
      "Ingest answered 503 (queue or secret store unavailable): nothing was enqueued; GitHub does not redeliver on its own (redeliver from the webhook's settings).",
    );
    this.ingestThrottles = anyOver(
      "IngestThrottles",
      props.ingest.metricThrottles({ period: fiveMinutes, statistic: "Sum" }),
      "The ingest function was throttled (account concurrency): senders got a 5xx. Raise the account's Lambda concurrency or reserve some for ingest.",
    );
    this.runnerThrottles = anyOver(
      "RunnerThrottles",
      props.runner.metricThrottles({ period: fiveMinutes, statistic: "Sum" }),
      "The runner function was throttled: jobs wait longer, and a throttled batch counts as a receive toward the DLQ.",
    );
    const tableName = props.table.tableName;
    const throttleEvents = (metricName: string, extra: Record<string, string> = {}) =>
      new cloudwatch.Metric({
        namespace: "AWS/DynamoDB",
        metricName,
        dimensionsMap: { TableName: tableName, ...extra },
        period: fiveMinutes,
        statistic: "Sum",
      });
    this.tableThrottles = anyOver(
      "TableThrottles",
      new cloudwatch.MathExpression({
        expression: "FILL(r, 0) + FILL(w, 0) + FILL(iw, 0)",
        usingMetrics: {
          r: throttleEvents("ReadThrottleEvents"),
          w: throttleEvents("WriteThrottleEvents"),
          iw: throttleEvents("WriteThrottleEvents", { GlobalSecondaryIndexName: TABLE_KEYS.log.indexName }),
        },
        period: fiveMinutes,
        label: "DynamoDB throttle events",
      }),
      "DynamoDB throttled reads or writes of the state table or its index: dedupe, claims or history may fail and be retried (see docs/capacity.md).",
    );
    if (props.api) {
      this.apiServerErrors = anyOver(
        "ApiServerErrors",
        props.api.api.metricServerError({ period: fiveMinutes, statistic: "Sum" }),
        "The webhook API answered 5xx: deliveries were not accepted.",
      );
      new logs.MetricFilter(this, "ApiThrottledFilter", {
        logGroup: props.api.accessLogGroup,
        filterPattern: logs.FilterPattern.numberValue("$.status", "=", 429),
        metricNamespace: METRIC_NAMESPACE,
        metricName: "api_throttled",
        metricValue: "1",
        defaultValue: 0,
      });
      this.apiThrottled = anyOver(
        "ApiThrottled",
        new cloudwatch.Metric({
          namespace: METRIC_NAMESPACE,
          metricName: "api_throttled",
          period: fiveMinutes,
          statistic: "Sum",
        }),
        "The webhook API answered 429 (stage throttling): GitHub does not retry these deliveries. Raise cloud.api_rate_limit / api_burst_limit.",
      );
    }
    const guardrailMetric = (metricName: string, service: string) =>
      new cloudwatch.Metric({
        namespace: METRIC_NAMESPACE,
        metricName,
        dimensionsMap: { service },
        period: fiveMinutes,
        statistic: "Sum",
      });
    const paused = guardrailMetric(Metric.SOURCE_PAUSED, "ingest");
    this.sourcePaused = props.alarmOnPausedSources
      ? anyOver(
          "SourcePaused",
          paused,
          "The storm breaker paused a webhook source (more than guardrails.storm.max_events events per window): its deliveries get 429 until the cooldown ends. Check the sender (logs: 'source paused by the storm breaker'), then `evd cloud breaker resume SOURCE` or wait.",
        )
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
      new cloudwatch.AlarmStatusWidget({ title: "Alarms", alarms: [...this.alarms], width: 24, height: 3 }),
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
          guardrailMetric(Metric.SOURCE_PAUSED, "runner").with({ label: "source_paused (runner)" }),
          // Counted per handler (dimensions service + handler): every handler's line.
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${METRIC_NAMESPACE},handler,service} MetricName="${Metric.BUDGET_EXCEEDED}"', 'Sum', 300)`,
            usingMetrics: {},
            label: Metric.BUDGET_EXCEEDED,
            period: fiveMinutes,
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
      this.ingestUnavailable,
      this.ingestThrottles,
      this.runnerThrottles,
      this.tableThrottles,
      ...(this.apiServerErrors ? [this.apiServerErrors] : []),
      ...(this.apiThrottled ? [this.apiThrottled] : []),
      ...(this.sourcePaused ? [this.sourcePaused] : []),
    ];
  }
}
