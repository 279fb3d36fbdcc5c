{{/*
Names and labels.
*/}}
{{- define "metering-gate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "metering-gate.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "metering-gate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "metering-gate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "metering-gate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "metering-gate.labels" -}}
helm.sh/chart: {{ include "metering-gate.chart" . }}
{{ include "metering-gate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
The ServiceAccount the pod uses: the one the chart creates, or the existing one named.
*/}}
{{- define "metering-gate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "metering-gate.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false: name an existing ServiceAccount that carries the eks.amazonaws.com/role-arn annotation" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
This chart's values as the shared templates' settings (_metering-gate.tpl, also shipped as
the metering-gate-lib library chart): .Values.gate plus the chart's image (tag defaulting to
appVersion), hardening, OpenShift switch and labels. Returns a root-like context as YAML:

  {{- $lib := include "metering-gate.asLibrary" . | fromYaml }}
  {{- include "meteringGate.initContainer" $lib }}
*/}}
{{- define "metering-gate.asLibrary" -}}
{{- $mg := deepCopy .Values.gate -}}
{{- $_ := set $mg "image" (dict "repository" .Values.image.repository "tag" (default .Chart.AppVersion .Values.image.tag) "pullPolicy" .Values.image.pullPolicy) -}}
{{- $_ = set $mg "securityContext" .Values.securityContext -}}
{{- $_ = set $mg "podSecurityContext" .Values.podSecurityContext -}}
{{- $_ = set $mg "openshift" .Values.openshift -}}
{{- $_ = set $mg "labels" (include "metering-gate.labels" . | fromYaml) -}}
{{- $_ = set $mg "valuesPrefix" "gate" -}}
{{- $_ = set $mg.publicKey "configMapName" (printf "%s-public-key" (include "metering-gate.fullname" .)) -}}
{{- toYaml (dict "Values" (dict "meteringGate" $mg) "Release" (dict "Name" .Release.Name "Namespace" .Release.Namespace)) -}}
{{- end }}
