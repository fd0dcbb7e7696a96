/** Gate abort-request: the operator's abort annotation. */
import { abortClearCommand, ANNOTATION_ABORT } from "../abortAnnotation";
import type { AbortRequestSource, Gate, GateResult } from "../types";
import { ABORT_REQUEST_GATE } from "./names";

/**
 * Fails while the operator's abort annotation is on the canary Ingress (see
 * ./abortAnnotation). The reason is quoted as JSON so any text stays on the
 * failure's one line. When the source names its Ingress, the failure carries
 * the command that removes the annotation: the engine never removes it, and
 * until someone does, every release fails at its first gate round.
 */
export function abortRequestGate(source: AbortRequestSource): Gate {
  const threshold = `no ${ANNOTATION_ABORT} annotation on the canary Ingress`;
  const ingress = source.canaryIngress;
  const fix = ingress === undefined ? undefined : `remove it with: ${abortClearCommand(ingress)}`;
  return {
    name: ABORT_REQUEST_GATE,
    async check(): Promise<GateResult> {
      const reason = await source.getAbortRequest();
      if (reason === undefined) return { ok: true, measured: "no abort requested", threshold };
      const measured = `abort requested: ${JSON.stringify(reason)}`;
      return fix === undefined ? { ok: false, measured, threshold } : { ok: false, measured, threshold, fix };
    },
  };
}

export function isAbortRequestSource(source: object): source is AbortRequestSource {
  return typeof (source as Partial<AbortRequestSource>).getAbortRequest === "function";
}
