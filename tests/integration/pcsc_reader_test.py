"""sesame's own PC/SC reader (host::PcscReader, through `sesame pcsc`) against a hosted card behind
the vpcd bridge: a private pcscd with vsmartcard's vpcd driver, exactly as in vpcd_test.py, and
`sesame pcsc list|apdu|script` talking to it through libpcsclite. Also the errors a PC/SC program
sees: no pcscd (SCARD_E_NO_SERVICE) and an unknown reader."""

import os
import shutil
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(__file__))
from harness import check, main_with_binaries, read_log, run, skip, wait_for  # noqa: E402
from vpcd_test import VPCD_DRIVER, free_port_pair, start_private_pcscd, start_sesamed_with_vpcd  # noqa: E402

SELECT_DEMO = "00A4040008F0534553414D4501"
INFO_HEX = "736573616D652064656D6F206170706C6574207631"  # "sesame demo applet v1"


def body(tmp, children, sesamed, sesame):
    pcscd = shutil.which("pcscd") or ("/usr/sbin/pcscd" if os.path.exists("/usr/sbin/pcscd") else None)
    if pcscd is None:
        skip("no pcscd binary (apt-get install pcscd vsmartcard-vpcd, or run scripts/install-deps)")
    if not os.path.exists(VPCD_DRIVER):
        skip(f"no vpcd driver at {VPCD_DRIVER} (apt-get install vsmartcard-vpcd)")

    port = free_port_pair()
    conf_dir = os.path.join(tmp, "reader.conf.d")
    run_dir = os.path.join(tmp, "run")
    os.makedirs(conf_dir)
    os.makedirs(run_dir)
    with open(os.path.join(conf_dir, "vpcd"), "w") as f:
        f.write(f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x{port:X}\nLIBPATH {VPCD_DRIVER}\nCHANNELID 0x{port:X}\n')
    sock = os.path.join(run_dir, "pcscd.comm")
    env = dict(os.environ, PCSCLITE_CSOCK_NAME=sock)

    def pcsc(*args):
        return run([sesame, "pcsc", *args], env=env)

    # No pcscd yet: the SCard error is named.
    r = pcsc("list")
    check(r.returncode == 1 and "SCARD_E_NO_SERVICE" in r.stderr, f"no pcscd -> SCARD_E_NO_SERVICE ({r.stderr.strip()})")

    sd, slog, _ = start_sesamed_with_vpcd(children, sesamed, tmp, port)

    start_private_pcscd(children, pcscd, conf_dir, run_dir, sock, env, tmp)
    wait_for(lambda: "connected to vpcd" in read_log(slog) or sd.poll() is not None, 30, "sesamed to connect to vpcd")
    check(sd.poll() is None, "sesamed is connected to vpcd")

    def reader_listed():
        r = pcsc("list")
        return r.stdout if r.returncode == 0 and "Virtual PCD" in r.stdout else None

    names = wait_for(reader_listed, 20, "sesame pcsc list to show the vpcd reader").splitlines()
    check(any(n.startswith("Virtual PCD") for n in names), f"sesame pcsc list -> {names}")
    reader = next(n for n in names if n.startswith("Virtual PCD"))

    def card_answers():
        r = pcsc("apdu", "--reader", reader, SELECT_DEMO)
        return r if r.returncode == 0 else None

    r = wait_for(card_answers, 20, "the hosted card to answer through PC/SC")
    check("< 6F0A8408F0534553414D4501 9000" in r.stdout, f"SELECT through sesame's PC/SC reader: {r.stdout!r}")
    r = pcsc("apdu", "--reader", "0", SELECT_DEMO, "00B0810015", "00A4040008F0534553414D45FF")
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and lines[3] == f"< {INFO_HEX} 9000 success" and lines[5].startswith("< 6A82"),
          f"reader by index, READ BINARY and a 6A82 ({r.stdout!r} {r.stderr!r})")

    # ATR and protocol: the hosted card offers T=0 and T=1 (its ATR's TD1/TD2); either can be asked for.
    r = pcsc("atr", "--reader", reader)
    atr, proto = r.stdout.split()
    check(r.returncode == 0 and atr.startswith("3B") and proto in ("T=0", "T=1"), f"sesame pcsc atr -> {r.stdout!r}")
    # pcscd keeps the protocol it negotiated until the card is reset: asking for the other one is
    # SCARD_E_PROTO_MISMATCH (with a hint), and a cold reset with --protocol switches it.
    other = {"T=1": ("t0", "T=0"), "T=0": ("t1", "T=1")}[proto]
    r = pcsc("--protocol", other[0], "atr", "--reader", reader)
    check(r.returncode == 1 and "SCARD_E_PROTO_MISMATCH" in r.stderr and "cold reset" in r.stderr,
          f"the other protocol without a reset -> {r.stderr.strip()}")
    for want, shown in (other, {"T=1": ("t1", "T=1"), "T=0": ("t0", "T=0")}[proto]):
        r = pcsc("--protocol", want, "atr", "--reader", reader, "--reset", "cold")
        check(r.returncode == 0 and r.stdout.split() == [atr, shown], f"cold reset to {shown} ({r.stdout!r} {r.stderr!r})")
        r = pcsc("--protocol", want, "apdu", "--reader", reader, SELECT_DEMO, "00B0810015")
        check(r.returncode == 0 and f"< {INFO_HEX} 9000 success" in r.stdout, f"APDUs over {shown} ({r.stderr.strip()})")
    r = pcsc("atr", "--reader", reader, "--reset", "warm")
    check(r.returncode == 0 and r.stdout.split()[0] == atr, f"a warm reset gives the ATR again ({r.stdout!r} {r.stderr!r})")

    script = os.path.join(tmp, "demo.apdu")
    with open(script, "w") as f:
        f.write(f"{SELECT_DEMO} ; 9000\n0020008100 ; 63CX\n002000810831323334FFFFFFFF ; 9000\n8010000004 ; 9000\n")
    r = pcsc("script", "--reader", reader, script)
    check(r.returncode == 0 and r.stdout.count("> ") == 4, f"sesame pcsc script ({r.stdout!r} {r.stderr!r})")
    with open(script, "w") as f:
        f.write(f"{SELECT_DEMO} ; 9000\n00A4040008F0534553414D45FF ; 9000\n")
    r = pcsc("script", "--reader", reader, script)
    check(r.returncode == 1 and "demo.apdu:2: expected 9000, got 6A82" in r.stderr, f"script mismatch ({r.stderr!r})")

    r = pcsc("apdu", "--reader", "No Such Reader 00 00", SELECT_DEMO)
    check(r.returncode == 1 and "no PC/SC reader named" in r.stderr, f"unknown reader ({r.stderr.strip()})")

    # The card leaves the reader (sesamed stops): the SCard error is named.
    rc = children.stop(sd)
    check(rc == 0, "sesamed stops")

    def card_gone():
        r = pcsc("apdu", "--reader", reader, SELECT_DEMO)
        return r if r.returncode == 1 else None

    r = wait_for(card_gone, 20, "the card to leave the reader")
    check("SCARD_" in r.stderr, f"no card -> a named SCard error ({r.stderr.strip()})")


if __name__ == "__main__":
    main_with_binaries(body)
