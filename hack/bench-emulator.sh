#!/usr/bin/env bash
# Benchmarks the FinSpace emulator (not a unit test):
#   1. requests/s and p50/p90/p99 latency of a CreateKxChangeset + GetKxChangeset mix from
#      50 concurrent real AWS SDK clients on loopback (10 s warm-up, 25 s measured);
#   2. heap after GC and RSS with 100,000 stored changesets.
# Writes target/bench/emulator.json and prints a table.
#
# Usage: hack/bench-emulator.sh [--clients N] [--warmup S] [--duration S] [--changesets N] [--out PATH]
# Environment: MVN_FLAGS (e.g. "-o" to stay offline), BENCH_JAVA_OPTS (default "-Xmx2g").
set -euo pipefail
cd "$(dirname "$0")/.."

MVN_FLAGS=${MVN_FLAGS:-}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:--Xmx2g}
mkdir -p target/bench

echo "== compiling main and test classes" >&2
# shellcheck disable=SC2086
mvn -B -q $MVN_FLAGS -pl emulator test-compile
# shellcheck disable=SC2086
mvn -B -q $MVN_FLAGS -pl emulator dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/target/bench/classpath.txt"

echo "== running io.kxops.emulator.EmulatorBenchmark $*" >&2
# shellcheck disable=SC2086
exec java $BENCH_JAVA_OPTS \
  -cp "emulator/target/test-classes:emulator/target/classes:$(cat target/bench/classpath.txt)" \
  io.kxops.emulator.EmulatorBenchmark "$@"
