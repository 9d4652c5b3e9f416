#!/usr/bin/env bash
# Provision the binaries the tests need, into a persistent cache:
#   kube-apiserver, etcd, kubectl  - for fabric8 kube-api-test (API server without nodes)
#   helm (and kubectl)             - for CLI tests
#   with --node (KXOPS_NODE=1), the parts of a single-node cluster (the E2E layer):
#     kubelet, kube-proxy, kube-scheduler, kube-controller-manager  (k8s.io/kubernetes)
#     containerd, ctr, containerd-shim-runc-v2                      (containerd module)
#     the pause (sandbox) image: build/pause/linux/pause.c of the k8s module, gcc -static,
#       wrapped into an OCI image tarball
#     runc, the CNI plugins, iptables, conntrack: Debian packages, installed with
#       apt-get when missing and root (otherwise the script names what is missing)
#
# Sources, in order:
#   a) the cache itself, or a pre-provisioned directory named by $KXOPS_BINARIES_DIR
#      (same layout as the cache, or the binaries side by side);
#      a warm run only checks marker files and exits, without calling go;
#   b) the official release binaries (short connect timeout; skipped with --offline);
#   c) a build from Go modules with the local Go toolchain, through throwaway
#      wrapper modules (k8s.io/kubernetes replaces its staging modules with local
#      paths, so `go install k8s.io/kubernetes/cmd/...@vX` cannot work).
#
# Layout (ROOT=${KXOPS_CACHE:-$HOME/.cache/kxops}):
#   $ROOT/kube-api-test/k8s/<k8s>-<os>-<arch>/{kube-apiserver,etcd,kubectl,.complete}
#   $ROOT/kube-api-test/VERSION        the k8s version, without a leading "v"
#   $ROOT/helm/<helm>-<os>-<arch>/{helm,.complete}
#   $ROOT/bin/{helm,kubectl}           symlinks into the above
#   $ROOT/node/k8s/<k8s>-<os>-<arch>/{kubelet,kube-proxy,kube-scheduler,kube-controller-manager,.complete}
#   $ROOT/node/containerd/<containerd>-<os>-<arch>/{containerd,ctr,containerd-shim-runc-v2,.complete}
#   $ROOT/node/pause/<pause>-<os>-<arch>/{pause,pause.tar,.complete}   (.complete names the image)
#   $ROOT/node/VERSION                 k8s=, containerd=, pause= lines (the test kit reads it)
# Use with kube-api-test: KUBE_API_TEST_DIR=$ROOT/kube-api-test
#
# The version matrix (README, "Kubernetes versions"): --k8s-version 1.Y.Z --api-server-only
# provisions only the API-server layer (kube-apiserver, kubectl, etcd) of another version beside
# the default one, in its own $ROOT/kube-api-test/k8s/<k8s>-<os>-<arch>, and leaves the cache's
# default (VERSION, bin/, the node parts) alone; its kubectl and the default helm are linked into
#   $ROOT/versions/<k8s>/bin/{kubectl,helm}
# and the exports name that version (KUBE_API_TEST_API_SERVER_VERSION, which the test kit's
# Binaries reads) and that bin directory (KXOPS_BIN_DIR). An etcd of the same version that another
# cached k8s directory holds is copied rather than built again.
#
# A version directory appears only by an atomic rename of a fully populated
# staging directory, with .complete written last, so an interrupted run never
# leaves something that looks complete.
#
# Environment:
#   KXOPS_CACHE          cache root (default $HOME/.cache/kxops)
#   KXOPS_BINARIES_DIR   pre-provisioned binaries to import instead of downloading/building
#   KXOPS_K8S_VERSION    Kubernetes version (default below; same as --k8s-version; "oldest" names
#                        the oldest supported one, below)
#   KXOPS_API_SERVER_ONLY=1  only the API-server layer of that version (same as --api-server-only)
#   KXOPS_ETCD_VERSION   etcd version (default below; when set explicitly, a cached
#                        k8s directory holding another etcd version is re-provisioned)
#   KXOPS_HELM_VERSION   helm version (default below)
#   KXOPS_NODE=1         also provision the node parts (same as --node)
#   KXOPS_CONTAINERD_VERSION  containerd version (default below)
#   KXOPS_OFFLINE=1      skip the download attempts (same as --offline)
#   KXOPS_FORCE=1        re-provision even if cached (same as --force)
#   KXOPS_CONNECT_TIMEOUT  curl connect timeout in seconds (default 5)
#   Go's own variables (GOMODCACHE, GOCACHE, GOPROXY, GOTOOLCHAIN, ...) are honoured.
#
# Integrity: every binary (downloaded, imported, built, or found in the cache) must have a sha256
# that hack/binaries.sha256 lists for its name, version and platform; anything else is refused
# (a download falls back to a build; a cached or built binary fails the run, naming the line to
# add if the build is trusted). The listed digests are of builds from Go modules, which are
# reproducible for one Go toolchain (-trimpath, fixed version flags; the module sources are
# checked against go.sum and the Go checksum database) and of the pause image built by gcc.
#   KXOPS_ALLOW_UNPINNED=1  accept (with a warning) a binary that has no listed digest at all
#                           (another toolchain); a binary whose listed digest differs is never
#                           accepted
#
# Output: progress on stderr; on stdout `export KEY=value` lines for callers:
#   eval "$(hack/provision-binaries.sh)"
set -Eeuo pipefail

# Defaults. k8s 1.37.2 is the newest served release whose go.mod asks for a Go
# the local toolchain has (go 1.26.0); etcd 3.7.x is the series k8s 1.37 uses
# (its go.mod requires the etcd 3.7 client), 3.7.3 its latest patch; helm
# 3.22.0 is built against client-go v0.37.
readonly DEFAULT_K8S_VERSION=1.37.2
readonly DEFAULT_ETCD_VERSION=3.7.3
readonly DEFAULT_HELM_VERSION=3.22.0
# containerd 2.4.2: its go.mod has no replace lines, so `go install ...@v2.4.2` works, and it
# builds with go 1.26 (a single-node trial on this kind of machine used it).
readonly DEFAULT_CONTAINERD_VERSION=2.4.2
# The oldest Kubernetes the operator supports (README, "Kubernetes versions"): 1.30 brings the
# admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy the chart installs; 1.30.14 is its
# newest patch the Go module proxy serves. `--k8s-version oldest` names it (.ci/run).
readonly OLDEST_K8S_VERSION=1.30.14

T_START=${EPOCHREALTIME/[.,]/}

