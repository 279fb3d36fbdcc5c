// Kubernetes Pod Security Standards, "restricted" profile (which includes "baseline"), as
// written in the Kubernetes documentation (pod-security-standards, v1.30): a list of
// violations for a pod spec, empty when the pod would be admitted.
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const SAFE_SYSCTLS = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const SELINUX_TYPES = [undefined, '', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];

export function restrictedViolations(podSpec) {
  const v = [];
  const pod = podSpec.securityContext ?? {};
  const containers = [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? []), ...(podSpec.ephemeralContainers ?? [])];
  // baseline
  for (const k of ['hostNetwork', 'hostPID', 'hostIPC']) if (podSpec[k]) v.push(`pod: ${k} must be unset or false`);
  if (pod.windowsOptions?.hostProcess) v.push('pod: hostProcess');
  for (const k of Object.keys(pod.seLinuxOptions ?? {})) {
    if ((k === 'user' || k === 'role') && pod.seLinuxOptions[k]) v.push(`pod: seLinuxOptions.${k} must be unset`);
  }
  if (!SELINUX_TYPES.includes(pod.seLinuxOptions?.type)) v.push('pod: seLinuxOptions.type not allowed');
  for (const s of pod.sysctls ?? []) if (!SAFE_SYSCTLS.includes(s.name)) v.push(`pod: sysctl ${s.name} not allowed`);
  if (pod.seccompProfile && !['RuntimeDefault', 'Localhost'].includes(pod.seccompProfile.type)) v.push(`pod: seccompProfile.type ${pod.seccompProfile.type}`);
  if (pod.runAsUser === 0) v.push('pod: runAsUser 0');
  if (pod.runAsNonRoot === false) v.push('pod: runAsNonRoot false');
  for (const vol of podSpec.volumes ?? []) {
    const type = Object.keys(vol).find((k) => k !== 'name');
    if (!RESTRICTED_VOLUMES.includes(type)) v.push(`volume ${vol.name}: type ${type} not allowed`);
  }
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    const at = `container ${c.name}`;
    if (sc.privileged) v.push(`${at}: privileged`);
    if (sc.windowsOptions?.hostProcess) v.push(`${at}: hostProcess`);
    if (sc.procMount && sc.procMount !== 'Default') v.push(`${at}: procMount ${sc.procMount}`);
    for (const p of c.ports ?? []) if (p.hostPort) v.push(`${at}: hostPort ${p.hostPort}`);
    if (sc.seLinuxOptions?.user || sc.seLinuxOptions?.role) v.push(`${at}: seLinuxOptions user/role`);
    if (!SELINUX_TYPES.includes(sc.seLinuxOptions?.type)) v.push(`${at}: seLinuxOptions.type not allowed`);
    const apparmor = sc.appArmorProfile?.type;
    if (apparmor && !['RuntimeDefault', 'Localhost'].includes(apparmor)) v.push(`${at}: appArmorProfile ${apparmor}`);
    // restricted
    if (sc.allowPrivilegeEscalation !== false) v.push(`${at}: allowPrivilegeEscalation must be false`);
    if (sc.runAsNonRoot === false || (sc.runAsNonRoot !== true && pod.runAsNonRoot !== true)) v.push(`${at}: runAsNonRoot must be true (pod or container)`);
    if (sc.runAsUser === 0) v.push(`${at}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (!['RuntimeDefault', 'Localhost'].includes(seccomp)) v.push(`${at}: seccompProfile must be RuntimeDefault or Localhost (pod or container)`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) v.push(`${at}: capabilities.drop must include ALL`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') v.push(`${at}: capability ${cap} added`);
  }
  return v;
}
