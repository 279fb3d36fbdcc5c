{{/*
metering-gate's pieces for any pod, shared by the metering-gate chart and the
metering-gate-lib library chart. Each template takes the including chart's root context and
reads only .Values.meteringGate, laid over the defaults below, so that a seller's own
.Values.image, .Values.securityContext or .Chart.AppVersion never leak into the gate.

  initContainers:
    {{- include "meteringGate.initContainer" . | nindent 4 }}
  containers:
    - name: my-app
      env:
        {{- include "meteringGate.appEnv" . | nindent 8 }}
      volumeMounts:
        {{- include "meteringGate.volumeMount" . | nindent 8 }}
  volumes:
    {{- include "meteringGate.volumes" . | nindent 4 }}

and, in a template file of its own, {{ include "meteringGate.publicKeyConfigMap" . }} when the
key comes from values. "meteringGate.podSecurityContext" gives a pod securityContext that
passes Pod Security "restricted" (without runAsUser/fsGroup when meteringGate.openshift).
*/}}

{{/* The defaults: the gate's own image and version, hardening and resources. */}}
{{- define "meteringGate.defaults" -}}
image:
  repository: metering-gate
  tag: "0.1.0"
  pullPolicy: IfNotPresent
productCode: ""
publicKeyVersion: 1
publicKey:
  pem: ""
  existingConfigMap: ""
  configMapKey: public-key.pem
  configMapName: ""
skipSignatureVerification: false
trustedProductCodes: []
onUnavailable: deny
deadline: 5m
attemptTimeout: 10s
maxTokenAge: 15m
logLevel: info
region: ""
endpointUrl: ""
outputDir: /var/run/metering-gate
extraEnv: []
extraArgs: []
resources:
  requests:
    cpu: 20m
    memory: 64Mi
  limits:
    cpu: 250m
    memory: 192Mi
securityContext:
  runAsNonRoot: true
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop:
      - ALL
  seccompProfile:
    type: RuntimeDefault
podSecurityContext:
  runAsNonRoot: true
  runAsUser: 65532
  runAsGroup: 65532
  fsGroup: 65532
  seccompProfile:
    type: RuntimeDefault
openshift: false
labels: {}
valuesPrefix: meteringGate
{{- end }}

{{/*
User values over defaults, as Helm coalesces values: maps merge key by key, anything else
replaces, and a null removes the default. (sprig's merge would let a default true win over a
user's false.) Takes (dict "user" map "defaults" map); returns YAML.
*/}}
{{- define "meteringGate.coalesce" -}}
{{- $out := dict -}}
{{- range $k, $dv := .defaults -}}
{{- if hasKey $.user $k -}}
{{- $uv := get $.user $k -}}
{{- if and (kindIs "map" $uv) (kindIs "map" $dv) -}}
{{- $_ := set $out $k (include "meteringGate.coalesce" (dict "user" $uv "defaults" $dv) | fromYaml) -}}
{{- else if not (kindIs "invalid" $uv) -}}
{{- $_ := set $out $k $uv -}}
{{- end -}}
{{- else -}}
{{- $_ := set $out $k $dv -}}
{{- end -}}
{{- end -}}
{{- range $k, $uv := .user -}}
{{- if and (not (hasKey $.defaults $k)) (not (kindIs "invalid" $uv)) -}}
{{- $_ := set $out $k $uv -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end }}

