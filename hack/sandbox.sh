#!/usr/bin/env bash
# The local sandbox: one command from `git clone` to watching KxChangesets reach COMPLETED, with
# no AWS account and no cluster. It runs etcd + kube-apiserver (child processes on loopback), the
# FinSpace emulator, and the operator itself (java -jar target/kxchangeset-operator.jar), applies
# config/samples, shows their progress, then keeps running until Ctrl-C or SIGTERM, which stop
# everything it started. Details: docs/sandbox.md.
#
# Usage: hack/sandbox.sh [options]
#   --port-base N          first of six consecutive loopback ports (default 24680): etcd N,
#                          etcd peer N+1, kube-apiserver N+2, FinSpace emulator N+3,
#                          operator metrics N+4, operator health N+5
#   --pending DURATION     time a new changeset stays PENDING in the emulator (default 1s)
#   --processing DURATION  time it then stays in progress (default 4s)
#   --in-progress STATUS   the emulator's in-progress status: IN_PROGRESS (default, what the
#                          real service sent) or PROCESSING (what the API model says)
#   --no-samples           do not apply config/samples
#   -h, --help             this help
# DURATION: 500ms, 2s, 1.5m or ISO-8601 (PT2S).
#
# Once up it writes target/sandbox/env (source it: KUBECONFIG, AWS_ENDPOINT_URL_FINSPACE,
# FINSPACE_EMULATOR_ADMIN_URL, ...; kubectl on PATH) and target/sandbox/kubeconfig.
#
# Set-up it does itself, each step reused when up to date:
#   1. kube-apiserver, etcd, kubectl: hack/provision-binaries.sh (cached in ~/.cache/kxops)
#   2. the operator jar, the emulator and the test classes, and the test classpath the build
#      writes to target/test-classpath.txt: mvn -DskipTests package (when sources changed)
# Needs: JDK 17+, Maven 3.8+ (for the build), openssl, setsid (util-linux); Linux.
# Environment: MVN_FLAGS (e.g. -o for offline Maven), SANDBOX_JAVA_OPTS (the sandbox JVM),
#   SANDBOX_OPERATOR_JAVA_OPTS (the operator JVM), KXOPS_CACHE (binaries cache root).
set -euo pipefail
cd "$(dirname "$0")/.."

SANDBOX_T0_US=${EPOCHREALTIME/[.,]/}
export SANDBOX_T0_US

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
for arg in "$@"; do
  case $arg in
    -h | --help) usage; exit 0 ;;
  esac
done

elapsed() { # elapsed <since_us> -> "1.2s"
  local d=$(((${EPOCHREALTIME/[.,]/} - $1) / 100000))
  printf '%d.%ds' "$((d / 10))" "$((d % 10))"
}
exec 3>&1 # the console, also inside commands whose output goes to a log
say() { printf '[%6ss] %s\n' "$(elapsed "$SANDBOX_T0_US" | tr -d s)" "$*" >&3; }
die() { say "FAILED: $*" 3>&2; exit 1; }

