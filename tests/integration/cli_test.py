"""Drives the built `sesame` CLI on a temporary state dir: cards, applets, APDUs and scripts,
and its error handling (message on stderr, non-zero exit)."""

import argparse
import os
import stat
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(__file__))
from harness import check, main, run  # noqa: E402

DEMO_AID = "F0534553414D4501"
SELECT_DEMO = "00A4040008" + DEMO_AID


def body(tmp, _children, sesame):
    state = os.path.join(tmp, "state")

    def cli(*args):
        return run([sesame, "--state-dir", state, *args])

    r = cli("card", "list")
    check(r.returncode == 1 and "no sesame state" in r.stderr, "card list on a missing state dir fails clearly")
    check(not os.path.exists(os.path.join(state, "sesame.db")), "a read-only command does not create a state dir")

    r = cli("card", "create", "--seid", "it-card", "--label", "integration")
    check(r.returncode == 0 and r.stdout.strip() == "it-card", f"card create prints the SEID ({r.stdout!r} {r.stderr!r})")
    mode = stat.S_IMODE(os.stat(os.path.join(state, "master.key")).st_mode)
    check(mode == 0o600, f"master key is mode 0600 (got {oct(mode)})")

    r = cli("card", "create")
    check(r.returncode == 0 and len(r.stdout.strip()) > 0, "card create without --seid picks a SEID")
    random_seid = r.stdout.strip()

    r = cli("card", "create", "--seid", "it-card")
    check(r.returncode == 1 and "sesame: error:" in r.stderr, "creating an existing SEID fails")

    r = cli("card", "list")
    check(r.returncode == 0 and sorted(r.stdout.split()) == sorted(["it-card", random_seid]), f"card list shows both ({r.stdout!r})")

    r = cli("applet", "install", "it-card", "sesame.demo", DEMO_AID)
    check(r.returncode == 0, f"applet install ({r.stdout!r} {r.stderr!r})")
    r = cli("applet", "install", "it-card", "no.such.module", "F000000001")
    check(r.returncode == 1 and r.stderr.startswith("sesame: error:"), "installing an unknown module fails")
    r = cli("applet", "install", "it-card", "sesame.demo", "F0ZZ")
    check(r.returncode == 1 and "hex" in r.stderr.lower(), "a bad AID is refused")

    r = cli("card", "show", "it-card")
    check(r.returncode == 0 and "SEID:       it-card" in r.stdout, "card show names the card")
    check(DEMO_AID in r.stdout and "sesame.demo" in r.stdout and "SELECTABLE" in r.stdout,
          f"card show lists the demo applet as SELECTABLE ({r.stdout!r})")
    check("SECURED" in r.stdout, "card show gives the card life cycle")

    r = cli("apdu", "it-card", SELECT_DEMO, "00A4040008F0534553414D45FF")
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and len(lines) == 4, f"apdu prints one exchange per command ({r.stdout!r})")
    check(lines[0] == "> " + SELECT_DEMO and lines[1].endswith("9000 success"), "SELECT of the demo applet answers 9000")
    check(lines[3].startswith("< 6A82"), f"SELECT of an absent AID answers 6A82 ({lines[3]!r})")

    r = cli("apdu", "it-card", "00A4")
    check(r.returncode == 0 and r.stdout.startswith("> 00A4\n< 6") and "9000" not in r.stdout,
          f"a too-short APDU reaches the card and gets an error status word ({r.stdout!r})")
    r = cli("apdu", "it-card", "00A404Q0")
    check(r.returncode == 1 and "sesame: error:" in r.stderr, "bad hex in an APDU argument fails before sending")

    good = os.path.join(tmp, "good.apdu")
    with open(good, "w") as f:
        f.write(f"# select, then an unknown instruction\n{SELECT_DEMO} ; 9000\n\n00FF000000 ; 6DXX\n")
    r = cli("apdu", "it-card", "--script", good)
    check(r.returncode == 0 and r.stdout.count("> ") == 2, f"a matching script passes ({r.stdout!r} {r.stderr!r})")

    bad = os.path.join(tmp, "bad.apdu")
    with open(bad, "w") as f:
        f.write(f"{SELECT_DEMO} ; 9000\n00A4040008F0534553414D45FF ; 9000\n{SELECT_DEMO}\n")
    r = cli("apdu", "it-card", "--script", bad)
    check(r.returncode == 1 and "bad.apdu:2: expected 9000, got 6A82" in r.stderr, f"a mismatch names the line ({r.stderr!r})")
    check(r.stdout.count("> ") == 2, "the script stops at the first mismatch")

    broken = os.path.join(tmp, "broken.apdu")
    with open(broken, "w") as f:
        f.write("00A4040000 ; 90\n")
    r = cli("apdu", "it-card", "--script", broken)
    check(r.returncode == 1 and "line 1" in r.stderr, "a malformed script is refused before anything is sent")

    r = cli("apdu", "it-card")
    check(r.returncode == 2, "apdu without APDUs or a script is a usage error (exit 2)")
    r = cli("apdu", "no-such-card", SELECT_DEMO)
    check(r.returncode == 1 and "no-such-card" in r.stderr, "apdu to an unknown SEID fails and names it")
    r = cli("bogus")
    check(r.returncode == 2, "an unknown command is a usage error (exit 2)")

    r = cli("card", "delete", random_seid)
    check(r.returncode == 0, "card delete")
    r = cli("card", "list")
    check(r.stdout.split() == ["it-card"], "the deleted card is gone")
    r = cli("card", "delete", random_seid)
    check(r.returncode == 1 and random_seid in r.stderr, "deleting it again fails")

    # State persists across invocations: the demo applet is still installed and selectable.
    r = cli("apdu", "it-card", SELECT_DEMO)
    check(r.returncode == 0 and "9000" in r.stdout, "the applet survives across CLI runs")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sesame", required=True)
    a = ap.parse_args()
    main(lambda tmp, children: body(tmp, children, a.sesame))
