/**
 * The dangerous mutations, by family. Each is written from the documented
 * behaviour of Kubernetes, ingress-nginx and GKE (its `source`), not from the
 * pack's rules; generated.test.ts runs every one against the pack.
 */
import { BUDGETS } from "./families/budgets";
import { CONTROLLER } from "./families/controller";
import { DISRUPTION } from "./families/disruption";
import { ROUTE_ANNOTATIONS } from "./families/annotations";
import { BYPASS } from "./families/bypass";
import { UNLABELLED } from "./families/unlabelled";
import { SPREAD_MUTATIONS } from "./families/spread";
import { TERMINATION } from "./families/termination";
import type { Mutation } from "./model";

export type { Mutation } from "./model";

export const MUTATIONS: readonly Mutation[] = [
  ...UNLABELLED,
  ...BYPASS,
  ...ROUTE_ANNOTATIONS,
  ...TERMINATION,
  ...SPREAD_MUTATIONS,
  ...BUDGETS,
  ...DISRUPTION,
  ...CONTROLLER,
];
