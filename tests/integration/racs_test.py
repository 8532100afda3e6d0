"""Drives the built sesamed's RACS listener over real TLS with python3's ssl module: requests and
responses, LIST filtered per user, card locking between sessions (-708), SELECT gating and an APDU
filter from the reference server's tables, an oversize line, garbage that closes one session while
another goes on, a slow client (idle timeout), and refused TLS clients (wrong CA, expired and
missing client certificates, unknown CN, TLS 1.1). Extra certificates come from the openssl CLI."""

import argparse
import os
import socket
import ssl
import subprocess
import sys
import time
import warnings

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(__file__))
from harness import TestFailure, check, main, read_log, run, wait_for  # noqa: E402

DEMO_AID = "F0534553414D4501"
SELECT_DEMO = "00A4040008" + DEMO_AID


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openssl(*args):
    r = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise TestFailure(f"openssl {' '.join(args)} failed: {r.stderr}")


def make_client_cert(tmp, name, ca_cert, ca_key, days=2):
    key, csr, cert = (os.path.join(tmp, f"{name}.{e}") for e in ("key", "csr", "pem"))
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
            "-subj", f"/O=test/CN={name}", "-out", csr)
    openssl("x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial", "-days", str(days),
            "-out", cert)
    return cert, key


def make_expired_cert(tmp, name, ca_cert, ca_key):
    """openssl 3.0's x509 cannot back-date; openssl ca can (-startdate/-enddate)."""
    d = os.path.join(tmp, "ca-db")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "index.txt"), "w").close()
    with open(os.path.join(d, "serial"), "w") as f:
        f.write("1000\n")
    cnf = os.path.join(d, "ca.cnf")
    with open(cnf, "w") as f:
        f.write(f"""[ca]
default_ca = test
[test]
dir = {d}
database = $dir/index.txt
new_certs_dir = $dir
serial = $dir/serial
default_md = sha256
policy = anything
unique_subject = no
[anything]
commonName = supplied
organizationName = optional
""")
    key, csr, cert = (os.path.join(tmp, f"{name}.{e}") for e in ("key", "csr", "pem"))
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
            "-subj", f"/O=test/CN={name}", "-out", csr)
    openssl("ca", "-batch", "-config", cnf, "-cert", ca_cert, "-keyfile", ca_key, "-in", csr, "-out", cert,
            "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-notext")
    return cert, key


class Client:
    def __init__(self, port, ca, cert=None, key=None, max_version=None):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(ca)
        if max_version:
            with warnings.catch_warnings():  # an old version on purpose: the server must refuse it
                warnings.simplefilter("ignore", DeprecationWarning)
                ctx.minimum_version = ssl.TLSVersion.TLSv1
                ctx.maximum_version = max_version
            ctx.set_ciphers("ALL:@SECLEVEL=0")
        if cert:
            ctx.load_cert_chain(cert, key)
        raw = socket.create_connection(("127.0.0.1", port), timeout=15)
        self.sock = ctx.wrap_socket(raw, server_hostname="localhost")
        self.buf = b""

    def send(self, text):
        self.sock.sendall(text.encode("latin-1") if isinstance(text, str) else text)

    def response(self):
        """One response (through END CR LF), or None if the server closed first."""
        while b"END\r\n" not in self.buf:
            try:
                data = self.sock.recv(65536)
            except (ssl.SSLError, ConnectionResetError, OSError):
                data = b""
            if not data:
                return None
            self.buf += data
        end = self.buf.index(b"END\r\n") + 5
        out, self.buf = self.buf[:end], self.buf[end:]
        return out.decode()

    def request(self, *lines, name=None):
        self.send("BEGIN" + (f" {name}" if name else "") + "\r\n" + "".join(l + "\r\n" for l in lines) + "END\r\n")
        return self.response()

    def closed(self):
        """True once the server has closed the connection (EOF or a TLS alert)."""
        try:
            return self.sock.recv(1) == b""
        except (ssl.SSLError, ConnectionResetError, OSError):
            return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def refused(port, ca, cert=None, key=None, max_version=None):
    """A client the server must turn away: the handshake fails, or the first request gets nothing."""
    try:
        c = Client(port, ca, cert, key, max_version)
    except (ssl.SSLError, ConnectionResetError, OSError):
        return True
    try:
        return c.request("ECHO hello") is None
    finally:
        c.close()


