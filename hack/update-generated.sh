#!/usr/bin/env bash
# Regenerates every generated file that is committed: the CRD under crds/ (from the annotated
# classes in io.kxops.operator.api.v1alpha1, by fabric8's crd-generator) and the Helm chart's copy.
# The build fails (CrdDriftTest) when these differ from what the classes generate.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests -Dspotless.check.skip=true process-classes
cp target/classes/META-INF/fabric8/kxchangesets.finspace.kxops.io-v1.yml crds/
echo "updated crds/kxchangesets.finspace.kxops.io-v1.yml"
