/**
 * Pulumi dynamic resources that run the rollout engine inside `pulumi up`.
 *
 * How the providers reach the engine. Pulumi serializes a dynamic provider with
 * its closure (runtime/closure serializeFunction) into the `__provider` input,
 * and its dynamic-provider host later rebuilds it with require-from-string in
 * a separate plain `node` process: no ts-node there, and the module text has no
 * file of its own. What the serializer does with what a provider captures:
 * - a module under node_modules, or a Node built-in, becomes `require("<name>")`,
 *   resolved at run time from the host's working directory (the project);
 * - a local module (ours) is captured by value: the functions and classes the
 *   provider reaches are copied into the text, transitively.
 * So the providers below capture only functions of this module, which in turn
 * use the engine, gates, router and client modules as values; the only
 * packages they require by name are `ws` and `js-yaml` (and Node built-ins).
 * Requiring our modules by an absolute path instead would break: under ts-node
 * those paths are .ts files, and the path would be frozen into the stack state,
 * where a later `pulumi up` from another checkout still runs it for deletes.
 * The price of by-value capture: our rollout modules must stay serializable
 * (no `#private` fields, no module-level mutable state shared across calls,
 * no dynamic `require`). test/rollout/canaryRollout.test.ts checks it by
 * loading the serialized text in a fresh `node` process.
 *
 * Output. `pulumi.log` does not reach the engine from a dynamic provider
 * (pulumi/pulumi#18249, #6065); since Pulumi 3.146 (pulumi/pulumi#18253) the
 * provider's stdout and stderr are passed through to `pulumi up`, so progress
 * lines go to stderr with console.error, one line per event.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  describeSchedule,
  runFirstRelease,
  runRollout,
  validateSchedule,
  type RolloutResult,
} from "./engine";
import { buildGates, buildRouteCheck, identityWarning, type GatesConfig } from "./gates";
import { holderIdentity, LEASE_HELD, LEASE_RENEW_SECONDS } from "./lease";
import { ReleaseRecorder } from "./releaseStatus";
import { resumeDecision } from "./resume";
import { KubernetesCanaryRouter } from "./kubernetesRouter";
import { errorText, isApiError } from "./apiError";
import { DEFAULT_API_RETRY_BUDGET_SECONDS, DEFAULT_ON_ABORT, ON_ABORT_MODES, type OnAbort } from "./defaults";
import { formatDuration } from "./messages";
import { withRetries } from "./retry";
import type { CallBudget, Clock, Logger, RolloutStep } from "./types";

/** First line of the plan `pulumi preview` prints. */
export const PREVIEW_PLAN_HEADER =
  "rollout plan when gateway.version changes (an unchanged version does nothing; a first release runs the gates once at weight 0 and promotes; a held version resumes from its weight):";

/** Which canary Ingress and version a resource acts on. */
export interface CanaryTargetArgs {
  readonly namespace: pulumi.Input<string>;
  /** The permanent canary Ingress whose `canary-weight` annotation the rollout owns. */
  readonly canaryIngressName: pulumi.Input<string>;
  /** The version being released (the canary Service selects it). */
  readonly version: pulumi.Input<string>;
  /** Kubeconfig text (YAML or JSON), kept secret in state. @default kubectl's lookup ($KUBECONFIG, ~/.kube/config, in-cluster) in the process running `pulumi up` */
  readonly kubeconfig?: pulumi.Input<string>;
  /** kubeconfig context to use. @default the kubeconfig's current context */
  readonly kubeContext?: pulumi.Input<string>;
  /** Per Kubernetes API request. @default DEFAULT_REQUEST_TIMEOUT_SECONDS */
  readonly requestTimeoutSeconds?: pulumi.Input<number>;
  /** How long transient API failures are retried per call (rollout.api.retryBudget). @default DEFAULT_API_RETRY_BUDGET_SECONDS */
  readonly retryBudgetSeconds?: pulumi.Input<number>;
  /** After an abort, how long setting the weight to 0 is retried (rollout.api.abortBudget). @default DEFAULT_API_ABORT_BUDGET_SECONDS */
  readonly abortBudgetSeconds?: pulumi.Input<number>;
  /** "project/stack", named on the release Lease so a second release's refusal says who holds it. @default "unknown stack" */
  readonly releaseOwner?: pulumi.Input<string>;
  /** The stable Service, whose live selector says which version serves (not the state's memory). @default none (the state's) */
  readonly stableServiceName?: pulumi.Input<string>;
}

