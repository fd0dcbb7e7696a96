/**
 * What `kubectl proxy` does, for the plain-http kubeconfig scenario: a
 * loopback HTTP server that forwards every request to the API server over
 * TLS with the admin token, so a kubeconfig that names
 * `http://127.0.0.1:PORT` and no credentials reaches the cluster. It counts
 * what went through it, so a scenario can show who used it.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { KUBE_CONTEXT } from "./controlplane";
import type { ApiTarget } from "./kube";

export interface ApiProxy {
  readonly url: string;
  /** "METHOD path content-type" of every request forwarded, in order. */
  readonly requests: readonly string[];
  /** Writes a kubeconfig for the proxy (context KUBE_CONTEXT, no credentials) and returns its path. */
  kubeconfig(dir: string): string;
  close(): Promise<void>;
}

export async function startApiProxy(target: ApiTarget): Promise<ApiProxy> {
  const requests: string[] = [];
  const upstream = new URL(target.server);
  const server = http.createServer((req, res) => {
    requests.push(`${req.method ?? "GET"} ${req.url ?? "/"} ${req.headers["content-type"] ?? ""}`.trim());
    const headers = { ...req.headers, host: upstream.host, authorization: `Bearer ${target.token}` };
    const out = https.request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers,
        ca: target.ca,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`proxy: ${err.message}`);
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    kubeconfig(dir: string): string {
      const file = path.join(dir, "kubeconfig-plain-http.yaml");
      const text = [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "  - name: e2e-proxy",
        "    cluster:",
        `      server: ${url}`,
        "users:",
        "  - name: e2e-proxy",
        "    user: {}",
        "contexts:",
        `  - name: ${KUBE_CONTEXT}`,
        "    context:",
        "      cluster: e2e-proxy",
        "      user: e2e-proxy",
        `current-context: ${KUBE_CONTEXT}`,
        "",
      ].join("\n");
      fs.writeFileSync(file, text, { mode: 0o600 });
      return file;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
