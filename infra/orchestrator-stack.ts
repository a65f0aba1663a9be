import { Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { EventDrivenOrchestrator, type EventDrivenOrchestratorProps } from "./event-driven-orchestrator.ts";

export interface OrchestratorStackProps extends StackProps {
  /** Everything the orchestrator construct takes: the config, its deploy bundle, the overrides. */
  readonly orchestrator: EventDrivenOrchestratorProps;
}

/** The app's one stack: an `EventDrivenOrchestrator` and nothing else, so its outputs keep plain names. */
export class OrchestratorStack extends Stack {
  readonly orchestrator: EventDrivenOrchestrator;

  constructor(scope: Construct, id: string, props: OrchestratorStackProps) {
    super(scope, id, props);
    this.orchestrator = new EventDrivenOrchestrator(this, "Orchestrator", props.orchestrator);
  }
}
