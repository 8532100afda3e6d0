"""Drives `sesame pay` on a temporary state dir: a card with the PPSE and the payment applet
installed from a JSON profile, purchases online and offline, issuer scripts (71 before and 72 after
the second GENERATE AC), a blocked application and its unblocking, and the transaction log."""

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(__file__))
from harness import check, main, run  # noqa: E402

PPSE_AID = "325041592E5359532E4444463031"
PAY_AID = "A0000000041010"
PROFILE = {
    "pan": "5413330089010608", "psn": "01", "expiry": "491231", "effective": "240101",
    "label": "SESAME PAY", "name": "TEST/CARD",
    "limits": {"lower_consecutive_offline": 2, "upper_consecutive_offline": 3,
               "lower_cumulative_amount": 5000, "upper_cumulative_amount": 8000},
    # The test issuer master keys `sesame pay` uses by default (docs/EMV.md).
    "keys": {"issuer_master_key_ac": "0123456789ABCDEFFEDCBA9876543210",
             "issuer_master_key_smi": "FEDCBA98765432100123456789ABCDEF",
             "issuer_master_key_smc": "11111111111111112222222222222222",
             "pin": "1234"},
    "personal_code": {"mode": "tap_pin_tap", "entry_limit": 3000},
}


def body(tmp, _children, sesame):
    state = os.path.join(tmp, "state")

    def cli(*args):
        return run([sesame, "--state-dir", state, *args])

    def pay(*args):
        r = cli("pay", "pay-card", "--date", "261208", *args)
        print(r.stdout, r.stderr, sep="\n")
        return r

    check(cli("card", "create", "--seid", "pay-card").returncode == 0, "card create")
    r = cli("applet", "install", "pay-card", "sesame.emv.ppse", PPSE_AID)
    check(r.returncode == 0, f"PPSE installed ({r.stderr!r})")
    r = cli("applet", "install", "pay-card", "sesame.emv.payment", PAY_AID,
            "--params", json.dumps(PROFILE).encode().hex())
    check(r.returncode == 0, f"payment applet installed from its profile ({r.stderr!r})")

    r = pay("--amount", "1250")
    check(r.returncode == 0 and "Outcome:      approved (online)" in r.stdout, "an online purchase is approved")
    check("Cryptogram:   TC " in r.stdout and "ARC:          00" in r.stdout, "TC after the issuer's ARC 00")
    check("TVR:          8000008000" in r.stdout, "TVR: no ODA (no CA key in the CLI), floor limit reached")
    check("CVR:          6010" in r.stdout, f"CVR: ARQC then TC, issuer authentication performed ({r.stdout!r})")
    check("ATC 0001  TC  amount 000000001250  currency 0978  date 261208" in r.stdout, "the log holds the purchase")

    r = pay("--amount", "500", "--mode", "offline")
    check(r.returncode == 0 and "approved (offline)" in r.stdout, "an offline purchase below the limits is approved")
    log = [l for l in r.stdout.splitlines() if l.startswith("  ATC ")]
    check(len(log) == 2 and log[0].startswith("  ATC 0002  TC"), f"the log has both, most recent first ({log!r})")

    r = pay("--amount", "100", "--script", "block")
    check(r.returncode == 3 and "declined (online)" in r.stdout, "APPLICATION BLOCK before GENERATE AC 2 declines")
    check("Script results (9F5B): 2000000001" in r.stdout, "the script result is reported")
    check("71 #1 84 1E -> 9000" in r.stdout, "the script command is shown")

    r = pay("--amount", "100")
    check(r.returncode == 3 and "the payment application is blocked" in r.stdout, "a blocked application is not selected")

    r = pay("--amount", "100", "--select-blocked", "--script", "unblock", "--script-after", "put-data:9F14=01")
    check(r.returncode == 0 and "approved (online)" in r.stdout and "(blocked)" in r.stdout,
          "a maintenance terminal selects it and APPLICATION UNBLOCK lets the purchase complete")
    check("Script results (9F5B): 20000000012000000002" in r.stdout, "both scripts succeeded")

    r = cli("apdu", "pay-card", "00A4040007" + PAY_AID + "00", "80CA9F1400")
    check(r.returncode == 0 and "9F140101" in r.stdout.replace(" ", ""), "the PUT DATA after the final GENERATE AC is durable")

    r = pay("--amount", "100", "--imk-smi", "00" * 16, "--script", "pin-unblock")
    check(r.returncode == 0 and "Script results (9F5B): 1100000001" in r.stdout,
          "a script under a wrong key is refused by the card and reported failed")
    check("71 #1 84 24 -> 6988" in r.stdout, "the card answers 6988")

    # Personal Code, TAP-PIN-TAP: above the entry limit the first tap declines with "code required".
    r = pay("--amount", "5000")
    check(r.returncode == 3 and "Personal Code required" in r.stdout, "the first tap above the limit asks for the code")
    # "--code -" asks on the controlling terminal with echo off; with none (a new session) it is
    # refused at once rather than read from a pipe, and nothing reaches the card.
    r = run([sesame, "--state-dir", state, "pay", "pay-card", "--date", "261208", "--amount", "5000", "--code", "-"],
            start_new_session=True, input="1234\n")
    check(r.returncode == 1 and "no terminal to ask on: give --code DIGITS" in r.stderr,
          f"--code - without a terminal is refused, the piped code not read ({r.stderr!r})")
    r = pay("--amount", "5000", "--code", "1234")
    check(r.returncode == 0 and "Personal Code: verified" in r.stdout and "approved" in r.stdout,
          "the code, then the second tap completes")
    for left in ("63C2", "63C1", "63C0"):
        r = pay("--amount", "100", "--code", "9999")
        check(f"Personal Code: {left}" in r.stdout, f"a wrong code answers {left}")
    r = pay("--amount", "100")
    # Blocked and NON_ACTIVATABLE in the contactless registry: the PPSE no longer announces it.
    check(r.returncode == 3 and "no supported payment application" in r.stdout,
          "three wrong codes block the application (NON_ACTIVATABLE: not in the PPSE)")
    r = cli("apdu", "pay-card", "00A4040007" + PAY_AID + "00")
    check(r.returncode == 0 and "6283" in r.stdout.replace(" ", ""), "selected directly it answers 6283 (blocked)")

    r = pay("--amount", "100", "--mode", "offline", "--script", "block")
    check(r.returncode == 1 and "online" in r.stderr, "scripts need the online mode")
    r = pay("--amount", "100", "--script", "frobnicate")
    check(r.returncode == 1 and "unknown script command" in r.stderr, "an unknown script command is refused")
    r = cli("pay", "no-such-card", "--amount", "1")
    check(r.returncode == 1 and "no card" in r.stderr, "an unknown card is an error")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sesame", required=True)
    a = ap.parse_args()
    main(lambda tmp, children: body(tmp, children, a.sesame))
