/**
 * The rehearsal's stand-in for ingress-nginx's Lua balancer.
 *
 * In ingress-nginx the canary Ingress becomes an alternative backend of the
 * main one (docs/facts.md F1); the controller pushes backends, endpoints and the canary
 * weight to a Lua endpoint, and `balancer.lua` picks a backend per request
 * without reloading nginx (docs/facts.md F2, F4). Debian's nginx has no Lua, so the same
 * decision lives here, in a small HTTP service nginx consults with
 * `auth_request` for every upgrade; nginx then proxies to the endpoint named in
 * the response header. Weight and endpoint changes are plain assignments here
 * and never touch nginx, exactly like the dynamic configuration they model.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { CANARY_HEADER, CANARY_HEADER_ALWAYS } from "../../components/names";
import { BACKEND_HEADER, BALANCER_PATH, ROUTE_HEADER } from "./protocol";

export type ServiceName = "stable" | "canary";

/** One backend endpoint: a Ready pod's address. */
export interface Endpoint {
  readonly pod: string;
  readonly address: string;
}

export class Balancer {
  private server: http.Server | undefined;
  private readonly endpoints: Record<ServiceName, readonly Endpoint[]> = { stable: [], canary: [] };
  private readonly nextIndex: Record<ServiceName, number> = { stable: 0, canary: 0 };
  private weight = 0;
  /**
   * The operator's abort request, the local counterpart of the abort
   * annotation on the canary Ingress: undefined when there is none.
   */
  private abortRequest: string | undefined = undefined;

  async start(): Promise<number> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Back to no endpoints, weight 0 and no abort request, between two strategies. */
  reset(): void {
    this.endpoints.stable = [];
    this.endpoints.canary = [];
    this.weight = 0;
    this.abortRequest = undefined;
  }

  setEndpoints(service: ServiceName, endpoints: readonly Endpoint[]): void {
    this.endpoints[service] = endpoints;
  }

  setWeight(weight: number): void {
    this.weight = weight;
  }

  getWeight(): number {
    return this.weight;
  }

  /** Requests an abort (reason, "" for none given) or withdraws it (undefined). */
  setAbortRequest(reason: string | undefined): void {
    this.abortRequest = reason;
  }

  getAbortRequest(): string | undefined {
    return this.abortRequest;
  }

  /**
   * ingress-nginx's order (docs/facts.md F2): `canary-by-header` "always"/"never"
   * first, then the weight, `random(1..100) <= weight`. A canary without
   * endpoints is not an alternative at all, so traffic stays on stable.
   */
  choose(canaryHeader: string | undefined, random: () => number = Math.random): ServiceName {
    if (this.endpoints.canary.length === 0) return "stable";
    if (canaryHeader === CANARY_HEADER_ALWAYS) return "canary";
    if (canaryHeader === "never") return "stable";
    return Math.floor(random() * 100) + 1 <= this.weight ? "canary" : "stable";
  }

  /** Round robin over the chosen Service's endpoints, ingress-nginx's default `load-balance`. */
  pick(service: ServiceName): Endpoint | undefined {
    const list = this.endpoints[service];
    if (list.length === 0) return undefined;
    const index = this.nextIndex[service] % list.length;
    this.nextIndex[service] = index + 1;
    return list[index];
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.url !== BALANCER_PATH) {
      res.writeHead(404).end();
      return;
    }
    const header = req.headers[CANARY_HEADER.toLowerCase()];
    const route = this.choose(Array.isArray(header) ? header[0] : header);
    const endpoint = this.pick(route);
    if (!endpoint) {
      // nginx turns the 503 of its auth_request into a 500 for the client.
      res.writeHead(503).end();
      return;
    }
    res
      .writeHead(200, { [BACKEND_HEADER]: endpoint.address, [ROUTE_HEADER]: route, "Content-Length": "0" })
      .end();
  }
}
