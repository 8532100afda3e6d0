"""Drives `sesame pki` and `sesame eid` on a temporary state dir: an ICAO PKI, an issued eID card,
and `eid read` (PACE, Chip Authentication, passive authentication) with the right and wrong PIN,
another CSCA and a revoked Document Signer. Every failure must exit non-zero and say why."""

import argparse
import hashlib
import json
import os
import re
import socket
import stat
import subprocess
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(__file__))
from harness import check, main, read_log, run, wait_for  # noqa: E402

IDENTITY = {
    "document_type": "ID", "issuing_state": "UTO", "document_number": "D23145890",
    "surname": "Eriksson", "given_names": "Anna Maria", "nationality": "UTO",
    "date_of_birth": "1974-08-12", "sex": "F", "date_of_expiry": "2034-04-15",
    "address": "12 rue de l'Exemple, Utopia", "photo": "photo.jpg",
}


def field(text, name):
    m = re.search(rf"^{name}:\s+(\S+)$", text, re.M)
    return m.group(1) if m else None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_over_racs(tmp, children, sesamed, sesame, state, csca, crl):
    """The same card served by sesamed: `eid read --url racs://...` with the dev PKI."""
    port = free_port()
    config = os.path.join(tmp, "sesamed.toml")
    with open(config, "w") as f:
        f.write(f'[server]\nlisten_address = "127.0.0.1"\n[racs]\nenabled = true\nport = {port}\n'
                f'[racs.users]\nadmin = "all"\n')
    log = os.path.join(tmp, "sesamed.log")
    sd = children.start([sesamed, "--config", config, "--state-dir", state], log)
    wait_for(lambda: "sesamed running" in read_log(log) or sd.poll() is not None, 60, "sesamed to start")
    check(sd.poll() is None and "RACS listening" in read_log(log), "sesamed serves RACS")
    url = f"racs://localhost:{port}/anna"
    r = run([sesame, "--state-dir", state, "eid", "read", "--url", url, "--pin", "123456", "--csca", csca])
    check(r.returncode == 0 and "OK    Chip Authentication" in r.stdout and "OK    DG1 hash" in r.stdout,
          f"eid read over RACS ({r.stdout!r} {r.stderr!r})")
    r = run([sesame, "--state-dir", state, "eid", "read", "--url", url, "--pin", "123456", "--csca", csca,
             "--crl", crl])
    check(r.returncode == 1 and "FAIL  CRL" in r.stdout, "over RACS too, the revoked Document Signer fails")
    check("123456" not in read_log(log), "the PIN is not in sesamed's log")
    children.stop(sd)


