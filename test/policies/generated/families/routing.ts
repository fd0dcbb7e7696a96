/** What the route families share: the precedence facts they cite and builders of extra routes and Services. */
import type { FakeResource } from "../../harness";
import { TYPE, gatewayFacts, ingressProps, resource, serviceProps, type Json } from "../model";

export const F1 =
  "docs/facts.md F1 (a canary is an alternative backend of the one main Ingress with the same host and path)";
export const PRECEDENCE =
  "Kubernetes Ingress path matching: the longest matching path wins, Exact before Prefix; ingress-nginx builds one location per host and path from every Ingress of its class";

/** A Service of `type` selecting the gateway pods: the current version's (withVersion) or every version's. */
export const directService = (name: string, type: string, withVersion: boolean, extra: Json = {}) =>
  resource(TYPE.service, name, (rs) => {
    const g = gatewayFacts(rs);
    const selector = withVersion
      ? g.selector
      : { "app.kubernetes.io/name": g.selector["app.kubernetes.io/name"] };
    return serviceProps(name, g.namespace, type, selector, extra);
  });

/** An Ingress without our labels for the gateway host, routing `path` to `service`:80. */
export const extraIngress = (
  name: string,
  path: string,
  pathType: string,
  service: string,
  ingressClassName: string | undefined = "nginx",
  annotations: Json = {},
  namespace?: string,
) =>
  resource(TYPE.ingress, name, (rs: readonly FakeResource[]) => {
    const g = gatewayFacts(rs);
    return ingressProps(
      name,
      namespace ?? g.namespace,
      g.host,
      path,
      pathType,
      service,
      ingressClassName,
      annotations,
    );
  });