def body(tmp, children, sesamed, sesame):
    state = os.path.join(tmp, "state")
    acl = os.path.join(state, "acl")
    os.makedirs(acl)
    with open(os.path.join(acl, "users.txt"), "w") as f:
        f.write("// CN  SEIDs (the reference server's format)\nadmin all\nalice 1 demo\nmallory2 0\n")
    with open(os.path.join(acl, "demo.txt"), "w") as f:
        f.write(f"// AID or default  no=white list  yes=black list  #users  users\n"
                f"{DEMO_AID}  no 2 admin alice:nopin.txt\n"
                f"default  no 1 admin\n")
    with open(os.path.join(acl, "nopin.txt"), "w") as f:
        f.write("// mask apdu\nFFFF0000 00200000\n")
    port = free_port()
    config = os.path.join(tmp, "sesamed.toml")
    with open(config, "w") as f:
        f.write(f"""
[server]
log_level = "debug"
[racs]
enabled = true
port = {port}
acl_dir = "acl"
idle_timeout = 3
max_line_length = 1024
audit_log = "audit.log"
""")
    for args in (["card", "create", "--seid", "demo"], ["applet", "install", "demo", "sesame.demo", DEMO_AID],
                 ["card", "create", "--seid", "vault"]):
        r = run([sesame, "--state-dir", state, "--config", config, *args])
        check(r.returncode == 0, f"sesame {' '.join(args)} ({r.stderr.strip()})")

    log = os.path.join(tmp, "sesamed.log")
    p = children.start([sesamed, "--config", config, "--state-dir", state], log)
    wait_for(lambda: "sesamed running" in read_log(log) or p.poll() is not None, 60, "sesamed to start")
    check(p.poll() is None, "sesamed runs with RACS enabled")
    check(f"RACS listening on 127.0.0.1:{port}" in read_log(log) and "openssl s_client -connect" in read_log(log),
          "sesamed logs where RACS listens and how to connect")
    pki = os.path.join(state, "pki")
    ca, ca_key = os.path.join(pki, "ca.pem"), os.path.join(pki, "ca.key")
    admin_cert, admin_key = os.path.join(pki, "admin.pem"), os.path.join(pki, "admin.key")
    alice_cert, alice_key = make_client_cert(tmp, "alice", ca, ca_key)

    # Requests, APPEND and LIST per user.
    admin = Client(port, ca, admin_cert, admin_key)
    check(admin.sock.version() in ("TLSv1.2", "TLSv1.3"), f"TLS 1.2 or 1.3 ({admin.sock.version()})")
    check(admin.request("GET-VERSION APPEND", "ECHO hi", name="t1") == "BEGIN t1\r\n+002 001 0.3\r\n+009 002 hi\r\nEND\r\n",
          "a request with APPEND over TLS")
    check(admin.request("LIST") == "BEGIN\r\n+004 001 demo vault\r\nEND\r\n", "admin lists every card")
    alice = Client(port, ca, alice_cert, alice_key)
    check(alice.request("LIST") == "BEGIN\r\n+004 001 demo\r\nEND\r\n", "alice lists only the card users.txt gives her")
    check(alice.request("POWERON vault") == "BEGIN\r\n-408 001 POWERON invalid SEID (vault)\r\nEND\r\n",
          "a card alice may not see is an invalid SEID")

    # Two sessions contend for a card.
    r = admin.request("POWERON demo")
    check(r.startswith("BEGIN\r\n+008 001 SEID demo has been powered on, ATR=3B"), "admin powers the demo card on")
    check(alice.request("POWERON demo") == "BEGIN\r\n-708 001 POWERON error, SEID demo In Use, SHUTDOWN is required\r\nEND\r\n",
          "alice gets -708 In Use")
    check(alice.request(f"APDU demo {SELECT_DEMO}").startswith("BEGIN\r\n-706 001"), "and -706 for an APDU")
    admin.close()  # the end of the owning session powers the card off and releases it
    wait_for(lambda: alice.request("POWERON demo").startswith("BEGIN\r\n+008"), 10,
             "the card to be released when admin's session ends")
    check(True, "alice takes the card after admin's session ended")

    # SELECT gating and the APDU filter (nopin.txt: no VERIFY).
    check(alice.request("APDU demo 0084000008") ==
          "BEGIN\r\n-606 001 APDU error, SEID demo, no AID has been selected on channel 0\r\nEND\r\n",
          "no APDU reaches the card before a permitted SELECT")
    check(alice.request(f"APDU demo {SELECT_DEMO}") == "BEGIN\r\n+006 001 6F0A8408F0534553414D45019000\r\nEND\r\n",
          "the permitted SELECT passes")
    check(alice.request("APDU demo 002000810431323334") ==
          "BEGIN\r\n-606 001 APDU error, SEID demo, APDU has been firewalled\r\nEND\r\n",
          "VERIFY is refused by alice's filter")
    r = alice.request("APDU demo 0084000008")
    check(r.startswith("BEGIN\r\n+006 001 ") and r.endswith("9000\r\nEND\r\n") and len(r) == 7 + 9 + 20 + 2 + 5,
          "GET CHALLENGE passes the filter")
    check(alice.request("SHUTDOWN demo") == "BEGIN\r\n+007 001 SEID demo has been powered off\r\nEND\r\n", "SHUTDOWN")

    # Garbage closes that session only; an oversize line too.
    bob = Client(port, ca, admin_cert, admin_key)
    bob.send(b"\x00\xff\xfe garbage\r\n")
    r = bob.response()
    check(r is not None and r.startswith("BEGIN\r\n-305 000"), f"garbage gets a protocol error ({r!r})")
    check(bob.closed(), "and the session is closed")
    check(alice.request("ECHO still-here") == "BEGIN\r\n+009 001 still-here\r\nEND\r\n", "while another session goes on")
    carol = Client(port, ca, admin_cert, admin_key)
    carol.send("BEGIN\r\nECHO " + "A" * 3000)
    r = carol.response()
    check(r == "BEGIN\r\n-303 000 Line longer than 1024 bytes\r\nEND\r\n", f"an oversize line gets -303 ({r!r})")
    check(carol.closed(), "and the session is closed")
    dave = Client(port, ca, admin_cert, admin_key)
    dave.send("BEGIN\r\nFROBNICATE\r\n")
    check(dave.response() == "BEGIN\r\n-100 001 FROBNICATE unknown command\r\nEND\r\n" and dave.closed(),
          "an unknown command gets -100 and closes the session")

    # A slow client: idle_timeout = 3 s.
    slow = Client(port, ca, admin_cert, admin_key)
    slow.send("BEGIN\r\nECHO partial")  # an unfinished request, then silence
    t0 = time.monotonic()
    slow.sock.settimeout(0.5)
    gone = False
    while not gone and time.monotonic() - t0 < 15:
        try:
            gone = slow.sock.recv(1) == b""
        except (socket.timeout, TimeoutError):
            # alice keeps talking meanwhile, so only the silent session times out
            check(alice.request("ECHO ping") == "BEGIN\r\n+009 001 ping\r\nEND\r\n", "alice is busy")
        except (ssl.SSLError, ConnectionResetError, OSError):
            gone = True
    check(gone, "a silent client is disconnected")
    took = time.monotonic() - t0
    check(2.0 <= took <= 10.0, f"after the idle timeout ({took:.1f}s)")
    check(alice.request("ECHO after-idle") == "BEGIN\r\n+009 001 after-idle\r\nEND\r\n", "other sessions go on")

    # Refused clients.
    other_dir = os.path.join(tmp, "other-ca")
    os.makedirs(other_dir)
    other_ca, other_ca_key = os.path.join(other_dir, "ca.pem"), os.path.join(other_dir, "ca.key")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", other_ca_key,
            "-subj", "/CN=other CA", "-days", "2", "-out", other_ca)
    wrong_cert, wrong_key = make_client_cert(other_dir, "admin", other_ca, other_ca_key)
    check(refused(port, ca, wrong_cert, wrong_key), "a client certificate from another CA is refused")
    expired_cert, expired_key = make_expired_cert(tmp, "admin-expired", ca, ca_key)
    check(refused(port, ca, expired_cert, expired_key), "an expired client certificate is refused")
    check(refused(port, ca), "a client without a certificate is refused")
    check(refused(port, ca, admin_cert, admin_key, max_version=ssl.TLSVersion.TLSv1_1), "TLS 1.1 is refused")
    mallory_cert, mallory_key = make_client_cert(tmp, "mallory", ca, ca_key)
    m = Client(port, ca, mallory_cert, mallory_key)
    check(m.response() == "BEGIN\r\n-600 000 user mallory is not authorized\r\nEND\r\n" and m.closed(),
          "a CN that is no RACS user gets -600 and is disconnected")
    check(alice.request("ECHO last") == "BEGIN\r\n+009 001 last\r\nEND\r\n", "alice's session survived all of it")
    alice.close()

    # The audit trail.
    audit_path = os.path.join(state, "audit.log")
    wait_for(lambda: os.path.exists(audit_path) and "user=alice end" in read_log(audit_path), 10, "alice's session end")
    audit = read_log(audit_path)
    check("user=alice start peer=127.0.0.1:" in audit, "audit: session start with the CN")
    check(f"card=demo select aid={DEMO_AID} channel=0 permitted" in audit, "audit: the SELECTed AID")
    check("refused CLA=00 INS=20 P1=00 P2=81 Lc=4" in audit, "audit: the refused VERIFY, by header")
    check("31323334" not in audit and "31323334" not in read_log(log), "the PIN appears in no log")
    check('user=mallory refused reason="unknown user"' in audit, "audit: the refused CN")
    for why in ("unable to get local issuer certificate", "certificate has expired",
                "peer did not return a certificate", "unsupported protocol"):
        check(f"handshake-failed reason=" in audit and why in audit, f"audit: handshake refused for {why}")
    check((os.stat(audit_path).st_mode & 0o777) == 0o600, "the audit log is 0600")

    # SIGHUP reloads the tables: a broken users.txt changes nothing, a fixed one takes effect.
    import signal
    users_txt = os.path.join(acl, "users.txt")
    with open(users_txt, "w") as f:
        f.write("admin all\nalice\n")  # alice without a SEID count: malformed
    p.send_signal(signal.SIGHUP)
    wait_for(lambda: "access tables not reloaded" in read_log(log), 10, "the refused reload to be logged")
    a2 = Client(port, ca, alice_cert, alice_key)
    check(a2.request("LIST") == "BEGIN\r\n+004 001 demo\r\nEND\r\n", "a malformed table leaves the old tables in force")
    a2.close()
    with open(users_txt, "w") as f:
        f.write("admin all\n")  # alice removed
    p.send_signal(signal.SIGHUP)
    wait_for(lambda: "access tables reloaded (1 users)" in read_log(log), 10, "the reload to be logged")
    a3 = Client(port, ca, alice_cert, alice_key)
    check(a3.response() == "BEGIN\r\n-600 000 user alice is not authorized\r\nEND\r\n" and a3.closed(),
          "after SIGHUP a user removed from users.txt is refused")
    check("access tables reloaded users=1" in read_log(audit_path), "audit: the reload")

    rc = children.stop(p)
    check(rc == 0, f"sesamed stops cleanly with RACS sessions ({rc})")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sesamed", required=True)
    ap.add_argument("--sesame", required=True)
    a = ap.parse_args()
    if subprocess.run(["which", "openssl"], capture_output=True).returncode != 0:
        print("SKIPPED: no openssl command")
        sys.exit(77)
    main(lambda tmp, children: body(tmp, children, a.sesamed, a.sesame))
