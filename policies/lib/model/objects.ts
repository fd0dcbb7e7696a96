/**
 * The objects of a stack as the model sees them: each rendered resource with
 * its Kubernetes kind, name and namespace, read once through ../values so an
 * unknown stays UNKNOWN. Everything else in the model refers to these.
 */
import type { PolicyResource } from "@pulumi/policy";
import { UNKNOWN, at, isUnknown, type Unknown } from "../values";

/** Where Kubernetes puts an object whose metadata names no namespace (the provider's default). */
export const DEFAULT_NAMESPACE = "default";

/** One rendered Kubernetes object. */
export interface KubeObject {
  readonly resource: PolicyResource;
  /** The Kubernetes kind, from the type token ("Service", "Ingress", ...). */
  readonly kind: string;
  /** metadata.name, else the Pulumi name; UNKNOWN while unknown. */
  readonly name: string | Unknown;
  /** metadata.namespace, else "default"; UNKNOWN while unknown. */
  readonly namespace: string | Unknown;
  /** 'Service "ws-gateway-stable"' (namespace shown when it differs from the gateway's), for messages. */
  readonly subject: string;
}

/** The kind a type token names: "kubernetes:core/v1:Service" -> "Service". */
export function kindOf(type: string): string {
  return type.split(":").pop() ?? type;
}

/** True for a Kubernetes type token ("kubernetes:<group>/<version>:<Kind>"), not a Helm release or provider. */
export function isKubernetesObjectType(type: string): boolean {
  return type.startsWith("kubernetes:") && !type.startsWith("kubernetes:helm.sh/");
}

export function objectOf(r: PolicyResource): KubeObject {
  const kind = kindOf(r.type);
  const rawName = at(r.props, "metadata.name");
  const rawNs = at(r.props, "metadata.namespace");
  const name: string | Unknown = isUnknown(rawName)
    ? UNKNOWN
    : typeof rawName === "string"
      ? rawName
      : r.name;
  const namespace: string | Unknown = isUnknown(rawNs)
    ? UNKNOWN
    : typeof rawNs === "string" && rawNs !== ""
      ? rawNs
      : DEFAULT_NAMESPACE;
  const shown = typeof name === "string" ? name : r.name;
  return { resource: r, kind, name, namespace, subject: `${kind} ${JSON.stringify(shown)}` };
}

/** 'Ingress "shadow" (namespace team-b)': the subject, with the namespace when it is not `home`. */
export function subjectIn(o: KubeObject, home: string | Unknown): string {
  return typeof o.namespace === "string" && o.namespace !== home
    ? `${o.subject} (namespace ${o.namespace})`
    : o.subject;
}

/** Same namespace and name; false while either is unknown. */
export function sameObject(o: KubeObject, namespace: string, name: string): boolean {
  return o.namespace === namespace && o.name === name;
}
