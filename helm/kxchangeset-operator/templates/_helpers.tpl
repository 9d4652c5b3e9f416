{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "kxchangeset-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's objects. The release name is used as is when it already contains the
chart name. Truncated to 58 characters so that suffixes such as "-edit" stay within 63.
*/}}
{{- define "kxchangeset-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 58 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 58 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 58 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "kxchangeset-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kxchangeset-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kxchangeset-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "kxchangeset-operator.labels" -}}
helm.sh/chart: {{ include "kxchangeset-operator.chart" . }}
{{ include "kxchangeset-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kxchangeset-operator
{{- end }}

{{- define "kxchangeset-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kxchangeset-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* "true" when leader election is on: explicitly, or with "auto" and more than one replica. */}}
{{- define "kxchangeset-operator.leaderElection" -}}
{{- $v := toString .Values.leaderElection.enabled }}
{{- if or (eq $v "true") (and (eq $v "auto") (gt (int .Values.replicaCount) 1)) }}true{{ else }}false{{ end }}
{{- end }}

{{- define "kxchangeset-operator.leaseNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.namespace }}
{{- end }}

{{/*
What the operator does with KxChangesets: read and watch them, server-side apply their status
(never the main resource: no finalizers, no spec writes) and record events on them. It reads the
KxAccessPolicies (never writes them) to re-check each KxChangeset before its create.
*/}}
{{- define "kxchangeset-operator.managerRules" -}}
- apiGroups: ["finspace.kxops.io"]
  resources: ["kxchangesets"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["finspace.kxops.io"]
  resources: ["kxchangesets/status"]
  verbs: ["update"]
- apiGroups: ["finspace.kxops.io"]
  resources: ["kxaccesspolicies"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- end }}