def body(tmp, children, sesame, sesamed=None):
    state = os.path.join(tmp, "state")
    pki, other = os.path.join(tmp, "pki"), os.path.join(tmp, "other-pki")

    def cli(*args):
        return run([sesame, "--state-dir", state, *args])

    # The PKI: CSCA, Document Signer, empty CRL; keys 0600; a second init refuses to overwrite.
    r = cli("pki", "init", "--dir", pki, "--country", "UT", "--org", "Utopia")
    check(r.returncode == 0 and "CRL 1 written" in r.stdout, f"pki init ({r.stdout!r} {r.stderr!r})")
    for name in ("csca.key", "ds.key"):
        mode = stat.S_IMODE(os.stat(os.path.join(pki, name)).st_mode)
        check(mode == 0o600, f"{name} is mode 0600 (got {oct(mode)})")
    for name in ("csca.pem", "ds.pem", "crl.pem"):
        check(os.path.exists(os.path.join(pki, name)), f"pki init wrote {name}")
    r = cli("pki", "init", "--dir", pki)
    check(r.returncode == 1 and "already holds a CSCA" in r.stderr, "pki init does not overwrite a PKI")
    r = cli("pki", "init", "--dir", other, "--country", "XX")
    check(r.returncode == 0, "a second, unrelated PKI")
    # Cross-check the profiles with the openssl CLI when it is there.
    if os.path.exists("/usr/bin/openssl"):
        r = run(["/usr/bin/openssl", "x509", "-in", os.path.join(pki, "csca.pem"), "-noout", "-text"])
        check("CA:TRUE, pathlen:0" in r.stdout and "Certificate Sign, CRL Sign" in r.stdout,
              f"openssl sees the CSCA profile ({r.stdout[-800:]!r})")
        r = run(["/usr/bin/openssl", "verify", "-CAfile", os.path.join(pki, "csca.pem"), os.path.join(pki, "ds.pem")])
        check(r.returncode == 0, f"openssl verifies the Document Signer under the CSCA ({r.stdout!r} {r.stderr!r})")
        # The Document Type List extension (ICAO 9303-12): its OID 2.23.136.1.1.6.2 followed by the
        # DER of DocumentTypeListSyntax v0 with ["I"], in the certificate openssl re-encodes.
        der = subprocess.run(["/usr/bin/openssl", "x509", "-in", os.path.join(pki, "ds.pem"), "-outform", "DER"],
                             capture_output=True, timeout=60).stdout
        oid = bytes.fromhex("06076781080101 0602".replace(" ", ""))
        at = der.find(oid)
        check(at >= 0 and bytes.fromhex("30080201003103130149") in der[at:at + 30],
              "the Document Signer carries the Document Type List [\"I\"] (9303-12)")

    # Issue: identity JSON with a photo; PIN given, CAN and PUK generated and printed once.
    with open(os.path.join(tmp, "photo.jpg"), "wb") as f:
        f.write(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8)
    identity = os.path.join(tmp, "id.json")
    with open(identity, "w") as f:
        json.dump(IDENTITY, f)
    r = cli("eid", "issue", "--identity", identity, "--pki", pki, "--seid", "anna", "--pin", "123456")
    check(r.returncode == 0, f"eid issue ({r.stdout!r} {r.stderr!r})")
    check("ERIKSSON<<ANNA<MARIA" in r.stdout and "IDUTOD231458907" in r.stdout, f"eid issue prints the MRZ ({r.stdout!r})")
    can, puk = field(r.stdout, "CAN"), field(r.stdout, "PUK")
    check(can is not None and len(can) == 6 and puk is not None and len(puk) == 10, "CAN and PUK are generated")
    db = open(os.path.join(state, "sesame.db"), "rb").read() if os.path.exists(os.path.join(state, "sesame.db")) else b""
    check(puk.encode() not in db, "the PUK is not in the state in clear")

    csca = os.path.join(pki, "csca.pem")
    crl = os.path.join(pki, "crl.pem")
    r = cli("eid", "read", "anna", "--pin", "123456", "--csca", csca, "--crl", crl)
    check(r.returncode == 0, f"eid read with the PIN passes every check ({r.stdout!r} {r.stderr!r})")
    for line in ("OK    PACE (PIN)", "OK    Chip Authentication", "OK    EF.SOD signature", "OK    Document Signer chain",
                 "OK    CRL", "OK    DG1 hash", "OK    DG2 hash", "OK    DG13 hash", "OK    DG14 hash",
                 "OK    MRZ check digits"):
        check(line in r.stdout, f"read reports {line!r}")
    check("FAIL" not in r.stdout, "no check fails")
    check(field(r.stdout, "Surname") == "ERIKSSON" and "12 rue de l'Exemple, Utopia" in r.stdout,
          "read prints the identity (DG1 and DG13)")
    check("123456" not in r.stdout + r.stderr, "the PIN is never printed by read")

    # Independent check of what was read: openssl verifies EF.SOD's CMS signature and chain, and the
    # signed LDS Security Object holds SHA-256 of each data group as read (hashlib).
    saved = os.path.join(tmp, "read")
    r = cli("eid", "read", "anna", "--pin", "123456", "--csca", csca, "--save", saved)
    check(r.returncode == 0 and os.path.exists(os.path.join(saved, "ef_sod.p7")), "eid read --save writes the files")
    if os.path.exists("/usr/bin/openssl"):
        lds = os.path.join(tmp, "lds.der")
        r = run(["/usr/bin/openssl", "cms", "-verify", "-inform", "DER", "-in", os.path.join(saved, "ef_sod.p7"),
                 "-CAfile", csca, "-purpose", "any", "-out", lds, "-binary"])
        check(r.returncode == 0, f"openssl cms verifies EF.SOD under the CSCA ({r.stderr!r})")
        content = open(lds, "rb").read()
        for n in (1, 2, 13, 14):
            dg = open(os.path.join(saved, f"dg{n}.bin"), "rb").read()
            check(hashlib.sha256(dg).digest() in content, f"the signed LDS Security Object has SHA-256 of DG{n}")
        r = run(["/usr/bin/openssl", "cms", "-verify", "-inform", "DER", "-in", os.path.join(saved, "ef_sod.p7"),
                 "-CAfile", os.path.join(other, "csca.pem"), "-purpose", "any", "-out", lds])
        check(r.returncode != 0, "openssl refuses EF.SOD under the other CSCA")

    r = cli("eid", "read", "anna", "--can", can, "--csca", csca)
    check(r.returncode == 0 and "OK    PACE (CAN)" in r.stdout, f"eid read with the CAN ({r.stderr!r})")
    r = cli("eid", "read", "anna", "--mrz", "D23145890,740812,340415", "--csca", csca)
    check(r.returncode == 0 and "OK    PACE (MRZ)" in r.stdout, f"eid read with the MRZ ({r.stderr!r})")

    # Threat: wrong PIN. Clear message, the try counter goes down, the right PIN resets it.
    r = cli("eid", "read", "anna", "--pin", "000000", "--csca", csca)
    check(r.returncode == 1 and "wrong PIN: 2 tries left" in r.stderr, f"a wrong PIN fails clearly ({r.stderr!r})")
    r = cli("eid", "read", "anna", "--pin", "000000", "--csca", csca)
    check(r.returncode == 1 and "1 try left" in r.stderr and "suspended" in r.stderr,
          f"the second wrong PIN leaves one try and suspends the PIN ({r.stderr!r})")
    r = cli("eid", "read", "anna", "--pin", "123456", "--csca", csca)
    check(r.returncode == 1 and "suspended" in r.stderr, f"a suspended PIN alone is refused ({r.stderr!r})")
    r = cli("eid", "read", "anna", "--can", can, "--pin", "123456", "--csca", csca)
    check(r.returncode == 0, f"CAN then PIN resumes the suspended PIN ({r.stderr!r})")
    r = cli("eid", "read", "anna", "--pin", "000000", "--csca", csca)
    check(r.returncode == 1 and "2 tries left" in r.stderr, "the right PIN set the counter back to 3")
    r = cli("eid", "read", "anna", "--pin", "123456", "--csca", csca)
    check(r.returncode == 0, "and the right PIN works")

    # Threat: EF.SOD verified against another CSCA.
    r = cli("eid", "read", "anna", "--pin", "123456", "--csca", os.path.join(other, "csca.pem"))
    check(r.returncode == 1 and "FAIL  Document Signer chain" in r.stdout and "Document Signer chain" in r.stderr,
          f"another CSCA fails passive authentication ({r.stdout!r} {r.stderr!r})")
    check("OK    DG1 hash" in r.stdout, "the data groups still match EF.SOD (only the chain fails)")

    # Threat: a revoked Document Signer.
    r = cli("pki", "revoke-ds", "--dir", pki)
    check(r.returncode == 0 and "CRL 2 written" in r.stdout and "(1 revoked)" in r.stdout,
          f"pki revoke-ds ({r.stdout!r} {r.stderr!r})")
    r = cli("eid", "read", "anna", "--pin", "123456", "--csca", csca, "--crl", crl)
    check(r.returncode == 1 and "FAIL  CRL" in r.stdout and "OK    Document Signer chain" in r.stdout,
          f"a revoked Document Signer fails the CRL check ({r.stdout!r} {r.stderr!r})")
    r = cli("pki", "crl", "--dir", pki)
    check(r.returncode == 0 and "CRL 3 written" in r.stdout and "(1 revoked)" in r.stdout,
          "pki crl re-issues the CRL and keeps the revocation")
    r = cli("eid", "read", "anna", "--pin", "123456", "--csca", csca, "--crl", os.path.join(other, "crl.pem"))
    check(r.returncode == 1 and "FAIL  CRL" in r.stdout, "another CSCA's CRL does not cover the Document Signer")

    if sesamed:
        read_over_racs(tmp, children, sesamed, sesame, state, csca, crl)

    # Usage errors.
    r = cli("eid", "read", "--pin", "123456", "--csca", csca)
    check(r.returncode == 1 and "exactly one card" in r.stderr, "read needs a card")
    # No password and no controlling terminal (a new session): refused at once, not a hang.
    r = run([sesame, "--state-dir", state, "eid", "read", "anna", "--csca", csca], start_new_session=True)
    check(r.returncode == 1 and "no terminal" in r.stderr, f"read without a password nor a terminal ({r.stderr!r})")
    bad = dict(IDENTITY, date_of_birth="1974-13-40")
    with open(identity, "w") as f:
        json.dump(bad, f)
    r = cli("eid", "issue", "--identity", identity, "--pki", pki, "--seid", "bad")
    check(r.returncode == 1 and "date_of_birth" in r.stderr, f"a bad identity is refused ({r.stderr!r})")
    r = cli("card", "list")
    check("bad" not in r.stdout.split(), "no card is left behind by a refused issue")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sesame", required=True)
    ap.add_argument("--sesamed", help="also read the card over RACS from this sesamed")
    a = ap.parse_args()
    main(lambda tmp, children: body(tmp, children, a.sesame, a.sesamed))
