// The `metering-gate emulator` runner: one machine-readable line on stdout so scripts can
// pick up the URL, one JSON line per request on stderr for people watching a demo, and a
// clean shutdown on SIGINT/SIGTERM or when the caller aborts.
import { startEmulator, type EmulatorOptions, type RecordedRequest } from './server.js';

export async function runEmulatorCommand(opts: EmulatorOptions & { signal?: AbortSignal }): Promise<void> {
  const { signal, ...options } = opts;
  const logRequest = (r: RecordedRequest) => process.stderr.write(`${JSON.stringify({ event: 'emulator-request', ...r })}\n`);
  const emulator = await startEmulator({ onRequest: logRequest, ...options });
  process.stdout.write(
    `${JSON.stringify({ event: 'emulator-listening', url: emulator.url, keyPath: emulator.keyPath, scenario: emulator.scenario, taskRegion: options.taskRegion ?? null, ...(emulator.caPath ? { caPath: emulator.caPath } : {}), ...(emulator.proxyUrl ? { proxyUrl: emulator.proxyUrl } : {}) })}\n`,
  );

  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
    if (signal?.aborted) stop();
  });
  await emulator.close();
}
