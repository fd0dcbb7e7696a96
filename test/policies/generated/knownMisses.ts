/**
 * The generated mutations the pack misses today (mutation id -> why, as seen
 * from outside the pack: what it reported and what it does not relate). An
 * exact ratchet: generated.test.ts fails when one of these becomes caught
 * (remove it here) and when a mutation outside this list is missed. This is
 * the work list for the pack.
 */
export const KNOWN_MISSES: ReadonlyMap<string, string> = new Map<string, string>([
  // unlabelled-objects: objects are recognised by our labels, not by what they select or target
  [
    "unlabelled-hpa-fast-scale-down",
    "an HPA targeting the gateway Deployment without our labels is not held to the slow scale-down rule",
  ],
  // termination-path: one container and one field are read
  // zone-spread: the constraint is read, not what the node selection leaves it
  // autoscalers-budgets: one HPA and one PDB are judged alone, PDB percentages are not rounded as Kubernetes does
  // disruption-causes: issue 16's causes are not modelled
  ["cause-spot-node-pool", "a Spot gateway node pool is not reported"],
  ["cause-spot-node-pool-dev", "a Spot gateway node pool is not reported"],
  ["cause-preemptible-node-pool", "a preemptible gateway node pool is not reported"],
  ["cause-pods-select-spot-nodes", "gateway pods selecting Spot nodes are not reported"],
  ["cause-pods-prefer-preemptible-nodes", "gateway pods preferring preemptible nodes are not reported"],
  [
    "cause-safe-to-evict-true",
    'safe-to-evict "true" on gateway pods with a drain beyond the autoscaler\'s 600 s is not reported',
  ],
  [
    "cause-drain-beyond-autoscaler-cap",
    'a drain beyond the cluster autoscaler\'s 600 s on an autoscaling pool without safe-to-evict "false" is not reported',
  ],
  ["cause-optimize-utilization-profile", "the OPTIMIZE_UTILIZATION autoscaling profile is not reported"],
  ["cause-low-priority-class", "a gateway PriorityClass below the default is not reported"],
  ["cause-pool-deletion-ignores-pdb", "respectPdbDuringNodePoolDeletion false is not reported"],
  ["cause-pdb-timeout-short", "a short nodeDrainConfigs.pdbTimeoutDuration is not reported"],
  [
    "cause-drain-beyond-upgrade-hour",
    "a drain beyond the node upgrade's one-hour limit is not reported when every soak matches it",
  ],
  ["cause-controller-on-spot", "controllers on Spot nodes are not reported"],
  ["cause-controller-safe-to-evict", 'safe-to-evict "true" on the controller pods is not reported'],
  // controller-capacity: replicas and PDB are read, not its rollout or autoscaling
]);
