#!/usr/bin/env bash
# Regenerates the generated files that are committed:
#   crds/kxchangesets.finspace.kxops.io-v1.yml     from the annotated classes in
#   crds/kxaccesspolicies.finspace.kxops.io-v1.yml io.kxops.operator.api.v1alpha1 (fabric8 crd-generator)
# Nothing else copies it: kustomize's config/crd points at crds/, and the Helm chart reads it
# through the link helm/kxchangeset-operator/files/kxchangesets.finspace.kxops.io-v1.yml.
# The build fails when crds/ differs from what the classes generate (CrdTest), or when an install
# stops reading crds/ itself (ChartCrdSyncTest).
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -DskipTests -Dspotless.check.skip=true -pl :kxchangeset-operator -am process-classes
for crd in kxchangesets kxaccesspolicies; do
  cp "target/classes/META-INF/fabric8/$crd.finspace.kxops.io-v1.yml" crds/
  echo "updated crds/$crd.finspace.kxops.io-v1.yml"
done
