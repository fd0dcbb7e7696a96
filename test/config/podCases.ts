/**
 * Mistakes in ws-gateway:gateway.pod, one per class of what the API server
 * refuses or the program owns, each with the exact problem lines a stack
 * with it gets (test/config/pod.test.ts).
 */

export interface PodCase {
  readonly group: string;
  readonly name: string;
  /** The gateway.pod section of an otherwise valid config. */
  readonly pod: Record<string, unknown>;
  readonly problems: readonly string[];
}

export const POD_CASES: readonly PodCase[] = [
  {
    group: "environment",
    name: "a variable name starting with a digit",
    pod: {
      env: [
        {
          name: "1TOKEN",
          value: "x",
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.env[0].name: must be an environment variable name like "LOG_LEVEL": letters, digits, "_", "-" and ".", not starting with a digit (got "1TOKEN": it starts with a digit). Fix: rename it, e.g. "_1TOKEN".',
    ],
  },
  {
    group: "environment",
    name: "a drain contract variable",
    pod: {
      env: [
        {
          name: "DRAIN_SECONDS",
          value: "60",
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.env[0].name: "DRAIN_SECONDS" is set by the program (here: DRAIN_SECONDS, GATEWAY_VERSION, PORT, POD_NAME), so it may not be set here. Fix: set ws-gateway:gateway.drainSeconds, gateway.port or gateway.version instead, or rename the variable your image reads, e.g. "APP_DRAIN_SECONDS".',
    ],
  },
  {
    group: "environment",
    name: "value and valueFrom together",
    pod: {
      env: [
        {
          name: "A",
          value: "x",
          valueFrom: {
            secretKeyRef: {
              name: "s",
              key: "k",
            },
          },
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.env[0]: must set value or valueFrom, not both (got value "x" and valueFrom). Fix: keep value for a literal, or valueFrom for a Secret or ConfigMap key.',
    ],
  },
  {
    group: "environment",
    name: "a Secret and a ConfigMap key at once",
    pod: {
      env: [
        {
          name: "A",
          valueFrom: {
            secretKeyRef: {
              name: "s",
              key: "k",
            },
            configMapKeyRef: {
              name: "c",
              key: "k",
            },
          },
        },
      ],
    },
    problems: [
      "ws-gateway:gateway.pod.env[0].valueFrom: must name exactly one of secretKeyRef or configMapKeyRef (got both). Fix: keep one, e.g. valueFrom: { secretKeyRef: { name: gateway-secrets, key: api-token } }.",
    ],
  },
  {
    group: "environment",
    name: "a variable set twice",
    pod: {
      env: [
        {
          name: "A",
          value: "1",
        },
        {
          name: "A",
          value: "2",
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.env[1].name: "A" is already set by env[0]; Kubernetes keeps only the last one. Fix: set each variable once.',
    ],
  },
  {
    group: "environment",
    name: "a Secret name with upper case and underscores",
    pod: {
      env: [
        {
          name: "A",
          valueFrom: {
            secretKeyRef: {
              name: "Gateway_Secrets",
              key: "k",
            },
          },
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.env[0].valueFrom.secretKeyRef.name: must be a Secret name, a DNS-1123 subdomain like "gateway-secrets" (got "Gateway_Secrets": Kubernetes takes DNS-1123 subdomains only). Fix: use lower-case letters, digits, "-" and ".", e.g. "gateway-secrets".',
    ],
  },
  {
    group: "environment",
    name: "a data key with a space",
    pod: {
      env: [
        {
          name: "A",
          valueFrom: {
            secretKeyRef: {
              name: "s",
              key: "api token",
            },
          },
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.env[0].valueFrom.secretKeyRef.key: must be a key of the object\'s data like "api-token" (got "api token": a ConfigMap or Secret key is 1-253 letters, digits, "-", "_" or "."). Fix: use the key as the object stores it, e.g. "api_token".',
    ],
  },
  {
    group: "environment",
    name: "an envFrom entry naming a Secret and a ConfigMap",
    pod: {
      envFrom: [
        {
          secretRef: {
            name: "a",
          },
          configMapRef: {
            name: "b",
          },
        },
      ],
    },
    problems: [
      "ws-gateway:gateway.pod.envFrom[0]: must name exactly one of secretRef or configMapRef (got both). Fix: keep one, e.g. { secretRef: { name: gateway-secrets } }, and list the other as its own entry.",
    ],
  },
  {
    group: "metadata",
    name: "a label prefix in upper case",
    pod: {
      labels: {
        "Acme.io/team": "x",
      },
    },
    problems: [
      'ws-gateway:gateway.pod.labels["Acme.io/team"]: the key must be a Kubernetes qualified name, an optional DNS-1123 prefix and "/" then 1-63 letters, digits, "-", "_" or "." (got "Acme.io/team": its prefix "Acme.io" is not a DNS-1123 subdomain). Fix: write the prefix in lower case with letters, digits, "-" and ".", e.g. "acme.io/team".',
    ],
  },
  {
    group: "metadata",
    name: "a label value with a space",
    pod: {
      labels: {
        team: "real time",
      },
    },
    problems: [
      'ws-gateway:gateway.pod.labels.team: must be a label value, empty or 1-63 letters, digits, "-", "_" or "." starting and ending with a letter or digit (got "real time": a label value is empty or letters, digits, "-", "_" and ".", starting and ending with a letter or digit). Fix: write it like "real-time".',
    ],
  },
  {
    group: "metadata",
    name: "a node label value YAML reads as a number",
    pod: {
      nodeSelector: {
        "kubernetes.io/arch": 5,
      },
    },
    problems: [
      'ws-gateway:gateway.pod.nodeSelector["kubernetes.io/arch"]: must be a text (got 5: Kubernetes keeps every node label value as a string). Fix: quote it, e.g. "5".',
    ],
  },
  {
    group: "metadata",
    name: "the version label the Services select on",
    pod: {
      labels: {
        "app.kubernetes.io/version": "x",
      },
    },
    problems: [
      'ws-gateway:gateway.pod.labels["app.kubernetes.io/version"]: is set by the program (the Services select the pods by them: app.kubernetes.io/name, app.kubernetes.io/version, app.kubernetes.io/component, app.kubernetes.io/managed-by, pod-template-hash), so it may not be set here (got "x"). Fix: remove it; use a key of your own, e.g. "example.com/version".',
    ],
  },
  {
    group: "metadata",
    name: "an annotation key with a space",
    pod: {
      annotations: {
        "my annotation": "x",
      },
    },
    problems: [
      'ws-gateway:gateway.pod.annotations["my annotation"]: the key must be a Kubernetes qualified name, an optional DNS-1123 prefix and "/" then 1-63 letters, digits, "-", "_" or "." (got "my annotation": the name is 1-63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit). Fix: write it like "my-annotation".',
    ],
  },
  {
    group: "metadata",
    name: "the deletion propagation annotation",
    pod: {
      deploymentAnnotations: {
        "pulumi.com/deletionPropagationPolicy": "foreground",
      },
    },
    problems: [
      'ws-gateway:gateway.pod.deploymentAnnotations["pulumi.com/deletionPropagationPolicy"]: is set by the program (retiring a version relies on it: pulumi.com/deletionPropagationPolicy), so it may not be set here (got "foreground"). Fix: remove it; use a key of your own, e.g. "example.com/deletionPropagationPolicy".',
    ],
  },
  {
    group: "scheduling",
    name: "a toleration operator in lower case",
    pod: {
      tolerations: [
        {
          key: "a",
          operator: "exists",
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.tolerations[0].operator: must be one of Exists, Equal (got "exists"). Fix: use "Equal" to match a value or "Exists" for any value.',
    ],
  },
  {
    group: "scheduling",
    name: "a misspelt taint effect",
    pod: {
      tolerations: [
        {
          key: "a",
          effect: "NoScheduled",
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.tolerations[0].effect: must be one of NoSchedule, PreferNoSchedule, NoExecute (got "NoScheduled"). Fix: pick the taint effect to tolerate, or remove it for all, e.g. "NoSchedule".',
    ],
  },
  {
    group: "scheduling",
    name: "a value with operator Exists",
    pod: {
      tolerations: [
        {
          key: "a",
          operator: "Exists",
          value: "b",
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.tolerations[0].value: must be empty with operator "Exists", which matches any value (got "b"). Fix: remove value, or set operator to "Equal".',
    ],
  },
  {
    group: "scheduling",
    name: "an empty key with operator Equal",
    pod: {
      tolerations: [
        {
          operator: "Equal",
          value: "b",
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.tolerations[0].operator: must be "Exists" when key is empty, which tolerates every taint (got "Equal"). Fix: add key, the taint to tolerate, or set operator to "Exists".',
    ],
  },
  {
    group: "scheduling",
    name: "tolerationSeconds on a NoSchedule toleration",
    pod: {
      tolerations: [
        {
          key: "a",
          effect: "NoSchedule",
          tolerationSeconds: 60,
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.tolerations[0].tolerationSeconds: applies to effect "NoExecute" only (got 60 with effect "NoSchedule"). Fix: remove tolerationSeconds, or set effect to "NoExecute".',
    ],
  },
  {
    group: "scheduling",
    name: "a misspelt kind of affinity",
    pod: {
      affinity: {
        nodeAffinty: {},
      },
    },
    problems: [
      'ws-gateway:gateway.pod.affinity.nodeAffinty: is not a kind of affinity (got "nodeAffinty"). Allowed keys: nodeAffinity, podAffinity, podAntiAffinity. Fix: move its settings under one of them.',
    ],
  },
  {
    group: "scheduling",
    name: "a ServiceAccount name with upper case",
    pod: {
      serviceAccountName: "WS_Gateway",
    },
    problems: [
      'ws-gateway:gateway.pod.serviceAccountName: must be a ServiceAccount name, a DNS-1123 subdomain like "ws-gateway" (got "WS_Gateway": Kubernetes takes DNS-1123 subdomains only). Fix: use lower-case letters, digits, "-" and ".", e.g. "ws-gateway".',
    ],
  },
  {
    group: "volumes",
    name: "a volume name in upper case",
    pod: {
      volumes: [
        {
          name: "Certs",
          emptyDir: {},
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.volumes[0].name: must be a volume name, a DNS-1123 label like "certs" (got "Certs": Kubernetes takes DNS-1123 labels only). Fix: use lower-case letters, digits and "-", e.g. "certs".',
    ],
  },
  {
    group: "volumes",
    name: "a volume with two sources",
    pod: {
      volumes: [
        {
          name: "a",
          emptyDir: {},
          secret: {
            secretName: "s",
          },
        },
      ],
    },
    problems: [
      "ws-gateway:gateway.pod.volumes[0]: must have exactly one source of secret, configMap, emptyDir or projected (got secret and emptyDir). Fix: split it into one volume per source.",
    ],
  },
  {
    group: "volumes",
    name: "a volume without a source",
    pod: {
      volumes: [
        {
          name: "a",
        },
      ],
    },
    problems: [
      "ws-gateway:gateway.pod.volumes[0]: must have exactly one source of secret, configMap, emptyDir or projected (got none). Fix: add one, e.g. secret: { secretName: gateway-certs }.",
    ],
  },
  {
    group: "volumes",
    name: "the program's tmp volume",
    pod: {
      volumes: [
        {
          name: "tmp",
          emptyDir: {},
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.volumes[0].name: "tmp" is the program\'s writable volume at "/tmp". Fix: give yours another name, e.g. "tmp-data".',
    ],
  },
  {
    group: "volumes",
    name: "a file mode written as octal digits",
    pod: {
      volumes: [
        {
          name: "a",
          secret: {
            secretName: "s",
            defaultMode: 644,
          },
        },
      ],
    },
    problems: [
      "ws-gateway:gateway.pod.volumes[0].secret.defaultMode: must be an integer from 0 to 511 (got 644). Fix: write the mode in decimal, e.g. 420 for 0644 (YAML 1.1 and 1.2 read a leading 0 differently).",
    ],
  },
  {
    group: "volumes",
    name: "a token valid for a minute",
    pod: {
      volumes: [
        {
          name: "t",
          projected: {
            sources: [
              {
                serviceAccountToken: {
                  path: "token",
                  expirationSeconds: 60,
                },
              },
            ],
          },
        },
      ],
    },
    problems: [
      "ws-gateway:gateway.pod.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds: must be an integer from 600 to 4294967296 seconds (got 60). Fix: set how long a token stays valid, at least 600.",
    ],
  },
  {
    group: "mounts",
    name: "a relative mount path",
    pod: {
      volumes: [
        {
          name: "a",
          emptyDir: {},
        },
      ],
      volumeMounts: [
        {
          name: "a",
          mountPath: "etc/a",
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.volumeMounts[0].mountPath: must be an absolute path like "/etc/gateway/certs" (got "etc/a": a mount path is absolute). Fix: start it with a slash, e.g. "/etc/a".',
    ],
  },
  {
    group: "mounts",
    name: "a mount beneath the program's /tmp",
    pod: {
      volumes: [
        {
          name: "a",
          emptyDir: {},
        },
      ],
      volumeMounts: [
        {
          name: "a",
          mountPath: "/tmp/cache",
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.volumeMounts[0].mountPath: "/tmp/cache" overlaps "/tmp", where the program mounts its writable "tmp" volume, so one mount would shadow the other. Fix: mount it elsewhere, e.g. "/etc/gateway/a".',
    ],
  },
  {
    group: "mounts",
    name: "a mount at the root, above /tmp",
    pod: {
      volumes: [
        {
          name: "a",
          emptyDir: {},
        },
      ],
      volumeMounts: [
        {
          name: "a",
          mountPath: "/",
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.volumeMounts[0].mountPath: "/" overlaps "/tmp", where the program mounts its writable "tmp" volume, so one mount would shadow the other. Fix: mount it elsewhere, e.g. "/etc/gateway/a".',
    ],
  },
  {
    group: "mounts",
    name: "a mount naming no volume",
    pod: {
      volumeMounts: [
        {
          name: "certs",
          mountPath: "/etc/certs",
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.volumeMounts[0].name: names no volume of ws-gateway:gateway.pod.volumes (got "certs"; declared: none). Fix: declare the volume under gateway.pod.volumes, or correct the name.',
    ],
  },
  {
    group: "mounts",
    name: "two mounts at one path",
    pod: {
      volumes: [
        {
          name: "a",
          emptyDir: {},
        },
        {
          name: "b",
          emptyDir: {},
        },
      ],
      volumeMounts: [
        {
          name: "a",
          mountPath: "/x",
        },
        {
          name: "b",
          mountPath: "/x",
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.volumeMounts[1].mountPath: "/x" is already the path of volumeMounts[0]; Kubernetes refuses two mounts at one path. Fix: mount each volume at its own path.',
    ],
  },
  {
    group: "mounts",
    name: "a subPath stepping out of the volume",
    pod: {
      volumes: [
        {
          name: "a",
          emptyDir: {},
        },
      ],
      volumeMounts: [
        {
          name: "a",
          mountPath: "/x",
          subPath: "../etc",
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.volumeMounts[0].subPath: must be a relative path inside the volume like "config.yaml" (got "../etc": it may not step up with ".."). Fix: write it without "..", e.g. "etc".',
    ],
  },
  {
    group: "sidecars",
    name: "an image without a tag",
    pod: {
      sidecars: [
        {
          name: "proxy",
          image: "envoyproxy/envoy",
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.sidecars[0].image: must be an image with a tag or digest like "ghcr.io/acme/auth-proxy:1.4.2" (got "envoyproxy/envoy": it has no tag, so it means "latest", which moves). Fix: pin a tag or digest, e.g. "envoyproxy/envoy:1.0.0".',
    ],
  },
  {
    group: "sidecars",
    name: "an image tagged latest",
    pod: {
      sidecars: [
        {
          name: "proxy",
          image: "envoyproxy/envoy:latest",
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.sidecars[0].image: must be an image with a tag or digest like "ghcr.io/acme/auth-proxy:1.4.2" (got "envoyproxy/envoy:latest": the tag "latest" moves). Fix: pin a tag or digest, e.g. "envoyproxy/envoy:1.0.0".',
    ],
  },
  {
    group: "sidecars",
    name: "a sidecar named gateway",
    pod: {
      sidecars: [
        {
          name: "gateway",
          image: "envoyproxy/envoy:v1.31.2",
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.sidecars[0].name: "gateway" is the gateway\'s own container. Fix: name the sidecar after what it does, e.g. "auth-proxy".',
    ],
  },
  {
    group: "sidecars",
    name: "a sidecar on the gateway's port",
    pod: {
      sidecars: [
        {
          name: "proxy",
          image: "envoyproxy/envoy:v1.31.2",
          ports: [
            {
              containerPort: 8080,
            },
          ],
        },
      ],
    },
    problems: [
      "ws-gateway:gateway.pod.sidecars[0].ports[0].containerPort: 8080 is the gateway's port (gateway.port); containers of a pod share its network, so only one can bind it. Fix: use another port, e.g. 9090.",
    ],
  },
  {
    group: "sidecars",
    name: "a port name with upper case and an underscore",
    pod: {
      sidecars: [
        {
          name: "proxy",
          image: "envoyproxy/envoy:v1.31.2",
          ports: [
            {
              name: "Admin_Port",
              containerPort: 9901,
            },
          ],
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.sidecars[0].ports[0].name: must be a port name like "metrics" (got "Admin_Port": a port name (IANA service name) is 1-15 lower-case letters, digits and "-", with a letter, no "--" and no "-" at either end). Fix: name it like "admin-port".',
    ],
  },
  {
    group: "sidecars",
    name: "a sidecar setting GATEWAY_VERSION",
    pod: {
      sidecars: [
        {
          name: "proxy",
          image: "envoyproxy/envoy:v1.31.2",
          env: [
            {
              name: "GATEWAY_VERSION",
              value: "x",
            },
          ],
        },
      ],
    },
    problems: [
      'ws-gateway:gateway.pod.sidecars[0].env[0].name: "GATEWAY_VERSION" is set by the program (here: DRAIN_SECONDS, GATEWAY_VERSION, POD_NAME), so it may not be set here. Fix: set ws-gateway:gateway.drainSeconds, gateway.port or gateway.version instead, or rename the variable your image reads, e.g. "APP_GATEWAY_VERSION".',
    ],
  },
  {
    group: "security",
    name: "a sidecar security context",
    pod: {
      sidecars: [
        {
          name: "proxy",
          image: "envoyproxy/envoy:v1.31.2",
          securityContext: {
            privileged: true,
          },
        },
      ],
    },
    problems: [
      "ws-gateway:gateway.pod.sidecars[0].securityContext: is not a key of ws-gateway:gateway.pod.sidecars[0]: its settings would be ignored. Allowed keys: name, image, native, command, args, env, envFrom, ports, volumeMounts, resources. Fix: remove it.",
    ],
  },
  {
    group: "security",
    name: "a pod security context",
    pod: {
      securityContext: {
        runAsUser: 0,
      },
    },
    problems: [
      "ws-gateway:gateway.pod.securityContext: is not a key of ws-gateway:gateway.pod: its settings would be ignored. Allowed keys: env, envFrom, command, args, serviceAccountName, nodeSelector, tolerations, affinity, volumes, volumeMounts, labels, annotations, deploymentLabels, deploymentAnnotations, sidecars. Fix: remove it.",
    ],
  },
];
