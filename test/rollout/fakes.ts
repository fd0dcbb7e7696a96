/** Fakes for the rollout engine's interfaces: a clock that advances instantly, a router, scripted gates. */
import type {
  AbortRequestSource,
  CanaryIngressRef,
  CanaryPod,
  CanaryPodSource,
  Clock,
  Gate,
  GateContext,
  GateResult,
  Logger,
  SteeringSource,
  TrafficRouter,
} from "../../components/rollout/types";
import type { Steering } from "../../components/rollout/steering";

export class FakeClock implements Clock {
  nowMs = 0;
  /** Called after every sleep with the new time, e.g. to fire an abort at a given moment. */
  onSleep: (nowMs: number) => void = () => undefined;

  now(): number {
    return this.nowMs;
  }

  async sleep(ms: number): Promise<void> {
    this.nowMs += ms;
    this.onSleep(this.nowMs);
  }
}

export class FakeRouter implements TrafficRouter {
  weight: number;
  /** Set to have messages name the Ingress and the kubectl commands. */
  canaryIngress: CanaryIngressRef | undefined = undefined;
  readonly writes: number[] = [];
  /** Throws for these target weights; `landed` writes the weight before throwing (a lost response). */
  failures = new Map<number, { error: Error; landed?: boolean }>();

  constructor(initialWeight = 0) {
    this.weight = initialWeight;
  }

  async getCanaryWeight(): Promise<number> {
    return this.weight;
  }

  async setCanaryWeight(weight: number): Promise<void> {
    this.writes.push(weight);
    const failure = this.failures.get(weight);
    if (failure !== undefined) {
      if (failure.landed === true) this.weight = weight;
      throw failure.error;
    }
    this.weight = weight;
  }
}

export class RecordingLogger implements Logger {
  readonly lines: string[] = [];

  info(line: string): void {
    this.lines.push(line);
  }

  warn(line: string): void {
    this.lines.push(`WARN ${line}`);
  }
}

export const OK: GateResult = { ok: true, measured: "fine", threshold: "fine" };

/** A gate whose result is decided by a script from the context and the clock. */
export function scriptedGate(
  name: string,
  clock: FakeClock,
  script: (ctx: GateContext, nowMs: number) => GateResult | Error,
): Gate & { readonly begun: number[] } {
  const begun: number[] = [];
  return {
    name,
    begun,
    async beginStep(ctx) {
      begun.push(ctx.step);
    },
    async check(ctx) {
      const result = script(ctx, clock.now());
      if (result instanceof Error) throw result;
      return result;
    },
  };
}

/** Pods whose state a test changes between calls. */
export class FakePods implements CanaryPodSource {
  pods: CanaryPod[] = [{ name: "ws-gateway-v2-a", ready: true, restarts: 0 }];
  /** Called before each list with the clock time, to script changes. */
  beforeList: (pods: CanaryPod[]) => CanaryPod[] = (pods) => pods;

  async listCanaryPods(): Promise<readonly CanaryPod[]> {
    this.pods = this.beforeList(this.pods);
    return this.pods;
  }
}

/** An abort request a test sets and clears; names its Ingress only when given one. */
export class FakeAbortRequest implements AbortRequestSource {
  reason: string | undefined = undefined;
  reads = 0;

  constructor(readonly canaryIngress?: CanaryIngressRef) {}

  async getAbortRequest(): Promise<string | undefined> {
    this.reads += 1;
    return this.reason;
  }
}

/** The operator's pause and promote requests, scripted from the clock; names its Ingress when given one. */
export class FakeSteering implements SteeringSource {
  /** Decides the requests at each read from the clock time. */
  script: (nowMs: number) => Steering = () => ({});
  reads = 0;

  constructor(
    private readonly clock: FakeClock,
    readonly canaryIngress?: CanaryIngressRef,
  ) {}

  async getSteering(): Promise<Steering> {
    this.reads += 1;
    return this.script(this.clock.now());
  }
}
