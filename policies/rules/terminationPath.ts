/**
 * The termination path of every gateway pod (policies/lib/pods/termination):
 * SIGTERM reaches the process that holds the sockets, and every container on
 * the path drains within terminationGracePeriodSeconds, and a leaving pod
 * leaves the endpoints.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { ENV_DRAIN_SECONDS } from "../../components/names";
import { configSchema, knobs } from "../config";
import { describe, isGatewayObject, namespaceOf } from "../lib/kube";
import {
  DEFAULT_STOP_SIGNAL,
  gracePeriod,
  pid1Problem,
  portOwner,
  terminationPath,
  type PathContainer,
} from "../lib/pods/termination";
import { configMapLookup, gatewayDeployments, selectingServices } from "../lib/pods/workloads";
import { at, isUnknown, knownItems, num, show } from "../lib/values";

/** The DRAIN_SECONDS a container resolves to: "none", a reference, or its literal (with where it came from). */
function drainOf(
  c: PathContainer,
): { kind: "none" | "unknown" } | { kind: "value"; raw: string; from?: string } {
  if (isUnknown(c.env)) return { kind: "unknown" };
  const v = c.env.get(ENV_DRAIN_SECONDS);
  if (v === undefined)
    return [...c.env.keys()].some((k) => k.endsWith("*")) ? { kind: "unknown" } : { kind: "none" };
  if (isUnknown(v) || v.kind === "reference") return { kind: "unknown" };
  return { kind: "value", raw: v.value, ...(v.from === undefined ? {} : { from: v.from }) };
}

