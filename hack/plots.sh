#!/usr/bin/env bash
# SVG plots of the harnesses' results (io.kxops.harness.Plots: plain SVG from Java, no plotting
# library). hack/bench.sh and hack/resilience.sh already write them beside their results.json;
# this redraws them from saved results files, by default docs/img/ from docs/img/data/.
#
# Usage: hack/plots.sh                          docs/img/*.svg from docs/img/data/*.json
#        hack/plots.sh OUT_DIR RESULTS.json...  any results files (bench: several files add
#                                               points to the memory plot; the first one
#                                               gives the scenario plots)
# Environment: MVN_FLAGS (e.g. "-o").
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -eq 0 ]]; then
  # The scenario run first: its file gives the bench plots, the memory runs add points.
  set -- docs/img docs/img/data/bench-results.json docs/img/data/resilience-results.json \
    docs/img/data/memory-*.json
fi
if [[ $# -lt 2 ]]; then
  sed -n '2,12p' "$0" >&2
  exit 2
fi
if [[ ! -f target/test-classpath.txt || ! -f target/test-classes/io/kxops/harness/Plots.class ]]; then
  # shellcheck disable=SC2086
  mvn -B -q ${MVN_FLAGS:-} process-test-classes -Dkxops.provision.skip=true -Dspotless.check.skip=true >&2
fi
exec java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  io.kxops.harness.Plots "$@"
