// Test oracle for the C++ group code (tests/unit/math/curve_oracle_test.cpp): prints random
// cases computed with @noble/curves, one per line, which the C++ test recomputes and compares.
//
//   node curve_oracle.js <seed>
//
// Lines (hex strings; scalars are 32-byte little-endian like Fr::to_bytes; points are in the
// encodings of docs/math.md, "Elliptic-curve groups": zcash compressed for BLS12-381, arkworks compressed for
// BN254, RFC 8032 for Ed25519):
//   mul <group> <k> <P> <k*P>
//   add <group> <P> <Q> <P+Q>
//   dbl <group> <P> <2P>
//   neg <group> <P> <-P>
//   msm <group> <k1,k2,...> <P1,P2,...> <sum>
//   dec <group> <bytes> <1 if the bytes are a valid encoding of a group element, else 0>
//   h2g <msg> <hash_to_g1(msg)>
// Groups: g1 = BLS12-381 G1, g2 = BLS12-381 G2, bn = BN254 G1, ed = Edwards25519.
//
// noble provides the field and group arithmetic, the BLS12-381 point decoding and subgroup
// checks (assertValidity includes isTorsionFree) and the Ed25519 point decoding. The encoding
// rules that noble does not enforce the way the reference does (canonical x for zcash, the
// arkworks flag layout for BN254) and the reference's try-and-increment hash_to_g1 are written
// here from the specification, independently of the C++ code.
'use strict';

const { bls12_381 } = require('@noble/curves/bls12-381');
const { bn254 } = require('@noble/curves/bn254');
const { ed25519 } = require('@noble/curves/ed25519');
const { sha256 } = require('@noble/hashes/sha2');

const seed = process.argv[2] || '1';

// Deterministic bytes: SHA-256(seed || counter) blocks.
let counter = 0;
let pool = new Uint8Array(0);
function randomBytes(n) {
  const out = new Uint8Array(n);
  let filled = 0;
  while (filled < n) {
    if (pool.length === 0) {
      pool = sha256(new TextEncoder().encode(`${seed}:${counter++}`));
    }
    const take = Math.min(pool.length, n - filled);
    out.set(pool.subarray(0, take), filled);
    pool = pool.subarray(take);
    filled += take;
  }
  return out;
}
function randomBelow(n) {
  const bytes = Math.ceil(n.toString(2).length / 8) + 8;
  return bytesToBigBE(randomBytes(bytes)) % n;
}
function randomInt(n) {
  return Number(randomBelow(BigInt(n)));
}

