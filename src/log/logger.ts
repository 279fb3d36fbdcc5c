import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import type { LogConfig } from '../config/log-config.js';

export type { Logger };

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIPPED_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/**
 * A small human format for terminals: `WARN  message key=value`. It avoids bundling
 * pino-pretty and its dependencies for a format only people at a TTY see.
 */
function prettyStream(): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        try {
          const record = JSON.parse(line) as Record<string, unknown>;
          const level = LEVEL_NAMES[record['level'] as number] ?? String(record['level']);
          const fields = Object.entries(record)
            .filter(([key]) => !SKIPPED_FIELDS.has(key))
            .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
          process.stderr.write(`${level.padEnd(5)} ${String(record['msg'] ?? '')}${fields.length ? `  ${fields.join(' ')}` : ''}\n`);
        } catch {
          process.stderr.write(`${line}\n`);
        }
      }
      callback();
    },
  });
}

/** Logs go to stderr, synchronously, so nothing is lost when the process exits right after. */
export function createLogger(config: LogConfig): Logger {
  const destination = config.format === 'pretty' ? prettyStream() : pino.destination({ fd: 2, sync: true });
  return pino(
    {
      level: config.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      // Defence in depth: these never get logged on purpose, and must not by accident.
      redact: { paths: ['credentials', '*.credentials', 'secretAccessKey', 'sessionToken', 'authorization'], censor: '[redacted]' },
    },
    destination,
  );
}
