#!/usr/bin/env bash
# Builds the pinned end-to-end tool set with the ordinary go client and caches
# it outside the repository, under
#   ${WS_E2E_CACHE:-~/.cache/ws-gateway/e2e}/<hash of the pins below>/bin
# A second run finds every binary there and only prints the table.
#
#   bash test/e2e/tools.sh            build what is missing, print the table
#   bash test/e2e/tools.sh --dir      print the cache directory, build nothing
#   bash test/e2e/tools.sh --check    exit 0 only when every tool is cached
#   bash test/e2e/tools.sh NAME...    build only these (pulumi langhost
#                                     kubernetes etcd kube kwok)
#
# Builds run under `nice -n 10` with GOFLAGS=-p=1 (override with
# WS_E2E_GOFLAGS) so that a shared two-core machine keeps responding.
# docs/e2e.md explains every pin and where its source comes from.
set -euo pipefail

# ---- pins (the cache key is a hash of this block) -------------------------
# Pulumi CLI: @pulumi/pulumi is 3.270.0 in package-lock.json, but the Go module
# proxy does not serve the pkg/v3 v3.270.0 zip (403); v3.274.1 is the closest
# release it serves. The CLI runs any older nodejs SDK.
PULUMI_VERSION=3.274.1
CLIPBOARD_REPLACE=github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
# nodejs language host: its module (sdk/nodejs/cmd/pulumi-language-nodejs/v3)
# is not tagged and the proxy refuses every version of it, so its main package
# is taken from a pulumi/pulumi git checkout (WS_E2E_PULUMI_GIT) at this commit
# and compiled against pkg/v3 and sdk/v3 at PULUMI_VERSION.
LANGHOST_COMMIT=1b5949891b3cefcb9974752b24a5ecef0acc86c8
# pulumi-kubernetes provider: @pulumi/kubernetes is 4.34.2 in the lockfile;
# the proxy serves no provider/v4 module after v4.25.0 (it has no tags, and
# newer pseudo-versions, or the pseudo-versions of their dependencies such as
# fluxcd/pkg/ssa, are refused with 403), so the newest buildable release is
# v4.25.0, whose pseudo-version is pinned here. A provider on PATH serves the
# SDK whatever version the SDK asks for.
PK_VERSION=4.25.0
PK_MODULE_VERSION=v4.0.0-20260115033456-f47bc2d6f199
# Kubernetes control plane from the proxy; staging modules mapped to v0.36.2.
K8S_VERSION=1.36.2
# Debian's etcd-server (3.4) is older than kube-apiserver 1.36 accepts.
ETCD_VERSION=3.6.14
KWOK_VERSION=0.8.0
# ---------------------------------------------------------------------------

here="$(cd "$(dirname "$0")" && pwd)"
pins="$(sed -n '/^# ---- pins/,/^# ----------/p' "$0")"
hash="$(printf '%s' "$pins" | sha256sum | cut -c1-12)"
root="${WS_E2E_CACHE:-$HOME/.cache/ws-gateway/e2e}"
dir="$root/$hash"
bin="$dir/bin"
src="$dir/src"
stamps="$dir/stamps"
PULUMI_GIT="${WS_E2E_PULUMI_GIT:-}"
export GOFLAGS="${WS_E2E_GOFLAGS:--p=1 -buildvcs=false}"
export CGO_ENABLED=0
export GOTOOLCHAIN=local

all=(pulumi langhost kubernetes etcd kube kwok)
# tool -> binaries it produces
declare -A outputs=(
  [pulumi]="pulumi"
  [langhost]="pulumi-language-nodejs"
  [kubernetes]="pulumi-resource-kubernetes"
  [etcd]="etcd"
  [kube]="kube-apiserver kube-controller-manager kube-scheduler"
  [kwok]="kwok"
)

have() {
  local b
  for b in ${outputs[$1]}; do [[ -x "$bin/$b" ]] || return 1; done
  [[ -f "$stamps/$1" ]]
}

case "${1:-}" in
  --dir) echo "$dir"; exit 0 ;;
  --check)
    for t in "${all[@]}"; do have "$t" || { echo "e2e tools: $t missing in $dir" >&2; exit 1; }; done
    exit 0 ;;
