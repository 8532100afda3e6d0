"""The sesame RACS client against the real sesamed over TLS: `sesame racs list|apdu|script` with the
development PKI, the server pinned by its CA and by its certificate's SHA-256 (computed here with
the openssl command line tool, independently of sesame), refusals (wrong pin, wrong CA, a user the
server does not know), and a card held by another session (a Python ssl client speaking the
protocol by hand) answering -706 In Use until that session shuts it down."""

import hashlib
import os
import socket
import ssl
import subprocess
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(__file__))
from harness import TestFailure, check, main_with_binaries, read_log, run, wait_for  # noqa: E402

SELECT_DEMO = "00A4040008F0534553414D4501"
READ_INFO = "00B0810015"  # READ BINARY of EF.INFO by SFI 1: "sesame demo applet v1"
INFO_HEX = "736573616D652064656D6F206170706C6574207631"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openssl(*args):
    r = subprocess.run(["openssl", *args], capture_output=True, timeout=60)
    if r.returncode != 0:
        raise TestFailure(f"openssl {' '.join(args)} failed: {r.stderr.decode(errors='replace')}")
    return r.stdout


class RawRacs:
    """A RACS session written by hand with Python's ssl module: an independent client."""

    def __init__(self, port, pki):
        ctx = ssl.create_default_context(cafile=os.path.join(pki, "ca.pem"))
        ctx.load_cert_chain(os.path.join(pki, "admin.pem"), os.path.join(pki, "admin.key"))
        self.sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10),
                                    server_hostname="localhost")
        self.buf = b""

    def request(self, *commands):
        self.sock.sendall(("BEGIN\r\n" + "".join(c + "\r\n" for c in commands) + "END\r\n").encode())
        lines = []
        while True:
            while b"\n" not in self.buf:
                chunk = self.sock.recv(4096)
                if not chunk:
                    raise TestFailure(f"server closed the raw session after {lines}")
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            line = line.decode().rstrip("\r")
            lines.append(line)
            if line == "END":
                return lines

    def close(self):
        self.sock.close()