elapsed() { # elapsed <since_us> -> "12.3"
  local now=${EPOCHREALTIME/[.,]/} d
  d=$(((now - $1) / 100000))
  printf '%d.%d' "$((d / 10))" "$((d % 10))"
}
log() { printf '[provision %7ss] %s\n' "$(elapsed "$T_START")" "$*" >&2; }
die() {
  trap - ERR
  log "ERROR: $*"
  exit 1
}
trap 'die "unexpected failure (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

usage() {
  sed -n '2,/^set -Eeuo/{/^set -Eeuo/d;s/^# \{0,1\}//;p}' "$0"
  echo "Usage: $0 [--force] [--offline] [--node] [--k8s-version 1.Y.Z [--api-server-only]] [-h|--help]"
}

FORCE=${KXOPS_FORCE:-0}
OFFLINE=${KXOPS_OFFLINE:-0}
NODE=${KXOPS_NODE:-0}
API_ONLY=${KXOPS_API_SERVER_ONLY:-0}
while (($#)); do
  case $1 in
    --node) NODE=1 ;;
    --api-server-only) API_ONLY=1 ;;
    --k8s-version)
      (($# >= 2)) || { usage >&2; die "--k8s-version needs a version (1.Y.Z)"; }
      KXOPS_K8S_VERSION=$2
      shift
      ;;
    --k8s-version=*) KXOPS_K8S_VERSION=${1#*=} ;;
    --force) FORCE=1 ;;
    --offline | --no-download) OFFLINE=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done

K8S_VERSION=${KXOPS_K8S_VERSION:-$DEFAULT_K8S_VERSION}
[[ $K8S_VERSION == oldest ]] && K8S_VERSION=$OLDEST_K8S_VERSION
K8S_VERSION=${K8S_VERSION#v}
[[ $API_ONLY == 1 && $NODE == 1 ]] &&
  die "--api-server-only provisions the API-server layer only; the node parts (--node) stay on the default version"
ETCD_VERSION=${KXOPS_ETCD_VERSION:-$DEFAULT_ETCD_VERSION}
ETCD_VERSION=${ETCD_VERSION#v}
HELM_VERSION=${KXOPS_HELM_VERSION:-$DEFAULT_HELM_VERSION}
HELM_VERSION=${HELM_VERSION#v}
CONNECT_TIMEOUT=${KXOPS_CONNECT_TIMEOUT:-5}

[[ $K8S_VERSION =~ ^1\.([0-9]+)\.([0-9]+)(-[0-9A-Za-z.]+)?$ ]] ||
  die "KXOPS_K8S_VERSION must look like 1.Y.Z, got '$K8S_VERSION'"
K8S_MINOR=${BASH_REMATCH[1]}
[[ $ETCD_VERSION =~ ^3\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]] ||
  die "KXOPS_ETCD_VERSION must look like 3.Y.Z, got '$ETCD_VERSION'"
[[ $HELM_VERSION =~ ^([34])\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]] ||
  die "KXOPS_HELM_VERSION must look like 3.Y.Z or 4.Y.Z, got '$HELM_VERSION'"
HELM_MAJOR=${BASH_REMATCH[1]}
CONTAINERD_VERSION=${KXOPS_CONTAINERD_VERSION:-$DEFAULT_CONTAINERD_VERSION}
CONTAINERD_VERSION=${CONTAINERD_VERSION#v}
[[ $CONTAINERD_VERSION =~ ^2\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]] ||
  die "KXOPS_CONTAINERD_VERSION must look like 2.Y.Z, got '$CONTAINERD_VERSION'"

case $(uname -s) in
  Linux) OS=linux ;;
  *) die "unsupported OS $(uname -s): only Linux is supported" ;;
esac
case $(uname -m) in
  x86_64 | amd64) ARCH=amd64 ;;
  aarch64 | arm64) ARCH=arm64 ;;
  *) die "unsupported CPU architecture $(uname -m)" ;;
esac
PLATFORM=$OS-$ARCH

ROOT=${KXOPS_CACHE:-${HOME:?HOME is not set}/.cache/kxops}
KAT_DIR=$ROOT/kube-api-test
K8S_DIRNAME=$K8S_VERSION-$PLATFORM
K8S_DIR=$KAT_DIR/k8s/$K8S_DIRNAME
HELM_DIRNAME=$HELM_VERSION-$PLATFORM
HELM_DIR=$ROOT/helm/$HELM_DIRNAME
BIN_DIR=$ROOT/bin
NODE_ROOT=$ROOT/node
NODE_K8S_DIR=$NODE_ROOT/k8s/$K8S_DIRNAME
CONTAINERD_DIR=$NODE_ROOT/containerd/$CONTAINERD_VERSION-$PLATFORM
# The pause image's tag is read from the k8s module (build/pause/Makefile) when it is built;
# the cache directory is keyed by the k8s version it came from.
PAUSE_DIR=$NODE_ROOT/pause/k8s-$K8S_VERSION-$PLATFORM
NODE_BINARIES=(kubelet kube-proxy kube-scheduler kube-controller-manager)
CONTAINERD_BINARIES=(containerd ctr containerd-shim-runc-v2)
# Staging must live on the same filesystem (atomic rename) and outside
# kube-api-test/k8s: kube-api-test picks up any directory there ending in -<os>-<arch>.
STAGE_ROOT=$ROOT/.staging
BUILD_ROOT=$ROOT/.build

# ---------------------------------------------------------------- cache checks

# marker_value <file> <key> -> prints the value of key=value in a marker file
marker_value() {
  local line
  while IFS= read -r line; do
    if [[ $line == "$2="* ]]; then
      printf '%s' "${line#*=}"
      return 0
    fi
  done <"$1"
  return 1
}

k8s_complete() {
  local d=$1 b
  [[ -f $d/.complete ]] || return 1
  for b in kube-apiserver etcd kubectl; do
    [[ -f $d/$b && -x $d/$b ]] || return 1
  done
  if [[ -n ${KXOPS_ETCD_VERSION:-} ]]; then
    [[ $(marker_value "$d/.complete" etcd) == "$ETCD_VERSION" ]] || return 1
  fi
  return 0
}

helm_complete() {
  [[ -f $1/.complete && -f $1/helm && -x $1/helm ]]
}

all_executable() { # <dir> <names...>
  local d=$1 b
  shift
  [[ -f $d/.complete ]] || return 1
  for b in "$@"; do
    [[ -f $d/$b && -x $d/$b ]] || return 1
  done
}

node_k8s_complete() { all_executable "$NODE_K8S_DIR" "${NODE_BINARIES[@]}"; }
containerd_complete() { all_executable "$CONTAINERD_DIR" "${CONTAINERD_BINARIES[@]}"; }
pause_complete() { [[ -f $PAUSE_DIR/.complete && -f $PAUSE_DIR/pause.tar ]]; }