export type CanaryWeightResetArgs = CanaryTargetArgs;

export interface CanaryRolloutArgs extends CanaryTargetArgs {
  readonly steps: pulumi.Input<RolloutStep[]>;
  readonly gates: pulumi.Input<GatesConfig>;
  /**
   * For a schedule that holds below 100: the version the stable route keeps.
   * Checked against the version this resource last left on the stable route.
   * @default none (the schedule ends at 100)
   */
  readonly stableVersion?: pulumi.Input<string>;
  /** What an abort does to the clients already on the canary (rollout.onAbort). @default DEFAULT_ON_ABORT */
  readonly onAbort?: pulumi.Input<OnAbort>;
  /** The gateway container port of its /metrics, for the abnormal-close gate. @default none */
  readonly metricsPort?: pulumi.Input<number>;
}

/** Plain inputs as the provider receives them. */
interface TargetInputs {
  readonly namespace: string;
  readonly canaryIngressName: string;
  readonly version: string;
  readonly kubeconfig?: string;
  readonly kubeContext?: string;
  readonly requestTimeoutSeconds?: number;
  readonly retryBudgetSeconds?: number;
  readonly abortBudgetSeconds?: number;
  readonly releaseOwner?: string;
  readonly stableServiceName?: string;
}

interface RolloutInputs extends TargetInputs {
  readonly steps: RolloutStep[];
  readonly gates: GatesConfig;
  readonly stableVersion?: string;
  readonly onAbort?: OnAbort;
  readonly metricsPort?: number;
}

/** State kept by CanaryWeightReset; the kubeconfig stays out of outputs. */
export interface WeightResetOutputs {
  readonly namespace: string;
  readonly canaryIngressName: string;
  readonly version: string;
  readonly weight: number;
}

/** State kept by CanaryRollout; diff compares against it. */
export interface RolloutOutputs {
  readonly namespace: string;
  readonly canaryIngressName: string;
  readonly version: string;
  readonly steps: RolloutStep[];
  readonly gates: GatesConfig;
  readonly outcome: "promoted" | "held";
  readonly weight: number;
  /** Set while held: the version the stable route kept. */
  readonly stableVersion?: string;
}

function stderrLogger(version: string): Logger {
  const prefix = `[ws-gateway rollout ${version}]`;
  return {
    info: (line) => console.error(`${prefix} ${line}`),
    warn: (line) => console.error(`${prefix} warning: ${line}`),
  };
}

