// The CLI's entry: dist/metering-gate.mjs. The commands live in run.ts so that the startup
// snapshot's entry (src/snapshot/entry.ts) can run exactly the same code.
import { run } from './run.js';

run(process.argv);
