# The operator image: a JRE 17 and the shaded jar, run as a non-root user. No shell is needed.
# Build the jar first (mvn -B package), then: docker build -t <registry>/kxchangeset-operator:<tag> .
# Pin the base image by digest in your own builds for reproducibility.
FROM eclipse-temurin:17-jre

# Owned by root and not writable by the runtime user.
COPY target/kxchangeset-operator.jar /app/kxchangeset-operator.jar

# 65532 is the conventional "nonroot" uid/gid; the Helm chart and config/manager run the pod as
# it, with a read-only root filesystem and an emptyDir at /tmp.
USER 65532:65532
WORKDIR /app

# /metrics and /healthz, /readyz (METRICS_PORT, HEALTH_PORT). JVM flags come from
# JAVA_TOOL_OPTIONS, which the chart sizes for the pod's memory limit.
EXPOSE 8080 8081
ENTRYPOINT ["java", "-jar", "/app/kxchangeset-operator.jar"]
