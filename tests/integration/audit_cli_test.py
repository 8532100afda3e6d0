"""`sesame audit`: appends, show, verify, and tampering done directly on the SQLite file (python
sqlite3) and by restoring an older copy of the database: verify must fail (exit 1) and say why."""

import argparse
import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(__file__))
from harness import check, main, run  # noqa: E402


def entry_key(seq):
    return b"e/%020d" % seq


def body(tmp, _children, sesame):
    state = os.path.join(tmp, "state")
    db = os.path.join(state, "sesame.db")

    def cli(*args):
        return run([sesame, "--state-dir", state, *args])

    def connect(path):
        # closing(): a sqlite3 connection's own context manager only commits, it does not close.
        return contextlib.closing(sqlite3.connect(path, isolation_level=None))

    def copy_db(dst):
        # The online backup API: a consistent copy whatever the WAL holds.
        with connect(db) as src, connect(dst) as out:
            src.backup(out)

    def restore(src):
        for suffix in ("-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        shutil.copyfile(src, db)

    r = cli("audit", "verify")
    check(r.returncode == 1 and "no sesame state" in r.stderr, f"verify without a state dir fails ({r.stderr!r})")
    check(cli("card", "create", "--seid", "c1").returncode == 0, "card create makes the state dir")
    r = cli("audit", "verify")
    check(r.returncode == 1 and "audit" in r.stderr, f"verify without a log fails ({r.stderr!r})")

    anchors = []
    for i in range(1, 6):
        r = cli("audit", "append", "--actor", f"CN=holder{i},O=Example", "--action", "sign", "--object", f"key-{i}",
                "--decision", "denied" if i == 4 else "allowed", "--detail", "sha256 digest")
        check(r.returncode == 0 and r.stdout.startswith(f"{i}:"), f"append {i} prints its anchor ({r.stdout!r} {r.stderr!r})")
        anchors.append(r.stdout.strip())
        if i == 3:
            copy_db(os.path.join(tmp, "after3.db"))
    mode = os.stat(os.path.join(state, "audit.key")).st_mode & 0o777
    check(mode == 0o600, f"the audit key is mode 0600 ({oct(mode)})")
    r = cli("audit", "append", "--actor", "CN=x", "--action", "sign", "--detail", "bell\x07")
    check(r.returncode == 1, "a control character in a field is refused")
    r = cli("audit", "append", "--actor", "CN=x", "--action", "sign", "--decision", "maybe")
    check(r.returncode == 1, "an unknown decision is refused")

    r = cli("card", "list")
    check(r.returncode == 0, "card list still works next to the audit log")

    r = cli("audit", "verify")
    check(r.returncode == 0 and "OK: 5 entries" in r.stdout and anchors[4] in r.stdout,
          f"verify passes and prints the head anchor ({r.stdout!r} {r.stderr!r})")
    r = cli("audit", "show")
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and len(lines) == 5, f"show prints five entries ({r.stdout!r})")
    check(lines[3].startswith("4  ") and "denied" in lines[3] and "CN=holder4,O=Example" in lines[3],
          f"entry 4 shows its decision and actor ({lines[3]!r})")
    r = cli("audit", "show", "--since", "4")
    check(len(r.stdout.splitlines()) == 2, "show --since 4 prints two")

    pub = os.path.join(tmp, "audit.pub")
    r = cli("audit", "pubkey")
    check(r.returncode == 0 and "BEGIN PUBLIC KEY" in r.stdout, "pubkey prints a PEM public key")
    with open(pub, "w") as f:
        f.write(r.stdout)
    r = cli("audit", "verify", "--pubkey", pub, "--anchor", anchors[4])
    check(r.returncode == 0, f"verify with the exported key and the latest anchor ({r.stderr!r})")

    other = os.path.join(tmp, "other.pub")
    key = subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
                         capture_output=True, check=True).stdout
    with open(other, "wb") as f:
        f.write(subprocess.run(["openssl", "pkey", "-pubout"], input=key, capture_output=True, check=True).stdout)
    r = cli("audit", "verify", "--pubkey", other)
    check(r.returncode == 1 and "at entry 1" in r.stderr and "another key" in r.stderr,
          f"verify with a wrong key fails at entry 1 ({r.stderr!r})")

    good = os.path.join(tmp, "good.db")
    copy_db(good)

    # A byte of entry 3's sealed blob changed in the file.
    with connect(db) as c:
        blob = bytearray(c.execute("SELECT blob FROM records WHERE card_id='~audit' AND key=?", (entry_key(3),)).fetchone()[0])
        blob[len(blob) // 2] ^= 1
        c.execute("UPDATE records SET blob=? WHERE card_id='~audit' AND key=?", (bytes(blob), entry_key(3)))
    r = cli("audit", "verify")
    check(r.returncode == 1 and "at entry 3" in r.stderr and "e/00000000000000000003" in r.stderr,
          f"an altered row fails verification and names the record ({r.stderr!r})")

    # Entry 3's row deleted.
    restore(good)
    with connect(db) as c:
        c.execute("DELETE FROM records WHERE card_id='~audit' AND key=?", (entry_key(3),))
    r = cli("audit", "verify")
    check(r.returncode == 1 and "at entry 3" in r.stderr and "missing" in r.stderr, f"a deleted row fails verification ({r.stderr!r})")

    # Entries 2 and 3 swapped (their sealed rows): the seal binds a row to its key.
    restore(good)
    with connect(db) as c:
        rows = {k: (v, b) for k, v, b in c.execute(
            "SELECT key, version, blob FROM records WHERE card_id='~audit' AND key IN (?, ?)", (entry_key(2), entry_key(3)))}
        for k, other_k in ((entry_key(2), entry_key(3)), (entry_key(3), entry_key(2))):
            v, b = rows[other_k]
            c.execute("UPDATE records SET version=?, blob=? WHERE card_id='~audit' AND key=?", (v, b, k))
    r = cli("audit", "verify")
    check(r.returncode == 1 and "verification failed" in r.stderr, f"swapped rows fail verification ({r.stderr!r})")

    # The whole database rolled back to an older copy: a consistent, shorter log. Only the anchor
    # taken at entry 5 shows the truncation.
    restore(os.path.join(tmp, "after3.db"))
    r = cli("audit", "verify")
    check(r.returncode == 0 and "OK: 3 entries" in r.stdout, f"a rolled-back log alone looks valid ({r.stdout!r})")
    r = cli("audit", "verify", "--anchor", anchors[4])
    check(r.returncode == 1 and "at entry 4" in r.stderr and "truncated" in r.stderr,
          f"the anchor reveals the truncation ({r.stderr!r})")
    r = cli("audit", "verify", "--anchor", "3:" + "00" * 32)
    check(r.returncode == 1 and "differs from the anchor" in r.stderr, "a wrong anchor hash is reported")
    r = cli("audit", "verify", "--anchor", "nonsense")
    check(r.returncode == 1 and "anchor" in r.stderr, "a malformed anchor is refused")

    restore(good)
    r = cli("audit", "verify", "--anchor", anchors[2])
    check(r.returncode == 0 and "OK: 5 entries" in r.stdout, "the restored log verifies against an older anchor")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sesame", required=True)
    a = ap.parse_args()
    main(lambda tmp, children: body(tmp, children, a.sesame))
