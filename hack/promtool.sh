#!/usr/bin/env bash
# Prints the path of promtool (Prometheus's rule checker), building it from Go modules into the
# cache the first time, as hack/provision-binaries.sh does for the Kubernetes binaries. MonitoringIT
# uses it to check and unit-test config/monitoring/prometheus-rules.yaml and to parse the Grafana
# dashboard's queries.
#
# Usage: hack/promtool.sh            (progress on stderr, the path on stdout)
#        "$(hack/promtool.sh)" check rules config/monitoring/prometheus-rules.yaml
# Environment: KXOPS_CACHE (default ~/.cache/kxops), PROMTOOL (an existing promtool to use).
# The first build takes a few minutes on 2 cores and needs Go (the toolchain provision uses) and
# the Go module proxy, or a warm module cache.
set -euo pipefail

# The Go module version of github.com/prometheus/prometheus (Prometheus 3.x tags its Go module
# v0.3xx.y).
VERSION=v0.316.0
# Its sha256 for linux-amd64 as Go 1.26.8 builds it (-trimpath -ldflags '-s -w': the same bytes from
# any module cache; checked with two builds from two caches). Like hack/provision-binaries.sh, the
# script refuses a binary with another digest; KXOPS_ALLOW_UNPINNED=1 accepts a platform or Go
# toolchain that has no listed digest (with a warning).
PINNED_PLATFORM=linux-amd64
PINNED_GO=go1.26.8
PINNED_SHA256=bcee5759d8199353ff5f1f628b7d4bd2921eeb8b99195c0cb665d84065cae4d4

if [[ -n ${PROMTOOL:-} ]]; then
  echo "$PROMTOOL"
  exit 0
fi
platform=$(go env GOOS 2>/dev/null || echo linux)-$(go env GOARCH 2>/dev/null || echo amd64)
dir=${KXOPS_CACHE:-$HOME/.cache/kxops}/promtool/$VERSION-$platform

# verified <file>: its digest is the pinned one (or none is pinned for this platform/toolchain and
# KXOPS_ALLOW_UNPINNED=1)
verified() {
  local got
  got=$(sha256sum "$1" | cut -d' ' -f1)
  [[ $got == "$PINNED_SHA256" ]] && return 0
  if [[ $platform != "$PINNED_PLATFORM" || $(go env GOVERSION 2>/dev/null) != "$PINNED_GO" ]] &&
    [[ ${KXOPS_ALLOW_UNPINNED:-0} == 1 ]]; then
    echo "promtool.sh: WARNING: no digest listed for $platform/$(go env GOVERSION); accepted (KXOPS_ALLOW_UNPINNED=1): $got" >&2
    return 0
  fi
  echo "promtool.sh: $1 has sha256 $got, not the pinned $PINNED_SHA256" >&2
  return 1
}

if [[ ! -x $dir/promtool ]] || ! verified "$dir/promtool" 2>/dev/null; then
  command -v go >/dev/null 2>&1 || { echo "promtool.sh: go is not on PATH (needed to build promtool)" >&2; exit 1; }
  echo "promtool.sh: building promtool $VERSION from Go modules into $dir (minutes, once)" >&2
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  GOBIN=$(cd "$dir.tmp" && pwd) GOFLAGS=-trimpath go install -ldflags '-s -w' \
    "github.com/prometheus/prometheus/cmd/promtool@$VERSION" >&2
  verified "$dir.tmp/promtool" || exit 1
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
echo "$dir/promtool"