const hex = (b) => Buffer.from(b).toString('hex');
function bytesToBigBE(b) {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}
function bytesToBigLE(b) {
  return bytesToBigBE(Uint8Array.from(b).reverse());
}
function bigToBE(v, len) {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
const bigToLE = (v, len) => bigToBE(v, len).reverse();

// --- BLS12-381 (zcash format) -----------------------------------------------------------------
const Fp = bls12_381.fields.Fp;
const Fp2 = bls12_381.fields.Fp2;
const q = Fp.ORDER;
const G1 = bls12_381.G1.ProjectivePoint;
const G2 = bls12_381.G2.ProjectivePoint;
const r = bls12_381.params.r;
const halfQ = (q - 1n) / 2n;

function sqrtOrNull(F, v) {
  try {
    const s = F.sqrt(v);
    return s === undefined ? null : s;
  } catch (e) {
    return null;
  }
}

// Parses the flag byte; returns {infinity} or {sort, body} or null when invalid.
function zcashFlags(b, len) {
  if (b.length !== len) return null;
  const c = (b[0] >> 7) & 1, i = (b[0] >> 6) & 1, s = (b[0] >> 5) & 1;
  if (!c) return null;
  const body = Uint8Array.from(b);
  body[0] &= 0x1f;
  if (i) {
    if (s || body.some((x) => x !== 0)) return null;
    return { infinity: true };
  }
  return { infinity: false, sort: s === 1, body };
}

function g1Encode(P) {
  if (P.equals(G1.ZERO)) return Uint8Array.from([0xc0, ...new Uint8Array(47)]);
  const { x, y } = P.toAffine();
  const out = bigToBE(x, 48);
  out[0] |= 0x80;
  if (y > halfQ) out[0] |= 0x20;
  return out;
}
function g1Decode(b) {
  const f = zcashFlags(b, 48);
  if (!f) return null;
  if (f.infinity) return G1.ZERO;
  const x = bytesToBigBE(f.body);
  if (x >= q) return null;
  let y = sqrtOrNull(Fp, Fp.add(Fp.pow(x, 3n), 4n));
  if (y === null) return null;
  if ((y > halfQ) !== f.sort) y = Fp.neg(y);
  const P = G1.fromAffine({ x, y });
  try {
    P.assertValidity();
  } catch (e) {
    return null;
  }
  // noble's own decoder must agree on every point this one accepts.
  if (!G1.fromHex(b).equals(P)) throw new Error('noble G1.fromHex disagrees');
  return P;
}

const fp2Largest = (v) => (v.c1 !== 0n ? v.c1 > halfQ : v.c0 > halfQ);
function g2Encode(P) {
  if (P.equals(G2.ZERO)) return Uint8Array.from([0xc0, ...new Uint8Array(95)]);
  const { x, y } = P.toAffine();
  const out = new Uint8Array(96);
  out.set(bigToBE(x.c1, 48), 0);
  out.set(bigToBE(x.c0, 48), 48);
  out[0] |= 0x80;
  if (fp2Largest(y)) out[0] |= 0x20;
  return out;
}
function g2Decode(b) {
  const f = zcashFlags(b, 96);
  if (!f) return null;
  if (f.infinity) return G2.ZERO;
  const c1 = bytesToBigBE(f.body.subarray(0, 48));
  const c0 = bytesToBigBE(f.body.subarray(48));
  if (c0 >= q || c1 >= q) return null;
  const x = Fp2.create({ c0, c1 });
  let y = sqrtOrNull(Fp2, Fp2.add(Fp2.mul(Fp2.sqr(x), x), { c0: 4n, c1: 4n }));
  if (y === null) return null;
  if (fp2Largest(y) !== f.sort) y = Fp2.neg(y);
  const P = G2.fromAffine({ x, y });
  try {
    P.assertValidity();
  } catch (e) {
    return null;
  }
  if (!G2.fromHex(b).equals(P)) throw new Error('noble G2.fromHex disagrees');
  return P;
}

// --- BN254 (arkworks format) ------------------------------------------------------------------
const BnFp = bn254.fields.Fp;
const BN = bn254.G1.ProjectivePoint;
const bnQ = BnFp.ORDER;
const bnR = bn254.G1.CURVE.n;
function bnEncode(P) {
  const out = new Uint8Array(32);
  if (P.equals(BN.ZERO)) {
    out[31] = 0x40;
    return out;
  }
  const { x, y } = P.toAffine();
  out.set(bigToLE(x, 32));
  if (y > (bnQ - 1n) / 2n) out[31] |= 0x80;
  return out;
}
function bnDecode(b) {
  if (b.length !== 32) return null;
  const flags = b[31] & 0xc0;
  if (flags === 0xc0) return null;
  const body = Uint8Array.from(b);
  body[31] &= 0x3f;
  const x = bytesToBigLE(body);
  if (x >= bnQ) return null;
  if (flags === 0x40) return x === 0n ? BN.ZERO : null;
  let y = sqrtOrNull(BnFp, BnFp.add(BnFp.pow(x, 3n), 3n));
  if (y === null) return null;
  if ((y > (bnQ - 1n) / 2n) !== (flags === 0x80)) y = BnFp.neg(y);
  const P = BN.fromAffine({ x, y });
  P.assertValidity();
  return P;
}

// --- Edwards25519 (RFC 8032) ------------------------------------------------------------------
const ED = ed25519.ExtendedPoint;
const edL = ed25519.CURVE.n;
const edIdentity = bigToLE(1n, 32);
function edDecode(b) {
  if (b.length !== 32) return null;
  let P;
  try {
    P = ED.fromHex(b, false);  // strict: canonical y, and x = 0 only with a clear sign bit
  } catch (e) {
    return null;
  }
  if (P.equals(ED.ZERO)) return hex(b) === hex(edIdentity) ? P : null;
  return P.isTorsionFree() ? P : null;
}

const groups = {
  g1: { P: G1, n: r, enc: g1Encode, dec: g1Decode, len: 48 },
  g2: { P: G2, n: r, enc: g2Encode, dec: g2Decode, len: 96 },
  bn: { P: BN, n: bnR, enc: bnEncode, dec: bnDecode, len: 32 },
  ed: { P: ED, n: edL, enc: (P) => P.toRawBytes(), dec: edDecode, len: 32 },
};

function mul(g, P, k) {
  return k === 0n ? g.P.ZERO : P.multiplyUnsafe(k);
}
function randomScalar(g, i) {
  const edge = [0n, 1n, 2n, g.n - 1n, g.n - 2n];
  if (i < edge.length) return edge[i];
  return randomBelow(g.n);
}
function randomPoint(g, i) {
  if (i % 9 === 4) return g.P.ZERO;
  return g.P.BASE.multiply(1n + randomBelow(g.n - 1n));
}
const scalarHex = (k) => hex(bigToLE(k, 32));

const out = [];
const counts = { g1: 12, g2: 6, bn: 16, ed: 16 };
for (const [name, g] of Object.entries(groups)) {
  const n = counts[name];
  for (let i = 0; i < n; i++) {
    const P = randomPoint(g, i + 1);
    const k = randomScalar(g, i);
    out.push(`mul ${name} ${scalarHex(k)} ${hex(g.enc(P))} ${hex(g.enc(mul(g, P, k)))}`);
    // The generator itself (our code has a separate path for it on Ed25519).
    const k2 = randomScalar(g, i + 3);
    out.push(`mul ${name} ${scalarHex(k2)} ${hex(g.enc(g.P.BASE))} ${hex(g.enc(mul(g, g.P.BASE, k2)))}`);
    const Q = i % 5 === 0 ? P : randomPoint(g, i + 2);
    out.push(`add ${name} ${hex(g.enc(P))} ${hex(g.enc(Q))} ${hex(g.enc(P.add(Q)))}`);
    out.push(`dbl ${name} ${hex(g.enc(P))} ${hex(g.enc(P.double()))}`);
    out.push(`neg ${name} ${hex(g.enc(P))} ${hex(g.enc(P.negate()))}`);
  }
  for (const m of name === 'g2' ? [5] : [5, 16]) {
    const ks = [], ps = [];
    let sum = g.P.ZERO;
    for (let i = 0; i < m; i++) {
      const k = randomScalar(g, i + 5 * (i % 2));
      const P = randomPoint(g, i);
      ks.push(scalarHex(k));
      ps.push(hex(g.enc(P)));
      sum = sum.add(mul(g, P, k));
    }
    out.push(`msm ${name} ${ks.join(',')} ${ps.join(',')} ${hex(g.enc(sum))}`);
  }
  // Decoding: valid encodings, single-bit corruptions, random bytes, non-canonical coordinates.
  const decodeCases = name === 'g2' ? 30 : 60;
  for (let i = 0; i < decodeCases; i++) {
    let b;
    const kind = i % 6;
    if (kind === 0) {
      b = g.enc(randomPoint(g, i));
    } else if (kind === 1 || kind === 2) {
      b = Uint8Array.from(g.enc(randomPoint(g, i + 1)));
      const bit = randomInt(8 * g.len);
      b[bit >> 3] ^= 1 << (bit & 7);
    } else if (kind === 3) {
      b = randomBytes(g.len);
      if (name === 'g1' || name === 'g2') b[0] = (b[0] & 0x1f) | 0x80;
      if (name === 'bn') b[31] &= 0x3f | (randomInt(2) << 7);
    } else if (kind === 4) {
      // A coordinate at or just above the modulus.
      const mod = name === 'bn' ? bnQ : name === 'ed' ? (1n << 255n) - 19n : q;
      const v = mod + BigInt(randomInt(4));
      if (name === 'g1') {
        b = bigToBE(v, 48);
        b[0] |= 0x80;
      } else if (name === 'g2') {
        b = new Uint8Array(96);
        b.set(bigToBE(randomInt(2) ? v : 1n, 48), 0);
        b.set(bigToBE(randomInt(2) ? v : 1n, 48), 48);
        b[0] |= 0x80;
      } else {
        b = bigToLE(v, 32);
      }
    } else {
      // Special forms: infinity variants, and for Ed25519 a point plus an 8-torsion point.
      if (name === 'ed') {
        const T = ED.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', true);
        b = randomPoint(g, i + 1).add(T.multiplyUnsafe(BigInt(1 + randomInt(7)))).toRawBytes();
      } else if (name === 'bn') {
        b = new Uint8Array(32);
        b[31] = 0x40 | (randomInt(2) << 7);
        if (randomInt(2)) b[randomInt(31)] = 1;
      } else {
        b = new Uint8Array(g.len);
        b[0] = 0xc0 | (randomInt(2) << 5);
        if (randomInt(2)) b[1 + randomInt(g.len - 1)] = 1;
      }
    }
    const P = g.dec(b);
    out.push(`dec ${name} ${hex(b)} ${P === null ? 0 : 1}`);
    // Whatever noble accepts re-encodes to the same bytes (the encodings are canonical).
    if (P !== null && hex(g.enc(P)) !== hex(b)) throw new Error(`non-canonical accept ${name} ${hex(b)}`);
  }
}

// The reference's try-and-increment hash to G1 (docs/math.md, "Elliptic-curve groups"), with noble's field and
// point arithmetic. The cofactor multiplication is a plain double-and-add over h_eff.
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
    let y = sqrtOrNull(Fp, Fp.add(Fp.pow(x, 3n), 4n));
    if (y === null) continue;
    if (y > halfQ) y = Fp.neg(y);  // the smaller of y and -y
    const P = mulPlain(G1.fromAffine({ x, y }), hEff);
    if (P.equals(G1.ZERO)) continue;
    P.assertValidity();
    return P;
  }
  throw new Error('no point');
}
const messages = [new Uint8Array(0), new TextEncoder().encode('hello'), new TextEncoder().encode('Stoffel BLS')];
for (let i = 0; i < 12; i++) messages.push(randomBytes(randomInt(80)));
for (const m of messages) out.push(`h2g ${hex(m)} ${hex(g1Encode(hashToG1(m)))}`);

process.stdout.write(out.join('\n') + '\n');
