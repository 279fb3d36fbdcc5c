// What the token and response fuzzers drive, bundled from the gate's own sources: the
// verifier, the register command itself, and the emulator's honest token minting.
export { verifyToken } from '../src/verify/token.js';
export { runRegister } from '../src/cli/register.js';
export { createSigningKeys, mintToken } from '../src/emulator/tokens.js';
