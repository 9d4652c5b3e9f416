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

if [[ -n ${PROMTOOL:-} ]]; then
  echo "$PROMTOOL"
  exit 0
fi
dir=${KXOPS_CACHE:-$HOME/.cache/kxops}/promtool/$VERSION-$(go env GOOS 2>/dev/null || echo linux)-$(go env GOARCH 2>/dev/null || echo amd64)
if [[ ! -x $dir/promtool ]]; then
  command -v go >/dev/null 2>&1 || { echo "promtool.sh: go is not on PATH (needed to build promtool)" >&2; exit 1; }
  echo "promtool.sh: building promtool $VERSION from Go modules into $dir (minutes, once)" >&2
  mkdir -p "$dir.tmp"
  GOBIN=$(cd "$dir.tmp" && pwd) go install \
    "github.com/prometheus/prometheus/cmd/promtool@$VERSION" >&2
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
echo "$dir/promtool"
