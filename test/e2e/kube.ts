/**
 * A small Kubernetes API client for the end-to-end run: token auth against the
 * local control plane's CA, plain requests and watches with reconnects. Only
 * the test uses it; the program's own client is components/rollout/kubeClient.ts.
 */
import * as https from "node:https";

export interface ApiTarget {
  /** https://127.0.0.1:PORT */
  readonly server: string;
  readonly token: string;
  /** PEM of the cluster CA. */
  readonly ca: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status}: ${body.slice(0, 400)}`);
  }
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly contentType?: string;
  readonly timeoutMs?: number;
}

/** One request; resolves with the parsed JSON body, rejects with ApiError for status >= 400. */
export function kubeRequest(
  target: ApiTarget,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<unknown> {
  const url = new URL(path, target.server);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ca: target.ca,
        headers: {
          authorization: `Bearer ${target.token}`,
          accept: "application/json",
          ...(payload === undefined
            ? {}
            : {
                "content-type": options.contentType ?? "application/json",
                "content-length": Buffer.byteLength(payload),
              }),
        },
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if ((res.statusCode ?? 0) >= 400) {
            reject(new ApiError(res.statusCode ?? 0, text, `${method} ${path}`));
            return;
          }
          try {
            resolve(text === "" ? {} : (JSON.parse(text) as unknown));
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export interface WatchEvent {
  readonly type: string;
  readonly object: KubeObject;
}

export interface KubeObject {
  readonly kind?: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly resourceVersion?: string;
    readonly annotations?: Record<string, string>;
    readonly labels?: Record<string, string>;
    readonly deletionTimestamp?: string;
    readonly creationTimestamp?: string;
    readonly managedFields?: readonly { manager?: string; operation?: string; subresource?: string }[];
  };
  readonly spec?: Record<string, unknown>;
  readonly status?: Record<string, unknown>;
}

/**
 * Watches a collection until stop() is called: lists first (reported as
 * SYNC events), then follows; reconnects after errors, the API server being
 * down included, with a fresh list so nothing is missed for long.
 */
export class Watch {
  private stopped = false;
  private req: ReturnType<typeof https.request> | undefined;

  constructor(
    private readonly target: ApiTarget,
    private readonly path: string,
    private readonly onEvent: (e: WatchEvent) => void,
    private readonly onError: (message: string) => void,
  ) {}

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.req?.destroy();
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const list = (await kubeRequest(this.target, "GET", this.path)) as {
          metadata: { resourceVersion: string };
          items: KubeObject[];
        };
        for (const item of list.items) this.onEvent({ type: "SYNC", object: item });
        await this.follow(list.metadata.resourceVersion);
        failures = 0;
      } catch (err) {
        if (this.stopped) return;
        failures += 1;
        if (failures === 1)
          this.onError(`watch ${this.path}: ${err instanceof Error ? err.message : String(err)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private follow(resourceVersion: string): Promise<void> {
    const sep = this.path.includes("?") ? "&" : "?";
    const url = new URL(
      `${this.path}${sep}watch=1&allowWatchBookmarks=false&resourceVersion=${resourceVersion}&timeoutSeconds=300`,
      this.target.server,
    );
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        { method: "GET", ca: this.target.ca, headers: { authorization: `Bearer ${this.target.token}` } },
        (res) => {
          if ((res.statusCode ?? 0) >= 400) {
            reject(new Error(`watch HTTP ${res.statusCode}`));
            res.resume();
            return;
          }
          let buffer = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            buffer += chunk;
            let nl = buffer.indexOf("\n");
            while (nl >= 0) {
              const line = buffer.slice(0, nl).trim();
              buffer = buffer.slice(nl + 1);
              nl = buffer.indexOf("\n");
              if (line === "") continue;
              const event = JSON.parse(line) as WatchEvent;
              if (event.type === "ERROR") {
                reject(new Error(`watch error event: ${JSON.stringify(event.object).slice(0, 200)}`));
                req.destroy();
                return;
              }
              this.onEvent(event);
            }
          });
          res.on("end", () => resolve());
          res.on("error", reject);
        },
      );
      this.req = req;
      req.on("error", reject);
      req.end();
    });
  }
}
