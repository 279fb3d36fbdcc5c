// What the token and response fuzzers drive, bundled from the gate's own sources: the
// verifier, the register pipeline itself, and the emulator's honest token minting.
export { verifyToken } from '../src/verify/token.js';
export { runRegistration } from '../src/gate/register.js';
export { createSigningKeys, mintToken } from '../src/emulator/tokens.js';