def body(tmp, children, sesamed, sesame):
    port = free_port()
    state = os.path.join(tmp, "state")
    config = os.path.join(tmp, "sesamed.toml")
    with open(config, "w") as f:
        f.write(f'[server]\nlog_level = "debug"\nlisten_address = "0.0.0.0"\n[demo]\ncreate_cards = true\n'
                f'[racs]\nenabled = true\nport = {port}\n[racs.users]\nadmin = "all"\n')
    log = os.path.join(tmp, "sesamed.log")
    sd = children.start([sesamed, "--config", config, "--state-dir", state], log)
    wait_for(lambda: "sesamed running" in read_log(log) or sd.poll() is not None, 60, "sesamed to start")
    check(sd.poll() is None and "RACS listening" in read_log(log), "sesamed serves RACS")
    pki = os.path.join(state, "pki")
    url = f"racs://localhost:{port}"
    creds = ["--cert", os.path.join(pki, "admin.pem"), "--key", os.path.join(pki, "admin.key")]
    by_ca = creds + ["--ca", os.path.join(pki, "ca.pem")]

    def racs(*args):
        return run([sesame, "racs", *args])

    # --- list, with the dev PKI found through --state-dir and with explicit files.
    r = racs("list", "--url", url, "--state-dir", state)
    check(r.returncode == 0 and r.stdout.split() == ["demo"], f"racs list (dev PKI defaults) -> {r.stdout!r} {r.stderr!r}")
    r = racs("list", "--url", url, *by_ca)
    check(r.returncode == 0 and r.stdout.split() == ["demo"], "racs list pinned by the CA")

    # --- APDUs over one TLS session.
    r = racs("apdu", "--url", f"{url}/demo", *by_ca, SELECT_DEMO, READ_INFO, "00A4040008F0534553414D45FF")
    out = r.stdout.splitlines()
    check(r.returncode == 0 and out[1].startswith("< 6F0A8408F0534553414D4501 9000"), f"SELECT over RACS: {r.stdout!r} {r.stderr!r}")
    check(out[3] == f"< {INFO_HEX} 9000 success", f"READ BINARY over RACS: {out[3]!r}")
    check(out[5].startswith("< 6A82"), "SELECT of an absent AID -> 6A82")
    check(read_log(log).count("racs session") >= 1, "sesamed logged the sessions")

    # --- A script with expectations, and one that fails.
    script = os.path.join(tmp, "demo.apdu")
    with open(script, "w") as f:
        f.write(f"# demo applet\n{SELECT_DEMO} ; 9000\n{READ_INFO} ; {INFO_HEX}9000\n0020008100 ; 63CX\n")
    r = racs("script", "--url", f"{url}/demo", *by_ca, script)
    check(r.returncode == 0 and r.stdout.count("\n> ") == 2, f"racs script passes ({r.stdout!r} {r.stderr!r})")
    with open(script, "w") as f:
        f.write(f"{SELECT_DEMO} ; 9000\n00A4040008F0534553414D45FF ; 9000\n")
    r = racs("script", "--url", f"{url}/demo", *by_ca, script)
    check(r.returncode == 1 and "demo.apdu:2: expected 9000, got 6A82" in r.stderr, f"a mismatch exits 1 ({r.stderr!r})")

    # --- Pinning by the server certificate's SHA-256, computed with openssl.
    der = openssl("x509", "-in", os.path.join(pki, "server.pem"), "-outform", "DER")
    pin = hashlib.sha256(der).hexdigest()
    r = racs("list", "--url", url, *creds, "--pin-sha256", pin)
    check(r.returncode == 0 and r.stdout.split() == ["demo"], f"pinned by fingerprint ({r.stderr!r})")
    fp = openssl("x509", "-in", os.path.join(pki, "server.pem"), "-noout", "-fingerprint", "-sha256").decode()
    colon_pin = fp.strip().split("=", 1)[1]
    r = racs("list", "--url", url, *creds, "--pin-sha256", colon_pin)
    check(r.returncode == 0, f"the colon form openssl prints is accepted ({colon_pin})")
    wrong = ("0" if pin[0] != "0" else "1") + pin[1:]
    before = read_log(log).count("TLS handshake with")
    r = racs("apdu", "--url", f"{url}/demo", *creds, "--pin-sha256", wrong, SELECT_DEMO)
    check(r.returncode == 1 and "TLS handshake failed" in r.stderr and "> " not in r.stdout,
          f"a wrong pin is refused before any APDU ({r.stderr.strip()})")
    wait_for(lambda: read_log(log).count("TLS handshake with") > before, 10, "sesamed to log the aborted handshake")
    check(True, "sesamed saw the client abort the handshake")

    # --- A CA that did not issue the server certificate.
    other_key = os.path.join(tmp, "other.key")
    other_ca = os.path.join(tmp, "other-ca.pem")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", other_key,
            "-out", other_ca, "-days", "2", "-subj", "/CN=another CA")
    r = racs("list", "--url", url, *creds, "--ca", other_ca)
    check(r.returncode == 1 and "TLS handshake failed" in r.stderr, f"a wrong CA is refused ({r.stderr.strip()})")

    # --- The right CA, but the server's certificate names another host: sesamed listens on every
    # address here and its development certificate names localhost, 127.0.0.1 and ::1 only.
    r = racs("list", "--url", f"racs://127.0.0.2:{port}", *by_ca)
    check(r.returncode == 1 and "TLS handshake failed" in r.stderr and "demo" not in r.stdout,
          f"a server certificate for another host name is refused ({r.stderr.strip()})")
    r = racs("list", "--url", f"racs://127.0.0.1:{port}", *by_ca)
    check(r.returncode == 0 and r.stdout.split() == ["demo"], f"the address the certificate names is accepted ({r.stderr.strip()})")

    # --- A certificate from the right CA for a user sesamed does not know: -600.
    key = os.path.join(tmp, "mallory.key")
    csr = os.path.join(tmp, "mallory.csr")
    cert = os.path.join(tmp, "mallory.pem")
    ext = os.path.join(tmp, "client.ext")
    with open(ext, "w") as f:
        f.write("extendedKeyUsage = clientAuth\n")
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
            "-out", csr, "-subj", "/CN=mallory")
    openssl("x509", "-req", "-in", csr, "-CA", os.path.join(pki, "ca.pem"), "-CAkey", os.path.join(pki, "ca.key"),
            "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext)
    r = racs("list", "--url", url, "--cert", cert, "--key", key, "--ca", os.path.join(pki, "ca.pem"))
    check(r.returncode == 1 and "-600" in r.stderr, f"an unknown user gets -600 ({r.stderr.strip()})")

    # --- A card held by another session: In Use until that session's SHUTDOWN.
    raw = RawRacs(port, pki)
    lines = raw.request("POWERON demo")
    check(len(lines) == 3 and lines[1].startswith("+008 001") and "ATR=" in lines[1], f"raw POWERON: {lines}")
    r = racs("apdu", "--url", f"{url}/demo", *by_ca, SELECT_DEMO)
    # -7NN: class 7 (in use), NN the command (06 APDU).
    check(r.returncode == 1 and "-706 001" in r.stderr and "In Use" in r.stderr,
          f"the held card answers -706 In Use ({r.stderr.strip()})")
    lines = raw.request("SHUTDOWN demo")
    check(lines[1].startswith("+007 001"), f"raw SHUTDOWN: {lines}")
    r = racs("apdu", "--url", f"{url}/demo", *by_ca, SELECT_DEMO)
    check(r.returncode == 0 and "9000" in r.stdout, "after SHUTDOWN the card is free again")
    raw.close()

    # --- Usage errors.
    r = racs("apdu", "--url", url, *by_ca, SELECT_DEMO)
    check(r.returncode == 1 and "names no card" in r.stderr, "apdu needs a SEID in the URL")
    r = racs("list", "--url", "http://localhost", *by_ca)
    check(r.returncode == 1 and "racs://" in r.stderr, "a non-racs URL is refused")
    r = racs("apdu", "--url", f"{url}/demo", *by_ca, "00A4ZZ")
    check(r.returncode == 1 and "> " not in r.stdout, "bad hex fails before connecting")

    rc = children.stop(sd)
    check(rc == 0, f"sesamed stops cleanly ({rc})")


if __name__ == "__main__":
    main_with_binaries(body)
