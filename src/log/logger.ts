import { writeSync } from 'node:fs';
import pino, { type DestinationStream } from 'pino';
import type { LogConfig, LogLevel } from '../config/log-config.js';

/** The methods the gate logs with: pino's, narrowed to the ways the gate calls them. */
export interface Logger {
  readonly level: LogLevel | string;
  fatal: LogMethod;
  error: LogMethod;
  warn: LogMethod;
  info: LogMethod;
  debug: LogMethod;
  trace: LogMethod;
}

export interface LogMethod {
  (fields: Record<string, unknown> | Error, message?: string): void;
  (message: string): void;
}

// Defence in depth: these never get logged on purpose, and must not by accident: these keys at
// the top level, and `credentials` one level down.
const REDACT = { paths: ['credentials', 'secretAccessKey', 'sessionToken', 'authorization', '*.credentials'], censor: '[redacted]' };
const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/**
 * Control characters (and the bidirectional overrides that reorder what a terminal shows) in a
 * value from outside, such as a service's message or a file name, would otherwise move the
 * cursor, clear the screen or disguise the line on the operator's terminal.
 */
export function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (char) => {
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    if (char === '\t') return '\\t';
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** pino's line as a person reads it on a terminal: `WARN  message key=value`. */
export function prettyLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return escapeControl(line.trimEnd()) + '\n';
  }
  const { level, time: _time, msg, ...fields } = record;
  const name = typeof level === 'number' ? (LEVEL_NAMES[level] ?? String(level)) : String(level);
  const shown = Object.entries(fields).map(([key, value]) => `${escapeControl(key)}=${escapeControl(typeof value === 'string' ? value : JSON.stringify(value))}`);
  return `${name.padEnd(5)} ${escapeControl(typeof msg === 'string' ? msg : '')}${shown.length ? `  ${shown.join(' ')}` : ''}\n`;
}

/** Writes whole lines to stderr synchronously, waiting out a momentarily full pipe (EAGAIN) rather than dropping the line. */
function writeStderrSync(text: string): void {
  let buffer = Buffer.from(text, 'utf8');
  let waits = 0;
  while (buffer.length > 0) {
    try {
      buffer = buffer.subarray(writeSync(2, buffer));
    } catch (error) {
      if ((error as { code?: string }).code !== 'EAGAIN' || waits > 1000) return;
      waits += 1;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

type Writer = (line: string) => void;

/** A pino instance and the writer its destination hands each line to, which can be chosen after the instance is made. */
interface Routed {
  readonly logger: pino.Logger;
  readonly route: { write: Writer };
}

const writePretty: Writer = (line) => writeStderrSync(prettyLine(line));

function build(level: LogLevel, write: Writer): Routed {
  const route = { write };
  // route.write is read per line, so that the snapshot's instance (prepareLogger) writes where the run says.
  const destination: DestinationStream = { write: (line: string) => route.write(line) };
  const logger = pino({ level, base: null, timestamp: pino.stdTimeFunctions.isoTime, redact: REDACT }, destination);
  return { logger, route };
}

/** The instance made while the startup snapshot was built, until the first createLogger takes it. */
let prepared: Routed | null = null;

/**
 * Called while the startup snapshot is built (snapshot/rehearsal.ts): makes the instance the
 * run's first createLogger hands out, and writes lines through it (to nowhere) so that
 * redaction's compiled functions, pino's serializers and prettyLine are compiled into the
 * snapshot too: made at run time, pino and its first line took ~6 ms of a start in a CPU
 * profile.
 */
export function prepareLogger(): void {
  const made = build('info', (line) => void prettyLine(line));
  made.logger.info({ secretAccessKey: 'x', sessionToken: 'x', authorization: 'x', credentials: 'x', nested: { credentials: 'x' } }, 'snapshot build');
  made.logger.error(new Error('snapshot build'));
  made.route.write = writeStderrSync;
  prepared = made;
}

/**
 * pino, writing synchronously to stderr through writeStderrSync (what pino.destination({ sync:
 * true }) does, without loading sonic-boom): a gate exits right after its last line, so nothing
 * may sit in a buffer or a worker thread. JSON lines are pino's own
 * (`{"level":30,"time":"<ISO>",…fields,"msg":"…"}`, no pid or hostname); `pretty` reformats
 * each of those lines for a terminal. The first call takes the snapshot's instance if there is
 * one (its level and writer set here, as a new one's would be); every other call, and every call
 * outside a snapshot, makes its own, so that loggers made for different configs stay apart.
 */
export function createLogger(config: LogConfig): Logger {
  const write = config.format === 'pretty' ? writePretty : writeStderrSync;
  if (prepared !== null) {
    const { logger, route } = prepared;
    prepared = null;
    route.write = write;
    logger.level = config.level;
    return logger as unknown as Logger;
  }
  return build(config.level, write).logger as unknown as Logger;
}
