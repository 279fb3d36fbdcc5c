import { writeSync } from 'node:fs';
import type { LogConfig, LogLevel } from '../config/log-config.js';

/**
 * The logging the gate needs, in pino's JSON line format (`{"level":30,"time":"…",…,"msg":"…"}`)
 * and with pino's level names and numbers, written here rather than with pino: pino brings
 * worker threads, sonic-boom, a redaction compiler and more, some 60 KB of bundle loaded on
 * every start, for a program that writes a handful of lines to stderr and exits.
 */
export interface Logger {
  readonly level: LogLevel;
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

const LEVEL_VALUES = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
type EmittingLevel = keyof typeof LEVEL_VALUES;
const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

// Defence in depth: these never get logged on purpose, and must not by accident. The same
// paths pino was given: these keys at the top level, and `credentials` one level down.
const REDACTED_KEYS = new Set(['credentials', 'secretAccessKey', 'sessionToken', 'authorization']);
const CENSOR = '[redacted]';

function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (REDACTED_KEYS.has(key)) {
      out[key] = CENSOR;
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, 'credentials')) {
      out[key] = { ...(value as Record<string, unknown>), credentials: CENSOR };
    } else {
      out[key] = value;
    }
  }
  return out;
}

function serializeError(error: Error): Record<string, unknown> {
  const code = (error as { code?: unknown }).code;
  return { type: error.name, message: error.message, stack: error.stack, ...(code === undefined ? {} : { code }) };
}

/** JSON that never throws: cycles and BigInts, which JSON.stringify refuses, are written as text. */
function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'bigint') return item.toString();
    if (item instanceof Error) return serializeError(item);
    if (item !== null && typeof item === 'object') {
      if (seen.has(item)) return '[Circular]';
      seen.add(item);
    }
    return item;
  });
}

/**
 * Writes whole lines to stderr synchronously, so nothing is lost when the process exits right
 * after; a non-blocking pipe that is momentarily full (EAGAIN) is waited on, as pino's sync
 * destination does, rather than dropping the line.
 */
function writeStderr(text: string): void {
  let buffer = Buffer.from(text, 'utf8');
  let waits = 0;
  while (buffer.length > 0) {
    try {
      const written = writeSync(2, buffer);
      buffer = buffer.subarray(written);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EAGAIN' || waits > 1000) return;
      waits += 1;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

/** A small human format for terminals: `WARN  message key=value`. */
function prettyLine(level: number, record: Record<string, unknown>, message: string | undefined): string {
  const fields = Object.entries(record).map(([key, value]) => `${key}=${typeof value === 'string' ? value : safeJson(value)}`);
  return `${(LEVEL_NAMES[level] ?? String(level)).padEnd(5)} ${message ?? ''}${fields.length ? `  ${fields.join(' ')}` : ''}\n`;
}

export function createLogger(config: LogConfig): Logger {
  const threshold = config.level === 'silent' ? Infinity : LEVEL_VALUES[config.level];
  const method = (name: EmittingLevel): LogMethod => {
    const level = LEVEL_VALUES[name];
    if (level < threshold) return () => undefined;
    return (first: Record<string, unknown> | Error | string, message?: string) => {
      let fields: Record<string, unknown>;
      if (typeof first === 'string') {
        fields = {};
        message = first;
      } else if (first instanceof Error) {
        fields = { err: serializeError(first) };
        message ??= first.message;
      } else {
        fields = redact(first);
      }
      if (config.format === 'pretty') {
        writeStderr(prettyLine(level, fields, message));
        return;
      }
      const record: Record<string, unknown> = { level, time: new Date().toISOString(), ...fields };
      if (message !== undefined) record['msg'] = message;
      writeStderr(`${safeJson(record)}\n`);
    };
  };
  return {
    level: config.level,
    fatal: method('fatal'),
    error: method('error'),
    warn: method('warn'),
    info: method('info'),
    debug: method('debug'),
    trace: method('trace'),
  };
}
