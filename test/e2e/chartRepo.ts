/**
 * A Helm chart repository on loopback serving a stand-in `ingress-nginx`
 * chart at the pinned version: Chart.yaml and no templates. The real chart
 * cannot be fetched offline; what the e2e checks is the values the engine
 * sends to the Helm release, which do not depend on the chart's templates.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";

export interface ChartRepo {
  readonly url: string;
  close(): Promise<void>;
}

export async function startChartRepo(dir: string, name: string, version: string): Promise<ChartRepo> {
  const src = path.join(dir, "chart-src", name);
  fs.mkdirSync(path.join(src, "templates"), { recursive: true });
  fs.writeFileSync(
    path.join(src, "Chart.yaml"),
    `apiVersion: v2\nname: ${name}\nversion: ${version}\ndescription: stand-in for the e2e (no templates)\n`,
  );
  fs.writeFileSync(path.join(src, "values.yaml"), "{}\n");
  const tgzName = `${name}-${version}.tgz`;
  const tgz = path.join(dir, tgzName);
  execFileSync("tar", ["-czf", tgz, "-C", path.dirname(src), name]);
  const bytes = fs.readFileSync(tgz);
  const digest = createHash("sha256").update(bytes).digest("hex");

  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const index = [
    "apiVersion: v1",
    "entries:",
    `  ${name}:`,
    "    - apiVersion: v2",
    `      name: ${name}`,
    `      version: ${version}`,
    `      digest: ${digest}`,
    `      created: "${new Date().toISOString()}"`,
    "      urls:",
    `        - ${url}/${tgzName}`,
    `generated: "${new Date().toISOString()}"`,
    "",
  ].join("\n");
  server.on("request", (req, res) => {
    if (req.url === "/index.yaml") res.writeHead(200, { "content-type": "text/yaml" }).end(index);
    else if (req.url === `/${tgzName}`) res.writeHead(200, { "content-type": "application/gzip" }).end(bytes);
    else res.writeHead(404).end();
  });
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