esac

want=("$@")
[[ ${#want[@]} -gt 0 ]] || want=("${all[@]}")

# The language host's source comes from a pulumi/pulumi git directory; say so
# before any build starts rather than after the ones before it.
check_pulumi_git() { # git-dir commit env-name
  local fix="clone it once (git clone --bare https://github.com/pulumi/pulumi.git pulumi.git) and pass $3=\$PWD/pulumi.git"
  [[ -n "$1" ]] || { echo "e2e tools: $3 is not set: the language host is built from a pulumi/pulumi git directory that has commit $2; $fix" >&2; exit 2; }
  [[ -d "$1" ]] || { echo "e2e tools: $3=$1 is not a directory: it must be a pulumi/pulumi git directory that has commit $2; $fix" >&2; exit 2; }
  git --git-dir="$1" cat-file -e "$2^{commit}" 2>/dev/null ||
    { echo "e2e tools: $3=$1 lacks commit $2 (or is no git directory): fetch it there (git --git-dir=$1 fetch origin) or $fix" >&2; exit 2; }
}
for t in "${want[@]}"; do
  if [[ "$t" == langhost ]] && ! have langhost; then check_pulumi_git "$PULUMI_GIT" "$LANGHOST_COMMIT" WS_E2E_PULUMI_GIT; fi
done

mkdir -p "$bin" "$src" "$stamps"
command -v go >/dev/null || { echo "e2e tools: the go command is required (Go >= 1.26)" >&2; exit 1; }

gobuild() { nice -n 10 go build -trimpath "$@"; }

fresh() { rm -rf "$src/$1"; mkdir -p "$src/$1"; cd "$src/$1"; }

git_export() { # git-dir commit path env-name; blobs absent from a partial clone are left out and listed
  check_pulumi_git "$1" "$2" "$4"
  local excludes=() mode type obj path
  while read -r mode type obj path; do
    if [[ "$type" == blob ]] && ! git --git-dir="$1" cat-file -e "$obj" 2>/dev/null; then
      echo "e2e tools: $path is absent from $1; left out"
      excludes+=(":(exclude)$path")
    fi
  done < <(git --git-dir="$1" ls-tree -r "$2" "$3")
  git --git-dir="$1" archive "$2" "$3" "${excludes[@]}" | tar -x
}

build_pulumi() {
  fresh pulumi
  go mod init e2e.local/pulumi >/dev/null 2>&1
  go mod edit -replace="$CLIPBOARD_REPLACE"
  go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
  gobuild -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
}

build_langhost() {
  fresh langhost
  git_export "$PULUMI_GIT" "$LANGHOST_COMMIT" sdk/nodejs/cmd/pulumi-language-nodejs WS_E2E_PULUMI_GIT
  mkdir host
  find sdk/nodejs/cmd/pulumi-language-nodejs -maxdepth 1 -name '*.go' ! -name '*_test.go' -exec cp {} host/ \;
  rm -rf sdk
  # That commit predates ResourceMonitor.ExistsResource; its monitor proxy
  # forwards every other call, so forward this one too.
  cat >host/e2e_exists_resource.go <<'GO'
package main

import (
	"context"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func (p *monitorProxy) ExistsResource(
	ctx context.Context, req *pulumirpc.ExistsResourceRequest,
) (*pulumirpc.ExistsResourceResponse, error) {
	return p.target.ExistsResource(ctx, req)
}
GO
  go mod init e2e.local/langhost >/dev/null 2>&1
  go mod edit -replace="$CLIPBOARD_REPLACE"
  go get "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
  go mod tidy
  gobuild -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$bin/pulumi-language-nodejs" ./host
}

build_kubernetes() {
  fresh kubernetes
  go mod init e2e.local/kubernetes >/dev/null 2>&1
  go get "github.com/pulumi/pulumi-kubernetes/provider/v4@$PK_MODULE_VERSION"
  local d
  d="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/pulumi-resource-kubernetes"
  # The module's main.go embeds generated, git-ignored files; this main does
  # the same with files made as the provider's Makefile makes them.
  jq -c ".version=\"$PK_VERSION\"" "$d/schema.json" >schema-embed.json
  jq -c . "$d/terraform-mapping.json" >terraform-mapping-embed.json
  cat >main.go <<'GO'
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
GO
  go mod tidy
  gobuild -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PK_VERSION" \
    -o "$bin/pulumi-resource-kubernetes" .
}

build_etcd() {
  fresh etcd
  go mod init e2e.local/etcd >/dev/null 2>&1
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
  gobuild -ldflags "-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3
}

build_kube() {
  fresh kube
  go mod init e2e.local/kube >/dev/null 2>&1
  local gomod m
  gomod="$(go list -m -f '{{.GoMod}}' "k8s.io/kubernetes@v$K8S_VERSION")"
  for m in $(sed -n 's|.*\(k8s.io/[a-z0-9-]*\) => ./staging/.*|\1|p' "$gomod"); do
    go mod edit -replace="$m=$m@v0.${K8S_VERSION#1.}"
  done
  go get "k8s.io/kubernetes/cmd/kube-apiserver@v$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@v$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-scheduler@v$K8S_VERSION"
  local x="" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    x="$x -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)"
    x="$x -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  local c
  for c in kube-apiserver kube-controller-manager kube-scheduler; do
    gobuild -tags selinux,notest -ldflags "-s -w $x" -o "$bin/$c" "k8s.io/kubernetes/cmd/$c"
  done
}

build_kwok() {
  fresh kwok
  go mod init e2e.local/kwok >/dev/null 2>&1
  go get "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
  gobuild -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=v$KWOK_VERSION" -o "$bin/kwok" sigs.k8s.io/kwok/cmd/kwok
  # kwok needs stages to move nodes and pods; the module ships them.
  local d
  d="$(go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
  {
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
      pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      echo "---"
      cat "$d/kustomize/stage/$f"
    done
  } >"$bin/kwok-stages.yaml"
}

version_of() {
  case "$1" in
    pulumi) "$bin/pulumi" version ;;
    langhost) echo "$("$bin/pulumi-language-nodejs" -version) (main package of pulumi/pulumi ${LANGHOST_COMMIT:0:10})" ;;
    kubernetes) echo "$PK_VERSION (provider/v4 $PK_MODULE_VERSION; the binary has no version flag)" ;;
    etcd) "$bin/etcd" --version | head -1 ;;
    kube) for c in kube-apiserver kube-controller-manager kube-scheduler; do "$bin/$c" --version; done | paste -sd' ' ;;
    kwok) "$bin/kwok" --version ;;
  esac
}

