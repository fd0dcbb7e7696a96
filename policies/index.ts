/**
 * Entry point of the policy pack: `pulumi preview --policy-pack policies`.
 * Constructing a PolicyPack starts the policy gRPC server, so nothing else
 * lives here and no test imports this file; the rules are in ./rules.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICY_PACK_NAME, allPolicies } from "./rules";

new PolicyPack(POLICY_PACK_NAME, {
  description:
    "Keeps ws-gateway releases at most one disconnect per client, and the platform under them hardened.",
  enforcementLevel: "mandatory",
  policies: allPolicies,
});
