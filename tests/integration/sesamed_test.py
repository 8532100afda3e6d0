"""Starts the built sesamed on a temporary state dir: configuration errors (exit 2), first start
(store, master key, dev PKI checked with the openssl command line tool, demo card), a clean stop on
SIGTERM and SIGINT (exit 0), and a second start that reuses everything."""

import argparse
import os
import signal
import stat
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(__file__))
from harness import check, main, read_log, run, wait_for  # noqa: E402

CONFIG = """
[server]
log_level = "debug"
[demo]
create_cards = true
"""


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def body(tmp, children, sesamed, sesame):
    state = os.path.join(tmp, "state")
    config = os.path.join(tmp, "sesamed.toml")
    with open(config, "w") as f:
        f.write(CONFIG)

    # Configuration errors: exit 2 and a line naming the key; nothing is created.
    bad = os.path.join(tmp, "bad.toml")
    with open(bad, "w") as f:
        f.write('[server]\nlisten_adress = "0.0.0.0"\n')
    r = run([sesamed, "--config", bad, "--state-dir", state])
    check(r.returncode == 2 and "server.listen_adress: unknown key" in r.stderr, f"unknown key -> exit 2 ({r.stderr!r})")
    with open(bad, "w") as f:
        f.write('[server]\nlog_level = "chatty"\n')
    r = run([sesamed, "--config", bad, "--state-dir", state])
    check(r.returncode == 2 and "server.log_level" in r.stderr, "bad value -> exit 2 naming the key")
    r = run([sesamed, "--config", config, "--state-dir", state, "--vpcd", "127.0.0.1"])
    check(r.returncode == 2 and "HOST:PORT" in r.stderr, "bad --vpcd -> exit 2")
    r = run([sesamed, "--state-dir", state])
    check(r.returncode == 2, "missing --config -> exit 2")
    check(not os.path.exists(state), "failed starts create nothing")

    # First start.
    log1 = os.path.join(tmp, "sesamed1.log")
    p = children.start([sesamed, "--config", config, "--state-dir", state], log1)
    wait_for(lambda: "sesamed running" in read_log(log1) or p.poll() is not None, 60, "sesamed to start")
    out = read_log(log1)
    check(p.poll() is None, "sesamed keeps running")
    check("created demo card SEID demo" in out, "first start creates the demo card and prints its SEID")
    check("1 card in the store: demo" in out, "and lists it (by SEID, loading no card)")
    check(mode(state) == 0o700, "state dir is 0700")
    check(os.path.exists(os.path.join(state, "sesame.db")), "database created")
    check(mode(os.path.join(state, "master.key")) == 0o600, "master key is 0600")
    pki = os.path.join(state, "pki")
    for key in ("ca.key", "server.key", "admin.key"):
        check(mode(os.path.join(pki, key)) == 0o600, f"pki/{key} is 0600")

    # The dev PKI as OpenSSL's own verifier sees it.
    ca = os.path.join(pki, "ca.pem")
    r = run(["openssl", "verify", "-CAfile", ca, "-purpose", "sslserver", "-verify_hostname", "localhost",
             os.path.join(pki, "server.pem")])
    check(r.returncode == 0, f"openssl verifies server.pem for localhost ({r.stdout.strip()} {r.stderr.strip()})")
    r = run(["openssl", "verify", "-CAfile", ca, "-purpose", "sslserver", "-verify_ip", "127.0.0.1",
             os.path.join(pki, "server.pem")])
    check(r.returncode == 0, "openssl verifies server.pem for 127.0.0.1")
    r = run(["openssl", "verify", "-CAfile", ca, "-purpose", "sslclient", os.path.join(pki, "admin.pem")])
    check(r.returncode == 0, "openssl verifies admin.pem as a TLS client certificate")
    r = run(["openssl", "x509", "-in", os.path.join(pki, "admin.pem"), "-noout", "-subject"])
    check("CN = admin" in r.stdout, f"admin certificate has CN admin ({r.stdout.strip()})")
    r = run(["openssl", "pkey", "-in", os.path.join(pki, "server.key"), "-noout"])
    check(r.returncode == 0, "openssl reads server.key")
    with open(ca) as f:
        ca_pem = f.read()

    # The CLI can read the state while sesamed has it open (SQLite WAL).
    r = run([sesame, "--state-dir", state, "card", "list"])
    check(r.returncode == 0 and r.stdout.split() == ["demo"], f"sesame card list works beside sesamed ({r.stdout!r} {r.stderr!r})")

    rc = children.stop(p, signal.SIGTERM)
    check(rc == 0, f"SIGTERM stops sesamed with exit 0 (got {rc})")
    check("SIGTERM received" in read_log(log1) and "stopped" in read_log(log1), "and it says so")

    # Second start: reuses PKI, store and cards.
    log2 = os.path.join(tmp, "sesamed2.log")
    p = children.start([sesamed, "--config", config, "--state-dir", state], log2)
    wait_for(lambda: "sesamed running" in read_log(log2) or p.poll() is not None, 60, "sesamed to start again")
    out = read_log(log2)
    check("created demo card" not in out and "1 card in the store: demo" in out, "second start lists the existing card")
    check("using development PKI" in out, "second start reuses the PKI")
    with open(ca) as f:
        check(f.read() == ca_pem, "the CA certificate is unchanged")
    rc = children.stop(p, signal.SIGINT)
    check(rc == 0, f"SIGINT stops sesamed with exit 0 (got {rc})")

    # A vpcd slot naming a card that does not exist is a startup failure.
    r = run([sesamed, "--config", config, "--state-dir", state, "--vpcd", "127.0.0.1:1,nope"])
    check(r.returncode == 1 and "no card nope" in r.stderr, f"--vpcd with an unknown SEID fails ({r.stderr[-300:]!r})")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sesamed", required=True)
    ap.add_argument("--sesame", required=True)
    a = ap.parse_args()
    main(lambda tmp, children: body(tmp, children, a.sesamed, a.sesame))
