/**
 * Previews: the policy pack on the e2e stack and on a broken variant, the
 * chart values the engine would send, and a config mistake refused with one
 * message before anything changes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { INGRESS_NGINX_CHART, ingressNginxReleaseArgs } from "../../../components/ingress/ingressNginx";
import { parseConfig } from "../../../infra/config";
import { ingressNginxArgs } from "../../../infra/program";
import { startChartRepo } from "../chartRepo";
import { STACK, type CliResult } from "../workspace";
import { canonical, check, editStack, expectOk, section, tail, type Scenario } from "./support";

export const previewPolicyPack: Scenario = {
  name: "preview-policy-pack",
  summary:
    "GIVEN the e2e stack WHEN pulumi preview --policy-pack THEN no violation; GIVEN one ingress controller THEN a mandatory ingress-nginx-pdb violation",
  run: async (ctx) => {
    const pack = path.join(ctx.ws.repo, "policies");
    const packConfig = path.join(ctx.ws.repo, "policies", "stack-config", `${STACK}.json`);
    const clean = await ctx.ws.pulumi(
      ["preview", "--stack", STACK, "--policy-pack", pack, "--policy-pack-config", packConfig],
      "preview-pack",
    );
    expectOk(clean, "pulumi preview --policy-pack (e2e stack)");
    check(!/mandatory/.test(clean.output), `the e2e stack has policy violations:\n${tail(clean.output)}`);
    const saved = fs.readFileSync(ctx.ws.stackFile, "utf8");
    const repo = await startChartRepo(path.join(ctx.ws.workdir, "tmp"), INGRESS_NGINX_CHART, "4.15.1");
    let broken: CliResult;
    try {
      // A stack that installs a single controller: the chart then renders no PDB.
      editStack(ctx, (c) => {
        const ing = section(c, "ingress");
        Object.assign(ing, {
          controller: "install",
          controllerReplicas: 1,
          serviceType: "NodePort",
          chartRepository: repo.url,
        });
      });
      broken = await ctx.ws.pulumi(
        ["preview", "--stack", STACK, "--policy-pack", pack, "--policy-pack-config", packConfig],
        "preview-pack-broken",
      );
    } finally {
      fs.writeFileSync(ctx.ws.stackFile, saved);
      await repo.close();
    }
    check(broken.code !== 0, "the broken variant (one ingress controller) passed the policy pack");
    const violation =
      broken.output.split("\n").find((l) => /mandatory/.test(l) && /ingress-nginx-pdb/.test(l)) ??
      broken.output.split("\n").find((l) => /ingress-nginx-pdb/.test(l)) ??
      "";
    check(violation !== "", `no mandatory ingress-nginx-pdb violation shown:\n${tail(broken.output)}`);
    const message = broken.output.split("\n").find((l) => /replicaCount is 1/.test(l)) ?? "";
    return `clean preview in ${clean.seconds.toFixed(1)}s; one-controller variant rejected: ${violation.trim()} ${message.trim()}`;
  },
};

export const ingressChartValues: Scenario = {
  name: "ingress-chart-values",
  summary:
    "GIVEN ingress.controller install WHEN pulumi preview --json THEN the Helm release carries exactly the chart and values the program declares",
  run: async (ctx) => {
    const saved = fs.readFileSync(ctx.ws.stackFile, "utf8");
    const repo = await startChartRepo(path.join(ctx.ws.workdir, "tmp"), INGRESS_NGINX_CHART, "4.15.1");
    let r: CliResult;
    let rawConfig: Record<string, unknown> = {};
    try {
      editStack(ctx, (c) => {
        Object.assign(section(c, "ingress"), {
          controller: "install",
          controllerReplicas: 2,
          serviceType: "NodePort",
          chartRepository: repo.url,
        });
        rawConfig = structuredClone(c);
      });
      r = await ctx.ws.pulumi(["preview", "--json", "--stack", STACK], "preview-chart-json");
    } finally {
      fs.writeFileSync(ctx.ws.stackFile, saved);
      await repo.close();
    }
    expectOk(r, "pulumi preview --json (ingress.controller install)");
    const plan = JSON.parse(r.stdout) as {
      steps?: { op: string; urn: string; newState?: { type: string; inputs?: Record<string, unknown> } }[];
    };
    const release = (plan.steps ?? []).find((st) => st.newState?.type === "kubernetes:helm.sh/v3:Release");
    check(
      release !== undefined,
      `no kubernetes:helm.sh/v3:Release in the preview (${(plan.steps ?? []).length} steps)`,
    );
    const sent = release.newState?.inputs ?? {};
    const raw = Object.fromEntries(
      ["cluster", "ingress", "gateway", "rollout"].map((k) => [k, rawConfig[`ws-gateway:${k}`]]),
    );
    const declared = ingressNginxReleaseArgs(ingressNginxArgs(parseConfig(raw)));
    const values = sent.values as { controller?: Record<string, unknown> } | undefined;
    const ctl = values?.controller ?? {};
    const cfg = (ctl.config ?? {}) as Record<string, string>;
    const svc = (ctl.service ?? {}) as Record<string, unknown>;
    const declaredJson = canonical(declared.values);
    const sentJson = canonical(values);
    check(
      sentJson === declaredJson,
      `the release's values differ from what the program declares:\n sent     ${sentJson}\n declared ${declaredJson}`,
    );
    check(
      sent.chart === declared.chart && sent.version === declared.version,
      `chart ${String(sent.chart)}@${String(sent.version)}, declared ${declared.chart}@${declared.version}`,
    );
    const spread = (ctl.topologySpreadConstraints ?? []) as {
      topologyKey?: string;
      whenUnsatisfiable?: string;
    }[];
    return (
      `the engine sends ${declared.chart}@${declared.version} with controller values equal to the program's: ` +
      `worker-shutdown-timeout ${cfg["worker-shutdown-timeout"]}, proxy-read-timeout ${cfg["proxy-read-timeout"]}, proxy-send-timeout ${cfg["proxy-send-timeout"]}, ` +
      `terminationGracePeriodSeconds ${String(ctl.terminationGracePeriodSeconds)}, replicaCount ${String(ctl.replicaCount)}, PDB minAvailable ${String(ctl.minAvailable)}, ` +
      `zone spread ${spread.map((x) => `${x.topologyKey}/${x.whenUnsatisfiable}`).join(",")}, externalTrafficPolicy ${String(svc.externalTrafficPolicy)}`
    );
  },
};

export const invalidConfig: Scenario = {
  name: "invalid-config",
  summary:
    "GIVEN gateway.drainSeconds 0 WHEN pulumi preview THEN one clean message naming the key, no stack trace, nothing changed",
  run: async (ctx) => {
    const saved = fs.readFileSync(ctx.ws.stackFile, "utf8");
    expectOk(await ctx.ws.configSet("gateway.drainSeconds", "0"), "pulumi config set drainSeconds 0");
    const r = await ctx.ws.pulumi(["preview", "--stack", STACK], "preview-invalid");
    fs.writeFileSync(ctx.ws.stackFile, saved);
    check(r.code !== 0, "pulumi preview accepted drainSeconds 0");
    const header = "Invalid stack configuration (1 problem); nothing was changed:";
    check(r.output.includes(header), `no clean config message:\n${tail(r.output)}`);
    const line = r.output.split("\n").find((l) => l.includes("ws-gateway:gateway.drainSeconds:")) ?? "";
    check(line !== "", "the message does not name ws-gateway:gateway.drainSeconds");
    // The CLI shows the error once in the progress line and once under Diagnostics.
    const diagnostics = r.output.slice(r.output.indexOf("Diagnostics:"));
    const count = diagnostics.split(header).length - 1;
    check(count === 1, `the message appears ${count} times under Diagnostics`);
    check(!/\n\s+at .+:\d+:\d+\)?\n/.test(r.output), `stack trace in the output:\n${tail(r.output)}`);
    return `one message: ${header} ${line.trim()}`;
  },
};
