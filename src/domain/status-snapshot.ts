/**
 * The status document (`GET /v1/status`, the dashboard's events, the metrics' gauges) as a TypeBox schema and
 * its type: src/system/up.ts builds a StatusSnapshot, the web tier serves it (src/web/routes/status.ts) and
 * src/observability reads one without guessing its shape; here so that both import it downward.
 */
import { Type, type Static } from 'typebox';
import { nullable } from './json-schema.js';

const queueDepthSchema = Type.Object({ visible: Type.Number(), inFlight: Type.Number(), delayed: Type.Number() });

const instanceSchema = Type.Object({
  name: Type.String(),
  id: Type.String(),
  state: Type.String(),
  ready: Type.Boolean(),
  busy: Type.Optional(Type.Number()),
  runtime: Type.Optional(Type.String({ description: 'What runs the model: onnx (native) or wasm, with the engine' })),
});

const decisionSchema = Type.Object(
  {
    at: Type.Number(),
    desired: Type.Number(),
    current: Type.Number({ description: 'Pending + running instances when the decision was made' }),
    backlog: Type.Optional(queueDepthSchema),
    reason: Type.String({ description: "The policy's arithmetic behind the decision" }),
    summary: Type.Optional(Type.String({ description: 'The decision in a sentence, e.g. "Scaled in to 0: idle for 1 s"' })),
  },
  { additionalProperties: true },
);

const lastDecisionSchema = Type.Object({ at: Type.Number(), desired: Type.Number(), reason: Type.String() }, { additionalProperties: true });

const launchBackoffSchema = Type.Object(
  { failedStarts: Type.Number(), nextLaunchAt: Type.Number(), lastFailure: Type.String() },
  {
    description: 'Set while launches are held back after instances failed to start: failedStarts, nextLaunchAt, lastFailure',
    additionalProperties: true,
  },
);

/** This web process's load shedding (src/web/admission.ts), as the status reports it. */
export interface AdmissionSnapshot {
  readonly bodyBudgetBytes: number;
  readonly bodyBytesHeld: number;
  /** Bytes of bodies admitted since start (what passed through). */
  readonly bodyBytesAdmitted: number;
  readonly bodiesHeld: number;
  /** Accepted work waiting for room in the budget. */
  readonly bodiesWaitingForRoom: number;
  /** Recognitions of this process admitted and not answered yet. */
  readonly recognitionsInProgress: number;
  readonly answersPerSecond: number;
  /** Whether answersPerSecond was measured (false: assumed from the configuration). */
  readonly rateMeasured: boolean;
  readonly predictedWaitMs: number;
  readonly maxQueueWaitMs: number;
  /** Requests refused since start, by reason. */
  readonly shed: { readonly memory: number; readonly wait: number };
}

const admissionSchema = Type.Object(
  {
    bodyBudgetBytes: Type.Number(),
    bodyBytesHeld: Type.Number(),
    bodyBytesAdmitted: Type.Number(),
    bodiesHeld: Type.Number(),
    bodiesWaitingForRoom: Type.Number(),
    recognitionsInProgress: Type.Number(),
    answersPerSecond: Type.Number(),
    rateMeasured: Type.Boolean(),
    predictedWaitMs: Type.Number(),
    maxQueueWaitMs: Type.Number(),
    shed: Type.Object({ memory: Type.Number(), wait: Type.Number() }),
  },
  {
    description:
      "This web process's load shedding: request bodies held against the budget, the predicted wait for an answer "
      + 'against its bound, and the requests refused with 503 for each',
  },
);

export const statusSchema = Type.Object(
  {
    queue: queueDepthSchema,
    deadLetterQueue: queueDepthSchema,
    backlog: Type.Number(),
    instances: Type.Array(instanceSchema),
    desired: Type.Number(),
    maxInstances: Type.Number(),
    latencyTargetMs: Type.Optional(
      Type.Number({ description: "The autoscaler's latency target (autoscaler.latencyTargetMs): the p95 answer time it sizes for" }),
    ),
    lastDecision: nullable(lastDecisionSchema),
    launchBackoff: nullable(launchBackoffSchema),
    recentDecisions: Type.Array(decisionSchema),
    recentChanges: Type.Optional(
      Type.Array(decisionSchema, { description: 'The last 20 decisions that scaled up or in, oldest first (a burst makes many decisions a second)' }),
    ),
    decisionTotals: Type.Object(
      { up: Type.Number(), down: Type.Number(), hold: Type.Number() },
      { description: 'Every autoscaler decision since it started, by direction' },
    ),
    autoscalerError: nullable(Type.String({ description: "The autoscaler's last error, if any" })),
    webTier: Type.Object(
      { replyQueue: Type.String(), waiting: Type.Number({ description: 'Requests waiting for a reply' }) },
      { description: "This web-tier process's reply queue" },
    ),
    admission: Type.Optional(admissionSchema),
  },
  { additionalProperties: true },
);

export type StatusSnapshot = Static<typeof statusSchema>;
