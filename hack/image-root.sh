#!/usr/bin/env bash
# Builds what the operator image holds apart from the jar (the build runs it; see operator.pom.xml,
# execution image-root):
#   /opt/java                  a Java runtime with only the modules the operator needs (jlink)
#   /lib*/...                  the shared libraries that runtime links, taken from this machine
#                              (glibc's loader, libc, libm, libstdc++, libgcc_s, libz, ...), the
#                              paths ldd prints, so the loader finds them at its default places
#   /etc/passwd, /etc/group    one user and group, nonroot 65532, so that user.name is set
# Jib puts this directory into one layer of the image (from base scratch: nothing else is in it,
# no shell, no package manager).
#
# Usage: hack/image-root.sh <output dir> <comma-separated modules> [<JDK home>]
# The JDK (default: $JAVA_HOME, else the one javac belongs to) must have its jmods/ (Debian's
# openjdk-17-jdk-headless has them). Same JDK and same libraries in, same bytes out: the image's
# digest depends on them (hack/image-digest-check.sh).
set -euo pipefail

out=${1:?usage: $0 <output dir> <modules> [<JDK home>]}
modules=${2:?usage: $0 <output dir> <modules> [<JDK home>]}
jdk=${3:-${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}}

if [[ ! -x $jdk/bin/jlink || ! -f $jdk/jmods/java.base.jmod ]]; then
  echo "image-root: $jdk has no bin/jlink or jmods/java.base.jmod; the image needs a JDK with its jmods" >&2
  exit 1
fi

rm -rf "$out"
mkdir -p "$out"
# Debug symbols, headers and man pages are not needed to run. Not --compress: the layer is
# gzipped anyway, and compressed modules both gzip worse and start slower.
"$jdk/bin/jlink" --add-modules "$modules" --output "$out/opt/java" \
  --strip-debug --no-header-files --no-man-pages

# The libraries: whatever the loader resolves for the launcher and every library of the runtime
# (those of the runtime itself are found through its RPATH and skipped). libjvm.so is loaded by
# libjli at run time, so ldd of the others does not find it: that "not found" is expected.
libs=$(
  find "$out/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 \
    | xargs -0 ldd 2>/dev/null \
    | awk -v rt="$out/opt/java/" '
        $2 == "=>" && $3 ~ /^\// && index($3, rt) != 1 { print $3 }
        $1 ~ /^\// && $2 ~ /^\(0x/ { print $1 }
        $2 == "=>" && $3 == "not" && $1 != "libjvm.so" { print "MISSING " $1 }' \
    | sort -u
)
if grep -q '^MISSING' <<<"$libs"; then
  echo "image-root: libraries not found on this machine: $(grep '^MISSING' <<<"$libs" | tr '\n' ' ')" >&2
  exit 1
fi
for lib in $libs; do
  # Copied as regular files under the name the loader asks for (/lib64/ld-linux-x86-64.so.2 is a
  # link to /lib/x86_64-linux-gnu/ on Debian; in the image it is the file itself).
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
done

mkdir -p "$out/etc"
# No login shell exists in the image; the home is the chart's writable emptyDir.
echo 'nonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin' >"$out/etc/passwd"
echo 'nonroot:x:65532:' >"$out/etc/group"

echo "image-root: $out: $(du -sh "$out/opt/java" | cut -f1) runtime ($modules), libraries: $(echo $libs)"
