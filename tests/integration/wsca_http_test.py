"""The WSCA HTTPS API of the real sesamed (docs/WSCA.md, "HTTPS API"), driven by a wallet instance
written here independently of sesame's code (Python `cryptography`: device key, ECDH-ES PIN
envelope, device signatures), and its tokens checked by Node's `jose` and `@peculiar/x509`
(tests/integration/js/verify_key_attestation.mjs):
units and keys over HTTPS, key attestation (OpenID4VCI 1.0 Appendix D) and forgeries of it, a
signature and an OpenID4VCI proof from the applet, unit isolation (WIAM_09), replayed and stale
device-signed requests refused before a PIN try is counted, requests altered on the way (digest,
key id, format, operation: the device signature covers the operation, D5) refused the same way,
escalating PIN delays (429), the key binding of several keys (BIND KEYS) checked by jose, WebCrypto
and Python, the PIN never in sesamed's log, and revocation through the token status list."""

import base64
import hashlib
import http.client
import json
import os
import shutil
import ssl
import struct
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(__file__))
from harness import check, read_log, run, skip, start_sesamed, TestFailure  # noqa: E402
from racs_test import free_port  # noqa: E402

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
except ImportError:
    skip("python3-cryptography is not installed")

WSCA_AID = "F0534553414D4502"
INS_ACTIVATE, INS_AUTHENTICATE = 0x12, 0x14
PIN_A, PIN_B = "493817", "271828"


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def tlv(tag, value):
    n = len(value)
    length = bytes([n]) if n < 0x80 else (bytes([0x81, n]) if n < 0x100 else bytes([0x82, n >> 8, n & 0xFF]))
    return bytes([tag]) + length + value


def point(pub):
    return pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def jwk(pub):
    n = pub.public_numbers()
    size = (pub.curve.key_size + 7) // 8
    crv = {"secp256r1": "P-256", "secp384r1": "P-384"}[pub.curve.name]
    return {"kty": "EC", "crv": crv, "x": b64u(n.x.to_bytes(size, "big")), "y": b64u(n.y.to_bytes(size, "big"))}


def pub_from_jwk(j):
    curve = ec.SECP256R1() if j["crv"] == "P-256" else ec.SECP384R1()
    return ec.EllipticCurvePublicNumbers(int.from_bytes(unb64u(j["x"]), "big"),
                                         int.from_bytes(unb64u(j["y"]), "big"), curve).public_key()


def u32(v):
    return struct.pack(">I", int(v))


def binding(ins, p1, data):
    """D5: the one operation an authentication allows (INS || P1 || SHA-256 of its data field)."""
    return bytes([ins, p1]) + hashlib.sha256(data).digest()


def key_data(unit, kid):
    return tlv(0xC0, u32(unit)) + tlv(0xCA, u32(kid))


def sign_op(unit, kid, digest, der=False):
    return binding(0x22, 1 if der else 0, key_data(unit, kid) + tlv(0xCB, digest))


def gen_op(unit, curve=1, policy=0, window=300, label=b""):
    d = tlv(0xC0, u32(unit)) + tlv(0xC7, bytes([curve])) + tlv(0xC8, bytes([policy])) + tlv(0xC9, struct.pack(">H", window))
    return binding(0x20, 0, d + (tlv(0xD4, label) if label else b""))


def attest_op(kids, nonce=None):
    return binding(0x00, 0x01, b"".join(u32(k) for k in kids) + (nonce.encode() if nonce else b""))


def wia_op(client_id):
    return binding(0x00, 0x02, client_id.encode())


def canonical(obj):
    """sesamed's JSON for JWT parts: keys sorted, no whitespace (as nlohmann::json::dump())."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def pop_request(unit, kid, key_jwk, aud, nonce=None, key_attestation=None, iat=None):
    """The proof JWT's signing input as sesamed builds it, and the SIGN its digest needs."""
    iat = int(iat if iat is not None else time.time())
    header = {"alg": "ES256", "typ": "openid4vci-proof+jwt"}
    if key_attestation:
        header["key_attestation"] = key_attestation
    else:
        header["jwk"] = key_jwk
    claims = {"aud": aud, "iat": iat}
    if nonce is not None:
        claims["nonce"] = nonce
    signing_input = b64u(canonical(header)) + "." + b64u(canonical(claims))
    body = {"aud": aud, "iat": iat}
    if nonce is not None:
        body["nonce"] = nonce
    if key_attestation:
        body["key_attestation"] = key_attestation
    return body, sign_op(unit, kid, hashlib.sha256(signing_input.encode()).digest())


