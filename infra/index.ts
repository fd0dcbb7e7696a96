/**
 * Entry point of `pulumi up` (Pulumi.yaml `main: infra/`).
 * Validates the stack config before registering anything, then wires the components.
 */
import { createProgram, loadStackConfig } from "./program";

const outputs = createProgram(loadStackConfig());

export const gatewayUrl = outputs.gatewayUrl;
export const version = outputs.version;
export const stableVersion = outputs.stableVersion;
export const rolloutOutcome = outputs.rolloutOutcome;
export const canaryWeight = outputs.canaryWeight;
export const clusterName = outputs.clusterName;
export const kubeconfig = outputs.kubeconfig;
