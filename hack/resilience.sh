#!/usr/bin/env bash
# The resilience harness (not a unit test): 500 KxChangesets over 25 databases against a FinSpace
# emulator that throttles 20 % of calls, fails 5 % with InternalServerException and drops 2 % of
# connections; two operator replicas (java -jar target/kxchangeset-operator.jar, leader election,
# the chart's JVM flags) of which the leader is SIGKILLed 3 times at random moments; the
# kube-apiserver restarted once; one token-expiry window (the leader killed inside a create,
# FinSpace's clock moved 11 minutes on); and the races of issue 12 (same-second bursts with
# reversed names, an edit of spec / spec.region after a lost create response, identical requests
# on a database served by a third operator with MAX_IN_FLIGHT_PER_DATABASE raised to 2). Then every
# resource must be COMPLETED and Ready with exactly one changeset of its own, and no database may
# ever have had more changesets in flight than its operator's limit (the emulator counts them).
# Writes target/resilience/results.json and results.txt; exits 1 if the run is incorrect.
# Operator logs: target/resilience/work/operator-*.log.
#
# Usage: hack/resilience.sh [--resources N] [--databases N] [--kills N] [--replicas N]
#                           [--api-server-restarts N] [--token-expiry true|false] [--seed N]
#                           [--adopt-after DURATION] [--race-rounds N] [--burst N]
#                           [--race-hold-ms N] [--raised-limit N] [--target process|node]
#                           [--rebuild true|false] [--timeout MINUTES] [--out DIR]
# --race-rounds 0 plays no race of issue 12; --raised-limit 0 starts no raised-limit operator.
# --adopt-after 7m shows what the run catches: the expired token then makes a duplicate.
# --rebuild true (needs --token-expiry false): after the run, every KxChangeset of the main
# namespace is deleted and its manifest applied again, half with spec.changesetId recorded; 0 new
# changesets are expected (imports, and RepeatsHistory refusals), then exactly 1 for a resource
# annotated finspace.kxops.io/allow-rerun-of.
# --target process (the default): operator JVMs beside etcd + kube-apiserver, killed with SIGKILL.
# --target node: the operator's image installed by the Helm chart (two replicas, leader election)
# as pods on our own single-node cluster (LocalNode, as hack/e2e.sh; needs root, one node per
# machine); the first leader kill is a graceful pod deletion, the others and the token-expiry kill
# deletions with grace period 0; results in target/resilience-node.
# About 2-3 minutes on 2 cores (node: about 1 more). Figures: docs/benchmarks.md.
# Needs: JDK 17+, Maven, Go (the first time: kube-apiserver and etcd are provisioned by
# hack/provision-binaries.sh, cached in ~/.cache/kxops); Linux.
# Environment: MVN_FLAGS (e.g. "-o"), HARNESS_JAVA_OPTS (the harness JVM, default "-Xmx1g").
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ " $* " == *" --target node "* ]]; then
  [[ $(id -u) == 0 ]] || { echo "hack/resilience.sh --target node needs root" >&2; exit 1; }
  export HARNESS_PROVISION=--node # kubelet, containerd, ... besides kube-apiserver and etcd
fi
exec hack/harness.sh io.kxops.harness.ResilienceRun "$@"
