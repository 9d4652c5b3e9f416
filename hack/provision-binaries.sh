#!/usr/bin/env bash
# Provision the binaries the tests need, into a persistent cache:
#   kube-apiserver, etcd, kubectl  - for fabric8 kube-api-test (API server without nodes)
#   helm (and kubectl)             - for CLI tests
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
# Use with kube-api-test: KUBE_API_TEST_DIR=$ROOT/kube-api-test
#
# A version directory appears only by an atomic rename of a fully populated
# staging directory, with .complete written last, so an interrupted run never
# leaves something that looks complete.
#
# Environment:
#   KXOPS_CACHE          cache root (default $HOME/.cache/kxops)
#   KXOPS_BINARIES_DIR   pre-provisioned binaries to import instead of downloading/building
#   KXOPS_K8S_VERSION    Kubernetes version (default below)
#   KXOPS_ETCD_VERSION   etcd version (default below; when set explicitly, a cached
#                        k8s directory holding another etcd version is re-provisioned)
#   KXOPS_HELM_VERSION   helm version (default below)
#   KXOPS_OFFLINE=1      skip the download attempts (same as --offline)
#   KXOPS_FORCE=1        re-provision even if cached (same as --force)
#   KXOPS_CONNECT_TIMEOUT  curl connect timeout in seconds (default 5)
#   Go's own variables (GOMODCACHE, GOCACHE, GOPROXY, GOTOOLCHAIN, ...) are honoured.
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
  echo "Usage: $0 [--force] [--offline] [-h|--help]"
}

FORCE=${KXOPS_FORCE:-0}
OFFLINE=${KXOPS_OFFLINE:-0}
while (($#)); do
  case $1 in
    --force) FORCE=1 ;;
    --offline | --no-download) OFFLINE=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done

K8S_VERSION=${KXOPS_K8S_VERSION:-$DEFAULT_K8S_VERSION}
K8S_VERSION=${K8S_VERSION#v}
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

# link <target-relative-to-BIN_DIR> <name>: atomically (re)point $BIN_DIR/<name>
link() {
  local target=$1 name=$2
  if [[ -L $BIN_DIR/$name && $BIN_DIR/$name -ef $BIN_DIR/$target ]]; then
    return 0
  fi
  mkdir -p "$BIN_DIR"
  ln -sfn "$target" "$BIN_DIR/.$name.tmp.$$"
  mv -Tf "$BIN_DIR/.$name.tmp.$$" "$BIN_DIR/$name"
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

finish() {
  link "../kube-api-test/k8s/$K8S_DIRNAME/kubectl" kubectl
  link "../helm/$HELM_DIRNAME/helm" helm
  write_file "$KAT_DIR/VERSION" "$K8S_VERSION"
  log "kube-api-test binaries: $K8S_DIR ($(marker_value "$K8S_DIR/.complete" source || echo '?'))"
  log "helm:                   $BIN_DIR/helm -> $HELM_DIR/helm ($(marker_value "$HELM_DIR/.complete" source || echo '?'))"
  log "versions: k8s $K8S_VERSION, etcd $(marker_value "$K8S_DIR/.complete" etcd || echo '?'), helm $HELM_VERSION"
  local size
  size=$(du -sh "$ROOT" 2>/dev/null | cut -f1) || size='?'
  log "cache size: $size ($ROOT)"
  printf 'export KUBE_API_TEST_DIR=%q\n' "$KAT_DIR"
  printf 'export KUBE_API_TEST_API_SERVER_VERSION=%q\n' "$K8S_VERSION"
  printf 'export KXOPS_K8S_VERSION=%q\n' "$K8S_VERSION"
  printf 'export KXOPS_BIN_DIR=%q\n' "$BIN_DIR"
  log "done in $(elapsed "$T_START")s"
}

if [[ $FORCE != 1 ]] && k8s_complete "$K8S_DIR" && helm_complete "$HELM_DIR"; then
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

if [[ $FORCE != 1 ]] && k8s_complete "$K8S_DIR" && helm_complete "$HELM_DIR"; then
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
  if fetch "$url/SHA256SUMS" "$tmp/SHA256SUMS"; then
    sums=$(<"$tmp/SHA256SUMS")
    sum=$(awk -v f="$base.tar.gz" '$2 == f {print $1}' <<<"$sums")
    if [[ -n $sum ]]; then
      sha256_ok "$tmp/$base.tar.gz" "$sum" || return 1
    fi
  fi
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
  if import_binary "$name" "$dest" "${subs[@]}"; then
    SOURCE[$name]=import
  elif timed "$name-download" "$dl" "$dest"; then
    SOURCE[$name]=download
  else
    timed "$name" "$build" "$dest" || die "could not provision $name (download and build both failed)"
    SOURCE[$name]=build
  fi
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
  obtain etcd "$k8s_stage" "$k8s_subs" download_etcd build_etcd
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

for label in kube-apiserver-download kube-apiserver kubectl-download kubectl etcd-download etcd helm-download helm; do
  if [[ -n ${TOOK[$label]:-} ]]; then
    log "timing: $label ${TOOK[$label]}s"
  fi
done
if ((GO_CHECKED)); then
  log "go caches: module cache $(du -sh "$(go env GOMODCACHE)" 2>/dev/null | cut -f1), build cache $(du -sh "$(go env GOCACHE)" 2>/dev/null | cut -f1)"
fi
finish
