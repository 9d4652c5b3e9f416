#!/usr/bin/env bash
# Runs a harness main class (io.kxops.harness.*) on the test classpath, after building the
# operator jar and test classes: the shared part of hack/resilience.sh and hack/bench.sh.
#
# Usage: hack/harness.sh <main class> [args...]
# Environment: MVN_FLAGS (e.g. "-o"), HARNESS_JAVA_OPTS (default "-Xmx1g"), HARNESS_PROVISION
# (flags for hack/provision-binaries.sh, e.g. --node).
set -euo pipefail
cd "$(dirname "$0")/.."

main=${1:?usage: hack/harness.sh <main class> [args...]}
shift
MVN_FLAGS=${MVN_FLAGS:-}
HARNESS_JAVA_OPTS=${HARNESS_JAVA_OPTS:--Xmx1g}

# kube-apiserver, etcd (with --node also the node parts): cached after the first time.
# (assigned first: a failure inside $(...) given straight to eval would go unnoticed)
# shellcheck disable=SC2086
provisioned=$(hack/provision-binaries.sh ${HARNESS_PROVISION:-})
eval "$provisioned"

echo "== building the operator jar, its image and the test classes" >&2
# shellcheck disable=SC2086
# (the build writes the test classpath to target/test-classpath.txt)
mvn -B -q $MVN_FLAGS -DskipTests -Dspotless.check.skip=true package

echo "== running $main $*" >&2
# shellcheck disable=SC2086
exec java $HARNESS_JAVA_OPTS -Dsun.net.httpserver.nodelay=true \
  -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  "$main" "$@"
