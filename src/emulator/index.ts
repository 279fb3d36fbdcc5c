// Public surface of the emulator, for the CLI and for tests.
export { startEmulator, type EmulatorOptions, type RecordedRequest, type RunningEmulator } from './server.js';
export { runEmulatorCommand } from './command.js';
export { SCENARIOS, parseScenario, type ParsedScenario } from './scenarios.js';
export { STS_SCENARIOS, parseStsScenario } from './sts.js';
