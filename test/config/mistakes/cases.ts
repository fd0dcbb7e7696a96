/**
 * The generated config cases: mistaken stack configs in families, each
 * derived from the docs or from how a consumer (the Pulumi CLI, Kubernetes,
 * ingress-nginx, GKE, Prometheus) treats the value, plus unusual valid ones.
 * Each starts from a real stack file and changes it the way a person or a
 * `pulumi config set` would. Every family file cites its consumer's rule.
 */
import { characterCases } from "./families/characters";
import { crossFieldCases } from "./families/crossField";
import { gkeCases } from "./families/gke";
import { imageCases, kubernetesNameCases } from "./families/kubernetes";
import { namespaceCases } from "./families/namespaces";
import { quantityCases, replicaCases } from "./families/resources";
import { scheduleCases } from "./families/schedule";
import { controllerCases, gateCases, hostPathCases } from "./families/traffic";
import { cliCases, yamlCases } from "./families/typing";
import { validCases } from "./families/valid";
import type { ConfigCase } from "./mutate";

export type { ConfigCase, Expectation, StackName } from "./mutate";

export const CASES: readonly ConfigCase[] = [
  ...namespaceCases,
  ...yamlCases,
  ...cliCases,
  ...kubernetesNameCases,
  ...imageCases,
  ...hostPathCases,
  ...controllerCases,
  ...gateCases,
  ...scheduleCases,
  ...quantityCases,
  ...replicaCases,
  ...gkeCases,
  ...crossFieldCases,
  ...characterCases,
  ...validCases,
];
