"""The RACS listener's limits and TLS policy against the built sesamed, over real TLS with python3's
ssl module: TLS 1.2 without an AEAD cipher refused (with one, accepted), no TLS session resumption
(every session shows its client certificate again), racs.max_sessions (the next connection is
turned away until one ends), racs.handshake_timeout (a TCP client that never starts TLS is
dropped), no answer to plaintext, racs.session_lifetime (a busy session ends anyway), and a client that stops reading its
responses (racs.idle_timeout counts a blocked write as idle). Every other session goes on."""

import os
import socket
import ssl
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(__file__))
from harness import check, start_sesamed, main_with_binaries, read_log, run, wait_for  # noqa: E402
from racs_test import Client, free_port  # noqa: E402

MAX_SESSIONS = 4
HANDSHAKE_TIMEOUT = 2
IDLE_TIMEOUT = 3
LIFETIME = 10


def tls12_client(port, pki, ciphers):
    """A TLS 1.2 client offering only `ciphers` (OpenSSL names)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(pki, "ca.pem"))
    ctx.load_cert_chain(os.path.join(pki, "admin.pem"), os.path.join(pki, "admin.key"))
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(ciphers)
    raw = socket.create_connection(("127.0.0.1", port), timeout=15)
    return ctx, ctx.wrap_socket(raw, server_hostname="localhost")


def echo_ok(sock, word):
    sock.sendall(f"BEGIN\r\nECHO {word}\r\nEND\r\n".encode())
    buf = b""
    while b"END\r\n" not in buf:
        data = sock.recv(4096)
        if not data:
            return False
        buf += data
    return buf.decode() == f"BEGIN\r\n+009 001 {word}\r\nEND\r\n"


def gone_within(sock, seconds, keep_busy=None):
    """True if the server closes `sock` within `seconds`; `keep_busy` runs meanwhile (other sessions)."""
    sock.settimeout(0.25)
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        try:
            if sock.recv(1) == b"":
                return True
        except (socket.timeout, TimeoutError):
            if keep_busy:
                keep_busy()
        except (ssl.SSLError, ConnectionResetError, OSError):
            return True
    return False


def body(tmp, children, sesamed, sesame):
    state = os.path.join(tmp, "state")
    port = free_port()
    config = os.path.join(tmp, "sesamed.toml")
    with open(config, "w") as f:
        f.write(f"""
