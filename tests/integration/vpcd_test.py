"""The vpcd bridge against real PC/SC software: a private pcscd with vsmartcard's vpcd driver,
sesamed connecting to it, and PC/SC clients (pyscard, OpenSC's opensc-tool) talking to the hosted
demo card through libpcsclite exactly as any smart card program would.

pcscd 1.9 always creates its socket at /run/pcscd/pcscd.comm, so it runs in a private mount
namespace with a temporary directory bound over /run/pcscd; clients find it through
PCSCLITE_CSOCK_NAME. The vpcd port is a free one, not 35963, so a system pcscd is not disturbed.
sesamed starts before pcscd, so the test also covers its reconnect loop."""

import argparse
import os
import shutil
import signal
import socket
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(__file__))
from harness import TestFailure, check, main, read_log, run, skip, wait_for  # noqa: E402

VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
DEMO_AID = "F0534553414D4501"
SELECT_DEMO = "00A4040008" + DEMO_AID


def free_port_pair():
    """A port p with p and p+1 free (vpcd listens on one port per slot)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            p = s.getsockname()[1]
        if p >= 65535:
            continue
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("0.0.0.0", p))
                b.bind(("0.0.0.0", p + 1))
            return p
        except OSError:
            continue
    raise TestFailure("no free port pair for vpcd")


def pcscd_command(pcscd, conf_dir, run_dir):
    """pcscd in its own mount namespace with run_dir over /run/pcscd (user namespace if not root)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    inner = f"mkdir -p /run/pcscd 2>/dev/null; mount --bind '{run_dir}' /run/pcscd && exec '{pcscd}' --foreground --debug --config '{conf_dir}'"
    flags = ["-m"] if os.geteuid() == 0 else ["-r", "-m"]
    return [unshare, *flags, "sh", "-c", inner]


def start_sesamed_with_vpcd(children, sesamed, tmp, port):
    """sesamed on a fresh state dir with debug logging, its demo card bridged to vpcd on `port`.
    Returns (process, log path, state dir)."""
    state = os.path.join(tmp, "state")
    config = os.path.join(tmp, "sesamed.toml")
    with open(config, "w") as f:
        f.write('[server]\nlog_level = "debug"\n[demo]\ncreate_cards = true\n')
    slog = os.path.join(tmp, "sesamed.log")
    sd = children.start([sesamed, "--config", config, "--state-dir", state, "--vpcd", f"127.0.0.1:{port}"], slog)
    return sd, slog, state


def start_private_pcscd(children, pcscd, conf_dir, run_dir, sock, env, tmp):
    """Starts pcscd with its own reader.conf.d and /run/pcscd and waits for its socket. Skips (77)
    only where this machine cannot give pcscd a private /run/pcscd; any other exit is a failure."""
    cmd = pcscd_command(pcscd, conf_dir, run_dir)
    if cmd is None:
        skip("no unshare(1) to give pcscd a private /run/pcscd")
    plog = os.path.join(tmp, "pcscd.log")
    pd = children.start(cmd, plog, env=env)
    try:
        wait_for(lambda: os.path.exists(sock) or pd.poll() is not None, 20, "pcscd socket")
    except TestFailure:
        pass
    if pd.poll() is not None:
        out = read_log(plog)
        if "mount" in out and ("permission" in out.lower() or "not permitted" in out.lower()):
            skip(f"cannot give pcscd a private /run/pcscd here (mount namespaces not permitted): {out.strip()[-200:]}")
        raise TestFailure(f"pcscd exited with {pd.returncode}")
    return pd


def hexs(data):
    return bytes(data).hex().upper()


