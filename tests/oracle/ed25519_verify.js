// Test oracle for the distributed threshold EdDSA session (tests/node/run_sessions.py,
// avss_eddsa): RFC 8032 verification of an Ed25519 signature with @noble/curves, independently of
// the C++ code.
//
//   node ed25519_verify.js <pk: 32 bytes, hex> <signature: 64 bytes, hex> <message, hex>
//
// Prints "valid" or "invalid" (exit 0 either way).
'use strict';
const { ed25519 } = require('@noble/curves/ed25519');

const [pkHex, sigHex, msgHex] = process.argv.slice(2);
let ok = false;
try {
  ok = ed25519.verify(sigHex, msgHex, pkHex, { zip215: false });
} catch (e) {
  ok = false;
}
process.stdout.write((ok ? 'valid' : 'invalid') + '\n');
