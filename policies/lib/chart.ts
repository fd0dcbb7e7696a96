/**
 * What the ingress-nginx chart receives: the one model of delivery.
 *
 * The program installs the chart with a @pulumi/kubernetes `helm.v3.Release`
 * (components/ingress/ingressNginx.ts). Its provider decodes the release's
 * inputs (provider/pkg/provider/helm_release.go `decodeRelease`, `getValues`):
 * the YAML of each `valueYamlFiles` asset is merged in order with Helm's
 * `MergeMaps` (maps merge key by key, anything else replaces), then `values`
 * is merged on top, and the result is handed to `helm install`/`helm upgrade`
 * as the user-supplied values. Nulls are kept (pulumi-kubernetes 4.30 and
 * later; the lockfile pins 4.34.2), and Helm deletes a chart default whose
 * user value is null; providers before 4.30 dropped nulls unless
 * `allowNullValues` was set. Keys the SDK sees as `undefined` are never sent. Nothing else reaches the chart: a value
 * anywhere but `values` or `valueYamlFiles` is not a chart value.
 *
 * The policy engine hands resource policies the inputs as the provider's Check
 * returned them (valueYamlFiles already merged into `values`, `version`
 * resolved to the exact chart version), and stack policies the recorded
 * outputs, which carry the same `values`. `deliveredValues` accepts both
 * shapes, and the program's unchecked inputs as tests see them under mocks.
 *
 * Every reader goes through ./values, so an unknown stays UNKNOWN. The
 * functions also take plain JSON (a preview's or a state file's release
 * inputs), which is how an end-to-end check reads them.
 */
import * as k8s from "@pulumi/kubernetes";
import {
  validateResourceOfType,
  type ReportViolation,
  type ResourceValidation,
  type ResourceValidationArgs,
} from "@pulumi/policy";
import * as yaml from "js-yaml";
import { HELM_RELEASE_TYPE, INGRESS_NGINX_CHART } from "../../components/ingress/ingressNginx";
import { UNKNOWN, at, entries, isUnknown, items, show, type Unknown } from "./values";

export { HELM_RELEASE_TYPE };

/**
 * What ingress-nginx uses when a value is not delivered: the controller's
 * ConfigMap and flag defaults (controller v1.15.1 internal/ingress/controller/config,
 * pkg/flags; docs/facts.md F8, F9, F10) and the chart's values.yaml defaults
 * (4.15.1). Every rule that judges a missing key applies these.
 */
export const NGINX_DEFAULT_WORKER_SHUTDOWN_SECONDS = 240;
export const NGINX_DEFAULT_PROXY_TIMEOUT_SECONDS = 60;
export const CONTROLLER_DEFAULT_SHUTDOWN_GRACE_SECONDS = 0;
export const CHART_DEFAULT_GRACE_SECONDS = 300;
export const CHART_DEFAULT_REPLICAS = 1;
/** A null grace period deletes the chart's default; the pod spec then has none and Kubernetes uses 30 s. */
export const KUBERNETES_DEFAULT_GRACE_SECONDS = 30;

/** Where the release carries the controller's chart values; violation messages name keys under it. */
export const CONTROLLER_VALUES_PATH = "values.controller";

/** `values.controller.<key>`, the path a user edits to fix `key`. */
export function controllerPath(key: string): string {
  return `${CONTROLLER_VALUES_PATH}.${key}`;
}

/** `Helm release "ingress-nginx"`: how violation messages name the release. */
export function releaseSubject(props: unknown, fallbackName: string): string {
  const name = at(props, "name");
  return `Helm release ${JSON.stringify(typeof name === "string" ? name : fallbackName)}`;
}

/**
 * True when a Helm release installs the ingress-nginx chart: `chart` is the
 * chart's name, alone or as the last segment of a repo prefix, an OCI
 * reference or a path (`ingress-nginx`, `myrepo/ingress-nginx`,
 * `oci://…/ingress-nginx`, `./ingress-nginx-4.15.1.tgz`). UNKNOWN while the
 * chart name is unknown.
 */
