import type { Env } from '../config/settings.js';

/** What a command may touch of the process: passed in, so commands never reach for globals. */
export interface CommandIo {
  readonly env: Env;
  readonly stderrIsTty: boolean;
  /** Aborted with a TERMINATED GateError on SIGTERM/SIGINT. */
  readonly signal: AbortSignal;
  writeStdout(text: string): void;
  writeStderr(text: string): void;
  /**
   * Hands SIGTERM/SIGINT back: after this the gate no longer stops on them, so that a command
   * that starts a workload (exec) can forward them to it instead.
   */
  releaseSignals?(): void;
}
