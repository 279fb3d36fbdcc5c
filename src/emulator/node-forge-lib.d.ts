// node-forge's own modules, imported one by one so that the bundle holds its X.509 code only
// (not its TLS, ciphers and the rest); @types/node-forge types the package as a whole.
declare module 'node-forge/lib/forge.js' {
  import forge from 'node-forge';
  export default forge;
}
declare module 'node-forge/lib/pki.js';
