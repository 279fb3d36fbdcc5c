import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/**
 * Every signal a supervisor or a terminal sends to ask something of the workload. Each one
 * left to its default action would end the gate (QUIT, USR2, HUP) and leave CMD running as an
 * orphan with nobody to collect its exit code; a handler on each keeps the gate alive until
 * CMD has exited. (A listener on SIGUSR1 also replaces Node's inspector activation, so the
 * workload gets it instead of the gate opening a debugger port.)
 */
export const FORWARDED_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;
export type ForwardedSignal = (typeof FORWARDED_SIGNALS)[number];

export type ChildOutcome =
  | { readonly kind: 'exited'; readonly exitCode: number }
  | { readonly kind: 'signalled'; readonly signal: NodeJS.Signals; readonly exitCode: number }
  | { readonly kind: 'not-started'; readonly reason: string; readonly exitCode: number };

/** What a shell would exit with: 127 for a command that is not there, 126 for one that cannot run. */
function spawnFailureCode(code: string | undefined): number {
  return code === 'ENOENT' ? 127 : 126;
}

/**
 * Runs the workload with inherited stdio and owns the process's signals while it runs:
 * each forwarded signal goes to the child, and only the child's exit ends exec, so the
 * child's own handling decides the outcome.
 */
export function runChild(command: string, args: readonly string[], env: NodeJS.ProcessEnv, onSpawn?: (pid: number) => void): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], { env, stdio: 'inherit' });
    if (child.pid !== undefined) onSpawn?.(child.pid);
    const handlers = FORWARDED_SIGNALS.map((signal) => {
      const forward = () => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      };
      process.on(signal, forward);
      return [signal, forward] as const;
    });
    const release = () => {
      for (const [signal, forward] of handlers) process.off(signal, forward);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      release();
      resolve({ kind: 'not-started', reason: `${error.code ?? 'error'}: ${error.message}`, exitCode: spawnFailureCode(error.code) });
    });
    child.once('exit', (code, signal) => {
      release();
      if (signal) resolve({ kind: 'signalled', signal, exitCode: 128 + (constants.signals[signal] ?? 0) });
      else resolve({ kind: 'exited', exitCode: code ?? 1 });
    });
  });
}
