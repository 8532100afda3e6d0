"""Drives `sesame gp personalise|store-data|get-data` on a temporary state dir, and get-data and
personalise over RACS against the real sesamed: the demo applet personalised from a DGI file
(INSTALL [for personalization] + STORE DATA, a PIN sent encrypted under K-DEK) and then used through
`sesame apdu`; the ISD's IIN/CIN set with STORE DATA and read back with GET DATA; refusals exit 1
naming the status word and apply nothing; a malformed DGI file is refused naming its line.
Security domains and delegated management: put-dm-keys, install-sd, a delegated install with the ISD
owner's token (receipt verified), the SSD listing and personalising only its own application, no
token / another key's token refused with 6982, a wrong receipt key noticed, delete; a delegated
install over RACS."""

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

    delegated_management(tmp, cli)

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

    # A delegated install over RACS: the SSD and keys were set up locally on gp-dm, served by sesamed.
    dm_url = f"racs://localhost:{port}/gp-dm"
    r = cli("gp", "install", "F0534553414D450B", "--url", dm_url, *DEMO_MODULE, "--sd", SSD_AID,
            "--token-key", os.path.join(tmp, "owner.pem"), "--receipt-key", RECEIPT_KEY)
    check(r.returncode == 0 and "(receipt verified)" in r.stdout, f"delegated install over RACS ({r.stdout!r} {r.stderr!r})")


SSD_AID = "A000000151535001"
APP_AID = "F0534553414D450A"
RECEIPT_KEY = "000102030405060708090A0B0C0D0E0F"
DEMO_MODULE = ("--load-file", "F0534553414D450001", "--module", "F0534553414D45000101")


def delegated_management(tmp, cli):
    """A supplementary security domain with Delegated Management installs, personalises and deletes
    its own application with tokens of the ISD owner (docs/GP.md); refusals exit 1 with the SW."""
    owner = os.path.join(tmp, "owner.pem")
    stranger = os.path.join(tmp, "stranger.pem")
    for path in (owner, stranger):
        r = run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path])
        check(r.returncode == 0, f"openssl genpkey ({r.stderr!r})")
    check(cli("card", "create", "--seid", "gp-dm").returncode == 0, "card create gp-dm")
    r = cli("gp", "put-dm-keys", "gp-dm", "--token-key", owner, "--receipt-key", RECEIPT_KEY)
    check(r.returncode == 0, f"put-dm-keys ({r.stdout!r} {r.stderr!r})")
    r = cli("gp", "install-sd", SSD_AID, "gp-dm", "--privileges", "A0")
    check(r.returncode == 0, f"install-sd ({r.stdout!r} {r.stderr!r})")

    r = cli("gp", "install", APP_AID, "gp-dm", *DEMO_MODULE, "--sd", SSD_AID)
    check(r.returncode == 1 and "6982" in r.stderr, f"no token: 6982 ({r.stderr!r})")
    r = cli("gp", "install", APP_AID, "gp-dm", *DEMO_MODULE, "--sd", SSD_AID, "--token-key", stranger)
    check(r.returncode == 1 and "6982" in r.stderr, f"a token of another key: 6982 ({r.stderr!r})")
    r = cli("gp", "install", APP_AID, "gp-dm", *DEMO_MODULE, "--sd", SSD_AID, "--token-key", owner,
            "--receipt-key", RECEIPT_KEY)
    check(r.returncode == 0 and "confirmation counter 1 (receipt verified)" in r.stdout,
          f"delegated install ({r.stdout!r} {r.stderr!r})")
    r = cli("gp", "list", "gp-dm", "--sd", SSD_AID)
    check(r.returncode == 0 and f"APP: {APP_AID}" in r.stdout and f"Security domain: {SSD_AID}" in r.stdout
          and "ISD:" not in r.stdout, f"the SSD lists only its own ({r.stdout!r} {r.stderr!r})")

    dgi = os.path.join(tmp, "ssd.dgi")
    with open(dgi, "w") as f:
        f.write("0200 00000007\n")
    r = cli("gp", "personalise", APP_AID, "gp-dm", "--dgi-file", dgi)
    check(r.returncode == 1 and "6985" in r.stderr, f"the ISD does not personalise the SSD's application ({r.stderr!r})")
    r = cli("gp", "personalise", APP_AID, "gp-dm", "--dgi-file", dgi, "--sd", SSD_AID, "--level", "33")
    check(r.returncode == 0, f"the SSD personalises its own ({r.stdout!r} {r.stderr!r})")
    r = cli("apdu", "gp-dm", "00A4040008" + APP_AID, "8011000000")
    check("< 00000007 9000" in r.stdout, f"the counter was personalised ({r.stdout!r})")

    r = cli("gp", "delete", APP_AID, "gp-dm", "--sd", SSD_AID, "--token-key", owner, "--receipt-key", "00" * 16)
    check(r.returncode == 1 and "receipt does not verify" in r.stderr, f"a wrong receipt key is noticed ({r.stderr!r})")
    r = cli("gp", "get-data", "gp-dm", "00C2")
    check(r.returncode == 0 and r.stdout.strip() == "C2020002", f"the confirmation counter ({r.stdout!r})")
    r = cli("gp", "list", "gp-dm", "--sd", SSD_AID)
    check(APP_AID not in r.stdout, f"deleted ({r.stdout!r})")


if __name__ == "__main__":
    main_with_binaries(body)
