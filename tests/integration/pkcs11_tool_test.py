"""libsesame-pkcs11.so driven by real PKCS#11 clients: OpenSC's pkcs11-tool (token and PIN
initialisation, key generation on P-256, P-384 and brainpoolP256r1, --list-objects, signing with
-m ECDSA and ECDSA-SHA256/384 verified by the openssl CLI, key deletion, --test) and GnuTLS's p11tool
(--list-all). docs/WSCA.md, "PKCS#11 module"."""

import argparse
import os
import re
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(__file__))
from harness import check, main, run, skip  # noqa: E402

PIN, SO_PIN = "123456", "12345678"
# SubjectPublicKeyInfo DER up to the BIT STRING's content (RFC 5480 id-ecPublicKey + namedCurve).
SPKI_PREFIX = {
    "prime256v1": "3059301306072a8648ce3d020106082a8648ce3d030107034200",
    "secp384r1": "3076301006072a8648ce3d020106052b81040022036200",
    "brainpoolP256r1": "305a301406072a8648ce3d020106092b2403030208010107034200",
}


def sanitizer_env(module):
    """A module built with ASan/UBSan needs their runtimes preloaded into an uninstrumented client."""
    env = dict(os.environ)
    ldd = run(["ldd", module]).stdout
    preload = []
    for lib in ("libasan.so", "libubsan.so"):
        if lib in ldd:
            path = run(["gcc", "-print-file-name=" + lib]).stdout.strip()
            if os.path.isabs(path):
                preload.append(path)
    if preload:
        env["LD_PRELOAD"] = ":".join(preload)
        env["ASAN_OPTIONS"] = "detect_leaks=0"
    return env


