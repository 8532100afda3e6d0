"""The eID split middleware with a real sesamed and the CLI front end (docs/EID.md, "The split
middleware"): `sesame eid present` runs PACE with a card of its own state dir, hands the session
over to sesamed's verifier over pinned TLS and relays its APDUs; the relying party fetches the
DigitalID over mutually authenticated TLS and checks its ES256 signature with the `cryptography`
package (OpenSSL) against the x5c certificate. Threats: wrong PIN, a back end that is not the
pinned one (wrong CA, wrong SHA-256), a revoked document, a DigitalID fetch without a client
certificate. Each must fail closed and say why."""

import base64
import hashlib
import http.client
import json
import os
import shutil
import socket
import ssl
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(__file__))
from harness import check, main_with_binaries, read_log, run, start_sesamed  # noqa: E402

IDENTITY = {
    "document_type": "ID", "issuing_state": "UTO", "document_number": "D23145890",
    "surname": "Eriksson", "given_names": "Anna Maria", "nationality": "UTO",
    "date_of_birth": "1974-08-12", "sex": "F", "date_of_expiry": "2034-04-15",
    "address": "12 rue de l'Exemple, Utopia",
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def b64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def fetch(port, path, ca, cert=None, key=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    c = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=15)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read().decode()
    c.close()
    return r.status, json.loads(body) if body else {}


def verify_jwt(jwt):
    """Checks the ES256 signature against x5c[0] with the cryptography package; returns the payload."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    h, p, s = jwt.split(".")
    header = json.loads(b64url(h))
    check(header["alg"] == "ES256" and header["typ"] == "digital-id+jwt", f"JWT header ({header['alg']})")
    cert = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    sig = b64url(s)
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    cert.public_key().verify(der, f"{h}.{p}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if wrong
    return json.loads(b64url(p)), cert


def body(tmp, children, sesamed, sesame):
    phone, server = os.path.join(tmp, "phone"), os.path.join(tmp, "server")
    pki = os.path.join(tmp, "pki")

    def cli(*args):
        return run([sesame, "--state-dir", phone, *args])

    r = cli("pki", "init", "--dir", pki, "--country", "UT", "--org", "Utopia")
    check(r.returncode == 0, f"pki init ({r.stderr!r})")
    identity = os.path.join(tmp, "anna.json")
    with open(identity, "w") as f:
        json.dump(IDENTITY, f)
    r = cli("eid", "issue", "--identity", identity, "--pki", pki, "--seid", "anna", "--pin", "123456",
            "--can", "500540")
    check(r.returncode == 0, f"eid issue ({r.stderr!r})")

    # The back end: sesamed with HTTPS (phones come without a client certificate) and the CSCA.
    os.makedirs(os.path.join(server, "eid", "csca"))
    shutil.copy(os.path.join(pki, "csca.pem"), os.path.join(server, "eid", "csca", "utopia.pem"))
    port = free_port()
    config = os.path.join(tmp, "sesamed.toml")
    with open(config, "w") as f:
        f.write(f'[server]\nlisten_address = "127.0.0.1"\n[http]\nenabled = true\nport = {port}\n'
                f'client_certificate_required = false\n')
    log = os.path.join(tmp, "sesamed.log")
    sd = start_sesamed(children, sesamed, config, server, log)
    check("eID verifier: 1 CSCA(s)" in read_log(log), "sesamed serves the eID verifier")
    ca = os.path.join(server, "pki", "ca.pem")
    admin = (os.path.join(server, "pki", "admin.pem"), os.path.join(server, "pki", "admin.key"))
    back_end = f"https://localhost:{port}"

    def present(tx, *extra, pin="123456"):
        return cli("eid", "present", "anna", "--back-end", back_end, "--transaction", tx, "--pin", pin, *extra)

    # The honest flow, the back end pinned by its CA.
    r = present("tx-it-0001", "--back-end-ca", ca)
    check(r.returncode == 0 and "verified the card" in r.stdout, f"eid present ({r.stdout!r} {r.stderr!r})")
    status, doc = fetch(port, "/v1/eid/digital-ids/tx-it-0001", ca, *admin)
    check(status == 200 and doc["status"] == "verified", f"the relying party gets the DigitalID ({status})")
    payload, signer = verify_jwt(doc["digital_id"])
    check(payload["txn"] == "tx-it-0001" and payload["document"]["number"] == "D23145890"
          and payload["family_name"] == "ERIKSSON" and payload["birthdate"] == "1974-08-12",
          f"the DigitalID names the holder and the transaction ({payload})")
    with open(os.path.join(server, "eid", "digital-id.pem")) as f:
        check(signer.public_bytes(__import__("cryptography.hazmat.primitives.serialization",
                                             fromlist=["Encoding"]).Encoding.PEM).decode() in f.read(),
              "x5c is the verifier's DigitalID certificate")
    # Mutual TLS for the DigitalID: without a client certificate, refused.
    status, doc = fetch(port, "/v1/eid/digital-ids/tx-it-0001", ca)
    check(status == 401, f"no DigitalID without a client certificate ({status} {doc})")
    # A client certificate that is not a relying party's: 403.
    with open(os.path.join(server, "eid", "relying-parties.txt"), "w") as f:
        f.write("# CNs of the relying parties\nbank-backend\n")
    status, doc = fetch(port, "/v1/eid/digital-ids/tx-it-0001", ca, *admin)
    check(status == 403, f"a client that is no relying party gets no DigitalID ({status} {doc})")
    os.remove(os.path.join(server, "eid", "relying-parties.txt"))
    status, _ = fetch(port, "/v1/eid/digital-ids/tx-unknown-01", ca, *admin)
    check(status == 404, "an unknown transaction is 404")

    # Pinned by the SHA-256 of the server certificate: works; any other pin is refused.
    with open(os.path.join(server, "pki", "server.pem")) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    good = hashlib.sha256(der).hexdigest()
    r = present("tx-it-0002", "--back-end-sha256", good)
    check(r.returncode == 0, f"pinned by SHA-256 ({r.stderr!r})")
    # Threat: a back end with the wrong certificate.
    r = present("tx-it-0003", "--back-end-sha256", "00" * 32)
    check(r.returncode == 1 and "TLS handshake failed" in r.stderr, f"a wrong pin is refused ({r.stderr!r})")
    r = present("tx-it-0004", "--back-end-ca", os.path.join(pki, "csca.pem"))
    check(r.returncode == 1 and "TLS handshake failed" in r.stderr, f"another CA is refused ({r.stderr!r})")
    r = present("tx-it-0005")
    check(r.returncode == 1 and "pin the back end" in r.stderr, f"no pin at all is refused ({r.stderr!r})")

    # Threat: wrong PIN. The card refuses, nothing reaches the back end.
    r = present("tx-it-0006", "--back-end-ca", ca, pin="000000")
    check(r.returncode == 1 and "63C2" in r.stderr and "2 tries left" in r.stderr, f"a wrong PIN fails ({r.stderr!r})")
    status, _ = fetch(port, "/v1/eid/digital-ids/tx-it-0006", ca, *admin)
    check(status == 404, "no transaction exists for a wrong PIN")

    # Revocation table: the document number in revoked.txt fails the verification.
    with open(os.path.join(server, "eid", "revoked.txt"), "w") as f:
        f.write("# revoked documents\nD23145890\n")
    r = present("tx-it-0007", "--back-end-ca", ca)
    check(r.returncode == 1 and "revoked" in r.stderr, f"a revoked document fails ({r.stderr!r})")
    status, doc = fetch(port, "/v1/eid/digital-ids/tx-it-0007", ca, *admin)
    check(status == 422 and "revoked" in doc.get("detail", ""), f"and the relying party learns why ({status} {doc})")
    # A transaction ID cannot be used twice.
    os.remove(os.path.join(server, "eid", "revoked.txt"))
    r = present("tx-it-0001", "--back-end-ca", ca)
    check(r.returncode == 1 and "already used" in r.stderr, f"a transaction ID is used once ({r.stderr!r})")

    check("123456" not in read_log(log), "the PIN is not in sesamed's log")
    rc = children.stop(sd)
    check(rc == 0, f"sesamed stops cleanly ({rc})")


if __name__ == "__main__":
    main_with_binaries(body)