# Until the exec below, a signal stops the running set-up step (and its children) too.
child=
kill_tree() { # kill_tree <pid>: the process and its descendants, children first
  local c
  for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do kill_tree "$c"; done
  kill -TERM "$1" 2>/dev/null || true
}
on_signal() { # on_signal <exit code>
  trap - INT TERM HUP
  if [[ -n $child ]]; then kill_tree "$child"; wait "$child" 2>/dev/null || true; fi
  say "interrupted during set-up"
  exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP
run() { # run <cmd...>: in the background, so that a signal is handled at once
  local rc=0
  "$@" &
  child=$!
  wait "$child" || rc=$?
  child=
  return "$rc"
}

for tool in java openssl setsid; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not on PATH (needs: JDK 17+, openssl, setsid)"
done
java_major=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
((${java_major%%.*} >= 17)) 2>/dev/null || die "JDK 17 or newer is needed (java is '$java_major')"

# The options, checked by the sandbox's own parser before anything is built.
java src/test/java/io/kxops/local/SandboxOptions.java "$@" || exit 2

OUT=target/sandbox
mkdir -p "$OUT"
# An env file left by a sandbox that was killed would look like a running one: remove it now,
# unless the sandbox that wrote it still runs (the sandbox itself refuses to start twice).
if ! { [[ -f $OUT/sandbox.pid ]] && kill -0 "$(<"$OUT/sandbox.pid")" 2>/dev/null; }; then
  rm -f "$OUT/env"
fi
JAR=target/kxchangeset-operator.jar
MAIN_CLASS=target/test-classes/io/kxops/local/SandboxMain.class
CP_FILE=target/test-classpath.txt
MVN_FLAGS=${MVN_FLAGS:-}

# 1. binaries (kube-apiserver, etcd, kubectl). Quiet when cached; progress shown otherwise (a
#    first provisioning downloads, or builds from Go modules, for minutes).
t=${EPOCHREALTIME/[.,]/}
cache=${KXOPS_CACHE:-$HOME/.cache/kxops}
if [[ -f $cache/kube-api-test/VERSION && -x $cache/bin/kubectl ]] &&
  compgen -G "$cache/kube-api-test/k8s/$(<"$cache/kube-api-test/VERSION")-linux-*/.complete" >/dev/null; then
  say "... binaries (kube-apiserver, etcd, kubectl)"
  run hack/provision-binaries.sh >"$OUT/provision.env" 2>"$OUT/provision.log" ||
    { tail -n 20 "$OUT/provision.log" >&2; die "hack/provision-binaries.sh failed (log: $OUT/provision.log)"; }
  where="cached in $cache"
else
  say "... binaries (kube-apiserver, etcd, kubectl): not cached yet, provisioning (can take minutes)"
  run hack/provision-binaries.sh >"$OUT/provision.env" 2> >(tee "$OUT/provision.log" | sed 's/^/      /' >&2) ||
    die "hack/provision-binaries.sh failed (log: $OUT/provision.log)"
  where="provisioned into $cache"
fi
eval "$(<"$OUT/provision.env")"
say " ok binaries: $where ($(elapsed "$t"))"

# 2. the operator jar, the emulator, the test classes (the sandbox, the test kit) and the test
#    classpath (JOSDK, fabric8, AWS SDK, logback, the emulator's jar, ...)
if [[ ! -f $JAR || ! -f $MAIN_CLASS || ! -s $CP_FILE ||
  -n $(find src emulator/src pom.xml operator.pom.xml emulator/pom.xml -newer "$JAR" -type f -print -quit) ]]; then
  command -v mvn >/dev/null 2>&1 || die "'mvn' is not on PATH (Maven 3.8+ builds the operator)"
  t=${EPOCHREALTIME/[.,]/}
  say "... build: mvn -DskipTests package (log: $OUT/build.log)"
  # shellcheck disable=SC2086
  run mvn -B -q $MVN_FLAGS -DskipTests package >"$OUT/build.log" 2>&1 ||
    { tail -n 30 "$OUT/build.log" >&2; die "the build failed (log: $OUT/build.log)"; }
  say " ok build: $JAR ($(elapsed "$t"))"
else
  say " ok build: $JAR is up to date"
fi

# 3. the sandbox itself; exec, so Ctrl-C and SIGTERM reach the JVM, which stops what it started.
#    The classpath goes into an argument file: the JDK reads at most 4 KiB of another process's
#    command line, and the sandbox finds a running sandbox of this checkout by its marker and main
#    class, which must come first.
printf -- '-cp "%s"\n' "target/test-classes:target/classes:$(<"$CP_FILE")" >"$OUT/jvm.args"
# shellcheck disable=SC2086
exec java ${SANDBOX_JAVA_OPTS:--Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1} \
  -Dsun.net.httpserver.nodelay=true "-Dkxops.sandbox=$(pwd -P)/$OUT" \
  "@$OUT/jvm.args" io.kxops.local.SandboxMain "$@" 3>&-
