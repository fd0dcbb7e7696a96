/** Pod Security Standard "restricted" and image rules on the real gateway Deployment. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  parseImage,
  podDropAllCapabilities,
  podImageDigest,
  podImagePinned,
  podNoHostAccess,
  podNoPrivilegeEscalation,
  podReadOnlyRootFilesystem,
  podResources,
  podRunAsNonRoot,
  podSeccompRuntimeDefault,
  podSecurityPolicies,
} from "../../policies/rules/podSecurity";
import { deployment, stableService, withProps } from "./fixtures";
import { UNKNOWN_VALUE, expectNotApplicable, expectResource, withValue } from "./harness";

const POD = "spec.template.spec";
const C = `${POD}.containers.0`;
const D = 'Deployment "ws-gateway-2f9c1ab": container "gateway"';
const set = (path: string, value: unknown) =>
  withProps(deployment(), withValue(deployment().props, path, value));
const mandatoryRules = podSecurityPolicies.filter((p) => p !== podImageDigest);

describe("pod security rules", () => {
  it("GIVEN the gateway Deployment THEN every mandatory pod rule passes", async () => {
    for (const p of mandatoryRules) await expectResource(p, deployment(), []);
  });

  it("GIVEN a Service THEN pod rules do not apply; a bare Pod is checked too", async () => {
    for (const p of podSecurityPolicies) await expectNotApplicable(p, stableService());
    const pod = {
      type: "kubernetes:core/v1:Pod",
      name: "debug",
      props: { metadata: { name: "debug" }, spec: { containers: [{ name: "sh", image: "busybox" }] } },
    };
    await expectResource(podImagePinned, pod, [
      'Pod "debug": container "sh" image "busybox" is not pinned (no tag, so "latest"): pods of one version could run different builds. Fix: use an immutable tag (the version) or a digest.',
    ]);
  });

  it("GIVEN root or unset runAsNonRoot THEN pod-run-as-non-root reports it", async () => {
    const noNonRoot = withProps(
      deployment(),
      withValue(
        withValue(deployment().props, `${POD}.securityContext.runAsNonRoot`, undefined),
        `${C}.securityContext.runAsNonRoot`,
        undefined,
      ),
    );
    await expectResource(podRunAsNonRoot, noNonRoot, [
      `${D} runAsNonRoot is nothing (pod or container securityContext). Fix: set securityContext.runAsNonRoot to true and run as a non-zero UID.`,
    ]);
    await expectResource(podRunAsNonRoot, set(`${C}.securityContext.runAsUser`, 0), [
      `${D} runAsUser is 0 (root). Fix: set securityContext.runAsUser to a non-zero UID, e.g. 10001.`,
    ]);
    await expectResource(podRunAsNonRoot, set(`${C}.securityContext.runAsNonRoot`, UNKNOWN_VALUE), []);
  });

  it("GIVEN privilege escalation or a privileged container THEN pod-no-privilege-escalation reports it", async () => {
    await expectResource(
      podNoPrivilegeEscalation,
      set(`${C}.securityContext.allowPrivilegeEscalation`, undefined),
      [
        `${D} allowPrivilegeEscalation is nothing, not false. Fix: set securityContext.allowPrivilegeEscalation to false.`,
      ],
    );
    await expectResource(podNoPrivilegeEscalation, set(`${C}.securityContext.privileged`, true), [
      `${D} is privileged. Fix: remove securityContext.privileged.`,
    ]);
    await expectResource(
      podNoPrivilegeEscalation,
      set(`${C}.securityContext.allowPrivilegeEscalation`, UNKNOWN_VALUE),
      [],
    );
  });

  it("GIVEN capabilities kept or added THEN pod-drop-all-capabilities reports it", async () => {
    await expectResource(
      podDropAllCapabilities,
      set(`${C}.securityContext.capabilities`, { add: ["NET_ADMIN", "NET_BIND_SERVICE"] }),
      [
        `${D} does not drop ALL capabilities (found capabilities.drop nothing). Fix: set securityContext.capabilities.drop to ["ALL"].`,
        `${D} adds capabilities ["NET_ADMIN"]; only NET_BIND_SERVICE is allowed. Fix: remove them from securityContext.capabilities.add.`,
      ],
    );
    await expectResource(
      podDropAllCapabilities,
      set(`${C}.securityContext.capabilities.drop`, UNKNOWN_VALUE),
      [],
    );
  });

  it("GIVEN no or an Unconfined seccomp profile THEN pod-seccomp-runtime-default reports it", async () => {
    await expectResource(podSeccompRuntimeDefault, set(`${POD}.securityContext.seccompProfile`, undefined), [
      `${D} seccompProfile.type is nothing. Fix: set the pod's securityContext.seccompProfile.type to "RuntimeDefault".`,
    ]);
    await expectResource(
      podSeccompRuntimeDefault,
      set(`${C}.securityContext.seccompProfile`, { type: "Unconfined" }),
      [
        `${D} seccompProfile.type is "Unconfined". Fix: set the pod's securityContext.seccompProfile.type to "RuntimeDefault".`,
      ],
    );
    await expectResource(podSeccompRuntimeDefault, set(`${POD}.securityContext`, UNKNOWN_VALUE), []);
  });

  it("GIVEN host namespaces, a host port or a hostPath volume THEN pod-no-host-access reports each", async () => {
    let d = set(`${POD}.hostNetwork`, true);
    d = withProps(d, withValue(d.props, `${C}.ports.0.hostPort`, 8080));
    d = withProps(
      d,
      withValue(d.props, `${POD}.volumes.1`, { name: "docker", hostPath: { path: "/var/run/docker.sock" } }),
    );
    await expectResource(podNoHostAccess, d, [
      'Deployment "ws-gateway-2f9c1ab": hostNetwork is true. Fix: remove hostNetwork from the pod spec.',
      `${D} binds hostPort 8080. Fix: remove hostPort and expose the port through a Service.`,
      'Deployment "ws-gateway-2f9c1ab": volume "docker" mounts hostPath "/var/run/docker.sock". Fix: use an emptyDir, ConfigMap or PersistentVolumeClaim instead.',
    ]);
    await expectResource(podNoHostAccess, set(`${POD}.hostNetwork`, UNKNOWN_VALUE), []);
  });

  it("GIVEN a writable root filesystem THEN pod-read-only-root-filesystem reports it", async () => {
    await expectResource(
      podReadOnlyRootFilesystem,
      set(`${C}.securityContext.readOnlyRootFilesystem`, false),
      [
        `${D} readOnlyRootFilesystem is false, not true. Fix: set securityContext.readOnlyRootFilesystem to true and mount an emptyDir where the process writes (e.g. /tmp).`,
      ],
    );
    await expectResource(
      podReadOnlyRootFilesystem,
      set(`${C}.securityContext.readOnlyRootFilesystem`, UNKNOWN_VALUE),
      [],
    );
  });

  it("GIVEN missing requests or memory limit THEN pod-resources reports each", async () => {
    await expectResource(podResources, set(`${C}.resources`, { limits: { cpu: "1" } }), [
      `${D} has no resources.requests.cpu (found nothing). Fix: set resources.requests.cpu.`,
      `${D} has no resources.requests.memory (found nothing). Fix: set resources.requests.memory.`,
      `${D} has no resources.limits.memory (found nothing). Fix: set resources.limits.memory.`,
    ]);
    await expectResource(podResources, set(`${C}.resources.requests`, UNKNOWN_VALUE), []);
  });

  it("GIVEN a latest or untagged image THEN pod-image-pinned reports it; a digest satisfies both image rules", async () => {
    await expectResource(
      podImagePinned,
      set(`${C}.image`, "europe-docker.pkg.dev/acme/gw/ws-gateway:latest"),
      [
        `${D} image "europe-docker.pkg.dev/acme/gw/ws-gateway:latest" is not pinned (tag "latest"): pods of one version could run different builds. Fix: use an immutable tag (the version) or a digest.`,
      ],
    );
    await expectResource(podImagePinned, set(`${C}.image`, "localhost:5001/ws-gateway"), [
      `${D} image "localhost:5001/ws-gateway" is not pinned (no tag, so "latest"): pods of one version could run different builds. Fix: use an immutable tag (the version) or a digest.`,
    ]);
    const digest = set(`${C}.image`, `europe-docker.pkg.dev/acme/gw/ws-gateway@sha256:${"a".repeat(64)}`);
    await expectResource(podImagePinned, digest, []);
    await expectResource(podImageDigest, digest, []);
    await expectResource(podImagePinned, set(`${C}.image`, UNKNOWN_VALUE), []);
    assert.deepEqual(parseImage("localhost:5001/gw:1.2@sha256:x"), { tag: "1.2", digest: "sha256:x" });
  });

  it("GIVEN a tag-only image THEN the advisory pod-image-digest suggests a digest", async () => {
    await expectResource(podImageDigest, deployment(), [
      `${D} image "europe-docker.pkg.dev/acme-ws-prod/gw/ws-gateway:2f9c1ab" has no digest; a tag can be pushed again. Fix: append "@sha256:<digest>" to the image.`,
    ]);
  });
});