[server]
log_level = "debug"
[racs]
enabled = true
port = {port}
max_sessions = {MAX_SESSIONS}
handshake_timeout = {HANDSHAKE_TIMEOUT}
idle_timeout = {IDLE_TIMEOUT}
session_lifetime = {LIFETIME}
audit_log = "audit.log"
[racs.users]
admin = "all"
""")
    r = run([sesame, "--state-dir", state, "--config", config, "card", "create", "--seid", "demo"])
    check(r.returncode == 0, f"sesame card create ({r.stderr.strip()})")
    log = os.path.join(tmp, "sesamed.log")
    p = start_sesamed(children, sesamed, config, state, log)
    pki = os.path.join(state, "pki")
    ca, cert, key = (os.path.join(pki, n) for n in ("ca.pem", "admin.pem", "admin.key"))

    # No plaintext: RACS text sent without TLS gets no RACS answer, only the connection closed.
    plain = socket.create_connection(("127.0.0.1", port), timeout=15)
    plain.sendall(b"BEGIN\r\nLIST\r\nEND\r\n")
    got = b""
    try:
        while True:
            data = plain.recv(4096)
            if not data:
                break
            got += data
    except (ConnectionResetError, OSError):
        pass
    plain.close()
    check(b"BEGIN" not in got and b"+004" not in got and b"demo" not in got,
          f"a plaintext request gets no RACS answer ({got[:40]!r})")

    # TLS policy: TLS 1.2 only with AEAD suites.
    try:
        _, s = tls12_client(port, pki, "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA")
        refused_cbc = not echo_ok(s, "cbc")
        s.close()
    except (ssl.SSLError, ConnectionResetError, OSError):
        refused_cbc = True
    check(refused_cbc, "TLS 1.2 offering only CBC-HMAC suites is refused")
    _, s = tls12_client(port, pki, "ECDHE-ECDSA-AES128-GCM-SHA256")
    check(s.version() == "TLSv1.2" and s.cipher()[0] == "ECDHE-ECDSA-AES128-GCM-SHA256" and echo_ok(s, "gcm"),
          f"TLS 1.2 with an AEAD suite is served ({s.cipher()})")

    # No resumption: a second connection offering the first one's session does a full handshake.
    ctx, first = tls12_client(port, pki, "ECDHE-ECDSA-AES128-GCM-SHA256")
    check(echo_ok(first, "one"), "a first TLS 1.2 session")
    session = first.session
    first.close()
    s.close()
    raw = socket.create_connection(("127.0.0.1", port), timeout=15)
    second = ctx.wrap_socket(raw, server_hostname="localhost", session=session)
    check(echo_ok(second, "two") and not second.session_reused, "TLS 1.2: the offered session is not resumed")
    second.close()
    c13 = Client(port, ca, cert, key)
    check(c13.request("ECHO t13") == "BEGIN\r\n+009 001 t13\r\nEND\r\n", "a TLS 1.3 session")
    check(c13.sock.session is None or not c13.sock.session.has_ticket, "TLS 1.3: the server issues no ticket")
    c13.close()

    # racs.max_sessions: one more connection is turned away; after one ends, room again.
    wait_for(lambda: "user=admin end" in read_log(os.path.join(state, "audit.log")), 10, "the sessions to end")
    time.sleep(0.5)
    held = [Client(port, ca, cert, key) for _ in range(MAX_SESSIONS)]
    check(all(c.request("ECHO held") == "BEGIN\r\n+009 001 held\r\nEND\r\n" for c in held),
          f"{MAX_SESSIONS} sessions (racs.max_sessions) are served")
    try:
        extra = Client(port, ca, cert, key)
        turned_away = extra.request("ECHO extra") is None
        extra.close()
    except (ssl.SSLError, ConnectionResetError, OSError):
        turned_away = True
    check(turned_away, "one more session is turned away")
    check("racs.max_sessions" in read_log(log), "sesamed logs why it refused the connection")
    check(held[0].request("ECHO still") == "BEGIN\r\n+009 001 still\r\nEND\r\n", "the held sessions go on")
    held.pop().close()

    def room_again():
        try:
            c = Client(port, ca, cert, key)
        except (ssl.SSLError, ConnectionResetError, OSError):
            return False
        ok = c.request("ECHO room") == "BEGIN\r\n+009 001 room\r\nEND\r\n"
        held.append(c)
        return ok
    wait_for(room_again, 10, "a session slot to free up")
    check(True, "after a session ends a new one is served")
    for c in held:
        c.close()

    def client_when_room():
        """A new session once the server has noticed the closed ones (it removes them asynchronously)."""
        t0 = time.monotonic()
        while True:
            try:
                c = Client(port, ca, cert, key)
                if c.request("ECHO hi") == "BEGIN\r\n+009 001 hi\r\nEND\r\n":
                    return c
                c.close()
            except (ssl.SSLError, ConnectionResetError, OSError):
                pass
            check(time.monotonic() - t0 < 10, "sessions closed by their clients free their slots")
            time.sleep(0.2)

    # racs.handshake_timeout: a client that connects and never starts TLS is dropped.
    busy = client_when_room()

    def keep_busy():
        check(busy.request("ECHO busy") == "BEGIN\r\n+009 001 busy\r\nEND\r\n", "another session is served meanwhile")

    mute = socket.create_connection(("127.0.0.1", port), timeout=15)
    t0 = time.monotonic()
    check(gone_within(mute, HANDSHAKE_TIMEOUT + 8, keep_busy), "a client that never starts TLS is dropped")
    took = time.monotonic() - t0
    check(HANDSHAKE_TIMEOUT - 0.5 <= took <= HANDSHAKE_TIMEOUT + 5,
          f"after racs.handshake_timeout ({took:.1f}s, limit {HANDSHAKE_TIMEOUT}s)")
    mute.close()
    check("handshake timeout" in read_log(log), "sesamed logs the handshake timeout")

    # A client that stops reading: its responses fill the socket buffers, the server's write blocks,
    # and the session is idle for racs.idle_timeout although requests keep arriving.
    busy.close()
    busy = client_when_room()  # a fresh one, well inside its racs.session_lifetime
    stuck = client_when_room()
    stuck.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.sock.settimeout(0.2)
    request = ("BEGIN\r\n" + "ECHO " + "Z" * 200 + " APPEND\r\n" * 1 + "END\r\n").encode()
    t0 = time.monotonic()
    idle_ends = lambda: read_log(log).count("ended: idle timeout")  # noqa: E731
    last_busy = t0
    while idle_ends() == 0 and time.monotonic() - t0 < IDLE_TIMEOUT + 10:
        if time.monotonic() - last_busy > 1:
            keep_busy()  # the other session stays active meanwhile
            last_busy = time.monotonic()
        try:
            stuck.sock.send(request)
        except (socket.timeout, TimeoutError, ssl.SSLWantWriteError):
            time.sleep(0.2)  # both directions full: only the server can end this
        except (ssl.SSLError, ConnectionResetError, BrokenPipeError, OSError):
            break
    took = time.monotonic() - t0
    check(idle_ends() == 1, f"sesamed ends the session that does not read its responses ({took:.1f}s)")
    check(took >= IDLE_TIMEOUT - 0.5, f"no sooner than racs.idle_timeout ({took:.1f}s)")
    # What was in flight can still be read; then the connection is closed.
    stuck.sock.settimeout(0.5)
    closed = False
    t1 = last_busy = time.monotonic()
    while not closed and time.monotonic() - t1 < 15:
        if time.monotonic() - last_busy > 1:
            keep_busy()
            last_busy = time.monotonic()
        try:
            closed = stuck.sock.recv(65536) == b""
        except (socket.timeout, TimeoutError):
            pass
        except (ssl.SSLError, ConnectionResetError, OSError):
            closed = True
    check(closed, "and its connection is closed")
    stuck.close()
    keep_busy()

    # racs.session_lifetime: a session that is never idle still ends.
    busy.close()
    lively = client_when_room()
    t0 = time.monotonic()
    ended = False
    while time.monotonic() - t0 < LIFETIME + 10:
        if lively.request("ECHO alive") != "BEGIN\r\n+009 001 alive\r\nEND\r\n":
            ended = True
            break
        time.sleep(0.1)
    took = time.monotonic() - t0
    check(ended, "a busy session is ended by racs.session_lifetime")
    check(LIFETIME - 0.5 <= took <= LIFETIME + 5, f"after the lifetime ({took:.1f}s, limit {LIFETIME}s)")
    lively.close()
    audit = read_log(os.path.join(state, "audit.log"))
    check("session lifetime over" in audit or "session lifetime over" in read_log(log), "the reason is logged")

    rc = children.stop(p)
    check(rc == 0, f"sesamed stops cleanly ({rc})")


if __name__ == "__main__":
    main_with_binaries(body)