def body(tmp, _children, module):
    for tool in ("pkcs11-tool", "p11tool", "openssl"):
        if not shutil.which(tool):
            skip(f"{tool} is not installed (scripts/install-deps installs opensc, gnutls-bin, openssl)")
    env = sanitizer_env(module)
    env["SESAME_PKCS11_STATE_DIR"] = os.path.join(tmp, "state")
    env.pop("SESAME_PKCS11_CONFIG", None)

    def tool(*args):
        return run(["pkcs11-tool", "--module", module, *args], env=env)

    r = tool("--list-slots")
    check(r.returncode == 0 and "uninitialized" in r.stdout, f"a fresh state has one free slot ({r.stdout!r} {r.stderr!r})")
    r = tool("--slot", "0", "--init-token", "--label", "it-wallet", "--so-pin", SO_PIN)
    check(r.returncode == 0 and "Token successfully initialized" in r.stdout, f"--init-token creates a unit ({r.stderr!r})")
    r = tool("--list-slots")
    check("token label        : it-wallet" in r.stdout and "token initialized" in r.stdout, "the unit is a token")
    slot = re.search(r"Slot \d+ \((0x[0-9a-f]+)\): sesame WSCA wallet unit", r.stdout).group(1)
    r = tool("--slot", slot, "--init-pin", "--so-pin", SO_PIN, "--pin", PIN)
    check(r.returncode == 0 and "User PIN successfully initialized" in r.stdout, f"--init-pin activates it ({r.stderr!r})")
    r = tool("--slot", slot, "--list-token-slots")
    check("PIN initialized" in r.stdout, "the token reports its PIN as initialised")

    def user(*args):
        return tool("--slot", slot, "--login", "--pin", PIN, *args)

    for curve in SPKI_PREFIX:
        r = user("--keypairgen", "--key-type", f"EC:{curve}", "--label", f"it-{curve}")
        check(r.returncode == 0 and "Key pair generated" in r.stdout, f"--keypairgen EC:{curve} ({r.stderr!r})")

    r = user("--list-objects")
    check(r.returncode == 0, "--list-objects")
    objects = r.stdout
    for curve in SPKI_PREFIX:
        check(f"label:      it-{curve}" in objects, f"the {curve} key is listed")
    check(objects.count("Private Key Object; EC") == 3 and objects.count("Public Key Object; EC") == 3,
          "three private and three public key objects")
    check(objects.count("sensitive, always sensitive, never extractable, local") == 3,
          "every private key is sensitive and never extractable")
    r = tool("--slot", slot, "--list-objects")
    check(r.stdout.count("Private Key Object") == 0 and r.stdout.count("Public Key Object") == 3,
          "without login only the public keys are visible")

    # Public keys from CKA_EC_POINT (a DER OCTET STRING), as SubjectPublicKeyInfo PEM files.
    points = {}
    for block in objects.split("Public Key Object")[1:]:
        label = re.search(r"label:\s+(\S+)", block).group(1)
        point = re.search(r"EC_POINT:\s+([0-9a-f]+)", block).group(1)
        ident = re.search(r"ID:\s+([0-9a-f]+)", block).group(1)
        points[label[len("it-"):]] = (point, ident)
    check(set(points) == set(SPKI_PREFIX), f"every public key has an EC_POINT ({sorted(points)})")

    msg = os.path.join(tmp, "msg")
    with open(msg, "wb") as f:
        f.write(b"sesame WSCA signs this through pkcs11-tool\n")

    def pem(curve):
        point, _ = points[curve]
        der = bytes.fromhex(SPKI_PREFIX[curve] + point[4:])  # drop the OCTET STRING header 04 41 / 04 61
        path = os.path.join(tmp, f"{curve}.der")
        with open(path, "wb") as f:
            f.write(der)
        out = os.path.join(tmp, f"{curve}.pem")
        r = run(["openssl", "pkey", "-pubin", "-inform", "DER", "-in", path, "-out", out])
        check(r.returncode == 0, f"openssl reads the {curve} public key ({r.stderr!r})")
        return out

    def verify(curve, digest, sig, data=msg):
        return run(["openssl", "dgst", f"-{digest}", "-verify", pem(curve), "-signature", sig, data])

    # -m ECDSA: the input is the digest (raw r||s converted to DER by --signature-format openssl).
    digest = os.path.join(tmp, "digest")
    with open(digest, "wb") as f:
        f.write(bytes.fromhex(run(["openssl", "dgst", "-sha256", "-r", msg]).stdout.split()[0]))
    for curve in SPKI_PREFIX:
        sig = os.path.join(tmp, f"sig-{curve}")
        r = user("--sign", "-m", "ECDSA", "--id", points[curve][1], "-i", digest, "-o", sig,
                 "--signature-format", "openssl")
        check(r.returncode == 0, f"--sign -m ECDSA with the {curve} key ({r.stderr!r})")
        r = verify(curve, "sha256", sig)
        check(r.returncode == 0 and "Verified OK" in r.stdout, f"openssl verifies the {curve} signature ({r.stdout!r})")

    other = os.path.join(tmp, "other")
    with open(other, "wb") as f:
        f.write(b"something else\n")
    r = verify("prime256v1", "sha256", os.path.join(tmp, "sig-prime256v1"), other)
    check(r.returncode != 0, "the signature does not verify over another message")

    for curve, mech, dg in (("prime256v1", "ECDSA-SHA256", "sha256"), ("secp384r1", "ECDSA-SHA384", "sha384")):
        sig = os.path.join(tmp, f"sig-{mech}")
        r = user("--sign", "-m", mech, "--id", points[curve][1], "-i", msg, "-o", sig, "--signature-format", "openssl")
        check(r.returncode == 0, f"--sign -m {mech} ({r.stderr!r})")
        r = verify(curve, dg, sig)
        check(r.returncode == 0 and "Verified OK" in r.stdout, f"openssl verifies the {mech} signature")

    r = tool("--slot", slot, "--login", "--pin", "999999", "--list-objects")
    check(r.returncode != 0 and "CKR_PIN_INCORRECT" in (r.stdout + r.stderr), "a wrong PIN is CKR_PIN_INCORRECT")

    r = user("--test")
    check(r.returncode == 0 and "No errors" in r.stdout, f"pkcs11-tool --test ({r.stdout[-400:]!r})")

    # GnuTLS p11tool sees the token and its objects.
    r = run(["p11tool", "--provider", module, "--list-all", "pkcs11:token=it-wallet"], env=env)
    check(r.returncode == 0, f"p11tool --list-all ({r.stderr[-300:]!r})")
    for curve in SPKI_PREFIX:
        check(f"it-{curve}" in r.stdout, f"p11tool lists the {curve} public key")
    r = run(["p11tool", "--provider", module, "--login", "--set-pin", PIN, "--list-all-privkeys",
             "pkcs11:token=it-wallet"], env=env)
    check(r.returncode == 0 and r.stdout.count("Type: Private key") == 3, f"p11tool lists 3 private keys after login ({r.stdout[-400:]!r})")

    # C_DestroyObject is a secure erasure of the key.
    r = user("--delete-object", "--type", "privkey", "--id", points["brainpoolP256r1"][1])
    check(r.returncode == 0, f"--delete-object ({r.stderr!r})")
    r = user("--list-objects")
    check("it-brainpoolP256r1" not in r.stdout and r.stdout.count("Private Key Object") == 2,
          "the deleted key is gone (both objects)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--module", required=True)
    a = ap.parse_args()
    main(lambda tmp, children: body(tmp, children, a.module))