def raw_sig(der, size=32):
    r, s = decode_dss_signature(der)
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


class Wallet:
    """A wallet instance: its device key and PIN, and the HTTPS client."""

    def __init__(self, api, pin):
        self.api, self.pin = api, pin
        self.device = ec.generate_private_key(ec.SECP256R1())
        self.unit = None
        self.ka = None

    def auth(self, ins, challenge, device_field=b"", signer=None, pin=None, op=b""):
        """The 'auth' object: the PIN sealed to the unit's KA key, the request signed by the device."""
        eph = ec.generate_private_key(ec.SECP256R1())
        z = eph.exchange(ec.ECDH(), self.ka)
        k = HKDF(algorithm=hashes.SHA256(), length=32, salt=challenge, info=b"sesame/wsca/pin/v1").derive(z)
        iv = os.urandom(12)
        aad = bytes([ins]) + struct.pack(">I", self.unit)
        box = AESGCM(k).encrypt(iv, tlv(0x81, (pin or self.pin).encode()), aad)
        env = iv + box
        signed = tlv(0xC0, struct.pack(">I", self.unit))
        if device_field:
            signed += tlv(0xC3, device_field)
        if op:
            signed += tlv(0xD5, op)
        signed += tlv(0xC4, point(eph.public_key())) + tlv(0xC5, env)
        msg = b"sesame/wsca/auth/v1" + bytes([ins]) + challenge + signed
        sig = raw_sig((signer or self.device).sign(msg, ec.ECDSA(hashes.SHA256())))
        return {"ephemeral_key": b64u(point(eph.public_key())), "envelope": b64u(env), "signature": b64u(sig)}

    def challenge(self):
        status, doc = self.api.call("POST", f"/units/{self.unit}/challenge")
        assert status == 200, doc
        return unb64u(doc["challenge"])

    def fresh_auth(self, **kw):
        return self.auth(INS_AUTHENTICATE, self.challenge(), **kw)


class Api:
    def __init__(self, port, ca, cert, key, seid):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.ctx.load_verify_locations(ca)
        self.ctx.load_cert_chain(cert, key)
        self.port, self.seid = port, seid
        self.sent = []  # every request body, to look for PINs

    def raw(self, method, path, body=None):
        conn = http.client.HTTPSConnection("localhost", self.port, context=self.ctx, timeout=30)
        data = json.dumps(body) if body is not None else None
        if data:
            self.sent.append(data)
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        r = conn.getresponse()
        text = r.read().decode()
        conn.close()
        return r.status, r.getheader("Content-Type"), text

    def call(self, method, path, body=None):
        status, ctype, text = self.raw(method, f"/v1/wsca/{self.seid}{path}", body)
        doc = json.loads(text) if text and "json" in (ctype or "") else text
        return status, doc


def node_check(node_dir, mode, payload, tmp):
    path = os.path.join(tmp, f"node-{mode}.json")
    with open(path, "w") as f:
        json.dump(payload, f)
    r = subprocess.run(["node", os.path.join(node_dir, "verify_key_attestation.mjs"), mode, path],
                       capture_output=True, text=True, timeout=60)
    out = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
    if r.returncode != 0:
        raise TestFailure(f"node {mode}: {out} {r.stderr[-2000:]}")
    return json.loads(out)


def prepare_node(node_dir, js_dir):
    if shutil.which("node") is None:
        skip("no node (scripts/install-deps installs nodejs npm)")
    os.makedirs(node_dir, exist_ok=True)
    for name in ("package.json", "package-lock.json", "verify_key_attestation.mjs"):
        shutil.copy(os.path.join(js_dir, name), os.path.join(node_dir, name))
    if not os.path.isdir(os.path.join(node_dir, "node_modules", "jose")) or \
            not os.path.isdir(os.path.join(node_dir, "node_modules", "@peculiar", "x509")):
        if shutil.which("npm") is None:
            skip("no npm to install jose and @peculiar/x509")
        r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", node_dir],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            skip(f"npm ci failed (no registry?): {r.stderr[-500:]}")


