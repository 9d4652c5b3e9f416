#!/usr/bin/env bash
# Runs the FinSpace emulator standalone (emulator/target/finspace-emulator.jar, its own runnable
# jar; nothing of it is in the operator's), building the jar first if it is missing or older than
# the sources.
#
# Usage: hack/emulator.sh [--port 4566] [--database ENV/DB ...] [--pending 2s] [--processing 10s]
#                         [--in-progress IN_PROGRESS|PROCESSING] [--concurrency CONCURRENT|QUEUE|REJECT]
#                         [--access-key-id AKID] [--fail-s3 GLOB[=errorType]] [--rate-limit N] ...
#        hack/emulator.sh --help      (all options)
# Then: export AWS_ENDPOINT_URL_FINSPACE=http://127.0.0.1:4566
# Environment: MVN_FLAGS (e.g. "-o"), EMULATOR_JAVA_OPTS (default "-Xmx512m").
set -euo pipefail
cd "$(dirname "$0")/.."

JAR=emulator/target/finspace-emulator.jar
MVN_FLAGS=${MVN_FLAGS:-}
EMULATOR_JAVA_OPTS=${EMULATOR_JAVA_OPTS:--Xmx512m}

if [[ ! -f $JAR || -n $(find emulator/src/main emulator/pom.xml pom.xml -newer "$JAR" -type f -print -quit) ]]; then
  echo "== building $JAR (mvn package of the emulator module, tests skipped)" >&2
  # shellcheck disable=SC2086
  mvn -B -q $MVN_FLAGS -DskipTests -pl emulator package
fi

# shellcheck disable=SC2086
exec java $EMULATOR_JAVA_OPTS -jar "$JAR" "$@"
