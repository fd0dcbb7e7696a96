/** Every policy of the pack, grouped by area. Tests import this; only ../index.ts builds the PolicyPack. */
import type { Policies } from "@pulumi/policy";
import { availabilityPolicies } from "./availability";
import { disruptionPolicies } from "./disruption";
import { controllerCapacityPolicies } from "./controllerCapacity";
import { drainPolicies } from "./drain";
import { evictorPolicies } from "./evictors";
import { gkePolicies } from "./gke";
import { ingressNginxPolicies } from "./ingressNginx";
import { pairPolicies } from "./pair";
import { pathPolicies } from "./paths";
import { podSecurityPolicies } from "./podSecurity";
import { rolloutPolicies } from "./rollout";
import { spreadPolicies } from "./spread";
import { terminationPathPolicies } from "./terminationPath";
import { routePolicies } from "./routes";
import { sidecarPolicies } from "./sidecars";
import { trafficPolicies } from "./traffic";

export const POLICY_PACK_NAME = "ws-gateway-policies";

export const allPolicies: Policies = [
  ...drainPolicies,
  ...sidecarPolicies,
  ...terminationPathPolicies,
  ...availabilityPolicies,
  ...evictorPolicies,
  ...spreadPolicies,
  ...trafficPolicies,
  ...pathPolicies,
  ...pairPolicies,
  ...routePolicies,
  ...ingressNginxPolicies,
  ...controllerCapacityPolicies,
  ...rolloutPolicies,
  ...podSecurityPolicies,
  ...gkePolicies,
  ...disruptionPolicies,
];
