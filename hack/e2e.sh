#!/usr/bin/env bash
# The E2E layer (*E2E): the operator's own image installed by its Helm chart (and by kustomize)
# and run as a Pod on a real node, against the FinSpace emulator.
#
#   hack/e2e.sh                       our own single-node cluster (LocalNode; needs root)
#   hack/e2e.sh -Dit.test=ChartE2E    extra arguments go to Maven (here: one class)
#   hack/e2e.sh --up [DIR]            only the cluster, by hand: prints KUBECONFIG, Ctrl-C stops it;
#                                     imports target/kxchangeset-operator-image.tar if built
#   hack/e2e.sh --clean-up            tear down what a crashed run left behind
#
# Our own cluster: provisions the node parts first (hack/provision-binaries.sh --node: kubelet,
# kube-proxy, kube-scheduler, kube-controller-manager, containerd, the pause image; runc and the
# CNI plugins from Debian), builds the jar and the image (mvn package), starts the cluster inside
# a network namespace of its own, imports the image and runs the tests; the cluster is torn down
# at the end (also after a crash, by the next run, or by `hack/e2e.sh --clean-up`).
#
# An existing cluster (Kind, k3s, EKS, ...), instead of ours:
#   KXOPS_E2E_KUBECONFIG=~/.kube/config \
#   KXOPS_E2E_IMAGE=<registry>/kxchangeset-operator:<tag> \
#   KXOPS_E2E_EMULATOR_HOST=<an address of this machine the cluster's pods reach> \
#   hack/e2e.sh
# The tests install into the namespaces kxchangeset-system and kdb (they must not exist) and
# start the FinSpace emulator on KXOPS_E2E_EMULATOR_HOST. Optional: KXOPS_E2E_IMAGE_UPGRADE, a
# second tag of the image for the upgrade test (default: the same image).
set -euo pipefail
cd "$(dirname "$0")/.."

node_main() { # node_main up|down [DIR]: LocalNode from the command line
  if [[ ! -f target/test-classpath.txt || ! -d target/test-classes ]]; then
    mvn -B -q process-test-classes -Dkxops.provision.skip=true >&2
  fi
  exec java -cp "$(cat target/test-classpath.txt):target/test-classes:target/classes" \
    io.kxops.testkit.LocalNodeMain "$@"
}

case ${1:-} in
  --clean-up) node_main down ;;
  --up)
    # Only the cluster, for trying things by hand: prints its KUBECONFIG; Ctrl-C tears it down.
    [[ $(id -u) == 0 ]] || { echo "hack/e2e.sh --up needs root" >&2; exit 1; }
    provisioned=$(hack/provision-binaries.sh --node)
    eval "$provisioned"
    image=()
    [[ -f target/kxchangeset-operator-image.tar ]] && image=(target/kxchangeset-operator-image.tar)
    node_main up "${2:-target/e2e/node}" "${image[@]}"
    ;;
esac

if [[ -z ${KXOPS_E2E_KUBECONFIG:-} ]]; then
  if [[ $(id -u) != 0 ]]; then
    echo "hack/e2e.sh: our own cluster needs root (kubelet, containerd, a network namespace);" >&2
    echo "  or point the tests at an existing cluster with KXOPS_E2E_KUBECONFIG (see the header)" >&2
    exit 1
  fi
  provisioned=$(hack/provision-binaries.sh --node)
else
  provisioned=$(hack/provision-binaries.sh) # helm and kubectl
fi
eval "$provisioned"

# -Pe2e: only the *E2E classes run (no unit tests, no ITs); -Dtest=none for the emulator module.
exec mvn -B -Pe2e verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dkxops.provision.skip=true "$@"
