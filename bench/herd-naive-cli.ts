// The baseline as a process, for the real-process herd: argv is ENDPOINT KEY OUTPUT_DIR;
// prints the outcome as one JSON line and exits 0 when entitled, 1 otherwise.
import { runNaive } from './herd-entry.js';

const [endpointUrl = '', keyPath = '', outputDir = ''] = process.argv.slice(2);
const outcome = await runNaive({ endpointUrl, keyPath, outputDir, env: process.env, signal: new AbortController().signal });
process.stdout.write(`${JSON.stringify(outcome)}\n`, () => process.exit(outcome.entitled ? 0 : 1));