{{/* The effective settings (YAML), checked: a bad value fails the render naming the key. */}}
{{- define "meteringGate.values" -}}
{{- $user := .Values.meteringGate | default dict -}}
{{- $mg := include "meteringGate.coalesce" (dict "user" $user "defaults" (include "meteringGate.defaults" . | fromYaml)) | fromYaml -}}
{{- $p := $mg.valuesPrefix -}}
{{- $code := required (printf "%s.productCode is required: your product code from the AWS Marketplace Management Portal" $p) $mg.productCode -}}
{{- if not (regexMatch "^[-a-zA-Z0-9/=:_.@]{1,255}$" $code) -}}
{{- fail (printf "%s.productCode %q: 1-255 characters of [-a-zA-Z0-9/=:_.@]" $p $code) -}}
{{- end -}}
{{- if not (regexMatch "^[1-9][0-9]*$" (toString $mg.publicKeyVersion)) -}}
{{- fail (printf "%s.publicKeyVersion %v: an integer >= 1" $p $mg.publicKeyVersion) -}}
{{- end -}}
{{- if not (has $mg.onUnavailable (list "deny" "allow")) -}}
{{- fail (printf "%s.onUnavailable %q: deny or allow" $p $mg.onUnavailable) -}}
{{- end -}}
{{- if not (or $mg.publicKey.pem $mg.publicKey.existingConfigMap $mg.skipSignatureVerification) -}}
{{- fail (printf "%s.publicKey.pem or %s.publicKey.existingConfigMap is required (the public key AWS Marketplace gave you for this product), unless %s.skipSignatureVerification is true" $p $p $p) -}}
{{- end -}}
{{- toYaml $mg -}}
{{- end }}

{{/* The ConfigMap that holds the public key, or "" when signature verification is skipped. */}}
{{- define "meteringGate.publicKeyConfigMapName" -}}
{{- if .publicKey.existingConfigMap -}}
{{- .publicKey.existingConfigMap -}}
{{- else if .publicKey.pem -}}
{{- .publicKey.configMapName | default (printf "%s-metering-gate-public-key" .releaseName) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end }}