for t in "${want[@]}"; do
  [[ -n "${outputs[$t]:-}" ]] || { echo "e2e tools: unknown tool $t (one of: ${all[*]})" >&2; exit 2; }
  if have "$t"; then continue; fi
  echo "== building $t (log: $src/$t.log)"
  start=$(date +%s)
  if ! ( "build_$t" ) >"$src/$t.log" 2>&1; then
    echo "e2e tools: building $t failed; last lines of $src/$t.log:" >&2
    tail -20 "$src/$t.log" >&2
    exit 1
  fi
  secs=$(( $(date +%s) - start ))
  version="$(version_of "$t" 2>&1 | tr -s '\n' ' ' | sed 's/ *$//')"
  printf '{"tool":"%s","version":"%s","seconds":%d}\n' "$t" "$version" "$secs" >"$stamps/$t"
done

printf '%-11s %-8s %-9s %s\n' TOOL BUILD_S SIZE_MB VERSION
for t in "${all[@]}"; do
  if have "$t"; then
    size=0
    for b in ${outputs[$t]}; do size=$(( size + $(stat -c %s "$bin/$b") )); done
    secs="$(sed -n 's/.*"seconds":\([0-9]*\).*/\1/p' "$stamps/$t")"
    version="$(version_of "$t" 2>&1 | tr -s '\n' ' ' | sed 's/ *$//')"
    printf '%-11s %-8s %-9s %s\n' "$t" "$secs" "$(( size / 1048576 ))" "$version"
  else
    printf '%-11s %-8s %-9s %s\n' "$t" - - "not built"
  fi
done
echo "cache: $dir ($(du -sh "$dir" | cut -f1), Go module and build caches not counted)"
