/**
 * A run waiting at an approval gate (Amplifier's staged recipes): what the person is asked, and
 * everything the run needs to continue from there once approved. Stored with the job, durably;
 * JSON all the way through.
 */
export const GateWhen = { BEFORE_STAGE: "before_stage", AFTER_STAGE: "after_stage" } as const;
export type GateWhen = (typeof GateWhen)[keyof typeof GateWhen];

export interface ApprovalGate {
  /** The recipe (canonical id) and the stage whose gate this is. */
  readonly recipe: string;
  readonly stage: string;
  readonly stageIndex: number;
  readonly when: GateWhen;
  /** The approval prompt, rendered with what the run knows at the gate. */
  readonly prompt: string;
  /** Seconds to wait before `onTimeout` decides; 0 waits until someone answers. */
  readonly timeoutSeconds: number;
  readonly onTimeout: "approve" | "deny";
}

/** The state of a recipe run at a gate: enough to continue it in another process, later. */
export interface RunSnapshot {
  /** Index of the stage to run next. */
  readonly nextStage: number;
  /** True when the next stage's own `before_stage` gate has been passed (it was this gate). */
  readonly gatePassed: boolean;
  readonly context: Readonly<Record<string, unknown>>;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly named: Readonly<Record<string, unknown>>;
  readonly steps: readonly { readonly output?: unknown; readonly error?: string; readonly skipped?: boolean }[];
  readonly skipped: readonly string[];
  readonly last: { readonly has: boolean; readonly output?: unknown };
  readonly actions: readonly string[];
  readonly promptSteps: number;
}

export interface ParkedRun {
  readonly gate: ApprovalGate;
  readonly snapshot: RunSnapshot;
}

export interface GateDecision {
  readonly approved: boolean;
  /** ISO time of the decision. */
  readonly at: string;
  /** `cli`, `timeout`, or who answered. */
  readonly by: string;
  readonly message?: string;
}

/** What a job carries when it runs again after its gate was approved. */
export interface RunResume {
  readonly parked: ParkedRun;
  readonly decision: GateDecision;
}
