"""Drives `sesame gp personalise|store-data|get-data` on a temporary state dir, and get-data and
personalise over RACS against the real sesamed: the demo applet personalised from a DGI file
(INSTALL [for personalization] + STORE DATA, a PIN sent encrypted under K-DEK) and then used through
`sesame apdu`; the ISD's IIN/CIN set with STORE DATA and read back with GET DATA; refusals exit 1
naming the status word and apply nothing; a malformed DGI file is refused naming its line."""

import os
import socket
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(__file__))
from harness import check, main_with_binaries, read_log, run, wait_for  # noqa: E402

DEMO_AID = "F0534553414D4501"
SELECT_DEMO = "00A4040008F0534553414D4501"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def body(tmp, children, sesamed, sesame):
    state = os.path.join(tmp, "state")

    def cli(*args):
        return run([sesame, "--state-dir", state, *args])

    r = cli("card", "create", "--seid", "gp-card")
    check(r.returncode == 0, f"card create ({r.stderr!r})")
    r = cli("applet", "install", "gp-card", "sesame.demo", DEMO_AID)
    check(r.returncode == 0, f"applet install ({r.stderr!r})")

    # GET DATA without a secure channel: IIN/CIN not set yet, CPLC always.
    r = cli("gp", "get-data", "gp-card")
    check(r.returncode == 0 and "\nIIN: (not set)" in "\n" + r.stdout and "CPLC: 9F7F2A" in r.stdout,
          f"get-data lists every data object ({r.stdout!r} {r.stderr!r})")
    r = cli("gp", "get-data", "gp-card", "iin")
    check(r.returncode == 1 and "0042" in r.stderr, f"get-data iin before it is set exits 1 ({r.stderr!r})")

    r = cli("gp", "store-data", "gp-card", "--iin", "123456", "--cin", "0102030405060708")
    check(r.returncode == 0, f"store-data sets IIN and CIN ({r.stdout!r} {r.stderr!r})")
    r = cli("gp", "get-data", "gp-card", "iin")
    check(r.returncode == 0 and r.stdout.strip() == "IIN: 4203123456", f"get-data iin ({r.stdout!r})")
    r = cli("gp", "get-data", "gp-card", "0045")
    check(r.returncode == 0 and r.stdout.strip() == "45080102030405060708", f"get-data by tag ({r.stdout!r})")

    dgi = os.path.join(tmp, "demo.dgi")
    with open(dgi, "w") as f:
        f.write("# demo applet\n0200 0000002A\n0103 \"hello\"\n8101 enc \"2468\"\n")
    r = cli("gp", "personalise", DEMO_AID, "gp-card", "--dgi-file", dgi, "--level", "33")
    check(r.returncode == 0 and "with 3 DGIs" in r.stdout, f"personalise ({r.stdout!r} {r.stderr!r})")
    r = cli("apdu", "gp-card", SELECT_DEMO, "8011000000", "002000810432343638", "00B2011C00")
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and lines[3].startswith("< 0000002A 9000"), f"the counter was personalised ({r.stdout!r})")
    check(lines[5].startswith("< 9000"), "the new PIN verifies")
    check(lines[7].startswith("< 68656C6C6F 9000"), "the record was appended")

    # A PIN in clear is refused by the applet: exit 1 with the status word, nothing applied.
    with open(dgi, "w") as f:
        f.write("0200 00000001\n8101 \"1111\"\n")
    r = cli("gp", "personalise", DEMO_AID, "gp-card", "--dgi-file", dgi)
    check(r.returncode == 1 and "6A80" in r.stderr, f"a clear PIN DGI is refused ({r.stderr!r})")
    r = cli("apdu", "gp-card", SELECT_DEMO, "8011000000")
    check("< 0000002A 9000" in r.stdout, f"nothing of the refused sequence was applied ({r.stdout!r})")

    with open(dgi, "w") as f:
        f.write("0200 00000001\n0201 ABC\n")
    r = cli("gp", "personalise", DEMO_AID, "gp-card", "--dgi-file", dgi)
    check(r.returncode == 1 and "line 2" in r.stderr, f"a malformed DGI file names its line ({r.stderr!r})")

    # The same over RACS (the over-the-air path) against sesamed's demo card.
    port = free_port()
    config = os.path.join(tmp, "sesamed.toml")
    with open(config, "w") as f:
        f.write(f'[server]\nlisten_address = "127.0.0.1"\n[demo]\ncreate_cards = true\n'
                f'[racs]\nenabled = true\nport = {port}\n[racs.users]\nadmin = "all"\n')
    log = os.path.join(tmp, "sesamed.log")
    sd = children.start([sesamed, "--config", config, "--state-dir", state], log)
    wait_for(lambda: "sesamed running" in read_log(log) or sd.poll() is not None, 60, "sesamed to start")
    check(sd.poll() is None and "RACS listening" in read_log(log), "sesamed serves RACS")
    url = f"racs://localhost:{port}/gp-card"
    r = cli("gp", "get-data", "--url", url, "cin")
    check(r.returncode == 0 and r.stdout.strip() == "CIN: 45080102030405060708", f"get-data over RACS ({r.stdout!r} {r.stderr!r})")
    with open(dgi, "w") as f:
        f.write("0200 00000063\n")
    r = cli("gp", "personalise", DEMO_AID, "--url", url, "--dgi-file", dgi)
    check(r.returncode == 0, f"personalise over RACS ({r.stdout!r} {r.stderr!r})")


if __name__ == "__main__":
    main_with_binaries(body)
