// Test oracle for the threshold BLS example (tests/examples/threshold_sig_test.cpp): checks a
// BLS signature with @noble/curves' pairing, independently of the C++ code.
//
//   node bls_verify.js <pk: 96-byte G2, hex> <signature: 48-byte G1, hex> <message, hex>
//
// Prints "valid" when e(sigma, G2) = e(H(m), pk), "invalid" otherwise (exit 0 either way; a
// malformed point is "invalid"). H is the reference's try-and-increment hash to G1 (docs/math.md),
// recomputed here with noble's field and point arithmetic, as curve_oracle.js does.
'use strict';
const { bls12_381 } = require('@noble/curves/bls12-381');
const { sha256 } = require('@noble/hashes/sha2');

const Fp = bls12_381.fields.Fp;
const Fp12 = bls12_381.fields.Fp12;
const G1 = bls12_381.G1.ProjectivePoint;
const G2 = bls12_381.G2.ProjectivePoint;
const halfQ = (Fp.ORDER - 1n) / 2n;

function bytesToBigBE(b) {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}
function sqrtOrNull(v) {
  try {
    const s = Fp.sqrt(v);
    return s === undefined ? null : s;
  } catch (e) {
    return null;
  }
}
const hEff = 0xd201000000010001n;
function mulPlain(P, e) {
  let acc = G1.ZERO;
  for (let i = e.toString(2).length - 1; i >= 0; i--) {
    acc = acc.double();
    if ((e >> BigInt(i)) & 1n) acc = acc.add(P);
  }
  return acc;
}
function hashToG1(msg) {
  for (let ctr = 0; ctr < 256; ctr++) {
    const input = new Uint8Array(msg.length + 4);
    input.set(msg);
    input.set([ctr & 0xff, (ctr >> 8) & 0xff, (ctr >> 16) & 0xff, (ctr >>> 24) & 0xff], msg.length);
    const x = Fp.create(bytesToBigBE(sha256(input)));
    let y = sqrtOrNull(Fp.add(Fp.pow(x, 3n), 4n));
    if (y === null) continue;
    if (y > halfQ) y = Fp.neg(y);
    const P = mulPlain(G1.fromAffine({ x, y }), hEff);
    if (P.equals(G1.ZERO)) continue;
    return P;
  }
  throw new Error('no point');
}

const [pkHex, sigHex, msgHex] = process.argv.slice(2);
let result = 'invalid';
try {
  const pk = G2.fromHex(pkHex);
  const sig = G1.fromHex(sigHex);
  pk.assertValidity();
  sig.assertValidity();
  const h = hashToG1(Uint8Array.from(Buffer.from(msgHex, 'hex')));
  const lhs = bls12_381.pairing(sig, G2.BASE);
  const rhs = bls12_381.pairing(h, pk);
  if (!pk.equals(G2.ZERO) && Fp12.eql(lhs, rhs)) result = 'valid';
} catch (e) {
  result = 'invalid';
}
process.stdout.write(result + '\n');
