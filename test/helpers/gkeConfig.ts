/** A complete, valid GKE stack config as Pulumi hands it to the program, shared by the config suites. */
export type Section = Record<string, unknown>;

/** Fresh on every call, so a test may change any section in place. */
export function gkeStackConfig(): { cluster: Section; ingress: Section; gateway: Section; rollout: Section } {
  return {
    cluster: {
      mode: "gke",
      project: "acme-ws-prod",
      region: "europe-west1",
      masterAuthorizedNetworks: [{ cidr: "203.0.113.0/24", name: "ops" }],
    },
    ingress: { host: "ws.acme.example", tlsSecretName: "ws-tls" },
    gateway: { image: "europe-docker.pkg.dev/acme/gw/ws-gateway", version: "2f9c1ab", drainSeconds: 1800 },
    rollout: { steps: [{ weight: 5, pause: "2m" }, { weight: 25, pause: "5m" }, { weight: 100 }] },
  };
}