def body(tmp, children, sesamed):
    pcscd = shutil.which("pcscd") or ("/usr/sbin/pcscd" if os.path.exists("/usr/sbin/pcscd") else None)
    if pcscd is None:
        skip("no pcscd binary (apt-get install pcscd vsmartcard-vpcd, or run scripts/install-deps)")
    if not os.path.exists(VPCD_DRIVER):
        skip(f"no vpcd driver at {VPCD_DRIVER} (apt-get install vsmartcard-vpcd)")
    try:
        from smartcard.System import readers  # python3-pyscard
        from smartcard.scard import (SCARD_PROTOCOL_T0, SCARD_PROTOCOL_T1, SCARD_S_SUCCESS, SCARD_SCOPE_USER,
                                     SCARD_SHARE_SHARED, SCardConnect, SCardEstablishContext,
                                     SCardListReaders, SCardReleaseContext, SCardStatus, SCardTransmit,
                                     SCardDisconnect, SCARD_LEAVE_CARD)
    except ImportError as e:
        raise TestFailure(f"python3-pyscard is missing ({e}); scripts/install-deps installs it")

    port = free_port_pair()
    conf_dir = os.path.join(tmp, "reader.conf.d")
    run_dir = os.path.join(tmp, "run")
    os.makedirs(conf_dir)
    os.makedirs(run_dir)
    with open(os.path.join(conf_dir, "vpcd"), "w") as f:
        f.write(f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x{port:X}\nLIBPATH {VPCD_DRIVER}\nCHANNELID 0x{port:X}\n')
    sock = os.path.join(run_dir, "pcscd.comm")
    env = dict(os.environ, PCSCLITE_CSOCK_NAME=sock)
    os.environ["PCSCLITE_CSOCK_NAME"] = sock  # for pyscard in this process

    # sesamed first: vpcd is not there yet, so it has to retry.
    sd, slog, state = start_sesamed_with_vpcd(children, sesamed, tmp, port)
    wait_for(lambda: "not reachable" in read_log(slog) or sd.poll() is not None, 60, "sesamed to try vpcd")
    check(sd.poll() is None, "sesamed waits for vpcd instead of exiting")

    pd = start_private_pcscd(children, pcscd, conf_dir, run_dir, sock, env, tmp)
    check(os.path.exists(sock), "private pcscd is up")

    wait_for(lambda: "connected to vpcd" in read_log(slog), 30, "sesamed to connect to vpcd")
    print("ok: sesamed connected after vpcd appeared (reconnect with backoff works)")

    # --- pyscard: reader list, ATR, APDUs through SCardTransmit.
    def card_present():
        try:
            rs = [str(r) for r in readers()]
        except Exception:  # noqa: BLE001 - pcscd still starting
            return None
        return rs if any("Virtual PCD" in r for r in rs) else None

    rlist = wait_for(card_present, 20, "the Virtual PCD reader")
    reader = next(r for r in rlist if r.endswith("00 00") or "Virtual PCD" in r)
    check("Virtual PCD" in reader, f"pyscard lists the vpcd reader ({rlist})")

    hr, ctx = SCardEstablishContext(SCARD_SCOPE_USER)
    check(hr == SCARD_S_SUCCESS, "SCardEstablishContext")

    def connect():
        hr, card, proto = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)
        return (card, proto) if hr == SCARD_S_SUCCESS else None

    card, proto = wait_for(connect, 20, "SCardConnect to the hosted card")
    hr, rname, state_, proto2, atr = SCardStatus(card)
    check(hr == SCARD_S_SUCCESS and len(atr) >= 2 and atr[0] in (0x3B, 0x3F), f"ATR via PC/SC: {hexs(atr)}")
    atr_hex = hexs(atr)
    check("card demo is now in that PC/SC reader" in read_log(slog), "the demo card is the one in the reader")

    def transmit(apdu_hex):
        hr, resp = SCardTransmit(card, proto, list(bytes.fromhex(apdu_hex)))
        if hr != SCARD_S_SUCCESS:
            raise TestFailure(f"SCardTransmit({apdu_hex}) failed: {hr:#x}")
        return hexs(resp)

    r = transmit(SELECT_DEMO)
    check(r.endswith("9000"), f"SELECT demo applet -> {r}")
    r = transmit("00A4040008F0534553414D45FF")
    check(r == "6A82", f"SELECT of an absent AID -> {r}")
    r = transmit(SELECT_DEMO)
    check(r.endswith("9000"), "SELECT demo again")
    r = transmit("00FF000000")
    check(r[-4:-2] in ("6D", "6E"), f"an unknown instruction is refused -> {r}")
    # A VERIFY carrying a recognisable PIN: whatever the card answers, the PIN must not reach the log.
    r = transmit("0020000108313337393133373900")
    check(len(r) >= 4, f"VERIFY answered {r}")
    for a in DEMO_EXCHANGES:
        r = transmit(a[0])
        if a[1].startswith("*"):  # random data: check its length and the status word
            ok = r.endswith(a[1][1:]) and len(r) == 2 * int(a[0][-2:], 16) + 4
        else:
            ok = r == a[1]
        check(ok, f"{a[2]}: {a[0]} -> {r} (expected {a[1]})")
    SCardDisconnect(card, SCARD_LEAVE_CARD)
    SCardReleaseContext(ctx)

    # --- OpenSC's opensc-tool, a second independent PC/SC client.
    if shutil.which("opensc-tool"):
        r = run(["opensc-tool", "-r", "0", "-a"], env=env)
        check(r.returncode == 0 and atr_hex in r.stdout.upper().replace(":", "").replace(" ", ""),
              f"opensc-tool -a reads the same ATR ({r.stdout.strip()} {r.stderr.strip()})")
        r = run(["opensc-tool", "-r", "0", "-s", SELECT_DEMO, "-s", "00A4040008F0534553414D45FF"], env=env)
        out = r.stdout.upper()
        check(r.returncode == 0 and "SW1=0X90, SW2=0X00" in out and "SW1=0X6A, SW2=0X82" in out,
              f"opensc-tool -s sends APDUs ({r.stdout.strip()} {r.stderr.strip()})")
    else:
        raise TestFailure("opensc-tool missing (apt-get install opensc)")

    # Nothing secret in sesamed's debug log: headers and status words only.
    log = read_log(slog)
    check("INS=A4" in log and "INS=20" in log, "debug log has APDU headers")
    data_lines = [l for l in log.splitlines() if "INS=" in l and ("31333739" in l or "F0534553" in l)]
    secrets = ("3133373931333739", "39393939FFFFFFFF", "31323334FFFFFFFF")
    check(not any(x in log.upper() for x in secrets) and not data_lines, "debug log never has APDU data (no PIN bytes)")

    # pcscd goes away: sesamed notices and keeps retrying; then a clean stop.
    children.stop(pd, signal.SIGTERM)
    wait_for(lambda: "vpcd connection lost" in read_log(slog), 20, "sesamed to notice vpcd is gone")
    check(sd.poll() is None, "sesamed survives vpcd going away")
    rc = children.stop(sd, signal.SIGTERM)
    check(rc == 0, f"sesamed stops with exit 0 (got {rc})")


# Extra exchanges with the demo applet once its commands are known: (APDU, expected, what).
# The demo applet's instruction set is in docs/CARD-RUNTIME.md; PIN 1234 and PUK 12345678 are its
# defaults (src/applets/demo/demo_applet.h). "*SW": random data of length Le, then SW.
DEMO_EXCHANGES = [
    ("00B0810015", "73657361" "6D652064" "656D6F20" "6170706C" "65742076" "31" "9000",
     "READ BINARY of EF.INFO by SFI 1 ('sesame demo applet v1')"),
    ("0020008100", "63C3", "VERIFY without data: 3 tries left"),
    ("002000810839393939FFFFFFFF", "63C2", "VERIFY with a wrong PIN"),
    ("002000810831323334FFFFFFFF", "9000", "VERIFY with the right PIN"),
    ("0020008100", "9000", "VERIFY without data: validated"),
    ("8010000004", "00000001" "9000", "increment the transactional counter"),
    ("8011000004", "00000001" "9000", "read it back"),
    ("0084000008", "*9000", "GET CHALLENGE of 8 bytes"),
]


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sesamed", required=True)
    a = ap.parse_args()
    main(lambda tmp, children: body(tmp, children, a.sesamed))