{{/*
The gate's container: (dict "mg" settings "name" name "args" list "releaseName" name). The
init container runs `register`; the `helm test` Pod runs `doctor --call` with the same
environment and mounts.
*/}}
{{- define "meteringGate.container" -}}
{{- $mg := .mg -}}
{{- $keyConfigMap := include "meteringGate.publicKeyConfigMapName" (merge (dict "releaseName" .releaseName) $mg) -}}
- name: {{ .name }}
  image: {{ printf "%s:%s" $mg.image.repository (toString $mg.image.tag) | quote }}
  imagePullPolicy: {{ $mg.image.pullPolicy }}
  args:
    {{- toYaml (concat .args $mg.extraArgs) | nindent 4 }}
  env:
    {{- include "meteringGate.podUidEnv" . | nindent 4 }}
    - name: METERING_GATE_PRODUCT_CODE
      value: {{ $mg.productCode | quote }}
    - name: METERING_GATE_PUBLIC_KEY_VERSION
      value: {{ $mg.publicKeyVersion | int | quote }}
    {{- if $keyConfigMap }}
    - name: METERING_GATE_PUBLIC_KEY_FILE
      value: {{ printf "/etc/metering-gate/public-key/%s" $mg.publicKey.configMapKey | quote }}
    {{- end }}
    {{- if $mg.skipSignatureVerification }}
    - name: METERING_GATE_SKIP_SIGNATURE_VERIFICATION
      value: "true"
    {{- end }}
    {{- with $mg.trustedProductCodes }}
    - name: METERING_GATE_TRUSTED_PRODUCT_CODES
      value: {{ join "," . | quote }}
    {{- end }}
    - name: METERING_GATE_ON_UNAVAILABLE
      value: {{ $mg.onUnavailable | quote }}
    - name: METERING_GATE_DEADLINE
      value: {{ $mg.deadline | quote }}
    - name: METERING_GATE_ATTEMPT_TIMEOUT
      value: {{ $mg.attemptTimeout | quote }}
    - name: METERING_GATE_MAX_TOKEN_AGE
      value: {{ $mg.maxTokenAge | quote }}
    - name: METERING_GATE_LOG_LEVEL
      value: {{ $mg.logLevel | quote }}
    - name: METERING_GATE_OUTPUT_DIR
      value: {{ $mg.outputDir | quote }}
    {{- with $mg.endpointUrl }}
    - name: METERING_GATE_ENDPOINT_URL
      value: {{ . | quote }}
    {{- end }}
    {{- with $mg.region }}
    - name: AWS_REGION
      value: {{ . | quote }}
    {{- end }}
    {{- with $mg.extraEnv }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  volumeMounts:
    - name: metering-gate-result
      mountPath: {{ $mg.outputDir }}
    {{- if $keyConfigMap }}
    - name: metering-gate-public-key
      mountPath: /etc/metering-gate/public-key
      readOnly: true
    {{- end }}
  securityContext:
    {{- toYaml $mg.securityContext | nindent 4 }}
  resources:
    {{- toYaml $mg.resources | nindent 4 }}
  terminationMessagePath: /dev/termination-log
  terminationMessagePolicy: FallbackToLogsOnError
{{- end }}

{{/*
The gate running `doctor --call` (one container list item) for a `helm test` Pod: the same
image, environment and mounts as the init container, so it diagnoses what the gate sees.
*/}}
{{- define "meteringGate.doctorContainer" -}}
{{- $mg := include "meteringGate.values" . | fromYaml -}}
{{- include "meteringGate.container" (dict "mg" $mg "name" "metering-gate-doctor" "args" (list "doctor" "--call") "releaseName" .Release.Name) }}
{{- end }}

{{/* The gate as an init container (one list item). */}}
{{- define "meteringGate.initContainer" -}}
{{- $mg := include "meteringGate.values" . | fromYaml -}}
{{- include "meteringGate.container" (dict "mg" $mg "name" "metering-gate" "args" (list "register") "releaseName" .Release.Name) }}
{{- end }}

{{/* The pod's volumes for the gate (list items): the shared result volume and the key. */}}
{{- define "meteringGate.volumes" -}}
{{- $mg := include "meteringGate.values" . | fromYaml -}}
{{- $keyConfigMap := include "meteringGate.publicKeyConfigMapName" (merge (dict "releaseName" .Release.Name) $mg) -}}
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
{{- define "meteringGate.podUidEnv" -}}
- name: METERING_GATE_POD_UID
  valueFrom:
    fieldRef:
      fieldPath: metadata.uid
{{- end }}

{{/* The workload's environment (list items): where the result is, and the pod's UID. */}}
{{- define "meteringGate.appEnv" -}}
{{- $mg := include "meteringGate.values" . | fromYaml -}}
- name: METERING_GATE_OUTPUT_DIR
  value: {{ $mg.outputDir | quote }}
{{ include "meteringGate.podUidEnv" . }}
{{- end }}

{{/* The workload's read-only mount of the result (one list item). */}}
{{- define "meteringGate.volumeMount" -}}
{{- $mg := include "meteringGate.values" . | fromYaml -}}
- name: metering-gate-result
  mountPath: {{ $mg.outputDir }}
  readOnly: true
{{- end }}

{{/*
A pod securityContext (a map) that passes Pod Security "restricted". With
meteringGate.openshift, runAsUser, runAsGroup and fsGroup are left out: OpenShift's
restricted-v2 assigns them from the namespace's range and refuses others.
*/}}
{{- define "meteringGate.podSecurityContext" -}}
{{- $mg := include "meteringGate.values" . | fromYaml -}}
{{- $psc := $mg.podSecurityContext -}}
{{- if $mg.openshift -}}
{{- $psc = omit $psc "runAsUser" "runAsGroup" "fsGroup" -}}
{{- end -}}
{{- toYaml $psc -}}
{{- end }}

{{/* The ConfigMap holding the public key from values (a whole document, or nothing). */}}
{{- define "meteringGate.publicKeyConfigMap" -}}
{{- $mg := include "meteringGate.values" . | fromYaml -}}
{{- if and $mg.publicKey.pem (not $mg.publicKey.existingConfigMap) }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "meteringGate.publicKeyConfigMapName" (merge (dict "releaseName" .Release.Name) $mg) }}
  labels:
    {{- toYaml (merge (dict) $mg.labels (dict "app.kubernetes.io/name" "metering-gate" "app.kubernetes.io/instance" .Release.Name)) | nindent 4 }}
data:
  {{ $mg.publicKey.configMapKey }}: |
    {{- $mg.publicKey.pem | trim | nindent 4 }}
{{- end }}
{{- end }}
