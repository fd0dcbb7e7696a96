/**
 * Pod Security Standard "restricted" plus the hardening the design asks of
 * gateway pods (read-only root filesystem, requests and a memory limit,
 * pinned images), for every workload the program declares. The gateway
 * namespace also enforces "restricted" at admission; these rules fail at
 * preview instead of at pod creation, with a fix.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { WORKLOAD_TYPES, containersOf, podSpecOf, type ContainerRef } from "../lib/kube";
import { at, isUnknown, knownItems, show } from "../lib/values";

interface PodContext {
  /** "Deployment \"ws-gateway-2f9c1ab\"" */
  readonly what: string;
  readonly pod: unknown;
  readonly containers: readonly ContainerRef[];
  readonly report: ReportViolation;
}

function kindOf(type: string): string {
  return type.split(":").pop() ?? type;
}

/** A rule that runs on the pod spec of every workload type. */
function workloadRule(
  name: string,
  description: string,
  check: (ctx: PodContext) => void,
  enforcementLevel: "mandatory" | "advisory" = "mandatory",
): ResourceValidationPolicy {
  return {
    name,
    description,
    enforcementLevel,
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      if (!WORKLOAD_TYPES.includes(args.type)) {
        args.notApplicable(`Policy only applies to workloads (${WORKLOAD_TYPES.join(", ")})`);
      }
      const pod = podSpecOf(args.type, args.props);
      if (pod === undefined || isUnknown(pod)) return;
      const name = at(args.props, "metadata.name");
      const what = `${kindOf(args.type)} ${JSON.stringify(typeof name === "string" ? name : args.name)}`;
      check({ what, pod, containers: containersOf(pod), report });
    },
  };
}

/** A container-level setting, falling back to the pod-level one. */
function effective(ctx: PodContext, c: ContainerRef, path: string): unknown {
  const own = at(c.container, `securityContext.${path}`);
  return own !== undefined ? own : at(ctx.pod, `securityContext.${path}`);
}

export const podRunAsNonRoot = workloadRule(
  "pod-run-as-non-root",
  "Containers run as a non-root user (runAsNonRoot true, runAsUser not 0).",
  (ctx) => {
    for (const c of ctx.containers) {
      const nonRoot = effective(ctx, c, "runAsNonRoot");
      const user = effective(ctx, c, "runAsUser");
      if (isUnknown(nonRoot) || isUnknown(user)) continue;
      if (nonRoot !== true) {
        ctx.report(
          `${ctx.what}: ${c.label} runAsNonRoot is ${show(nonRoot)} (pod or container securityContext). Fix: set securityContext.runAsNonRoot to true and run as a non-zero UID.`,
        );
      } else if (user === 0) {
        ctx.report(
          `${ctx.what}: ${c.label} runAsUser is 0 (root). Fix: set securityContext.runAsUser to a non-zero UID, e.g. 10001.`,
        );
      }
    }
  },
);

export const podNoPrivilegeEscalation = workloadRule(
  "pod-no-privilege-escalation",
  "Containers are not privileged and set allowPrivilegeEscalation false.",
  (ctx) => {
    for (const c of ctx.containers) {
      const ape = at(c.container, "securityContext.allowPrivilegeEscalation");
      const privileged = at(c.container, "securityContext.privileged");
      if (privileged === true) {
        ctx.report(`${ctx.what}: ${c.label} is privileged. Fix: remove securityContext.privileged.`);
      }
      if (!isUnknown(ape) && ape !== false) {
        ctx.report(
          `${ctx.what}: ${c.label} allowPrivilegeEscalation is ${show(ape)}, not false. Fix: set securityContext.allowPrivilegeEscalation to false.`,
        );
      }
    }
  },
);

export const podDropAllCapabilities = workloadRule(
  "pod-drop-all-capabilities",
  "Containers drop ALL capabilities and add none but NET_BIND_SERVICE.",
  (ctx) => {
    for (const c of ctx.containers) {
      const drop = at(c.container, "securityContext.capabilities.drop");
      const add = at(c.container, "securityContext.capabilities.add");
      if (!isUnknown(drop)) {
        const list = knownItems(drop);
        if (!list.some(isUnknown) && !list.includes("ALL")) {
          ctx.report(
            `${ctx.what}: ${c.label} does not drop ALL capabilities (found capabilities.drop ${show(drop)}). Fix: set securityContext.capabilities.drop to ["ALL"].`,
          );
        }
      }
      const extra = knownItems(add).filter((x) => !isUnknown(x) && x !== "NET_BIND_SERVICE");
      if (extra.length > 0) {
        ctx.report(
          `${ctx.what}: ${c.label} adds capabilities ${show(extra)}; only NET_BIND_SERVICE is allowed. Fix: remove them from securityContext.capabilities.add.`,
        );
      }
    }
  },
);

const SECCOMP_OK = ["RuntimeDefault", "Localhost"];