export function isIngressNginxRelease(props: unknown): boolean | Unknown {
  const chart = at(props, "chart");
  if (isUnknown(chart)) return UNKNOWN;
  if (typeof chart !== "string") return false;
  const last = chart.trim().replace(/\/+$/, "").split("/").pop() ?? "";
  const base = last.replace(/\.tgz$/, "").replace(/-\d+\.\d+\.\d+.*$/, "");
  return base === INGRESS_NGINX_CHART;
}

/**
 * A resource validation for Helm releases of the ingress-nginx chart; any
 * other release is not applicable, and one whose chart is still unknown is
 * skipped. `validate` gets the release's properties and its name for messages.
 */
export function validateIngressNginxRelease(
  validate: (props: unknown, subject: string, args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidation {
  return validateResourceOfType(k8s.helm.v3.Release, (_p, args, report) => {
    const mine = isIngressNginxRelease(args.props);
    if (isUnknown(mine)) return;
    if (!mine) args.notApplicable(`not a release of the ${INGRESS_NGINX_CHART} chart`);
    validate(args.props, releaseSubject(args.props, args.name), args, report);
  });
}

type Values = Record<string, unknown>;

function isMap(v: unknown): v is Values {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isUnknown(v);
}

/**
 * A plain copy of a value read through the guard. An unknown part stays
 * UNKNOWN where it sits (rules read leaves, so an unknown leaf silences only
 * the checks that read it).
 */
function plain(v: unknown): unknown {
  if (isUnknown(v)) return UNKNOWN;
  const list = items(v);
  if (Array.isArray(list)) return list.map(plain);
  if (isUnknown(list)) return UNKNOWN;
  const es = entries(v);
  if (isUnknown(es)) return UNKNOWN;
  if (es !== undefined) return Object.fromEntries(es.map(([k, x]) => [k, plain(x)]));
  return v;
}

/** Helm's MergeMaps (pkg/cli/values/options.go, vendored by pulumi-kubernetes): b over a, maps merged key by key. */
export function mergeMaps(a: Values, b: Values): Values {
  const out: Values = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isMap(v) && isMap(prev) ? mergeMaps(prev, v) : v;
  }
  return out;
}

/** The signature Pulumi puts on a serialized asset. */
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

/** The YAML text of a values-file asset, when it is inline text; undefined for path or URI assets. */
function assetText(asset: unknown): string | Unknown | undefined {
  if (isUnknown(asset)) return UNKNOWN;
  const text = at(asset, "text");
  if (isUnknown(text)) return UNKNOWN;
  if (typeof text === "string" && (at(asset, SIG_KEY) === ASSET_SIG || at(asset, SIG_KEY) === undefined)) {
    return text;
  }
  return undefined;
}

/**
 * The values map Helm receives from a `helm.v3.Release`: `valueYamlFiles`
 * merged in order, then `values` on top. `undefined` when the release sets
 * no values at all; UNKNOWN when `values` or a values file is unknown, or a
 * values file is a path or URI asset this model cannot read.
 */
export function deliveredValues(props: unknown): Values | Unknown | undefined {
  const files = at(props, "valueYamlFiles");
  const values = at(props, "values");
  if (isUnknown(files) || isUnknown(values)) return UNKNOWN;
  let out: Values | undefined;
  const fileList = items(files);
  if (isUnknown(fileList)) return UNKNOWN;
  for (const f of fileList ?? []) {
    const text = assetText(f);
    if (text === undefined || isUnknown(text)) return UNKNOWN;
    let doc: unknown;
    try {
      doc = yaml.load(text);
    } catch {
      return UNKNOWN; // the provider's Check rejects the release; nothing to judge here
    }
    out = mergeMaps(out ?? {}, isMap(doc) ? doc : {});
  }
  if (values === undefined || values === null) return out;
  const own = plain(values);
  if (!isMap(own)) return out;
  return mergeMaps(out ?? {}, own);
}

/** The `controller` map the chart receives (undefined when none; UNKNOWN when it cannot be told). */
export function deliveredControllerValues(props: unknown): unknown {
  const v = deliveredValues(props);
  if (isUnknown(v)) return UNKNOWN;
  return v === undefined ? undefined : v.controller;
}

/**
 * Where the chart takes the controller's replica count from: autoscaling's
 * minReplicas when autoscaling is on, replicaCount otherwise. `raw` is the
 * value as set (undefined when unset); callers apply the default they mean.
 */
export function controllerReplicas(c: unknown): {
  readonly autoscaling: boolean;
  readonly field: string;
  readonly raw: unknown;
} {
  const autoscaling = at(c, "autoscaling.enabled") === true;
  const key = autoscaling ? "autoscaling.minReplicas" : "replicaCount";
  return { autoscaling, field: controllerPath(key), raw: at(c, key) };
}

/**
 * Every top-level `controller` key the 4.15.1 chart reads: the keys of its
 * values.yaml plus `maxUnavailable` and `startupProbe`, which its templates
 * read without a default. Any other key is silently ignored by Helm.
 */
export const CHART_CONTROLLER_KEYS: ReadonlySet<string> = new Set([
  "addHeaders",
  "admissionWebhooks",
  "affinity",
  "allowSnippetAnnotations",
  "annotations",
  "autoscaling",
  "autoscalingTemplate",
  "config",
  "configAnnotations",
  "configMapNamespace",
  "containerName",
  "containerPort",
  "containerSecurityContext",
  "customTemplate",
  "disableLeaderElection",
  "dnsConfig",
  "dnsPolicy",
  "electionID",
  "electionTTL",
  "enableAnnotationValidations",
  "enableMimalloc",
  "enableTopologyAwareRouting",
  "extraArgs",
  "extraContainers",
  "extraEnvs",
  "extraInitContainers",
  "extraModules",
  "extraVolumeMounts",
  "extraVolumes",
  "healthCheckHost",
  "healthCheckPath",
  "hostAliases",
  "hostNetwork",
  "hostPort",
  "hostname",
  "image",
  "ingressClass",
  "ingressClassByName",
  "ingressClassResource",
  "keda",
  "kind",
  "labels",
  "lifecycle",
  "livenessProbe",
  "maxUnavailable",
  "maxmindLicenseKey",
  "metrics",
  "minAvailable",
  "minReadySeconds",
  "name",
  "networkPolicy",
  "nodeSelector",
  "podAnnotations",
  "podLabels",
  "podSecurityContext",
  "priorityClassName",
  "progressDeadlineSeconds",
  "proxySetHeaders",
  "publishService",
  "readinessProbe",
  "replicaCount",
  "reportNodeInternalIp",
  "resizePolicy",
  "resources",
  "runtimeClassName",
  "scope",
  "service",
  "shareProcessNamespace",
  "startupProbe",
  "sysctls",
  "tcp",
  "terminationGracePeriodSeconds",
  "tolerations",
  "topologySpreadConstraints",
  "udp",
  "unhealthyPodEvictionPolicy",
  "updateStrategy",
  "watchIngressWithoutClass",
]);

/** Top-level `controller` keys the chart never reads; UNKNOWN when the map is unknown. */
export function unreadControllerKeys(c: unknown): string[] | Unknown {
  const es = entries(c);
  if (isUnknown(es)) return UNKNOWN;
  return (es ?? []).map(([k]) => k).filter((k) => !CHART_CONTROLLER_KEYS.has(k));
}

/**
 * Every leaf of `expected` (a map the program means the chart to receive)
 * that `delivered` lacks or holds with another value, as dotted paths with
 * both values. Empty when everything the program sets reaches the chart.
 */
export function undeliveredKeys(expected: unknown, delivered: unknown, path = ""): string[] {
  if (isMap(expected)) {
    const out: string[] = [];
    for (const [k, v] of Object.entries(expected)) {
      if (v === undefined) continue;
      const sub = path === "" ? k : `${path}.${k}`;
      out.push(...undeliveredKeys(v, isMap(delivered) ? delivered[k] : undefined, sub));
    }
    return out;
  }
  if (Array.isArray(expected)) {
    const got = Array.isArray(delivered) ? (delivered as unknown[]) : [];
    if (!Array.isArray(delivered) || got.length !== expected.length) {
      return [`${path}: expected ${show(expected)}, delivered ${show(delivered)}`];
    }
    return expected.flatMap((v, i) => undeliveredKeys(v, got[i], `${path}[${i}]`));
  }
  return expected === delivered ? [] : [`${path}: expected ${show(expected)}, delivered ${show(delivered)}`];
}
