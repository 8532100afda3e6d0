"""HCE cache mode over a real RACS connection to sesamed: two cards personalised identically with a
test PKI; emv_cache_driver runs the same purchases (offline and online, both with CDA) transparently
on one and through the cache on the other and finds them identical, with 1 (offline) or 2 (online)
RACS round trips instead of 9 or 10. Then `sesame pay --cache-file` over RACS against `sesame pay`
transparent, and a stale cache: card B re-personalised (another cardholder name) while sesamed was
stopped; the saved cache is refused before the card spends an ATC, and a new fill works."""

import argparse
import os
import re
import socket
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(__file__))
from harness import check, main, run, start_sesamed  # noqa: E402

PPSE_AID = "325041592E5359532E4444463031"
PAY_AID = "A0000000041010"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def body(tmp, children, sesamed, sesame, driver):
    state = os.path.join(tmp, "state")
    config = os.path.join(tmp, "sesamed.toml")
    port = free_port()
    with open(config, "w") as f:
        f.write(f'[server]\nlog_level = "debug"\n[racs]\nenabled = true\nport = {port}\n[racs.users]\nadmin = "all"\n')

    def cli(*args):
        return run([sesame, "--state-dir", state, "--config", config, *args])

    r = run([driver, "profiles", tmp])
    check(r.returncode == 0, f"driver made the test PKI and profiles ({r.stderr!r})")
    profile = open(os.path.join(tmp, "profile.hex")).read().strip()
    renamed = open(os.path.join(tmp, "renamed.hex")).read().strip()
    for seid in ("pay-a", "pay-b"):
        check(cli("card", "create", "--seid", seid).returncode == 0, f"card {seid} created")
        check(cli("applet", "install", seid, "sesame.emv.ppse", PPSE_AID).returncode == 0, "PPSE installed")
        r = cli("applet", "install", seid, "sesame.emv.payment", PAY_AID, "--params", profile)
        check(r.returncode == 0, f"payment applet installed on {seid} ({r.stderr!r})")

    log = os.path.join(tmp, "sesamed.log")
    sd = start_sesamed(children, sesamed, config, state, log)
    pki = os.path.join(state, "pki")
    cache_file = os.path.join(tmp, "cache.json")
    r = run([driver, "compare", "localhost", str(port), os.path.join(pki, "admin.pem"), os.path.join(pki, "admin.key"),
             os.path.join(pki, "ca.pem"), tmp, "pay-a", "pay-b", cache_file])
    print(r.stdout, r.stderr, sep="\n")
    check(r.returncode == 0, "transparent and cached purchases with CDA are identical over RACS")
    check("same offline-cda 9 1 approved cda" in r.stdout, "offline: 9 RACS round trips transparent, 1 cached")
    check("same online-cda 10 2 approved cda" in r.stdout, "online: 10 round trips transparent, 2 cached")

    url = f"racs://localhost:{port}"

    def pay(seid, *args):
        r = cli("pay", "--url", f"{url}/{seid}", "--date", "261208", "--un", "01020304", *args)
        print(r.stdout, r.stderr, sep="\n")
        return r

    def essentials(out):
        return [l for l in out.splitlines() if re.match(r"(Outcome|AID|ATC|Cryptogram|TVR|CVR|ARC|Reason):", l)]

    # Both cards are at the same ATC: the same offline purchase, transparent on A, cached on B.
    ta = pay("pay-a", "--amount", "300", "--mode", "offline")
    tb = pay("pay-b", "--amount", "300", "--mode", "offline", "--cache-file", cache_file)
    check(ta.returncode == 0 and "Round trips:  9 (transparent)" in ta.stdout, "sesame pay transparent over RACS")
    check(tb.returncode == 0 and "Cache:        loaded from" in tb.stdout and "Round trips:  1 (HCE cache mode)" in tb.stdout,
          "sesame pay with the saved cache: one RACS round trip")
    check(essentials(ta.stdout) == essentials(tb.stdout) and len(essentials(ta.stdout)) >= 5,
          f"the same outcome, ATC and cryptogram ({essentials(ta.stdout)} / {essentials(tb.stdout)})")

    # Card B re-personalised while the phone kept its cache.
    children.stop(sd)
    # (the CLI has no applet delete outside GlobalPlatform: the card is made again under its SEID)
    r = cli("card", "delete", "pay-b")
    check(r.returncode == 0, f"card B deleted ({r.stderr!r})")
    check(cli("card", "create", "--seid", "pay-b").returncode == 0, "card B created again")
    check(cli("applet", "install", "pay-b", "sesame.emv.ppse", PPSE_AID).returncode == 0, "PPSE installed")
    r = cli("applet", "install", "pay-b", "sesame.emv.payment", PAY_AID, "--params", renamed)
    check(r.returncode == 0, f"re-personalised with another cardholder name ({r.stderr!r})")
    start_sesamed(children, sesamed, config, state, log)
    r = pay("pay-b", "--amount", "300", "--mode", "offline", "--cache-file", cache_file)
    check(r.returncode == 3 and "stale" in r.stdout, "the stale cache fails closed")
    r = cli("racs", "apdu", "--url", f"{url}/pay-b", "00A4040007" + PAY_AID + "00", "80CA9F3600")
    check(r.returncode == 0 and "9F36020000" in r.stdout.replace(" ", ""),
          f"the card spent no ATC on the stale cache ({r.stdout!r})")
    os.remove(cache_file)
    r = pay("pay-b", "--amount", "300", "--mode", "offline", "--cache-file", cache_file)
    check(r.returncode == 0 and "Cache:        filled from the card" in r.stdout and "approved" in r.stdout,
          "a new fill serves the re-personalised card")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sesamed", required=True)
    ap.add_argument("--sesame", required=True)
    ap.add_argument("--driver", required=True)
    a = ap.parse_args()
    main(lambda tmp, children: body(tmp, children, a.sesamed, a.sesame, a.driver))