# The Debian parts of the node: runc, the CNI plugins (in /usr/lib/cni), iptables, conntrack,
# ip and nsenter. Prints what is missing.
node_system_missing() {
  local missing=() p
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  for p in bridge host-local portmap loopback; do
    if [[ ! -x /usr/lib/cni/$p ]]; then
      missing+=(containernetworking-plugins)
      break
    fi
  done
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  command -v conntrack >/dev/null 2>&1 || missing+=(conntrack)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v nsenter >/dev/null 2>&1 || missing+=(util-linux)
  command -v gcc >/dev/null 2>&1 || missing+=(gcc)
  # gcc -static needs libc.a (gcc only recommends libc6-dev)
  [[ $(gcc -print-file-name=libc.a 2>/dev/null) == /* ]] || missing+=(libc6-dev)
  if ((${#missing[@]})); then
    printf '%s\n' "${missing[@]}"
  fi
}

node_complete() {
  [[ $NODE == 1 ]] || return 0
  node_k8s_complete && containerd_complete && pause_complete && [[ -z $(node_system_missing) ]]
}

# link <target-relative-to-dir> <name> [dir]: atomically (re)point <dir>/<name> (dir: $BIN_DIR)
link() {
  local target=$1 name=$2 dir=${3:-$BIN_DIR}
  if [[ -L $dir/$name && $dir/$name -ef $dir/$target ]]; then
    return 0
  fi
  mkdir -p "$dir"
  ln -sfn "$target" "$dir/.$name.tmp.$$"
  mv -Tf "$dir/.$name.tmp.$$" "$dir/$name"
}

# write_file <path> <content>: atomic, only when the content differs
write_file() {
  if [[ -f $1 && $(<"$1") == "$2" ]]; then
    return 0
  fi
  mkdir -p "${1%/*}"
  printf '%s\n' "$2" >"$1.tmp.$$"
  mv -f "$1.tmp.$$" "$1"
}

DIGESTS_FILE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/binaries.sha256

# version_of <name>: the version a binary of that name is provisioned at
version_of() {
  case $1 in
    kube-apiserver | kubectl | kubelet | kube-proxy | kube-scheduler | kube-controller-manager | pause.tar) printf '%s' "$K8S_VERSION" ;;
    etcd) printf '%s' "$ETCD_VERSION" ;;
    helm) printf '%s' "$HELM_VERSION" ;;
    containerd | ctr | containerd-shim-runc-v2) printf '%s' "$CONTAINERD_VERSION" ;;
    *) return 1 ;;
  esac
}

# pinned_ok <file> [name]: the file's sha256 is one hack/binaries.sha256 lists for its name,
# version and this platform. Fails closed: an unlisted binary is refused unless
# KXOPS_ALLOW_UNPINNED=1, a listed one with another digest always.
pinned_ok() {
  local file=$1 name=${2:-${1##*/}} version got listed
  version=$(version_of "$name") || { log "$name: no version known to check its digest"; return 1; }
  [[ -f $DIGESTS_FILE ]] || { log "missing $DIGESTS_FILE"; return 1; }
  got=$(sha256sum "$file" | cut -d' ' -f1)
  listed=$(awk -v n="$name" -v v="$version" -v p="$PLATFORM" \
    '!/^#/ && $2 == n && $3 == v && $4 == p {print $1}' "$DIGESTS_FILE")
  if [[ -n $listed ]]; then
    grep -qx "$got" <<<"$listed" && return 0
    log "$name $version: sha256 $got is not the one hack/binaries.sha256 lists for $PLATFORM"
    return 1
  fi
  if [[ ${KXOPS_ALLOW_UNPINNED:-0} == 1 ]]; then
    log "WARNING: $name $version: no digest listed for $PLATFORM; accepted (KXOPS_ALLOW_UNPINNED=1): $got"
    return 0
  fi
  log "$name $version: no digest listed in hack/binaries.sha256 for $PLATFORM; if you trust this"
  log "  binary ($(go_id)), add: $got  $name  $version  $PLATFORM  $(go_id)"
  return 1
}

go_id() { # the origin column of a line: the Go toolchain that built it
  if command -v go >/dev/null 2>&1; then go env GOVERSION 2>/dev/null || echo go; else echo release; fi
}

# verify_cached <dir> <names...>: every cached binary still has a listed digest
verify_cached() {
  local d=$1 b
  shift
  for b in "$@"; do
    pinned_ok "$d/$b" || die "cached $d/$b failed its digest check (remove $d, or run with --force)"
  done
}

finish() {
  # Whatever the cache holds now, fresh or old, is what the tests will run.
  verify_cached "$K8S_DIR" kube-apiserver kubectl etcd
  verify_cached "$HELM_DIR" helm
  if [[ $NODE == 1 ]]; then
    verify_cached "$NODE_K8S_DIR" "${NODE_BINARIES[@]}"
    verify_cached "$CONTAINERD_DIR" "${CONTAINERD_BINARIES[@]}"
    verify_cached "$PAUSE_DIR" pause.tar
  fi
  local bin=$BIN_DIR
  if [[ $API_ONLY == 1 ]]; then
    # Beside the default version: its VERSION and bin/ links are not this run's to change.
    bin=$ROOT/versions/$K8S_VERSION/bin
    link "../../../kube-api-test/k8s/$K8S_DIRNAME/kubectl" kubectl "$bin"
    link "../../../helm/$HELM_DIRNAME/helm" helm "$bin"
  else
    link "../kube-api-test/k8s/$K8S_DIRNAME/kubectl" kubectl
    link "../helm/$HELM_DIRNAME/helm" helm
    write_file "$KAT_DIR/VERSION" "$K8S_VERSION"
  fi
  log "kube-api-test binaries: $K8S_DIR ($(marker_value "$K8S_DIR/.complete" source || echo '?'))"
  log "helm:                   $bin/helm -> $HELM_DIR/helm ($(marker_value "$HELM_DIR/.complete" source || echo '?'))"
  log "versions: k8s $K8S_VERSION, etcd $(marker_value "$K8S_DIR/.complete" etcd || echo '?'), helm $HELM_VERSION"
  local size
  size=$(du -sh "$ROOT" 2>/dev/null | cut -f1) || size='?'
  log "cache size: $size ($ROOT)"
  printf 'export KUBE_API_TEST_DIR=%q\n' "$KAT_DIR"
  printf 'export KUBE_API_TEST_API_SERVER_VERSION=%q\n' "$K8S_VERSION"
  if [[ $API_ONLY != 1 ]]; then
    printf 'export KXOPS_K8S_VERSION=%q\n' "$K8S_VERSION"
  fi
  printf 'export KXOPS_BIN_DIR=%q\n' "$bin"
  if [[ $NODE == 1 ]]; then
    write_file "$NODE_ROOT/VERSION" "$(printf 'k8s=%s\ncontainerd=%s\npause=%s' "$K8S_VERSION" \
      "$CONTAINERD_VERSION" "$(marker_value "$PAUSE_DIR/.complete" image || echo '?')")"
    log "node parts:             $NODE_K8S_DIR, $CONTAINERD_DIR, $PAUSE_DIR ($(marker_value "$PAUSE_DIR/.complete" image || echo '?'))"
    printf 'export KXOPS_NODE_DIR=%q\n' "$NODE_ROOT"
  fi
  # The export lines go to stdout for callers; said here, because printed to a terminal they do
  # nothing by themselves.
  if [[ -t 1 ]]; then
    log "to set these in your shell: eval \"\$(hack/provision-binaries.sh)\""
  fi
  log "done in $(elapsed "$T_START")s"
}