function systemClock(): Clock {
  return { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
}

function routerFor(inputs: TargetInputs & { readonly metricsPort?: number }): KubernetesCanaryRouter {
  return new KubernetesCanaryRouter({
    kubeconfig: inputs.kubeconfig,
    kubeContext: inputs.kubeContext,
    namespace: inputs.namespace,
    canaryIngressName: inputs.canaryIngressName,
    version: inputs.version,
    requestTimeoutSeconds: inputs.requestTimeoutSeconds,
    metricsPort: inputs.metricsPort,
  });
}

function apiBudgets(inputs: TargetInputs): { retryBudgetSeconds?: number; abortBudgetSeconds?: number } {
  return {
    ...(inputs.retryBudgetSeconds === undefined ? {} : { retryBudgetSeconds: inputs.retryBudgetSeconds }),
    ...(inputs.abortBudgetSeconds === undefined ? {} : { abortBudgetSeconds: inputs.abortBudgetSeconds }),
  };
}

function sameTarget(olds: TargetInputs, news: TargetInputs): boolean {
  return (
    olds.namespace === news.namespace &&
    olds.canaryIngressName === news.canaryIngressName &&
    olds.version === news.version
  );
}

/** A router call outside the engine, with the same retries under rollout.api.retryBudget, each attempt within what is left. */
function retried<T>(inputs: TargetInputs, call: (budget: CallBudget | undefined) => Promise<T>): Promise<T> {
  const logger = stderrLogger(inputs.version);
  return withRetries((leftMs) => call(leftMs === undefined ? undefined : { timeoutMs: leftMs }), {
    clock: systemClock(),
    budgetSeconds: inputs.retryBudgetSeconds ?? DEFAULT_API_RETRY_BUDGET_SECONDS,
    budgetKey: "rollout.api.retryBudget",
    onRetry: (attempt, delayMs, error) =>
      logger.warn(`${error.summary}; retrying in ${formatDuration(delayMs / 1000)} (attempt ${attempt + 1})`),
  });
}

/**
 * Runs `work` holding the canary Ingress's release Lease (./lease): taken
 * first (a second release is refused there, before anything is written),
 * renewed every LEASE_RENEW_SECONDS, given up at the end. `work` is told
 * through its signal when another holder took the Lease, so it aborts.
 */
async function underLease<T>(
  inputs: TargetInputs,
  router: KubernetesCanaryRouter,
  work: (lost: AbortSignal) => Promise<T>,
): Promise<T> {
  const logger = stderrLogger(inputs.version);
  const owner = inputs.releaseOwner ?? "unknown stack";
  const lease = router.lease(holderIdentity(owner), owner);
  try {
    await retried(inputs, (budget) => lease.acquire(budget));
  } catch (error) {
    if (error instanceof Error && error.name === LEASE_HELD) throw error;
    const what = isApiError(error) ? error.summary : errorText(error);
    const fix = isApiError(error) && error.fix !== "" ? `; ${error.fix}` : "";
    throw new Error(
      `could not take the release Lease of the canary Ingress: ${what}; nothing was changed${fix}`,
    );
  }
  const lost = new AbortController();
  let renewing = false;
  const timer = setInterval(() => {
    if (renewing) return;
    renewing = true;
    lease
      .renew({ timeoutMs: LEASE_RENEW_SECONDS * 1000 })
      .then((reason) => {
        if (reason !== undefined) lost.abort(new Error(reason));
      })
      .catch((error: unknown) =>
        logger.warn(
          `renewing the release Lease failed (tried again in ${formatDuration(LEASE_RENEW_SECONDS)}): ${isApiError(error) ? error.summary : errorText(error)}`,
        ),
      )
      .finally(() => {
        renewing = false;
      });
  }, LEASE_RENEW_SECONDS * 1000);
  try {
    return await work(lost.signal);
  } finally {
    clearInterval(timer);
    await lease.release({ timeoutMs: LEASE_RENEW_SECONDS * 1000 });
  }
}

/**
 * The version the live stable Service selects, compared with what this
 * stack's state remembers; the cluster's wins, and a mismatch is said with
 * the fix. Falls back to the state's when the Service cannot be read.
 */
async function liveServingVersion(
  inputs: RolloutInputs,
  router: KubernetesCanaryRouter,
  previous: RolloutOutputs,
): Promise<string | undefined> {
  const remembered = servingVersion(previous);
  const name = inputs.stableServiceName;
  if (name === undefined) return remembered;
  const logger = stderrLogger(inputs.version);
  let live: string | undefined;
  try {
    live = await retried(inputs, (budget) => router.stableVersion(name, budget));
  } catch (error) {
    logger.warn(
      `could not read the stable Service ${inputs.namespace}/${name} (${isApiError(error) ? error.summary : errorText(error)}); going by this stack's state, which says ${remembered ?? "nothing"} serves`,
    );
    return remembered;
  }
  if (live !== undefined && remembered !== undefined && live !== remembered) {
    logger.warn(
      `the stable Service ${inputs.namespace}/${name} selects version ${live}, but this stack's state says ${remembered} serves (an earlier update failed between promotion and the stable Service's update, or someone changed the Service); this update goes by the cluster: ${live}. Fix: run pulumi refresh so the state matches the cluster`,
    );
  }
  return live ?? remembered;
}

async function resetWeight(inputs: TargetInputs): Promise<WeightResetOutputs> {
  const logger = stderrLogger(inputs.version);
  const router = routerFor(inputs);
  await underLease(inputs, router, async () => {
    try {
      // A new version's pods are new: its exposure record starts at 0 with this write.
      await retried(inputs, (budget) => router.setCanaryWeight(0, budget, true));
    } catch (error) {
      // The canary Service still selects the previous version (it waits for this resource), so nothing moved.
      const what = isApiError(error) ? error.summary : errorText(error);
      const fix = isApiError(error) && error.fix !== "" ? `; ${error.fix}` : "";
      throw new Error(
        `could not set the canary weight to 0 before the canary points at ${inputs.version}: ${what}; nothing moved: the canary still serves the previous version${fix}`,
      );
    }
  });
  logger.info(`canary weight set to 0% before the canary points at ${inputs.version}`);
  return {
    namespace: inputs.namespace,
    canaryIngressName: inputs.canaryIngressName,
    version: inputs.version,
    weight: 0,
  };
}

function checkRolloutInputs(news: RolloutInputs): { property: string; reason: string }[] {
  const failures = validateSchedule(news.steps ?? []).map((reason) => ({ property: "steps", reason }));
  const interval = news.gates?.intervalSeconds;
  if (!(typeof interval === "number" && Number.isFinite(interval) && interval > 0)) {
    failures.push({
      property: "gates",
      reason: `gates.intervalSeconds ${interval} is not a number of seconds > 0`,
    });
  }
  const startup = news.gates?.podStartupSeconds;
  if (startup !== undefined && !(typeof startup === "number" && Number.isFinite(startup) && startup > 0)) {
    failures.push({
      property: "gates",
      reason: `gates.podStartupSeconds ${startup} is not a number of seconds > 0`,
    });
  }
  const onAbort = news.onAbort;
  if (onAbort !== undefined && !(ON_ABORT_MODES as readonly unknown[]).includes(onAbort)) {
    failures.push({
      property: "onAbort",
      reason: `onAbort ${JSON.stringify(onAbort)} is not one of ${ON_ABORT_MODES.join(", ")}`,
    });
  }
  for (const key of ["retryBudgetSeconds", "abortBudgetSeconds"] as const) {
    const value = news[key];
    if (value !== undefined && !(typeof value === "number" && Number.isFinite(value) && value >= 0)) {
      failures.push({ property: key, reason: `${key} ${value} is not a number of seconds >= 0` });
    }
  }
  const probes = news.gates?.survival?.connections;
  if (probes !== undefined && !(Number.isInteger(probes) && probes >= 0)) {
    failures.push({
      property: "gates",
      reason: `gates.survival.connections ${probes} is not an integer >= 0`,
    });
  }
  return failures;
}

/**
 * For a SIGINT or SIGTERM that does reach this process (sent to its pid, or by
 * a host that forwards it): without a handler Node would exit on the spot and
 * leave the weight where it was; with one, the engine sets it to 0 and the
 * update fails with "interrupted". Ctrl-C in the terminal running `pulumi up`
 * is not such a signal: Pulumi starts plugins in their own process group, so
 * it never gets here. The way to stop a rollout from outside is the abort
 * annotation (./abortAnnotation), read by the abort-request gate that
 * buildGates puts first because the router can read it.
 */
async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => controller.abort(new Error(`${name} received`));
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function rolloutOutputs(inputs: RolloutInputs, result: RolloutResult): RolloutOutputs {
  const outcome = result.outcome;
  if (outcome.kind === "aborted") {
    // Failing the operation keeps the previous state, so a rerun starts this version's schedule from 0.
    throw new Error(outcome.message);
  }
  return {
    namespace: inputs.namespace,
    canaryIngressName: inputs.canaryIngressName,
    version: inputs.version,
    steps: inputs.steps,
    gates: inputs.gates,
    outcome: outcome.kind,
    weight: outcome.kind === "held" ? outcome.weight : 100,
    ...(inputs.stableVersion === undefined ? {} : { stableVersion: inputs.stableVersion }),
  };
}

/** Says at the start of a release what the probes cannot prove with version identity off. */
function warnIdentity(inputs: RolloutInputs, logger: Logger): void {
  const warning = identityWarning(inputs.gates);
  if (warning !== undefined) logger.warn(warning);
}

/** The version on the stable route before this update, as this resource last left it (undefined if unknown). */
function servingVersion(previous: RolloutOutputs): string | undefined {
  return previous.outcome === "promoted" ? previous.version : previous.stableVersion;
}

/**
 * A held schedule names the version that keeps the stable route. Naming the
 * wrong one would create that version, point the stable route at it and retire
 * the one actually serving; refuse before anything is touched.
 */
function checkStableVersion(serving: string | undefined, inputs: RolloutInputs): void {
  if (inputs.stableVersion !== undefined && serving !== undefined && inputs.stableVersion !== serving) {
    throw new Error(
      `rollout.stableVersion is "${inputs.stableVersion}" but the stable route serves "${serving}"; nothing was changed. ` +
        `Fix: set ws-gateway:rollout.stableVersion to ${serving}.`,
    );
  }
}

/**
 * The first release of the stack: no client is on another version, so there
 * is nothing to shift gradually and the stable route can take the version at
 * once. The gates still run once, at weight 0, through the canary header, so a
 * broken build fails the update before anything routes to it. Promoting leaves
 * the weight at 0; the output says so. A schedule ending below 100 promotes
 * too: with no other version there is nothing to hold against.
 */
async function firstRelease(inputs: RolloutInputs): Promise<RolloutOutputs> {
  const logger = stderrLogger(inputs.version);
  const router = routerFor(inputs);
  warnIdentity(inputs, logger);
  const result = await underLease(inputs, router, () =>
    runFirstRelease({
      gates: buildGates(inputs.gates, router, { canaryVersion: inputs.version }),
      router,
      clock: systemClock(),
      logger,
      api: apiBudgets(inputs),
    }),
  );
  const outputs = rolloutOutputs(inputs, result);
  return { ...outputs, weight: 0 };
}

async function release(previous: RolloutOutputs, inputs: RolloutInputs): Promise<RolloutOutputs> {
  const logger = stderrLogger(inputs.version);
  const router = routerFor(inputs);
  const serving = await liveServingVersion(inputs, router, previous);
  checkStableVersion(serving, inputs);
  let resumeFromWeight: number | undefined;
  if (sameTarget(previous, inputs)) {
    if (previous.outcome === "promoted") {
      logger.info(`${inputs.version} is already promoted; nothing to roll out`);
      return { ...previous, steps: inputs.steps, gates: inputs.gates };
    }
    const live = await retried(inputs, (budget) => router.getCanaryWeight(budget)).catch((error: unknown) => {
      throw new Error(
        `could not read the canary weight of the held release: ${errorText(error)}; nothing was changed`,
      );
    });
    if (live === previous.weight) {
      resumeFromWeight = live;
    } else {
      logger.warn(
        `canary weight is ${live}%, not the ${previous.weight}% this release was held at; restarting the schedule from 0`,
      );
    }
  }
  let verifyResumedWeight = false;
  if (!sameTarget(previous, inputs)) {
    // An earlier update of this version that did not finish may have left its weight in place.
    const live = await retried(inputs, (budget) => router.liveCanary(budget)).catch(() => undefined);
    const decision =
      live === undefined
        ? undefined
        : resumeDecision(inputs.version, inputs.steps, live.weight, live.exposure);
    if (decision !== undefined) {
      logger.info(decision.message);
      resumeFromWeight = decision.weight;
      verifyResumedWeight = true;
    }
  }
  // The drain deletes the canary version's pods. When that version is also the one on the
  // stable route (e.g. rolling back to it from a held release), those pods serve every stable
  // client too: draining them would cut everyone, so an abort then only sets the weight to 0.
  const drainable = serving !== inputs.version;
  if (!drainable && (inputs.onAbort ?? DEFAULT_ON_ABORT) === "drain") {
    logger.warn(
      `${inputs.version} is also the version on the stable route: an abort sets the canary weight to 0 but drains nothing (its pods serve the stable clients too)`,
    );
  }
  warnIdentity(inputs, logger);
  const target = { canaryVersion: inputs.version };
  const routeCheck = resumeFromWeight === undefined ? buildRouteCheck(inputs.gates, target) : undefined;
  const result = await withInterrupt((interrupt) =>
    underLease(inputs, router, async (lost) => {
      // Inside the Lease: a release that is refused writes no status and posts no Event.
      const recorder = new ReleaseRecorder(router.statusSink(), inputs.version, inputs.steps, logger);
      const ran = await runRollout({
        steps: inputs.steps,
        gates: buildGates(inputs.gates, router, target),
        ...(routeCheck === undefined ? {} : { routeCheck }),
        router,
        clock: systemClock(),
        logger,
        gateIntervalSeconds: inputs.gates.intervalSeconds,
        resumeFromWeight,
        signal: AbortSignal.any([interrupt, lost]),
        api: apiBudgets(inputs),
        onAbort: inputs.onAbort,
        ...(drainable ? { drainer: router } : {}),
        steering: router,
        canaryVersion: inputs.version,
        verifyResumedWeight,
        onEvent: (event) => recorder.onEvent(event),
      });
      const outcome = ran.outcome;
      await recorder.finish(
        outcome.kind === "aborted" ? { kind: "aborted", message: outcome.message } : outcome,
      );
      return ran;
    }),
  );
  return rolloutOutputs(inputs, result);
}

const weightResetProvider: pulumi.dynamic.ResourceProvider<TargetInputs, WeightResetOutputs> = {
  async diff(_id, olds, news) {
    return { changes: !sameTarget(olds, news) };
  },
  async create(inputs) {
    return { id: `${inputs.namespace}/${inputs.canaryIngressName}`, outs: await resetWeight(inputs) };
  },
  async update(_id, olds, news) {
    return { outs: sameTarget(olds, news) ? olds : await resetWeight(news) };
  },
  // No delete: the weight belongs to whichever release comes next, and removing
  // this resource must not shift traffic.
};

const rolloutProvider: pulumi.dynamic.ResourceProvider<RolloutInputs, RolloutOutputs> = {
  async check(_olds, news) {
    return { inputs: news, failures: checkRolloutInputs(news) };
  },
  async diff(_id, olds, news) {
    const changed =
      !sameTarget(olds, news) ||
      JSON.stringify(olds.steps) !== JSON.stringify(news.steps) ||
      JSON.stringify(olds.gates) !== JSON.stringify(news.gates) ||
      olds.stableVersion !== news.stableVersion;
    return { changes: changed };
  },
  async create(inputs) {
    return { id: `${inputs.namespace}/${inputs.canaryIngressName}`, outs: await firstRelease(inputs) };
  },
  async update(_id, olds, news) {
    return { outs: await release(olds, news) };
  },
};

function secretKubeconfig(kubeconfig: pulumi.Input<string> | undefined): pulumi.Input<string> | undefined {
  return kubeconfig === undefined ? undefined : pulumi.secret(kubeconfig);
}

/**
 * Sets the canary weight to 0 whenever the released version changes. Order the
 * canary Service's selector change after it (dependsOn), so the canary never
 * points at a new version with a stale weight.
 */
export class CanaryWeightReset extends pulumi.dynamic.Resource {
  declare readonly version: pulumi.Output<string>;
  declare readonly weight: pulumi.Output<number>;

  constructor(name: string, args: CanaryWeightResetArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      weightResetProvider,
      name,
      {
        namespace: args.namespace,
        canaryIngressName: args.canaryIngressName,
        version: args.version,
        kubeconfig: secretKubeconfig(args.kubeconfig),
        kubeContext: args.kubeContext,
        requestTimeoutSeconds: args.requestTimeoutSeconds,
        retryBudgetSeconds: args.retryBudgetSeconds,
        abortBudgetSeconds: args.abortBudgetSeconds,
        releaseOwner: args.releaseOwner,
        weight: undefined,
      },
      opts,
      "ws-gateway",
      "CanaryWeightReset",
    );
  }
}

