/**
 * Quantities, replicas and ports. Kubernetes quantities: a number with an
 * optional binary (Ki, Mi, Gi, Ti) or decimal (m, k, M, G, T) suffix, case
 * sensitive, no space (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/);
 * CPU below 1m cannot be expressed (https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#meaning-of-cpu).
 * Ranges and relations: docs/configuration.md.
 */
import { family, refusedAt } from "../mutate";

const at = refusedAt;
const cpuDoc =
  'docs/configuration.md gateway.resources.cpuRequest: cores ("1", "0.5") or millicores ("250m"), 10m-64';
const memDoc = "docs/configuration.md gateway.resources.memoryRequest: with a unit (Mi, Gi, M, G), 16Mi-1Ti";

export const quantityCases = family("quantities-and-resources", [
  at("qty-cpu-memory-unit", "cpuRequest 250Mi", "gateway.resources.cpuRequest", "250Mi", cpuDoc),
  at(
    "qty-cpu-sub-milli",
    "cpuRequest 0.5m",
    "gateway.resources.cpuRequest",
    "0.5m",
    `${cpuDoc}; Kubernetes: no CPU below 1m`,
  ),
  at("qty-cpu-below", "cpuRequest 5m", "gateway.resources.cpuRequest", "5m", cpuDoc),
  at("qty-cpu-over", "cpuRequest 65", "gateway.resources.cpuRequest", "65", cpuDoc),
  at(
    "qty-cpu-space",
    "cpuRequest '250 m'",
    "gateway.resources.cpuRequest",
    "250 m",
    "Kubernetes quantity: no space before the suffix",
  ),
  at(
    "qty-cpu-mega",
    "cpuRequest 250M (decimal mega: 250 million cores)",
    "gateway.resources.cpuRequest",
    "250M",
    cpuDoc,
  ),
  at("qty-cpu-negative", "cpuRequest -1", "gateway.resources.cpuRequest", "-1", cpuDoc),
  at("qty-cpu-words", "cpuRequest '2 cores'", "gateway.resources.cpuRequest", "2 cores", cpuDoc),
  at("qty-cpu-empty", "cpuRequest empty", "gateway.resources.cpuRequest", "", cpuDoc),
  at(
    "qty-mem-bare",
    "memoryRequest 512 (bytes)",
    "gateway.resources.memoryRequest",
    "512",
    `${memDoc}; a bare number counts bytes`,
  ),
  at(
    "qty-mem-milli",
    "memoryRequest 512m (thousandths of a byte)",
    "gateway.resources.memoryRequest",
    "512m",
    `${memDoc}; m means thousandths`,
  ),
  at(
    "qty-mem-mb",
    "memoryRequest 512MB",
    "gateway.resources.memoryRequest",
    "512MB",
    "Kubernetes quantity suffixes: M or Mi, not MB",
  ),
  at(
    "qty-mem-lowercase-mi",
    "memoryRequest 512mi",
    "gateway.resources.memoryRequest",
    "512mi",
    "Kubernetes quantity suffixes are case sensitive",
  ),
  at(
    "qty-mem-mib",
    "memoryRequest 512Mib",
    "gateway.resources.memoryRequest",
    "512Mib",
    "Kubernetes quantity suffixes: Mi, not Mib",
  ),
  at("qty-mem-below", "memoryRequest 8Mi", "gateway.resources.memoryRequest", "8Mi", memDoc),
  at("qty-mem-over", "memoryLimit 2Ti", "gateway.resources.memoryLimit", "2Ti", memDoc),
  at("qty-mem-limit-zero", "memoryLimit 0", "gateway.resources.memoryLimit", "0", memDoc),
  at(
    "qty-mem-trailing-space",
    "memoryLimit '1Gi '",
    "gateway.resources.memoryLimit",
    "1Gi ",
    "Kubernetes quantity: no trailing characters",
  ),
]);

export const replicaCases = family("replicas-and-ports", [
  at(
    "rep-min-one",
    "minReplicas 1",
    "gateway.minReplicas",
    1,
    "docs/configuration.md gateway.minReplicas: integer 2-1000",
    "local",
  ),
  at(
    "rep-min-over",
    "minReplicas 1001",
    "gateway.minReplicas",
    1001,
    "docs/configuration.md gateway.minReplicas: integer 2-1000",
  ),
  at(
    "rep-max-over",
    "maxReplicas 1001",
    "gateway.maxReplicas",
    1001,
    "docs/configuration.md gateway.maxReplicas: integer 2-1000",
  ),
  at(
    "rep-cpu-target-low",
    "targetCpuUtilizationPercent 5",
    "gateway.targetCpuUtilizationPercent",
    5,
    "docs/configuration.md gateway.targetCpuUtilizationPercent: integer 10-95",
  ),
  at(
    "rep-cpu-target-high",
    "targetCpuUtilizationPercent 96",
    "gateway.targetCpuUtilizationPercent",
    96,
    "docs/configuration.md gateway.targetCpuUtilizationPercent: integer 10-95",
  ),
  at(
    "rep-cpu-target-percent-text",
    'targetCpuUtilizationPercent "60%"',
    "gateway.targetCpuUtilizationPercent",
    "60%",
    "docs/configuration.md gateway.targetCpuUtilizationPercent: integer",
  ),
  at(
    "port-privileged",
    "port 80 (below 1024: the restricted pod runs without privileges)",
    "gateway.port",
    80,
    "docs/configuration.md gateway.port: integer 1024-65535",
  ),
  at(
    "port-over",
    "port 65536",
    "gateway.port",
    65536,
    "docs/configuration.md gateway.port: integer 1024-65535",
  ),
  at("port-fraction", "port 8080.5", "gateway.port", 8080.5, "docs/configuration.md gateway.port: integer"),
  at(
    "pool-min-negative",
    "minNodesPerZone -1",
    "cluster.nodePool.minNodesPerZone",
    -1,
    "docs/configuration.md cluster.nodePool.minNodesPerZone: integer 0-100",
  ),
  at(
    "pool-max-zero",
    "maxNodesPerZone 0",
    "cluster.nodePool.maxNodesPerZone",
    0,
    "docs/configuration.md cluster.nodePool.maxNodesPerZone: integer 1-1000",
  ),
  at(
    "pool-disk-small",
    "diskSizeGb 9",
    "cluster.nodePool.diskSizeGb",
    9,
    "docs/configuration.md cluster.nodePool.diskSizeGb: integer 10-65536",
  ),
  at(
    "pool-disk-over",
    "diskSizeGb 65537",
    "cluster.nodePool.diskSizeGb",
    65537,
    "docs/configuration.md cluster.nodePool.diskSizeGb: integer 10-65536",
  ),
  at(
    "pool-machine-uppercase",
    "machineType E2-Standard-4",
    "cluster.nodePool.machineType",
    "E2-Standard-4",
    "GCE machine type names are lower-case (e2-standard-4)",
  ),
  at(
    "pool-machine-spaces",
    "machineType 'e2 standard 4'",
    "cluster.nodePool.machineType",
    "e2 standard 4",
    "GCE machine type names: lower-case, hyphens",
  ),
  at(
    "pool-machine-empty",
    "machineType empty",
    "cluster.nodePool.machineType",
    "",
    "docs/configuration.md cluster.nodePool.machineType: machine type",
  ),
]);
