// Independent checks of sesamed's WSCA tokens with Node's `jose` and `@peculiar/x509` (run by
// tests/integration/wsca_http_test.py from a directory holding node_modules):
//   node verify_key_attestation.mjs attestation <input.json>
//     input: {jwt, ca_pem, expected_jwks, nonce, unit, status_uri}
//     checks the signature with the x5c leaf key (jwtVerify), typ, alg by curve, the claims of
//     OpenID4VCI 1.0 Appendix D.1, and the x5c chain up to the CA with @peculiar/x509; then that
//     altered copies (payload, header, re-signed by another key) are refused.
//   node verify_key_attestation.mjs jws <input.json>        input: {jws, jwk}     compactVerify
//   node verify_key_attestation.mjs proof <input.json>      input: {jwt, jwk, aud, nonce}
//   node verify_key_attestation.mjs wia <input.json>        input: {jwt, ca_pem, client_id, device_jwk, unit, status_uri}
//   node verify_key_attestation.mjs binding <input.json>    input: {jwt, ca_pem, nonce, unit, key_ids, jwks}
//     the key binding: x5c chain and signature, then the transcript rebuilt here from nonce, unit,
//     key ids and JWKs (docs/WSCA.md, BIND KEYS), and each key's proof verified over it (WebCrypto).
//   node verify_key_attestation.mjs statuslist <input.json> input: {jwt, ca_pem, uri, idx}
//     prints the status of idx.
// Prints one JSON object; exits 1 on any failed check (the message says which).
import { readFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import * as jose from 'jose';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

function check(cond, what) {
  if (!cond) {
    console.log(JSON.stringify({ ok: false, failed: what }));
    process.exit(1);
  }
}

const ACCEPTED_TYP = ['key-attestation+jwt', 'keyattestation+jwt'];

function pemOfDer(b64) {
  return `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;
}

async function checkChain(x5c, caPem) {
  const certs = x5c.map((c) => new x509.X509Certificate(Buffer.from(c, 'base64')));
  const ca = new x509.X509Certificate(caPem);
  const builder = new x509.X509ChainBuilder({ certificates: [...certs.slice(1), ca] });
  const chain = await builder.build(certs[0]);
  check(chain.length >= 2, `x5c chain builds to a root (length ${chain.length})`);
  const root = chain[chain.length - 1];
  check(root.equal(ca), 'the chain ends at the wallet provider CA');
  for (let i = 0; i + 1 < chain.length; i++) {
    check(await chain[i].verify({ publicKey: chain[i + 1].publicKey, date: new Date() }),
      `certificate ${i} is signed by ${i + 1} and valid now`);
  }
  check(await root.verify({ date: new Date() }), 'the CA is self-signed and valid now');
  return certs[0];
}

async function verifyWithX5c(jwt, caPem, typs) {
  const header = jose.decodeProtectedHeader(jwt);
  check(typs.includes(header.typ), `typ is one of ${typs} (${header.typ})`);
  check(Array.isArray(header.x5c) && header.x5c.length >= 1, 'x5c present');
  const leaf = await checkChain(header.x5c, caPem);
  const alg = leaf.publicKey.algorithm.namedCurve === 'P-384' ? 'ES384' : 'ES256';
  check(header.alg === alg, `alg ${header.alg} matches the attestation key's curve (${alg})`);
  const key = await jose.importX509(pemOfDer(header.x5c[0]), alg);
  const { payload } = await jose.jwtVerify(jwt, key, { algorithms: [alg] });
  return { header, payload, key, alg };
}

async function refused(jwt, key, alg) {
  try {
    await jose.jwtVerify(jwt, key, { algorithms: [alg] });
    return false;
  } catch {
    return true;
  }
}

function b64u(s) {
  return Buffer.from(s).toString('base64url');
}

async function attestation(input) {
  const { header, payload, key, alg } = await verifyWithX5c(input.jwt, input.ca_pem, ACCEPTED_TYP);
  const now = Math.floor(Date.now() / 1000);
  check(Number.isInteger(payload.iat) && Math.abs(payload.iat - now) < 300, 'iat is now');
  check(Number.isInteger(payload.exp) && payload.exp > now, 'exp is in the future');
  check(Array.isArray(payload.attested_keys) && payload.attested_keys.length === input.expected_jwks.length,
    'attested_keys has one JWK per requested key');
  for (let i = 0; i < input.expected_jwks.length; i++) {
    const got = payload.attested_keys[i];
    const want = input.expected_jwks[i];
    check(got.kty === 'EC' && got.crv === want.crv && got.x === want.x && got.y === want.y && !('d' in got),
      `attested key ${i} is the generated public key`);
    await jose.importJWK(got, got.crv === 'P-384' ? 'ES384' : 'ES256');  // a usable public JWK
  }
  check(JSON.stringify(payload.key_storage) === '["iso_18045_high"]', 'key_storage');
  check(JSON.stringify(payload.user_authentication) === '["iso_18045_high"]', 'user_authentication');
  check(payload.nonce === input.nonce, 'nonce');
  const sl = payload.status && payload.status.status_list;
  check(sl && sl.idx === input.unit && sl.uri === input.status_uri, 'status.status_list {idx, uri}');

  // Forgeries: an altered payload, an altered header, and a copy re-signed by another key that
  // keeps the genuine x5c.
  const [h, p, s] = input.jwt.split('.');
  const forgedPayload = b64u(JSON.stringify({ ...payload, nonce: 'attacker' }));
  check(await refused(`${h}.${forgedPayload}.${s}`, key, alg), 'an altered payload is refused');
  const forgedHeader = b64u(JSON.stringify({ ...header, typ: 'keyattestation+jwt' }));
  check(await refused(`${forgedHeader}.${p}.${s}`, key, alg), 'an altered header is refused');
  const { privateKey } = await jose.generateKeyPair(alg);
  const resigned = await new jose.SignJWT({ ...payload, attested_keys: [payload.attested_keys[0]] })
    .setProtectedHeader(header)
    .sign(privateKey);
  check(await refused(resigned, key, alg), 'a token signed by another key under the genuine x5c is refused');
  return { ok: true, typ: header.typ, alg, claims: Object.keys(payload).sort() };
}

async function jws(input) {
  const key = await jose.importJWK(input.jwk, input.jwk.crv === 'P-384' ? 'ES384' : 'ES256');
  const { payload } = await jose.compactVerify(input.jws, key);
  const [h, p, s] = input.jws.split('.');
  const bad = Buffer.from(s, 'base64url');
  bad[5] ^= 1;
  let refusedBad = false;
  try {
    await jose.compactVerify(`${h}.${p}.${bad.toString('base64url')}`, key);
  } catch {
    refusedBad = true;
  }
  check(refusedBad, 'a flipped signature bit is refused');
  return { ok: true, payload: Buffer.from(payload).toString() };
}

async function proof(input) {
  const header = jose.decodeProtectedHeader(input.jwt);
  let key = jose.EmbeddedJWK;
  if (header.key_attestation) {
    // The proof's key is one of the attestation's attested_keys (OpenID4VCI 1.0 Appendix F.1).
    const att = jose.decodeJwt(header.key_attestation);
    const j = att.attested_keys[0];
    check(j.x === input.jwk.x && j.y === input.jwk.y, 'the attestation in the proof attests the WSCA key');
    key = await jose.importJWK(j, header.alg);
  } else {
    const j = header.jwk;
    check(j.x === input.jwk.x && j.y === input.jwk.y && j.crv === input.jwk.crv, 'the proof names the WSCA key');
  }
  const { payload } = await jose.jwtVerify(input.jwt, key, { typ: 'openid4vci-proof+jwt', audience: input.aud });
  check(payload.nonce === input.nonce, 'proof nonce');
  return { ok: true, key_attestation: Boolean(header.key_attestation) };
}

// Wallet instance attestation (draft-ietf-oauth-attestation-based-client-auth): input {jwt, ca_pem,
// client_id, device_jwk, unit, status_uri}.
async function wia(input) {
  const { payload } = await verifyWithX5c(input.jwt, input.ca_pem, ['oauth-client-attestation+jwt']);
  const now = Math.floor(Date.now() / 1000);
  check(typeof payload.iss === 'string' && payload.iss.startsWith('https://'), 'iss');
  check(payload.sub === input.client_id, 'sub is the client_id');
  check(Number.isInteger(payload.exp) && payload.exp > now && payload.exp - payload.iat <= 86400, 'exp within 24 h');
  const j = payload.cnf && payload.cnf.jwk;
  check(j && j.x === input.device_jwk.x && j.y === input.device_jwk.y && !('d' in j), 'cnf.jwk is the device key');
  const sl = payload.status && payload.status.status_list;
  check(sl && sl.idx === input.unit && sl.uri === input.status_uri, 'status');
  return { ok: true };
}

async function binding(input) {
  const { payload } = await verifyWithX5c(input.jwt, input.ca_pem, ['wsca-key-binding+jwt']);
  const now = Math.floor(Date.now() / 1000);
  check(Number.isInteger(payload.exp) && payload.exp > now, 'exp is in the future');
  check(payload.nonce === input.nonce, 'nonce');
  const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32BE(v); return b; };
  const nonce = Buffer.from(input.nonce, 'utf8');
  const parts = [Buffer.from('sesame/wsca/binding/v1'), u32(input.unit), Buffer.from([nonce.length]), nonce,
    Buffer.from([input.jwks.length])];
  for (let i = 0; i < input.jwks.length; i++) {
    const j = input.jwks[i];
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(j.x, 'base64url'), Buffer.from(j.y, 'base64url')]);
    parts.push(u32(input.key_ids[i]), Buffer.from([j.crv === 'P-384' ? 2 : 1]), Buffer.from([point.length]), point);
  }
  const transcript = Buffer.concat(parts);
  check(Buffer.from(payload.transcript, 'base64url').equals(transcript), 'the transcript is nonce, unit and keys');
  check(Array.isArray(payload.keys) && payload.keys.length === input.jwks.length, 'one proof per key');
  for (let i = 0; i < input.jwks.length; i++) {
    const j = payload.keys[i].jwk;
    check(j.x === input.jwks[i].x && j.y === input.jwks[i].y && !('d' in j), `key ${i} is the requested key`);
    const hash = j.crv === 'P-384' ? 'SHA-384' : 'SHA-256';
    const key = await webcrypto.subtle.importKey('jwk', { kty: 'EC', crv: j.crv, x: j.x, y: j.y },
      { name: 'ECDSA', namedCurve: j.crv }, false, ['verify']);
    const sig = Buffer.from(payload.keys[i].proof, 'base64url');
    check(await webcrypto.subtle.verify({ name: 'ECDSA', hash }, key, sig, transcript), `key ${i}'s proof verifies`);
    const other = Buffer.from(transcript);
    other[27] ^= 1;  // the nonce's first byte
    check(!(await webcrypto.subtle.verify({ name: 'ECDSA', hash }, key, sig, other)),
      `key ${i}'s proof does not cover another nonce`);
  }
  return { ok: true, keys: payload.keys.length };
}

async function statuslist(input) {
  const { payload } = await verifyWithX5c(input.jwt, input.ca_pem, ['statuslist+jwt']);
  check(payload.sub === input.uri, 'sub is the list URI');
  check(payload.status_list && payload.status_list.bits === 1, 'bits = 1');
  const bytes = inflateSync(Buffer.from(payload.status_list.lst, 'base64url'));
  const status = (bytes[input.idx >> 3] >> (input.idx & 7)) & 1;
  return { ok: true, size: bytes.length, status };
}

const [mode, file] = process.argv.slice(2);
const input = JSON.parse(readFileSync(file, 'utf8'));
const modes = { attestation, binding, jws, proof, statuslist, wia };
check(mode in modes, `mode ${mode}`);
modes[mode](input).then(
  (r) => console.log(JSON.stringify(r)),
  (e) => {
    console.log(JSON.stringify({ ok: false, failed: String(e && e.message ? e.message : e) }));
    process.exit(1);
  },
);
