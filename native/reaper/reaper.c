/*
 * The one thing exec needs that Node cannot do: as PID 1, collect the exit status of
 * processes it never started. Orphans of the workload are re-parented to PID 1, and libuv
 * waits only for the children it spawned, so without this they stay <defunct> and fill the
 * pid table. Built by scripts/reaper.mjs against Node-API only, so one build serves every
 * Node version the gate runs on (20 and later, the bundle, the snapshot and the single
 * executable alike).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <node_api.h>

/*
 * reapOrphans(keepPid) -> number[]: collects every child that has exited, except keepPid,
 * and returns their pids. keepPid is the workload, whose status belongs to libuv: it is only
 * peeked at (WNOWAIT), never collected here, so exec still learns the workload's exit code.
 */
static napi_value reap_orphans(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t keep = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &keep) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "reapOrphans(keepPid): keepPid must be a number");
    return NULL;
  }
  napi_value reaped;
  if (napi_create_array(env, &reaped) != napi_ok) return NULL;
  uint32_t count = 0;
  for (;;) {
    siginfo_t exited;
    exited.si_pid = 0;
    if (waitid(P_ALL, 0, &exited, WEXITED | WNOHANG | WNOWAIT) != 0) {
      if (errno == EINTR) continue;
      break; /* ECHILD: no children at all */
    }
    /* Nothing has exited, or the first that has is the workload: libuv collects that one,
       and exec ends right after, taking any other zombie with the container. */
    if (exited.si_pid == 0 || exited.si_pid == keep) break;
    int status;
    pid_t pid;
    do pid = waitpid(exited.si_pid, &status, WNOHANG); while (pid == -1 && errno == EINTR);
    if (pid != exited.si_pid) break;
    napi_value value;
    if (napi_create_int32(env, pid, &value) != napi_ok || napi_set_element(env, reaped, count++, value) != napi_ok) return NULL;
  }
  return reaped;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "reapOrphans", NAPI_AUTO_LENGTH, reap_orphans, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "reapOrphans", fn) != napi_ok) return NULL;
  return exports;
}
