/** Small helpers shared by the rule modules. */
import type { ResourceValidationArgs } from "@pulumi/policy";
import { isGatewayObject } from "./kube";

/**
 * Runs `check` only for objects of the gateway (app label ws-gateway); other
 * objects, and objects whose labels are not known yet, are not applicable.
 */
export function gatewayOnly(args: ResourceValidationArgs, check: () => void): void {
  const mine = isGatewayObject(args.props);
  if (mine !== true) {
    args.notApplicable(mine === false ? "Not a ws-gateway object" : "Labels not known yet");
  }
  check();
}