def body(tmp, children, sesamed, sesame, node_dir, js_dir):
    prepare_node(node_dir, js_dir)
    state = os.path.join(tmp, "state")
    r = run([sesame, "--state-dir", state, "card", "create", "--seid", "wallet1"])
    check(r.returncode == 0, f"card created ({r.stderr.strip()})")
    r = run([sesame, "--state-dir", state, "applet", "install", "wallet1", "sesame.wsca", WSCA_AID])
    check(r.returncode == 0, f"WSCA applet installed ({r.stderr.strip()})")
    port, racs_port = free_port(), free_port()
    config = os.path.join(tmp, "sesamed.toml")
    with open(config, "w") as f:
        f.write(f'[server]\nlog_level = "debug"\n[http]\nenabled = true\nport = {port}\n'
                f'[racs]\nenabled = true\nport = {racs_port}\n[racs.users]\nadmin = "all"\n'
                # What attestations name as the status list's home: the configured public origin,
                # not the address this test happens to connect to.
                f'[wsca]\npublic_base_url = "https://wallet.test:{port}"\n')
    log = os.path.join(tmp, "sesamed.log")
    p = start_sesamed(children, sesamed, config, state, log)
    pki = os.path.join(state, "pki")
    ca = os.path.join(pki, "ca.pem")
    with open(ca) as f:
        ca_pem = f.read()
    api = Api(port, ca, os.path.join(pki, "admin.pem"), os.path.join(pki, "admin.key"), "wallet1")

    # Two wallet instances, each with its unit.
    wallets = []
    for pin in (PIN_A, PIN_B):
        w = Wallet(api, pin)
        status, doc = api.call("POST", "/units", {"device_key": jwk(w.device.public_key())})
        check(status == 201 and doc["state"] == "created", f"unit created ({status} {doc})")
        w.unit, w.ka = doc["unit"], pub_from_jwk(doc["ka_key"])
        a = w.auth(INS_ACTIVATE, w.challenge(), device_field=point(w.device.public_key()))
        status, doc = api.call("POST", f"/units/{w.unit}/activation", {"device_key": jwk(w.device.public_key()), "auth": a})
        check(status == 200 and doc["state"] == "active" and doc["pin_tries"] == 5, f"unit {w.unit} activated ({doc})")
        wallets.append(w)
    a_, b_ = wallets

    # The API holds the card like any transport: a RACS client meanwhile gets In Use.
    r = run([sesame, "racs", "apdu", "--url", f"racs://localhost:{racs_port}/wallet1", "--cert",
             os.path.join(pki, "admin.pem"), "--key", os.path.join(pki, "admin.key"), "--ca", ca,
             "00A4040008" + WSCA_AID])
    check(r.returncode == 1 and "-706" in r.stderr and "In Use" in r.stderr,
          f"RACS gets In Use while the HTTPS API holds the card ({r.stderr.strip()})")

    # Key ids count per unit: unit A gets keys 1 and 2, unit B only 1, so A's key 2 does not exist
    # under B (naming it there must not reach A's).
    status, _ = api.call("POST", f"/units/{a_.unit}/keys", {"auth": a_.fresh_auth(op=gen_op(a_.unit, policy=1)), "policy": "per_use"})
    check(status == 201, "a per-use key in unit A")
    status, key_a = api.call("POST", f"/units/{a_.unit}/keys", {"auth": a_.fresh_auth(op=gen_op(a_.unit, label=b"pid")), "crv": "P-256", "label": "pid"})
    check(status == 201 and key_a["generated_in_wsca"] and not key_a["extractable"], f"key generated in unit A ({key_a})")
    status, key_b = api.call("POST", f"/units/{b_.unit}/keys", {"auth": b_.fresh_auth(op=gen_op(b_.unit, curve=2)), "crv": "P-384"})
    check(status == 201 and key_b["jwk"]["crv"] == "P-384", "a P-384 key in unit B")
    kid_a = key_a["kid"]

    # A JWS signed in the applet (raw r||s), checked by jose.
    header = b64u(json.dumps({"alg": "ES256", "typ": "JWT"}).encode())
    payload = b64u(b'{"hello":"wallet"}')
    digest = hashlib.sha256(f"{header}.{payload}".encode()).digest()
    status, doc = api.call("POST", f"/units/{a_.unit}/keys/{kid_a}/sign",
                           {"auth": a_.fresh_auth(op=sign_op(a_.unit, kid_a, digest)), "digest": b64u(digest)})
    check(status == 200 and len(unb64u(doc["signature"])) == 64, "sign returns a raw P-256 signature")
    res = node_check(node_dir, "jws", {"jws": f"{header}.{payload}.{doc['signature']}", "jwk": key_a["jwk"]}, tmp)
    check(res["payload"] == '{"hello":"wallet"}', "jose verifies the applet's signature as a JWS (and refuses a flipped bit)")

    # An OpenID4VCI proof JWT signed by the key in the applet.
    req, op = pop_request(a_.unit, kid_a, key_a["jwk"], "https://issuer.example", nonce="c-nonce-1")
    status, doc = api.call("POST", f"/units/{a_.unit}/keys/{kid_a}/pop", {"auth": a_.fresh_auth(op=op), **req})
    check(status == 200, f"proof of possession ({status} {doc})")
    res = node_check(node_dir, "proof", {"jwt": doc["proof"], "jwk": key_a["jwk"], "aud": "https://issuer.example",
                                         "nonce": "c-nonce-1"}, tmp)
    check(res["ok"] and not res["key_attestation"], "jose verifies the openid4vci-proof+jwt with the WSCA key")

    # Key attestation, verified by jose (x5c leaf) and @peculiar/x509 (chain to the CA), forgeries refused.
    status_uri = f"https://wallet.test:{port}/v1/wsca/wallet1/status-list"  # [wsca] public_base_url
    status, doc = api.call("POST", f"/units/{a_.unit}/attestations",
                           {"auth": a_.fresh_auth(op=attest_op([kid_a], "n-0S6_WzA2Mj")), "keys": [kid_a],
                            "nonce": "n-0S6_WzA2Mj"})
    check(status == 201, f"key attestation issued ({status} {doc})")
    res = node_check(node_dir, "attestation", {"jwt": doc["key_attestation"], "ca_pem": ca_pem,
                                               "expected_jwks": [key_a["jwk"]], "nonce": "n-0S6_WzA2Mj",
                                               "unit": a_.unit, "status_uri": status_uri}, tmp)
    check(res["typ"] == "key-attestation+jwt" and res["alg"] == "ES256",
          f"jose + @peculiar/x509 verify the key attestation; altered and re-signed copies refused ({res})")

    attestation_a = doc["key_attestation"]

    # A proof carrying that attestation (checked by sesamed: ours, and naming this key) ...
    req, op = pop_request(a_.unit, kid_a, key_a["jwk"], "https://issuer.example", nonce="c-2",
                          key_attestation=attestation_a)
    status, doc = api.call("POST", f"/units/{a_.unit}/keys/{kid_a}/pop", {"auth": a_.fresh_auth(op=op), **req})
    check(status == 200, f"proof with key_attestation ({status})")
    res = node_check(node_dir, "proof", {"jwt": doc["proof"], "jwk": key_a["jwk"], "aud": "https://issuer.example",
                                         "nonce": "c-2"}, tmp)
    check(res["key_attestation"], "jose verifies a proof whose header carries the key attestation")
    # ... but not for a key it does not attest, nor an altered one.
    status, doc = api.call("POST", f"/units/{a_.unit}/keys/1/pop",
                           {"auth": a_.fresh_auth(), "aud": "x", "iat": int(time.time()),
                            "key_attestation": attestation_a})
    check(status == 400, f"an attestation of another key is refused in a proof ({status} {doc})")
    h, pl, sg = attestation_a.split(".")
    tampered = h + "." + b64u(unb64u(pl).replace(b"n-0S6", b"n-XXX")) + "." + sg
    status, doc = api.call("POST", f"/units/{a_.unit}/keys/{kid_a}/pop",
                           {"auth": a_.fresh_auth(), "aud": "x", "iat": int(time.time()),
                            "key_attestation": tampered})
    check(status == 400, f"an altered attestation is refused in a proof ({status})")

    # Wallet instance attestation: cnf.jwk = the unit's registered device key.
    status, doc = api.call("POST", f"/units/{a_.unit}/wallet-attestation",
                           {"auth": a_.fresh_auth(op=wia_op("wallet-instance-a")), "client_id": "wallet-instance-a"})
    check(status == 201, f"wallet instance attestation issued ({status})")
    res = node_check(node_dir, "wia", {"jwt": doc["wallet_attestation"], "ca_pem": ca_pem, "client_id": "wallet-instance-a",
                                 "device_jwk": jwk(a_.device.public_key()), "unit": a_.unit,
                                 "status_uri": status_uri}, tmp)
    check(res["ok"], "jose + @peculiar/x509 verify the oauth-client-attestation+jwt (chain, typ, sub, cnf.jwk)")

    # Cryptographic binding: unit A's P-256 key and a new P-384 key each sign one transcript in the
    # applet (BIND KEYS); sesamed wraps the proofs in a JWT under the WSCA attestation key.
    status, key_a384 = api.call("POST", f"/units/{a_.unit}/keys", {"auth": a_.fresh_auth(op=gen_op(a_.unit, curve=2)),
                                                                 "crv": "P-384"})
    check(status == 201, "a P-384 key in unit A")
    bind_ids = [int(kid_a), int(key_a384["kid"])]
    bind_data = tlv(0xC0, u32(a_.unit)) + tlv(0xD7, b"binding-nonce-1") + tlv(0xD8, b"".join(u32(k) for k in bind_ids))
    status, doc = api.call("POST", f"/units/{a_.unit}/key-binding",
                           {"auth": a_.fresh_auth(op=binding(0x36, 0, bind_data)), "keys": [str(k) for k in bind_ids],
                            "nonce": "binding-nonce-1"})
    check(status == 201, f"key binding issued ({status} {doc})")
    res = node_check(node_dir, "binding", {"jwt": doc["key_binding"], "ca_pem": ca_pem, "nonce": "binding-nonce-1",
                                           "unit": a_.unit, "key_ids": bind_ids,
                                           "jwks": [key_a["jwk"], key_a384["jwk"]]}, tmp)
    check(res["ok"] and res["keys"] == 2, "jose + @peculiar/x509 + WebCrypto verify the key binding and each key's proof")
    claims = json.loads(unb64u(doc["key_binding"].split(".")[1]))
    transcript = unb64u(claims["transcript"])
    for entry, curve, h in ((claims["keys"][0], ec.SECP256R1(), hashes.SHA256()), (claims["keys"][1], ec.SECP384R1(), hashes.SHA384())):
        size = (curve.key_size + 7) // 8
        sig = unb64u(entry["proof"])
        der = encode_dss_signature(int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big"))
        try:
            pub_from_jwk(entry["jwk"]).verify(der, transcript, ec.ECDSA(h))
            verified = True
        except InvalidSignature:
            verified = False
        check(verified, f"Python cryptography verifies the {entry['jwk']['crv']} key's proof over the transcript too")
    status, doc = api.call("POST", f"/units/{a_.unit}/key-binding",
                           {"auth": a_.fresh_auth(op=binding(0x36, 0, bind_data)), "keys": [str(k) for k in bind_ids],
                            "nonce": "another-nonce"})
    check(status == 403 and doc["sw"] == "6982", f"an authentication for one binding nonce gives no other ({doc})")

    # WIAM_09: unit B cannot reach unit A's key; B's device cannot act for unit A.
    status, doc = api.call("POST", f"/units/{b_.unit}/keys/{kid_a}/sign",
                           {"auth": b_.fresh_auth(op=sign_op(b_.unit, kid_a, digest)), "digest": b64u(digest)})
    check(status == 404 and doc["sw"] == "6A88", f"unit B naming unit A's key gets 404/6A88 ({status} {doc})")
    status, doc = api.call("POST", f"/units/{b_.unit}/attestations",
                           {"auth": b_.fresh_auth(op=attest_op([kid_a])), "keys": [kid_a]})
    check(status == 404, f"unit B cannot get an attestation of unit A's key ({status})")
    sign_a = sign_op(a_.unit, kid_a, digest)
    forged = a_.auth(INS_AUTHENTICATE, a_.challenge(), signer=b_.device, pin=PIN_B, op=sign_a)
    status, doc = api.call("POST", f"/units/{a_.unit}/keys/{kid_a}/sign", {"auth": forged, "digest": b64u(digest)})
    check(status == 403 and doc["sw"] == "6982", f"B's device signature on unit A is refused ({status} {doc})")

    # Replayed and stale device-signed requests: refused before a PIN try is counted.
    good = a_.fresh_auth(op=sign_a)
    status, _ = api.call("POST", f"/units/{a_.unit}/keys/{kid_a}/sign", {"auth": good, "digest": b64u(digest)})
    check(status == 200, "a fresh authentication signs")
    status, doc = api.call("POST", f"/units/{a_.unit}/keys/{kid_a}/sign", {"auth": good, "digest": b64u(digest)})
    check(status == 409 and doc["sw"] == "6985", f"the same request replayed is refused ({status} {doc})")
    stale = a_.auth(INS_AUTHENTICATE, a_.challenge(), op=sign_a)
    a_.challenge()  # a newer challenge replaces it
    status, doc = api.call("POST", f"/units/{a_.unit}/keys/{kid_a}/sign", {"auth": stale, "digest": b64u(digest)})
    check(status == 403 and doc["sw"] == "6982", f"a request signed over a stale challenge is refused ({status} {doc})")
    wrong_pin_forged = a_.auth(INS_AUTHENTICATE, a_.challenge(), signer=b_.device, pin="000000", op=sign_a)
    status, doc = api.call("POST", f"/units/{a_.unit}/keys/{kid_a}/sign", {"auth": wrong_pin_forged, "digest": b64u(digest)})
    check(status == 403 and doc["sw"] == "6982", "a wrong PIN under a forged signature is refused as unsigned")
    # WSCA-11: the device signature covers the operation. A captured authentication sent with
    # another digest, for another key, or in DER: refused as unsigned, even with a wrong PIN inside.
    other = hashlib.sha256(b"a digest the wallet never meant").digest()
    for pin in (None, "000000"):
        status, doc = api.call("POST", f"/units/{a_.unit}/keys/{kid_a}/sign",
                               {"auth": a_.fresh_auth(op=sign_a, pin=pin), "digest": b64u(other)})
        check(status == 403 and doc["sw"] == "6982", f"an authentication for one digest does not sign another ({doc})")
        status, doc = api.call("POST", f"/units/{a_.unit}/keys/1/sign",
                               {"auth": a_.fresh_auth(op=sign_a, pin=pin), "digest": b64u(digest)})
        check(status == 403 and doc["sw"] == "6982", f"an authentication for one key does not sign with another ({doc})")
        status, doc = api.call("POST", f"/units/{a_.unit}/keys/{kid_a}/sign",
                               {"auth": a_.fresh_auth(op=sign_a, pin=pin), "digest": b64u(digest), "format": "der"})
        check(status == 403 and doc["sw"] == "6982", f"an authentication for a raw signature gives no DER one ({doc})")
        status, doc = api.call("DELETE", f"/units/{a_.unit}/keys/{kid_a}", {"auth": a_.fresh_auth(op=sign_a, pin=pin)})
        check(status == 403 and doc["sw"] == "6982", f"an authentication for a signature deletes no key ({doc})")
        status, doc = api.call("POST", f"/units/{a_.unit}/keys/{kid_a}/sign", {"auth": a_.fresh_auth(pin=pin),
                                                                             "digest": b64u(digest)})
        check(status == 403 and doc["sw"] == "6982", f"an unbound authentication is refused over HTTPS ({doc})")
    status, doc = api.call("GET", f"/units/{a_.unit}")
    check(doc["pin_tries"] == 5, f"no PIN try was counted for any of them ({doc['pin_tries']})")
    status, doc = api.call("POST", f"/units/{a_.unit}/keys/{kid_a}/sign",
                           {"auth": a_.fresh_auth(pin="000000", op=sign_a), "digest": b64u(digest)})
    check(status == 403 and doc["type"] == "urn:sesame:wsca:pin-incorrect" and doc["tries_left"] == 4,
          f"a wrong PIN under a valid device signature costs one try ({doc})")
    status, _ = api.call("POST", f"/units/{a_.unit}/keys/{kid_a}/sign", {"auth": a_.fresh_auth(op=sign_a), "digest": b64u(digest)})
    check(status == 200, "the wallet's own bound request signs")
    status, doc = api.call("GET", f"/units/{a_.unit}")
    check(doc["pin_tries"] == 5, "the right PIN restores the counter")

    # Escalating delays: after the 2nd wrong PIN in a row even the right one waits (429), uncounted.
    for left in (4, 3):
        status, doc = api.call("POST", f"/units/{a_.unit}/keys/{kid_a}/sign",
                               {"auth": a_.fresh_auth(pin="000000", op=sign_a), "digest": b64u(digest)})
        check(status == 403 and doc.get("tries_left") == left, f"wrong PIN, {left} tries left ({doc})")
    status, doc = api.call("POST", f"/units/{a_.unit}/keys/{kid_a}/sign", {"auth": a_.fresh_auth(op=sign_a), "digest": b64u(digest)})
    check(status == 429 and doc["type"] == "urn:sesame:wsca:pin-delay" and doc["sw"] == "6601",
          f"during the delay even the right PIN gets 429 pin-delay ({status} {doc})")
    status, doc = api.call("GET", f"/units/{a_.unit}")
    check(doc["pin_tries"] == 3 and 0 < doc.get("pin_delay", 0) <= 30,
          f"the attempt during the delay cost no try; the unit says how long to wait ({doc})")

    # Problem documents for malformed requests.
    st, ctype, text = api.raw("POST", f"/v1/wsca/wallet1/units/{a_.unit}/keys", "not json")
    check(st == 400 and ctype == "application/problem+json", f"malformed JSON gets a 400 problem ({st} {text})")
    st, ctype, text = api.raw("GET", "/v1/wsca/nocard/units/1")
    check(st == 404 and json.loads(text)["type"] == "urn:sesame:wsca:no-card", "an unknown card gets 404")

    # Revocation through the token status list.
    def list_status(idx):
        st, ctype, text = api.raw("GET", "/v1/wsca/wallet1/status-list")
        check(st == 200 and ctype == "application/statuslist+jwt", "the status list token is served")
        return node_check(node_dir, "statuslist", {"jwt": text, "ca_pem": ca_pem, "uri": status_uri, "idx": idx}, tmp)

    check(list_status(a_.unit)["status"] == 0, "unit A's attestations are valid in the status list (jose + x509)")
    status, _ = api.call("POST", f"/units/{a_.unit}/revocation")
    check(status == 204, "the wallet provider revokes unit A")
    check(list_status(a_.unit)["status"] == 1, "the status list now says unit A is revoked")
    check(list_status(b_.unit)["status"] == 0, "unit B is not")
    status, doc = api.call("POST", f"/units/{a_.unit}/attestations",
                           {"auth": a_.fresh_auth(op=attest_op([kid_a])), "keys": [kid_a]})
    check(status == 409 and doc["type"] == "urn:sesame:wsca:revoked", "no new attestation for a revoked unit")

    # Erasure over HTTPS: a key, then a unit (which also revokes it).
    status, _ = api.call("DELETE", f"/units/{b_.unit}/keys/{key_b['kid']}",
                         {"auth": b_.fresh_auth(op=binding(0x2A, 0, key_data(b_.unit, key_b["kid"])))})
    check(status == 204, "key deleted")
    status, doc = api.call("GET", f"/units/{b_.unit}/keys/{key_b['kid']}")
    check(status == 404, "the deleted key is gone")
    status, _ = api.call("DELETE", f"/units/{b_.unit}", {"auth": b_.fresh_auth(op=binding(0x1C, 0, tlv(0xC0, u32(b_.unit))))})
    check(status == 204, "unit B deleted")
    status, doc = api.call("GET", f"/units/{b_.unit}")
    check(status == 404, "unit B is gone")
    check(list_status(b_.unit)["status"] == 1, "a deleted unit is revoked in the status list")

    # The PIN never reaches the HTTP layer: not in any request body, not in sesamed's debug log.
    text = read_log(log)
    check(all(pin not in body for body in api.sent for pin in (PIN_A, PIN_B)), "no request body carried a PIN")
    check(PIN_A not in text and PIN_B not in text, "sesamed's debug log holds no PIN")

    rc = children.stop(p)
    check(rc == 0, f"sesamed stops cleanly ({rc})")


if __name__ == "__main__":
    import argparse
    from harness import main
    ap = argparse.ArgumentParser()
    ap.add_argument("--sesamed", required=True)
    ap.add_argument("--sesame", required=True)
    ap.add_argument("--node-dir", required=True)
    a = ap.parse_args()
    js = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
    main(lambda tmp, children: body(tmp, children, a.sesamed, a.sesame, a.node_dir, js))
