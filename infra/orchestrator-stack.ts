import { Stack, type StackProps, Validations } from "aws-cdk-lib";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type { Construct } from "constructs";
import { EventDrivenOrchestrator, type EventDrivenOrchestratorProps } from "./event-driven-orchestrator.ts";

export interface OrchestratorStackProps extends StackProps {
  /** Everything the orchestrator construct takes: the config, its deploy bundle, the overrides. */
  readonly orchestrator: EventDrivenOrchestratorProps;
  /**
   * Send the alarms (and their recovery) to this address through a new SNS topic; the address
   * confirms the subscription by mail first.
   * @default - no topic (unless `orchestrator.alarmTopic` is given)
   */
  readonly alarmEmail?: string;
}

/** The app's stack: an `EventDrivenOrchestrator` (plus, on request, its alarm topic), so its outputs keep plain names. */
export class OrchestratorStack extends Stack {
  readonly orchestrator: EventDrivenOrchestrator;
  readonly alarmTopic: sns.ITopic | undefined;

  constructor(scope: Construct, id: string, props: OrchestratorStackProps) {
    super(scope, id, props);
    this.alarmTopic =
      props.orchestrator.alarmTopic ?? (props.alarmEmail ? this.emailTopic(props.alarmEmail) : undefined);
    this.orchestrator = new EventDrivenOrchestrator(this, "Orchestrator", {
      ...props.orchestrator,
      ...(this.alarmTopic ? { alarmTopic: this.alarmTopic } : {}),
    });
  }

  private emailTopic(address: string): sns.Topic {
    const topic = new sns.Topic(this, "AlarmTopic", { displayName: "loop-event-driven alarms", enforceSSL: true });
    topic.addSubscription(new subscriptions.EmailSubscription(address));
    Validations.of(topic).acknowledge({
      id: "AwsSolutions-SNS2",
      reason:
        "The topic carries CloudWatch alarm state changes only (no payloads, no secrets); CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer key for alarm names is not worth its cost.",
    });
    return topic;
  }
}