/**
 * Steps the canary weight through the schedule with the gates running (see
 * ./engine). Fails the update, weight back at 0, when a gate fails; an
 * operator aborts it with the `ws-gateway.io/abort` annotation on the canary
 * Ingress, honoured at the next gate round.
 */
export class CanaryRollout extends pulumi.dynamic.Resource {
  declare readonly version: pulumi.Output<string>;
  declare readonly outcome: pulumi.Output<"promoted" | "held">;
  declare readonly weight: pulumi.Output<number>;

  constructor(name: string, args: CanaryRolloutArgs, opts?: pulumi.CustomResourceOptions) {
    // Known plain steps fail here, before anything is registered; Outputs are checked by the provider.
    const steps = args.steps;
    if (Array.isArray(steps)) {
      const problems = validateSchedule(steps);
      if (problems.length > 0) {
        throw new Error(`CanaryRollout ${name}: invalid rollout schedule: ${problems.join("; ")}`);
      }
    }
    super(
      rolloutProvider,
      name,
      {
        namespace: args.namespace,
        canaryIngressName: args.canaryIngressName,
        version: args.version,
        steps: args.steps,
        gates: args.gates,
        stableVersion: args.stableVersion,
        kubeconfig: secretKubeconfig(args.kubeconfig),
        kubeContext: args.kubeContext,
        requestTimeoutSeconds: args.requestTimeoutSeconds,
        retryBudgetSeconds: args.retryBudgetSeconds,
        abortBudgetSeconds: args.abortBudgetSeconds,
        onAbort: args.onAbort,
        metricsPort: args.metricsPort,
        releaseOwner: args.releaseOwner,
        stableServiceName: args.stableServiceName,
        outcome: undefined,
        weight: undefined,
      },
      opts,
      "ws-gateway",
      "CanaryRollout",
    );
    if (pulumi.runtime.isDryRun()) {
      // Preview cannot read the previous state, so the plan says when it applies.
      pulumi.all([args.steps, args.gates, args.onAbort]).apply(([plainSteps, gates, onAbort]) => {
        const warning = identityWarning(gates);
        const lines = [
          PREVIEW_PLAN_HEADER,
          ...describeSchedule(plainSteps, gates.intervalSeconds, onAbort),
          ...(warning === undefined ? [] : [`warning: ${warning}`]),
        ];
        for (const line of lines) {
          pulumi.log.info(line, this);
        }
      });
    }
  }
}
