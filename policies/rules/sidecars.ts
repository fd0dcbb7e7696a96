/**
 * Sidecars on the termination path (docs/drain-contract.md#sidecars): every
 * regular container of a gateway pod receives SIGTERM together with the
 * gateway, so one that exits at once cuts whatever passes through it while
 * the gateway still drains. Each must carry the drain contract's
 * DRAIN_SECONDS, with the gateway's value; native sidecars (init containers
 * with restartPolicy Always) are stopped only after the gateway exited.
 */
import * as k8s from "@pulumi/kubernetes";
import { validateResourceOfType, type ReportViolation, type ResourceValidationPolicy } from "@pulumi/policy";
import { ENV_DRAIN_SECONDS } from "../../components/names";
import { containersOf, describe, envValue } from "../lib/kube";
import { gatewayOnly } from "../lib/rule";
import { at, isUnknown, show } from "../lib/values";

export const gatewaySidecarDrain: ResourceValidationPolicy = {
  name: "gateway-sidecar-drain",
  description: `Every regular container of a gateway pod carries ${ENV_DRAIN_SECONDS} with the same value, so a sidecar that receives SIGTERM with the gateway drains with it instead of cutting its connections.`,
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(k8s.apps.v1.Deployment, (_p, args, report: ReportViolation) =>
    gatewayOnly(args, () => {
      const what = describe("Deployment", args.props, args.name);
      const regular = containersOf(at(args.props, "spec.template.spec")).filter((c) => !c.init);
      const values = regular.map((c) => ({ c, v: envValue(c.container, ENV_DRAIN_SECONDS) }));
      const carrier = values.find((x) => typeof x.v === "string");
      if (carrier === undefined || values.some((x) => isUnknown(x.v))) return;
      for (const { c, v } of values) {
        if (v === undefined) {
          report(
            `${what}: ${c.label} receives SIGTERM with ${carrier.c.label} but has no ${ENV_DRAIN_SECONDS} (found nothing): it would stop at once while the gateway drains over ${carrier.v as string} s. ` +
              `Fix: declare it under ws-gateway:gateway.pod.sidecars, which gives it the drain contract (native: true stops it after the gateway), or set env ${ENV_DRAIN_SECONDS} to ${show(carrier.v)} and drain over it.`,
          );
        } else if (v !== carrier.v) {
          report(
            `${what}: ${c.label} ${ENV_DRAIN_SECONDS} is ${show(v)}, not ${show(carrier.v)} like ${carrier.c.label}: the pod's containers would stop at different times. Fix: give every container the same ${ENV_DRAIN_SECONDS}.`,
          );
        }
      }
    }),
  ),
};

export const sidecarPolicies = [gatewaySidecarDrain];
