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
The ConfigMap that holds the public key, or "" when signature verification is skipped.
*/}}
{{- define "metering-gate.publicKeyConfigMapName" -}}
{{- if .Values.gate.publicKey.existingConfigMap }}
{{- .Values.gate.publicKey.existingConfigMap }}
{{- else if .Values.gate.publicKey.pem }}
{{- printf "%s-public-key" (include "metering-gate.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- else if not .Values.gate.skipSignatureVerification }}
{{- fail "gate.publicKey.pem or gate.publicKey.existingConfigMap is required (the public key AWS Marketplace gave you for this product), unless gate.skipSignatureVerification is true" }}
{{- end }}
{{- end }}

{{- define "metering-gate.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
Named templates for sellers' own charts. Each takes the root context and reads .Values.gate,
.Values.image and .Values.securityContext (copy those blocks into your values).

  initContainers:
    {{- include "metering-gate.initContainer" . | nindent 4 }}
  containers:
    - name: my-app
      env:
        {{- include "metering-gate.podUidEnv" . | nindent 8 }}
      volumeMounts:
        {{- include "metering-gate.volumeMount" . | nindent 8 }}
  volumes:
    {{- include "metering-gate.volumes" . | nindent 4 }}

plus templates/configmap.yaml's ConfigMap ("metering-gate.publicKeyConfigMap") when the key
comes from values.
*/}}

{{/* The gate as an init container (one list item). */}}
{{- define "metering-gate.initContainer" -}}
{{- $gate := .Values.gate -}}
{{- $productCode := required "gate.productCode is required: your product code from the AWS Marketplace Management Portal" $gate.productCode -}}
{{- $keyConfigMap := include "metering-gate.publicKeyConfigMapName" . -}}
- name: metering-gate
  image: {{ include "metering-gate.image" . | quote }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  args:
    - register
  env:
    {{- include "metering-gate.podUidEnv" . | nindent 4 }}
    - name: METERING_GATE_PRODUCT_CODE
      value: {{ $productCode | quote }}
    - name: METERING_GATE_PUBLIC_KEY_VERSION
      value: {{ $gate.publicKeyVersion | int | quote }}
    {{- if $keyConfigMap }}
    - name: METERING_GATE_PUBLIC_KEY_FILE
      value: {{ printf "/etc/metering-gate/public-key/%s" $gate.publicKey.configMapKey | quote }}
    {{- end }}
    {{- if $gate.skipSignatureVerification }}
    - name: METERING_GATE_SKIP_SIGNATURE_VERIFICATION
      value: "true"
    {{- end }}
    {{- with $gate.trustedProductCodes }}
    - name: METERING_GATE_TRUSTED_PRODUCT_CODES
      value: {{ join "," . | quote }}
    {{- end }}
    - name: METERING_GATE_ON_UNAVAILABLE
      value: {{ $gate.onUnavailable | quote }}
    - name: METERING_GATE_DEADLINE
      value: {{ $gate.deadline | quote }}
    - name: METERING_GATE_ATTEMPT_TIMEOUT
      value: {{ $gate.attemptTimeout | quote }}
    - name: METERING_GATE_MAX_TOKEN_AGE
      value: {{ $gate.maxTokenAge | quote }}
    - name: METERING_GATE_LOG_LEVEL
      value: {{ $gate.logLevel | quote }}
    - name: METERING_GATE_OUTPUT_DIR
      value: {{ $gate.outputDir | quote }}
    {{- with $gate.endpointUrl }}
    - name: METERING_GATE_ENDPOINT_URL
      value: {{ . | quote }}
    {{- end }}
    {{- with $gate.region }}
    - name: AWS_REGION
      value: {{ . | quote }}
    {{- end }}
    {{- with $gate.extraEnv }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  volumeMounts:
    - name: metering-gate-result
      mountPath: {{ $gate.outputDir }}
    {{- if $keyConfigMap }}
    - name: metering-gate-public-key
      mountPath: /etc/metering-gate/public-key
      readOnly: true
    {{- end }}
  securityContext:
    {{- toYaml .Values.securityContext | nindent 4 }}
  resources:
    {{- toYaml $gate.resources | nindent 4 }}
  terminationMessagePath: /dev/termination-log
  terminationMessagePolicy: FallbackToLogsOnError
{{- end }}

{{/* The pod's volumes for the gate (list items): the shared result volume and the key. */}}
{{- define "metering-gate.volumes" -}}
{{- $keyConfigMap := include "metering-gate.publicKeyConfigMapName" . -}}
- name: metering-gate-result
  emptyDir:
    sizeLimit: 1Mi
{{- if $keyConfigMap }}
- name: metering-gate-public-key
  configMap:
    name: {{ $keyConfigMap }}
{{- end }}
{{- end }}

{{/*
The pod's UID from the downward API (one env list item), for the gate AND the workload: the
gate binds its registration to this pod, and `verify` in the workload accepts only a result
bound to the same pod, with no age limit (restarts keep working; a copied file does not).
*/}}
{{- define "metering-gate.podUidEnv" -}}
- name: METERING_GATE_POD_UID
  valueFrom:
    fieldRef:
      fieldPath: metadata.uid
{{- end }}

{{/* The workload's read-only mount of the result (one list item). */}}
{{- define "metering-gate.volumeMount" -}}
- name: metering-gate-result
  mountPath: {{ .Values.gate.outputDir }}
  readOnly: true
{{- end }}

{{/* The ConfigMap holding the public key from values (a whole document, or nothing). */}}
{{- define "metering-gate.publicKeyConfigMap" -}}
{{- if and .Values.gate.publicKey.pem (not .Values.gate.publicKey.existingConfigMap) }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "metering-gate.publicKeyConfigMapName" . }}
  labels:
    {{- include "metering-gate.labels" . | nindent 4 }}
data:
  {{ .Values.gate.publicKey.configMapKey }}: |
    {{- .Values.gate.publicKey.pem | trim | nindent 4 }}
{{- end }}
{{- end }}