if [[ $FORCE != 1 ]] && k8s_complete "$K8S_DIR" && helm_complete "$HELM_DIR" && node_complete; then
  log "cache hit, nothing to do"
  finish
  exit 0
fi

# ------------------------------------------------------------ cold path setup

mkdir -p "$ROOT" "$STAGE_ROOT" "$BUILD_ROOT/logs"
exec 9>"$ROOT/.lock"
if command -v flock >/dev/null 2>&1; then
  if ! flock -n 9; then
    log "another provisioning run holds $ROOT/.lock, waiting for it"
    flock 9
  fi
fi
# We hold the lock: leftovers of interrupted runs are garbage.
rm -rf -- "${STAGE_ROOT:?}"/* 2>/dev/null || true

if [[ $FORCE != 1 ]] && k8s_complete "$K8S_DIR" && helm_complete "$HELM_DIR" && node_complete; then
  log "cache filled by a concurrent run"
  finish
  exit 0
fi

STAGING_DIRS=()
cleanup() {
  local d
  for d in "${STAGING_DIRS[@]}"; do
    rm -rf -- "$d"
  done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# new_stage <name> -> sets STAGE
new_stage() {
  STAGE=$(mktemp -d "$STAGE_ROOT/$1.XXXXXX")
  STAGING_DIRS+=("$STAGE")
  chmod 0755 "$STAGE" # mktemp makes it 0700; the published directory is shared
}

# publish <stage> <final>: swap a fully populated stage directory into place
publish() {
  local stage=$1 final=$2 old
  mkdir -p "${final%/*}"
  if [[ -e $final || -L $final ]]; then
    old=$STAGE_ROOT/old.$$.$RANDOM
    mv -T "$final" "$old"
    STAGING_DIRS+=("$old")
  fi
  mv -T "$stage" "$final"
  if [[ -n ${old:-} ]]; then
    rm -rf -- "$old"
  fi
}

declare -A SOURCE=() TOOK=()

# timed <label> <cmd...>: run a step, remember its duration in TOOK[label]
timed() {
  local label=$1 t0=${EPOCHREALTIME/[.,]/} rc=0
  shift
  "$@" || rc=$?
  TOOK[$label]=$(elapsed "$t0")
  return "$rc"
}

# ------------------------------------------------ a) KXOPS_BINARIES_DIR import

# find_in_binaries_dir <name> <candidate-subdirs...> -> prints path
find_in_binaries_dir() {
  local name=$1 sub
  shift
  [[ -n ${KXOPS_BINARIES_DIR:-} && -d ${KXOPS_BINARIES_DIR:-} ]] || return 1
  for sub in "$@"; do
    if [[ -f $KXOPS_BINARIES_DIR/$sub/$name && -x $KXOPS_BINARIES_DIR/$sub/$name ]]; then
      printf '%s' "$KXOPS_BINARIES_DIR/$sub/$name"
      return 0
    fi
  done
  return 1
}

import_binary() { # import_binary <name> <dest-dir> <subdirs...>
  local name=$1 dest=$2 src
  shift 2
  src=$(find_in_binaries_dir "$name" "$@") || return 1
  cp -p "$src" "$dest/$name" || return 1
  log "$name: imported from $src"
}

# ------------------------------------------------------------- b) downloads

declare -A HOST_DOWN=()

# fetch <url> <out>
fetch() {
  local url=$1 out=$2 host rc=0
  [[ $OFFLINE != 1 ]] || return 1
  command -v curl >/dev/null 2>&1 || return 1
  host=${url#*://}
  host=${host%%/*}
  [[ -z ${HOST_DOWN[$host]:-} ]] || return 1
  curl -fsSL --connect-timeout "$CONNECT_TIMEOUT" --max-time 900 -o "$out" "$url" 2>"$out.err" || rc=$?
  if ((rc != 0)); then
    log "download failed (curl exit $rc: $(tr -d '\n' <"$out.err")): $url"
    rm -f "$out" "$out.err"
    # DNS, connect or TLS failures mean the host is unreachable: do not retry it.
    case $rc in 5 | 6 | 7 | 28 | 35 | 60) HOST_DOWN[$host]=1 ;; esac
    return 1
  fi
  rm -f "$out.err"
}

# sha256_ok <file> <expected-hex>
sha256_ok() {
  local got
  got=$(sha256sum "$1" | cut -d' ' -f1)
  [[ $got == "$2" ]] || {
    log "checksum mismatch for $1: expected $2, got $got"
    return 1
  }
}

download_kube_binary() { # <name> <dest-dir>
  local name=$1 dest=$2 url sum
  url=https://dl.k8s.io/release/v$K8S_VERSION/bin/$OS/$ARCH/$name
  fetch "$url" "$dest/$name" || return 1
  fetch "$url.sha256" "$dest/$name.sha256" || { rm -f "$dest/$name"; return 1; }
  sum=$(tr -d ' \n' <"$dest/$name.sha256")
  rm -f "$dest/$name.sha256"
  sha256_ok "$dest/$name" "$sum" || { rm -f "$dest/$name"; return 1; }
  chmod 0755 "$dest/$name"
  log "$name: downloaded $url"
}

download_etcd() { # <dest-dir>
  local dest=$1 base tmp url sums sum
  base=etcd-v$ETCD_VERSION-$PLATFORM
  url=https://github.com/etcd-io/etcd/releases/download/v$ETCD_VERSION
  tmp=$(mktemp -d "$STAGE_ROOT/etcd-dl.XXXXXX") || return 1
  STAGING_DIRS+=("$tmp")
  fetch "$url/$base.tar.gz" "$tmp/$base.tar.gz" || return 1
  # The release's own checksum list must be there and name the archive: no list, no etcd.
  fetch "$url/SHA256SUMS" "$tmp/SHA256SUMS" || return 1
  sums=$(<"$tmp/SHA256SUMS")
  sum=$(awk -v f="$base.tar.gz" '$2 == f {print $1}' <<<"$sums")
  [[ -n $sum ]] || { log "etcd: SHA256SUMS does not list $base.tar.gz"; return 1; }
  sha256_ok "$tmp/$base.tar.gz" "$sum" || return 1
  tar -xzf "$tmp/$base.tar.gz" -C "$tmp" "$base/etcd" || return 1
  mv "$tmp/$base/etcd" "$dest/etcd" || return 1
  log "etcd: downloaded $url/$base.tar.gz"
}

download_helm() { # <dest-dir>
  local dest=$1 base tmp url sum
  base=helm-v$HELM_VERSION-$PLATFORM
  url=https://get.helm.sh/$base.tar.gz
  tmp=$(mktemp -d "$STAGE_ROOT/helm-dl.XXXXXX") || return 1
  STAGING_DIRS+=("$tmp")
  fetch "$url" "$tmp/$base.tar.gz" || return 1
  fetch "$url.sha256sum" "$tmp/sum" || return 1
  sum=$(cut -d' ' -f1 <"$tmp/sum")
  sha256_ok "$tmp/$base.tar.gz" "$sum" || return 1
  tar -xzf "$tmp/$base.tar.gz" -C "$tmp" "$PLATFORM/helm" || return 1
  mv "$tmp/$PLATFORM/helm" "$dest/helm" || return 1
  log "helm: downloaded $url"
}

# ------------------------------------------------------- c) build from modules

GO_CHECKED=0
require_go() {
  ((GO_CHECKED)) && return 0
  command -v go >/dev/null 2>&1 ||
    die "no download possible and 'go' is not on PATH: install Go (>= the go directive of the modules) or provide KXOPS_BINARIES_DIR"
  log "using $(go version) (GOMODCACHE=$(go env GOMODCACHE), GOCACHE=$(go env GOCACHE))"
  GO_CHECKED=1
}

# go_at_root <args...>: run go outside any module/workspace
go_at_root() {
  (cd "$BUILD_ROOT" && GOWORK=off go "$@")
}

# module_info <module@version> -> sets MOD_GOMOD, MOD_GOVERSION, MOD_TIME
module_info() {
  local info
  go_at_root mod download "$1" >"$BUILD_ROOT/logs/mod-download.log" 2>&1 || {
    tail -n 20 "$BUILD_ROOT/logs/mod-download.log" >&2
    die "go mod download $1 failed (is the Go module proxy reachable?)"
  }
  info=$(go_at_root list -m -f '{{.GoMod}}|{{.GoVersion}}|{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' "$1") ||
    die "go list -m $1 failed"
  IFS='|' read -r MOD_GOMOD MOD_GOVERSION MOD_TIME <<<"$info"
  [[ -f $MOD_GOMOD ]] || die "go.mod of $1 not found at '$MOD_GOMOD'"
  local have
  have=$(go env GOVERSION)
  have=${have#go}
  if [[ -n $MOD_GOVERSION && $(printf '%s\n%s\n' "$MOD_GOVERSION" "$have" | sort -V | head -n1) != "$MOD_GOVERSION" ]]; then
    log "warning: $1 needs go >= $MOD_GOVERSION but the local Go is $have; go will try to switch toolchains (GOTOOLCHAIN=$(go env GOTOOLCHAIN))"
  fi
}

# write_wrapper <dir> <module@version> <dep-go.mod> [staging-version]
# Writes <dir>/go.mod: a main module requiring the dependency, with the
# dependency's go/godebug/exclude directives and its non-local replaces copied
# (replace/exclude/godebug only take effect in the main module). A replace of a
# module by ./staging/src/<module> becomes a replace by <module> <staging-version>;
# other local-path replaces are dropped (the require lines carry the versions).
write_wrapper() {
  local dir=$1 modver=$2 depmod=$3 staging=${4:-} body
  body=$(awk -v staging="$staging" '
    function emit_replace(s,   parts, n, lhs, rhs, m) {
      sub(/[ \t]*\/\/.*$/, "", s)
      n = split(s, parts, /[ \t]*=>[ \t]*/)
      if (n != 2) return
      lhs = parts[1]; rhs = parts[2]
      sub(/^[ \t]+/, "", lhs); sub(/[ \t]+$/, "", rhs)
      if (rhs ~ /^\.\.?\//) {
        m = lhs; sub(/[ \t].*$/, "", m)
        if (staging != "" && (rhs == "./staging/src/" m)) {
          rep[++nrep] = m " => " m " " staging
        } else {
          dropped[++ndrop] = lhs " => " rhs
        }
      } else {
        rep[++nrep] = lhs " => " rhs
      }
    }
    /^[ \t]*\/\// { next }
    block == "replace" && /^\)/ { block = ""; next }
    block == "exclude" && /^\)/ { block = ""; next }
    block == "godebug" && /^\)/ { block = ""; next }
    block == "replace" { emit_replace($0); next }
    block == "exclude" { if ($0 ~ /[^ \t]/) exc[++nexc] = $0; next }
    block == "godebug" { if ($0 ~ /[^ \t]/) dbg[++ndbg] = $0; next }
    block != "" { if (/^\)/) block = ""; next }
    /^go[ \t]/ { gover = $2; next }
    /^(replace|exclude|godebug)[ \t]*\($/ { block = $1; sub(/[ \t]*\(.*/, "", block); next }
    /^replace[ \t]/ { s = $0; sub(/^replace[ \t]+/, "", s); emit_replace(s); next }
    /^exclude[ \t]/ { s = $0; sub(/^exclude[ \t]+/, "", s); exc[++nexc] = s; next }
    /^godebug[ \t]/ { s = $0; sub(/^godebug[ \t]+/, "", s); dbg[++ndbg] = s; next }
    /^[a-z]+[ \t]*\($/ { block = "other"; next }
    END {
      print "go " gover
      if (ndbg) { print "\ngodebug ("; for (i = 1; i <= ndbg; i++) print "\t" dbg[i]; print ")" }
      if (nexc) { print "\nexclude ("; for (i = 1; i <= nexc; i++) print "\t" exc[i]; print ")" }
      if (nrep) { print "\nreplace ("; for (i = 1; i <= nrep; i++) print "\t" rep[i]; print ")" }
      for (i = 1; i <= ndrop; i++) print "// dropped local replace: " dropped[i]
    }' "$depmod") || die "cannot parse $depmod"
  mkdir -p "$dir"
  # Deterministic content; go.sum is kept between runs.
  printf '// Generated by hack/provision-binaries.sh; throwaway wrapper module.\nmodule kxops.local/provision/%s\n\nrequire %s %s\n\n%s\n' \
    "${dir##*/}" "${modver%@*}" "${modver#*@}" "$body" >"$dir/go.mod"
  # A toolchain line is never copied: it would make go download another toolchain.
}

# go_build <wrapper-dir> <output> <package> <tags> <ldflags>
go_build() {
  local dir=$1 out=$2 pkg=$3 tags=$4 ldflags=$5 name logf
  name=${out##*/}
  logf=$BUILD_ROOT/logs/$name.log
  log "$name: building $pkg (log: $logf)"
  if ! (cd "$dir" && GOWORK=off CGO_ENABLED=0 GOOS=$OS GOARCH=$ARCH \
    go build -mod=mod -trimpath -tags "$tags" -ldflags "$ldflags" -o "$out" "$pkg") >"$logf" 2>&1; then
    tail -n 40 "$logf" >&2
    log "$name: go build failed, see $logf"
    return 1
  fi
  log "$name: built in $(elapsed "$BUILD_T0")s"
}

K8S_WRAPPER_READY=0
K8S_LDFLAGS=
prepare_k8s_wrapper() {
  ((K8S_WRAPPER_READY)) && return 0
  require_go
  local staging pkg kv=()
  module_info "k8s.io/kubernetes@v$K8S_VERSION"
  staging=v0.${K8S_VERSION#1.}
  write_wrapper "$BUILD_ROOT/k8s-$K8S_VERSION" "k8s.io/kubernetes@v$K8S_VERSION" "$MOD_GOMOD" "$staging"
  grep -q "=> k8s.io/api $staging" "$BUILD_ROOT/k8s-$K8S_VERSION/go.mod" ||
    die "no staging replaces found in $MOD_GOMOD; its layout changed?"
  # The same version variables as kubernetes' hack/lib/version.sh. Without them
  # the binaries call themselves v0.0.0 and kube-apiserver's emulation-version
  # logic misbehaves.
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    kv+=("-X $pkg.gitVersion=v$K8S_VERSION" "-X $pkg.gitMajor=1" "-X $pkg.gitMinor=$K8S_MINOR"
      "-X $pkg.gitTreeState=clean" "-X $pkg.gitCommit=")
    [[ -n $MOD_TIME ]] && kv+=("-X $pkg.buildDate=$MOD_TIME")
  done
  K8S_LDFLAGS="-s -w ${kv[*]}"
  K8S_WRAPPER_READY=1
}

build_kube_binary() { # <name> <dest-dir>
  prepare_k8s_wrapper
  BUILD_T0=${EPOCHREALTIME/[.,]/}
  # Tags as in kubernetes' own non-debug builds (hack/lib/golang.sh).
  go_build "$BUILD_ROOT/k8s-$K8S_VERSION" "$2/$1" "k8s.io/kubernetes/cmd/$1" \
    selinux,notest,grpcnotrace "$K8S_LDFLAGS"
}

build_etcd() { # <dest-dir>
  require_go
  local dir=$BUILD_ROOT/etcd-$ETCD_VERSION
  module_info "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
  write_wrapper "$dir" "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" "$MOD_GOMOD"
  BUILD_T0=${EPOCHREALTIME/[.,]/}
  # go.etcd.io/etcd/server/v3 (the module root) is etcd's main package.
  go_build "$dir" "$1/etcd" go.etcd.io/etcd/server/v3 "" \
    "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=v$ETCD_VERSION-gomod"
}

build_helm() { # <dest-dir>
  require_go
  local mod=helm.sh/helm/v$HELM_MAJOR dir=$BUILD_ROOT/helm-$HELM_VERSION ldflags cg maj min
  module_info "$mod@v$HELM_VERSION"
  write_wrapper "$dir" "$mod@v$HELM_VERSION" "$MOD_GOMOD"
  # As helm's Makefile: version metadata, plus the k8s version helm assumes
  # (derived from the client-go version it is built with).
  ldflags="-s -w -X $mod/internal/version.version=v$HELM_VERSION -X $mod/internal/version.metadata="
  ldflags+=" -X $mod/internal/version.gitTreeState=clean"
  cg=$(awk '$1 == "k8s.io/client-go" {print $2; exit}' "$MOD_GOMOD")
  if [[ $HELM_MAJOR == 3 && $cg =~ ^v0\.([0-9]+)\. ]]; then
    maj=1 min=${BASH_REMATCH[1]}
    ldflags+=" -X $mod/pkg/lint/rules.k8sVersionMajor=$maj -X $mod/pkg/lint/rules.k8sVersionMinor=$min"
    ldflags+=" -X $mod/pkg/chartutil.k8sVersionMajor=$maj -X $mod/pkg/chartutil.k8sVersionMinor=$min"
  fi
  BUILD_T0=${EPOCHREALTIME/[.,]/}
  go_build "$dir" "$1/helm" "$mod/cmd/helm" "" "$ldflags"
}


# ------------------------------------------------------------------ node parts

install_node_system_packages() {
  local missing=() logf=$BUILD_ROOT/logs/apt.log
  mapfile -t missing < <(node_system_missing)
  ((${#missing[@]})) || return 0
  if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    die "the node needs these Debian packages: ${missing[*]} (as root: apt-get install -y ${missing[*]})"
  fi
  log "installing Debian packages: ${missing[*]} (log: $logf)"
  export DEBIAN_FRONTEND=noninteractive
  # An outdated package list is the usual reason for a failure: update once, then retry.
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >"$logf" 2>&1; then
    { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >>"$logf" 2>&1 || {
      tail -n 20 "$logf" >&2
      die "apt-get install ${missing[*]} failed"
    }
  fi
  mapfile -t missing < <(node_system_missing)
  ((${#missing[@]} == 0)) || die "still missing after apt-get: ${missing[*]}"
}

# go_install <dest-dir> <package@version> <tags> <ldflags>: for modules whose go.mod has no
# replace lines (containerd), `go install pkg@version` builds exactly the released module graph.
go_install() {
  local dest=$1 pkg=$2 tags=$3 ldflags=$4 name logf t0=${EPOCHREALTIME/[.,]/}
  name=${pkg%@*}
  name=${name##*/}
  logf=$BUILD_ROOT/logs/$name.log
  log "$name: go install $pkg (log: $logf)"
  if ! (cd "$BUILD_ROOT" && GOWORK=off CGO_ENABLED=0 GOBIN=$dest \
    go install -trimpath -tags "$tags" -ldflags "$ldflags" "$pkg") >"$logf" 2>&1; then
    tail -n 40 "$logf" >&2
    log "$name: go install failed, see $logf"
    return 1
  fi
  log "$name: built in $(elapsed "$t0")s"
}

# The tags and version variables of containerd's Makefile; CGO off, so no btrfs/devmapper/zfs
# snapshotters (the node uses overlayfs) and no generated CLI docs.
CONTAINERD_TAGS=urfave_cli_no_docs,no_btrfs,no_devmapper,no_zfs
containerd_ldflags() {
  local mod=github.com/containerd/containerd/v2
  printf '%s' "-s -w -X $mod/version.Version=v$CONTAINERD_VERSION -X $mod/version.Revision=gomod -X $mod/version.Package=$mod"
}
build_containerd_binary() { # <name> <dest-dir>
  require_go
  local tags=$CONTAINERD_TAGS
  [[ $1 == containerd-shim-runc-v2 ]] && tags+=,no_grpc # as containerd's Makefile builds the shim
  go_install "$2" "github.com/containerd/containerd/v2/cmd/$1@v$CONTAINERD_VERSION" "$tags" "$(containerd_ldflags)"
}
no_download() { return 1; }

PAUSE_TAG=
# build_pause <dest-dir>: the sandbox image every pod starts with, built from the k8s module's own
# source as its Makefile does (gcc -Os -static), wrapped into an OCI image tarball by hand (no
# daemon, no registry): a single uncompressed layer with /pause, user 65535, entrypoint /pause.
build_pause() {
  require_go
  local dest=$1 src w layer cfg man idx ld cd md ls cs ms t0=${EPOCHREALTIME/[.,]/}
  module_info "k8s.io/kubernetes@v$K8S_VERSION"
  src=$(go env GOMODCACHE)/k8s.io/kubernetes@v$K8S_VERSION/build/pause
  [[ -f $src/linux/pause.c && -f $src/Makefile ]] || die "no build/pause in the k8s module at $src"
  PAUSE_TAG=$(awk '$1 == "TAG" && $2 == "?=" {print $3; exit}' "$src/Makefile")
  [[ -n $PAUSE_TAG ]] || die "no TAG in $src/Makefile"
  gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_TAG-kxops" -o "$dest/pause" "$src/linux/pause.c" \
    >"$BUILD_ROOT/logs/pause.log" 2>&1 || {
    cat "$BUILD_ROOT/logs/pause.log" >&2
    die "gcc -static pause.c failed (is libc6-dev installed?)"
  }
  w=$(mktemp -d "$STAGE_ROOT/pause-oci.XXXXXX")
  STAGING_DIRS+=("$w")
  mkdir -p "$w/rootfs" "$w/oci/blobs/sha256"
  install -m 0755 "$dest/pause" "$w/rootfs/pause"
  # Reproducible: sorted, zero mtime, numeric root owner.
  local tarflags=(--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu)
  tar "${tarflags[@]}" -C "$w/rootfs" -cf "$w/layer.tar" pause
  ld=$(sha256sum "$w/layer.tar" | cut -d' ' -f1)
  ls=$(stat -c %s "$w/layer.tar")
  mv "$w/layer.tar" "$w/oci/blobs/sha256/$ld"
  cfg=$(printf '{"architecture":"%s","os":"linux","config":{"User":"65535:65535","Entrypoint":["/pause"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$ARCH" "$ld")
  printf '%s' "$cfg" >"$w/cfg"
  cd=$(sha256sum "$w/cfg" | cut -d' ' -f1)
  cs=$(stat -c %s "$w/cfg")
  mv "$w/cfg" "$w/oci/blobs/sha256/$cd"
  man=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' "$cd" "$cs" "$ld" "$ls")
  printf '%s' "$man" >"$w/man"
  md=$(sha256sum "$w/man" | cut -d' ' -f1)
  ms=$(stat -c %s "$w/man")
  mv "$w/man" "$w/oci/blobs/sha256/$md"
  idx=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' "$md" "$ms" "$(pause_image)" "$PAUSE_TAG")
  printf '%s' "$idx" >"$w/oci/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$w/oci/oci-layout"
  tar "${tarflags[@]}" -C "$w/oci" -cf "$dest/pause.tar" oci-layout index.json blobs
  log "pause: built $(pause_image) (sha256:$md) in $(elapsed "$t0")s"
}
# The image name containerd is configured with as its sandbox image: a local name that no
# registry serves, so a missing import fails instead of pulling.
pause_image() { printf 'kxops.local/pause:%s' "$PAUSE_TAG"; }

# ------------------------------------------------------------------ checks

check_version() { # <label> <expected-substring> <cmd...>
  local label=$1 want=$2 out
  shift 2
  out=$("$@" 2>&1) || { log "$label: '$*' failed: $out"; return 1; }
  [[ $out == *"$want"* ]] || { log "$label: expected '$want' in: $out"; return 1; }
}

verify_k8s_stage() { # <dir>
  check_version kube-apiserver "Kubernetes v$K8S_VERSION" "$1/kube-apiserver" --version &&
    check_version kubectl "v$K8S_VERSION" "$1/kubectl" version --client &&
    check_version etcd "etcd Version:" "$1/etcd" --version
}

# ------------------------------------------------------------------- main

# obtain <name> <dest-dir> <import-subdirs> <download-fn> <build-fn>
obtain() {
  local name=$1 dest=$2 subdirs=$3 dl=$4 build=$5
  local -a subs
  read -r -a subs <<<"$subdirs"
  if import_binary "$name" "$dest" "${subs[@]}" && pinned_ok "$dest/$name"; then
    SOURCE[$name]=import
  elif timed "$name-download" "$dl" "$dest" && pinned_ok "$dest/$name"; then
    SOURCE[$name]=download
  else
    rm -f "$dest/$name"
    timed "$name" "$build" "$dest" || die "could not provision $name (download and build both failed)"
    pinned_ok "$dest/$name" || die "$name: the build's digest check failed (see above)"
    SOURCE[$name]=build
  fi
}

# copy_cached_etcd <dest-dir>: the etcd of another cached k8s directory, when it is the version
# asked for (one etcd serves several Kubernetes versions; building it again costs minutes).
copy_cached_etcd() {
  local d
  for d in "$KAT_DIR"/k8s/*-"$PLATFORM"; do
    [[ $d != "$K8S_DIR" && -f $d/.complete && -x $d/etcd ]] || continue
    [[ $(marker_value "$d/.complete" etcd) == "$ETCD_VERSION" ]] || continue
    cp -p "$d/etcd" "$1/etcd" || return 1
    log "etcd: copied from $d"
    return 0
  done
  return 1
}

dl_kube_apiserver() { download_kube_binary kube-apiserver "$1"; }
dl_kubectl() { download_kube_binary kubectl "$1"; }
build_kube_apiserver() { build_kube_binary kube-apiserver "$1"; }
build_kubectl() { build_kube_binary kubectl "$1"; }

if [[ $FORCE == 1 ]] || ! k8s_complete "$K8S_DIR"; then
  log "provisioning kube-apiserver, kubectl $K8S_VERSION and etcd $ETCD_VERSION into $K8S_DIR"
  new_stage "k8s-$K8S_VERSION"
  k8s_stage=$STAGE
  k8s_subs="kube-api-test/k8s/$K8S_DIRNAME k8s/$K8S_DIRNAME $K8S_DIRNAME ."
  obtain kube-apiserver "$k8s_stage" "$k8s_subs" dl_kube_apiserver build_kube_apiserver
  obtain kubectl "$k8s_stage" "$k8s_subs" dl_kubectl build_kubectl
  if copy_cached_etcd "$k8s_stage" && pinned_ok "$k8s_stage/etcd"; then
    SOURCE[etcd]=copy
  else
    rm -f "$k8s_stage/etcd"
    obtain etcd "$k8s_stage" "$k8s_subs" download_etcd build_etcd
  fi
  verify_k8s_stage "$k8s_stage" || die "the provisioned k8s binaries failed their version check"
  etcd_ver=$("$k8s_stage/etcd" --version | awk '/^etcd Version:/ {print $3; exit}')
  printf 'k8s=%s\netcd=%s\nsource=kube-apiserver:%s kubectl:%s etcd:%s\ncreated=%s\n' \
    "$K8S_VERSION" "$etcd_ver" "${SOURCE[kube-apiserver]}" "${SOURCE[kubectl]}" "${SOURCE[etcd]}" \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$k8s_stage/.complete"
  publish "$k8s_stage" "$K8S_DIR"
fi

if [[ $FORCE == 1 ]] || ! helm_complete "$HELM_DIR"; then
  log "provisioning helm $HELM_VERSION into $HELM_DIR"
  new_stage "helm-$HELM_VERSION"
  helm_stage=$STAGE
  obtain helm "$helm_stage" "helm/$HELM_DIRNAME bin $HELM_DIRNAME ." download_helm build_helm
  check_version helm "v$HELM_VERSION" "$helm_stage/helm" version --short ||
    die "the provisioned helm failed its version check"
  printf 'helm=%s\nsource=%s\ncreated=%s\n' \
    "$HELM_VERSION" "${SOURCE[helm]}" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$helm_stage/.complete"
  publish "$helm_stage" "$HELM_DIR"
fi

if [[ $NODE == 1 ]]; then
  install_node_system_packages
  if [[ $FORCE == 1 ]] || ! node_k8s_complete; then
    log "provisioning ${NODE_BINARIES[*]} $K8S_VERSION into $NODE_K8S_DIR"
    new_stage "node-k8s-$K8S_VERSION"
    node_stage=$STAGE
    node_subs="node/k8s/$K8S_DIRNAME k8s/$K8S_DIRNAME $K8S_DIRNAME ."
    for b in "${NODE_BINARIES[@]}"; do
      eval "dl_$b() { download_kube_binary $b \"\$1\"; }; build_$b() { build_kube_binary $b \"\$1\"; }"
      obtain "$b" "$node_stage" "$node_subs" "dl_$b" "build_$b"
      check_version "$b" "Kubernetes v$K8S_VERSION" "$node_stage/$b" --version ||
        die "the provisioned $b failed its version check"
    done
    printf 'k8s=%s\nsource=%s\ncreated=%s\n' "$K8S_VERSION" \
      "$(for b in "${NODE_BINARIES[@]}"; do printf '%s:%s ' "$b" "${SOURCE[$b]}"; done)" \
      "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$node_stage/.complete"
    publish "$node_stage" "$NODE_K8S_DIR"
  fi
  if [[ $FORCE == 1 ]] || ! containerd_complete; then
    log "provisioning ${CONTAINERD_BINARIES[*]} $CONTAINERD_VERSION into $CONTAINERD_DIR"
    new_stage "containerd-$CONTAINERD_VERSION"
    ctd_stage=$STAGE
    ctd_subs="node/containerd/$CONTAINERD_VERSION-$PLATFORM containerd/$CONTAINERD_VERSION-$PLATFORM bin ."
    for b in "${CONTAINERD_BINARIES[@]}"; do
      eval "build_$b() { build_containerd_binary $b \"\$1\"; }"
      obtain "$b" "$ctd_stage" "$ctd_subs" no_download "build_$b"
    done
    check_version containerd "v$CONTAINERD_VERSION" "$ctd_stage/containerd" --version &&
      check_version ctr "v$CONTAINERD_VERSION" "$ctd_stage/ctr" --version &&
      check_version containerd-shim-runc-v2 "v$CONTAINERD_VERSION" "$ctd_stage/containerd-shim-runc-v2" -v ||
      die "the provisioned containerd binaries failed their version check"
    printf 'containerd=%s\nsource=%s\ncreated=%s\n' "$CONTAINERD_VERSION" \
      "$(for b in "${CONTAINERD_BINARIES[@]}"; do printf '%s:%s ' "$b" "${SOURCE[$b]}"; done)" \
      "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$ctd_stage/.complete"
    publish "$ctd_stage" "$CONTAINERD_DIR"
  fi
  if [[ $FORCE == 1 ]] || ! pause_complete; then
    new_stage "pause-$K8S_VERSION"
    pause_stage=$STAGE
    timed pause build_pause "$pause_stage"
    pinned_ok "$pause_stage/pause.tar" || die "pause: the build's digest check failed (see above)"
    printf 'k8s=%s\ntag=%s\nimage=%s\nsource=build\ncreated=%s\n' "$K8S_VERSION" "$PAUSE_TAG" \
      "$(pause_image)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$pause_stage/.complete"
    publish "$pause_stage" "$PAUSE_DIR"
  fi
fi

for label in kube-apiserver-download kube-apiserver kubectl-download kubectl etcd-download etcd helm-download helm \
  kubelet-download kubelet kube-proxy-download kube-proxy kube-scheduler-download kube-scheduler \
  kube-controller-manager-download kube-controller-manager containerd ctr containerd-shim-runc-v2 pause; do
  if [[ -n ${TOOK[$label]:-} ]]; then
    log "timing: $label ${TOOK[$label]}s"
  fi
done
if ((GO_CHECKED)); then
  log "go caches: module cache $(du -sh "$(go env GOMODCACHE)" 2>/dev/null | cut -f1), build cache $(du -sh "$(go env GOCACHE)" 2>/dev/null | cut -f1)"
fi
finish