export const podSeccompRuntimeDefault = workloadRule(
  "pod-seccomp-runtime-default",
  "Containers run with a seccomp profile (RuntimeDefault or Localhost).",
  (ctx) => {
    for (const c of ctx.containers) {
      const type = effective(ctx, c, "seccompProfile.type");
      if (isUnknown(type) || (typeof type === "string" && SECCOMP_OK.includes(type))) continue;
      ctx.report(
        `${ctx.what}: ${c.label} seccompProfile.type is ${show(type)}. Fix: set the pod's securityContext.seccompProfile.type to "RuntimeDefault".`,
      );
    }
  },
);

export const podNoHostAccess = workloadRule(
  "pod-no-host-access",
  "Pods share no host namespace (network, PID, IPC), bind no host port and mount no hostPath volume.",
  (ctx) => {
    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
      if (at(ctx.pod, field) === true) {
        ctx.report(`${ctx.what}: ${field} is true. Fix: remove ${field} from the pod spec.`);
      }
    }
    for (const c of ctx.containers) {
      for (const p of knownItems(at(c.container, "ports"))) {
        const hostPort = at(p, "hostPort");
        if (typeof hostPort === "number" && hostPort !== 0) {
          ctx.report(
            `${ctx.what}: ${c.label} binds hostPort ${hostPort}. Fix: remove hostPort and expose the port through a Service.`,
          );
        }
      }
    }
    for (const v of knownItems(at(ctx.pod, "volumes"))) {
      const hostPath = at(v, "hostPath");
      if (hostPath !== undefined && !isUnknown(hostPath)) {
        ctx.report(
          `${ctx.what}: volume ${show(at(v, "name"))} mounts hostPath ${show(at(hostPath, "path"))}. Fix: use an emptyDir, ConfigMap or PersistentVolumeClaim instead.`,
        );
      }
    }
  },
);

export const podReadOnlyRootFilesystem = workloadRule(
  "pod-read-only-root-filesystem",
  "Containers mount their root filesystem read-only (writable paths are explicit volumes).",
  (ctx) => {
    for (const c of ctx.containers) {
      const ro = at(c.container, "securityContext.readOnlyRootFilesystem");
      if (isUnknown(ro) || ro === true) continue;
      ctx.report(
        `${ctx.what}: ${c.label} readOnlyRootFilesystem is ${show(ro)}, not true. Fix: set securityContext.readOnlyRootFilesystem to true and mount an emptyDir where the process writes (e.g. /tmp).`,
      );
    }
  },
);

export const podResources = workloadRule(
  "pod-resources",
  "Containers request CPU and memory and limit memory, so scheduling is honest and a leak cannot starve a node.",
  (ctx) => {
    for (const c of ctx.containers) {
      for (const path of ["requests.cpu", "requests.memory", "limits.memory"]) {
        const v = at(c.container, `resources.${path}`);
        if (isUnknown(v) || (v !== undefined && v !== null && v !== "")) continue;
        ctx.report(
          `${ctx.what}: ${c.label} has no resources.${path} (found nothing). Fix: set resources.${path}.`,
        );
      }
    }
  },
);

interface ImageRef {
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

/** Splits "registry:5000/repo/name:tag@sha256:..." into tag and digest. */
export function parseImage(image: string): ImageRef {
  const at_ = image.indexOf("@");
  const digest = at_ >= 0 ? image.slice(at_ + 1) : undefined;
  const name = at_ >= 0 ? image.slice(0, at_) : image;
  const last = name.slice(name.lastIndexOf("/") + 1);
  const colon = last.lastIndexOf(":");
  return { tag: colon >= 0 ? last.slice(colon + 1) : undefined, digest };
}

export const podImagePinned = workloadRule(
  "pod-image-pinned",
  'Images name a tag or digest, never "latest", so every pod of a version runs the same build.',
  (ctx) => {
    for (const c of ctx.containers) {
      const image = at(c.container, "image");
      if (isUnknown(image)) continue;
      if (typeof image !== "string" || image === "") {
        ctx.report(
          `${ctx.what}: ${c.label} has no image (found ${show(image)}). Fix: set image to "<repository>:<version>".`,
        );
        continue;
      }
      const ref = parseImage(image);
      if (ref.digest === undefined && (ref.tag === undefined || ref.tag === "latest")) {
        ctx.report(
          `${ctx.what}: ${c.label} image ${show(image)} is not pinned (${ref.tag === undefined ? 'no tag, so "latest"' : 'tag "latest"'}): ` +
            `pods of one version could run different builds. Fix: use an immutable tag (the version) or a digest.`,
        );
      }
    }
  },
);

export const podImageDigest = workloadRule(
  "pod-image-digest",
  "Images are referenced by digest, which no registry push can move (advisory: a tag per version is the project's convention).",
  (ctx) => {
    for (const c of ctx.containers) {
      const image = at(c.container, "image");
      if (typeof image !== "string" || parseImage(image).digest !== undefined) continue;
      ctx.report(
        `${ctx.what}: ${c.label} image ${show(image)} has no digest; a tag can be pushed again. Fix: append "@sha256:<digest>" to the image.`,
      );
    }
  },
  "advisory",
);

export const podSecurityPolicies = [
  podRunAsNonRoot,
  podNoPrivilegeEscalation,
  podDropAllCapabilities,
  podSeccompRuntimeDefault,
  podNoHostAccess,
  podReadOnlyRootFilesystem,
  podResources,
  podImagePinned,
  podImageDigest,
];