export const gatewayTerminationPath: StackValidationPolicy = {
  name: "gateway-termination-path",
  description:
    "On every gateway pod, SIGTERM reaches the process that holds the sockets (no shell or package runner as PID 1, no other stop signal), the container a Service targets is the one that drains, every preStop is a bounded sleep within the grace period, a DRAIN_SECONDS kept in a stack ConfigMap is checked like a literal, and no selecting Service publishes not-ready pods.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(
    "minDrainSeconds",
    "drainSeconds",
    "minTerminationMarginSeconds",
    "minPreStopSeconds",
  ),
  validateStack: (args, report) => {
    const k = knobs(args);
    const lookup = configMapLookup(args.resources);
    for (const d of gatewayDeployments(args.resources)) {
      const what = describe("Deployment", d.props, d.name);
      const ns = namespaceOf(d.props);
      const pod = at(d.props, "spec.template.spec");
      const path = terminationPath(pod, isUnknown(ns) ? undefined : ns, lookup);
      const grace = gracePeriod(pod);
      const services = selectingServices(args.resources, d);

      for (const s of services) {
        if (at(s.props, "spec.publishNotReadyAddresses") !== true) continue;
        report(
          `${describe("Service", s.props, s.name)} selects the pods of ${what} with spec.publishNotReadyAddresses true: a draining pod that fails readiness stays in the endpoints, so nginx keeps sending it new connections until SIGKILL. ` +
            `Fix: remove publishNotReadyAddresses (or set it to false).`,
          s.urn,
        );
      }

      // The containers that hold the sockets: those serving a port a selecting Service targets.
      const owners = new Map<PathContainer, string[]>();
      for (const s of services) {
        for (const p of knownItems(at(s.props, "spec.ports"))) {
          const target = at(p, "targetPort") ?? at(p, "port");
          const owner = portOwner(path, target);
          if (owner === undefined || isUnknown(owner)) continue;
          owners.set(owner, [
            ...(owners.get(owner) ?? []),
            `${describe("Service", s.props, s.name)} port ${show(target)}`,
          ]);
        }
      }
      const holders = owners.size > 0 ? [...owners.keys()] : path.filter((c) => drainOf(c).kind === "value");

      for (const c of holders) {
        const via = owners.get(c)?.join(", ");
        const where = via === undefined ? `${c.label}` : `${c.label} (serving ${via})`;
        if (drainOf(c).kind === "none") {
          report(
            `${what}: ${where} holds the clients' sockets but does not drain (no ${ENV_DRAIN_SECONDS}): on SIGTERM it closes every connection at once. ` +
              `Fix: target the gateway container's port from the Services, or give ${c.label} the gateway's drain (${ENV_DRAIN_SECONDS} and a preStop sleep).`,
            d.urn,
          );
        }
        const pid1 = pid1Problem(c.argv);
        if (pid1 !== undefined) {
          report(
            `${what}: ${where}: ${pid1} (command/args ${show(c.argv)}), so the gateway never starts its drain and is killed with every connection at the end of the grace period. ` +
              `Fix: run the program as PID 1 (command ["node", "server.js"]), or end the script with exec (sh -c "exec node server.js").`,
            d.urn,
          );
        }
        if (!isUnknown(c.stopSignal) && c.stopSignal !== DEFAULT_STOP_SIGNAL) {
          report(
            `${what}: ${where} sets lifecycle.stopSignal ${show(c.stopSignal)}: the kubelet stops it with a signal other than ${DEFAULT_STOP_SIGNAL}, on which the gateway does not drain. ` +
              `Fix: remove lifecycle.stopSignal (or set it to "${DEFAULT_STOP_SIGNAL}").`,
            d.urn,
          );
        }
        const drain = drainOf(c);
        // The labelled gateway is held to these by the drain rules; a copy without our labels is held here.
        const unlabelled = isGatewayObject(d.props) === false;
        if (unlabelled && !isUnknown(c.preStop) && c.preStop.kind === "none") {
          report(
            `${what}: ${where} has no preStop hook (its pods are gateway pods without the gateway's labels): SIGTERM races endpoint removal. ` +
              `Fix: add lifecycle.preStop.sleep.seconds of at least ${k.minPreStopSeconds}.`,
            d.urn,
          );
        }
        if (drain.kind === "value" && (drain.from !== undefined || unlabelled)) {
          const v = num(drain.raw);
          const pre = !isUnknown(c.preStop) && c.preStop.kind === "sleep" ? c.preStop.seconds : 0;
          const src =
            drain.from === undefined ? ENV_DRAIN_SECONDS : `${ENV_DRAIN_SECONDS} from ${drain.from}`;
          if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
            report(
              `${what}: ${c.label} ${src} is ${show(drain.raw)}, not a whole number of seconds. Fix: set it to an integer like "1800".`,
              d.urn,
            );
          } else if (k.drainSeconds !== undefined && v !== k.drainSeconds) {
            report(
              `${what}: ${c.label} ${src} is ${v}, not the configured drain ${k.drainSeconds}. Fix: set it to "${k.drainSeconds}", or set the literal from ws-gateway:gateway.drainSeconds.`,
              d.urn,
            );
          } else if (v < k.minDrainSeconds) {
            report(
              `${what}: ${c.label} ${src} is ${v}, below the minimum ${k.minDrainSeconds}: reconnects would arrive faster than clients back off. Fix: set it to at least "${k.minDrainSeconds}" (or set the literal from ws-gateway:gateway.drainSeconds).`,
              d.urn,
            );
          } else if (
            typeof grace.seconds === "number" &&
            grace.seconds < pre + v + k.minTerminationMarginSeconds
          ) {
            const need = pre + v + k.minTerminationMarginSeconds;
            report(
              `${what}: terminationGracePeriodSeconds ${grace.seconds} is below preStop ${pre} + ${src} ${v} + margin ${k.minTerminationMarginSeconds} = ${need}. Fix: set terminationGracePeriodSeconds to at least ${need}.`,
              d.urn,
            );
          }
        }
      }

      for (const c of path) {
        if (isUnknown(c.preStop) || c.preStop.kind === "none") continue;
        if (c.preStop.kind === "other") {
          report(
            `${what}: ${c.label} preStop is ${c.preStop.handler}, not a bounded sleep: its duration is unknown, it may fail at once (SIGTERM then races endpoint removal) or hang until SIGKILL. ` +
              `Fix: use lifecycle.preStop.sleep.seconds (e.g. 10) and let SIGTERM start the drain.`,
            d.urn,
          );
        } else if (typeof grace.seconds === "number" && c.preStop.seconds >= grace.seconds) {
          report(
            `${what}: ${c.label} preStop sleeps ${c.preStop.seconds} s, not below terminationGracePeriodSeconds ${grace.seconds}: the kubelet kills the container before SIGTERM ever starts its drain. ` +
              `Fix: shorten the sleep or raise terminationGracePeriodSeconds above preStop + drain + margin.`,
            d.urn,
          );
        }
      }
    }
  },
};

export const terminationPathPolicies = [gatewayTerminationPath];
