"""Two sesamed nodes on one real PostgreSQL, reached the way a RACS client reaches them: TLS with a
client certificate (python's ssl module) and the RACS request grammar. Both nodes share the master
key and the development PKI, so one certificate works on both.

1. Crash: a client increments the demo counter through node A (80 10 00 00 04, one request at a
   time), recording every acknowledged value; node B, asked meanwhile, answers -708/-706 In Use
   (the card is served by another node). Node A is killed with SIGKILL mid-run. The client moves to
   node B, retrying while B answers -706 In Use, until A's lease lapses (lease_ttl_ms). Then:
   - A acknowledged 1..n, strictly one more per increment;
   - B's counter reads n, or n + 1 when the one request in flight at the kill (sent, never
     answered) was committed before A died. Never less (an acknowledged increment lost, or a
     rollback) and never more (an increment applied twice). Every increment A logged as done
     (debug log, written after the commit) must be in it;
   - B's increments continue from there, one by one.
2. Both nodes alive, B now holding the card: a client on A (restarted) is refused In Use. When the
   holding RACS session on B ends, B powers the card off and unloads it, which gives its lease back
   at once (checked in the lease table), so A's waiting client gets the card on its next request,
   long before B's lease could have lapsed, with the counter unchanged. Back the other way: a new
   session on B is refused while A's session holds the card and gets it when that session ends.
   Stopping B cleanly while a session there holds the card releases the lease at once too, and A
   gets the card on its next request, nothing lost.

PostgreSQL: the ctest fixture's server (SESAME_TEST_PG_DIR) when there is one, else one started here
with scripts/test-pg. Either way the nodes use a schema of their own, dropped at the end.
"""

import argparse
import glob
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(__file__))
from harness import TestFailure, check, main, read_log, wait_for  # noqa: E402

TTL_A_MS = 1500   # node A's leases: how long B waits after A's death
TTL_B_MS = 10000  # node B's leases: long, so a clean stop that did not release would show
KILL_AFTER = 150  # acknowledged increments on A before the SIGKILL
B_INCREMENTS = 100

DEMO_AID = "F0534553414D4501"
SELECT = "APDU demo 00A4040008" + DEMO_AID
INCREMENT = "APDU demo 8010000004"
READ = "APDU demo 8011000004"
APDU_IN_USE = "-706 001 APDU error, SEID demo In Use, served by another node"
POWERON_IN_USE = "-708 001 POWERON error, SEID demo In Use, served by another node"
# sesamed's debug line for an increment that the card executed (after its commit returned).
LOGGED_INCREMENT = re.compile(r"racs session \d+ demo: CLA=80 INS=10 P1=00 P2=00 Le=4 -> SW=9000")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Racs:
    """One RACS session over TLS with the admin certificate; one single-command request at a time."""

    def __init__(self, port, pki):
        ctx = ssl.create_default_context(cafile=os.path.join(pki, "ca.pem"))
        ctx.load_cert_chain(os.path.join(pki, "admin.pem"), os.path.join(pki, "admin.key"))
        raw = socket.create_connection(("127.0.0.1", port), timeout=15)
        self.sock = ctx.wrap_socket(raw, server_hostname="localhost")
        self.buf = b""

    def request(self, command):
        """The result line of BEGIN / command / END. OSError (ssl.SSLError, ConnectionError, a
        timeout) when the session dies before the whole response is in."""
        self.sock.sendall(f"BEGIN\r\n{command}\r\nEND\r\n".encode())
        while b"END\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("the server closed the session")
            self.buf += data
        end = self.buf.index(b"END\r\n") + 5
        response, self.buf = self.buf[:end].decode(), self.buf[end:]
        lines = response.split("\r\n")
        if len(lines) != 4 or lines[0] != "BEGIN" or lines[2] != "END":
            raise TestFailure(f"malformed response to {command!r}: {response!r}")
        return lines[1]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def apdu_ok(result):
    return result.startswith("+006 001 ") and result.endswith("9000")


def counter(result):
    """The counter value of a successful 80 10 / 80 11 result (4 bytes, big-endian, then 9000)."""
    m = re.fullmatch(r"\+006 001 ([0-9A-F]{8})9000", result)
    if not m:
        raise TestFailure(f"not a counter response: {result!r}")
    return int(m.group(1), 16)


def select(client, where):
    r = client.request(SELECT)
    check(apdu_ok(r), f"{where}: SELECT of the demo applet ({r})")


class Hammer(threading.Thread):
    """Increments the counter through one session, one request at a time, until the session dies."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.client = client
        self.acked = []          # every value a response carried, in order
        self.in_flight = False   # a request was sent (or being sent) and its response never came
        self.ended_by = None     # the OSError that ended the session
        self.error = None        # a response that was not a counter value

    def run(self):
        try:
            while True:
                self.in_flight = True
                value = counter(self.client.request(INCREMENT))
                self.acked.append(value)
                self.in_flight = False
        except OSError as e:
            self.ended_by = e
        except TestFailure as e:
            self.error = e


class Postgres:
    """The fixture's server or one of our own, and a schema of this test's own on it."""

    def __init__(self, test_pg):
        self.test_pg = test_pg
        self.own_dir = None
        fixture = os.environ.get("SESAME_TEST_PG_DIR")
        if fixture and os.path.isfile(os.path.join(fixture, "conninfo")):
            with open(os.path.join(fixture, "conninfo")) as f:
                base = f.read().strip()
        else:
            # As root the server runs as the postgres user: its directory must not sit inside our
            # private (0700) temporary directory.
            self.own_dir = f"/tmp/sesame-pg-racsfo-{os.getpid()}"
            subprocess.run([test_pg, "stop", self.own_dir], check=False)
            started = subprocess.run([test_pg, "start", self.own_dir], capture_output=True, text=True, timeout=90)
            if started.returncode != 0:
                raise TestFailure(f"PostgreSQL did not start (scripts/install-deps installs it): {started.stderr}")
            base = started.stdout.strip()
        check(base.startswith("host="), f"PostgreSQL is up: {base}")
        self.base = base
        self.psql_exe = shutil.which("psql") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))), None)
        if not self.psql_exe:
            raise TestFailure("psql not found (scripts/install-deps installs PostgreSQL)")
        self.schema = f"racs_failover_{os.getpid()}"
        self.psql(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE; CREATE SCHEMA {self.schema}", base)
        self.conninfo = f"{base} options='-csearch_path={self.schema}'"

    def psql(self, sql, conninfo=None):
        r = subprocess.run([self.psql_exe, conninfo or self.conninfo, "-v", "ON_ERROR_STOP=1", "-Atc", sql],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise TestFailure(f"psql {sql!r}: {r.stderr.strip()}")
        return r.stdout.strip()

    def lease(self, card):
        """(node holding the card's lease, whether it is live now) from the lease table."""
        out = self.psql(f"SELECT node_id || '|' || (expires_at > clock_timestamp()) FROM card_leases "
                        f"WHERE card_id = '{card}'")
        node, _, live = out.partition("|")
        return node, live == "true"

    def close(self):
        if self.own_dir:
            subprocess.run([self.test_pg, "stop", self.own_dir], check=False)
        else:
            subprocess.run([self.psql_exe, self.base, "-c", f"DROP SCHEMA IF EXISTS {self.schema} CASCADE"],
                           capture_output=True, timeout=30)


def write_config(path, conninfo, node, ttl_ms, key, pki, port, demo):
    with open(path, "w") as f:
        f.write(f'[server]\nlog_level = "debug"\n'
                f'[store]\nbackend = "postgres"\nconninfo = "{conninfo}"\nnode_id = "{node}"\n'
                f'master_key = "{key}"\nlease_ttl_ms = {ttl_ms}\n'
                f'[pki]\ndir = "{pki}"\n'
                f'[racs]\nenabled = true\nport = {port}\n[racs.users]\nadmin = "all"\n')
        if demo:
            f.write("[demo]\ncreate_cards = true\n")


def start_node(children, sesamed, cfg, state, log, port):
    p = children.start([sesamed, "--config", cfg, "--state-dir", state], log)
    wait_for(lambda: "sesamed running" in read_log(log) or p.poll() is not None, 60, f"sesamed ({log}) to start")
    check(p.poll() is None and f"RACS listening on 127.0.0.1:{port}" in read_log(log),
          f"{os.path.basename(log)}: sesamed runs with RACS on port {port}")
    return p


def crash_scenario(tmp, children, a, pg, nodes):
    """Scenario 1. Returns the B session now holding the card and the counter's value."""
    pki = nodes["pki"]
    node_a = start_node(children, a.sesamed, nodes["cfg_a"], nodes["state_a"], nodes["log_a"], nodes["port_a"])
    log_a = read_log(nodes["log_a"])
    check("created store postgres, node node-a" in log_a and "1 card in the store: demo" in log_a,
          "node A created the shared store and the demo card")
    node_b = start_node(children, a.sesamed, nodes["cfg_b"], nodes["state_b"], nodes["log_b"], nodes["port_b"])
    log_b = read_log(nodes["log_b"])
    check("opened store postgres, node node-b" in log_b and "1 card in the store: demo" in log_b,
          "node B opened the same store and lists the card")

    client_a = Racs(nodes["port_a"], pki)
    select(client_a, "node A")
    check(pg.lease("demo") == ("node-a", True), "the lease table: node A holds the demo card")
    hammer = Hammer(client_a)
    hammer.start()
    # While A is committing, B refuses the card; its session stays open and moves over later.
    wait_for(lambda: len(hammer.acked) >= 20 or not hammer.is_alive(), 30, "node A's first increments")
    client_b = Racs(nodes["port_b"], pki)
    r = client_b.request("POWERON demo")
    check(r == POWERON_IN_USE, f"node B refuses POWERON while node A serves the card ({r})")
    r = client_b.request(SELECT)
    check(r == APDU_IN_USE, f"node B refuses an APDU while node A serves the card ({r})")

    wait_for(lambda: len(hammer.acked) >= KILL_AFTER or not hammer.is_alive(), 60,
             f"{KILL_AFTER} increments through node A")
    check(hammer.is_alive() and hammer.error is None and hammer.ended_by is None,
          f"the client is still incrementing through node A (acknowledged {len(hammer.acked)}; "
          f"{hammer.error or hammer.ended_by or 'no error'})")
    os.killpg(node_a.pid, signal.SIGKILL)
    node_a.wait()
    killed_at = time.monotonic()
    hammer.join(20)
    check(not hammer.is_alive() and hammer.error is None and hammer.ended_by is not None,
          f"the client's session on node A died with it ({hammer.ended_by!r})")
    acked = hammer.acked
    n = len(acked)
    check(acked == list(range(1, n + 1)), f"node A acknowledged 1..{n}, one more per increment")
    logged = len(LOGGED_INCREMENT.findall(read_log(nodes["log_a"])))
    # sesamed writes (and flushes) the line before it sends the response, so every acknowledged
    # increment is in the log; the one in flight may be too, if A died after writing it.
    check(logged in (n, n + 1), f"node A's log shows the {n} acknowledged increments ({logged})")

    # The client moves to B and retries while A's lease is still live.
    refusals = 0
    while True:
        r = client_b.request(SELECT)
        if apdu_ok(r):
            break
        if r != APDU_IN_USE:
            raise TestFailure(f"node B must answer In Use until node A's lease lapses, not {r!r}")
        refusals += 1
        if time.monotonic() - killed_at > TTL_A_MS / 1000 + 20:
            raise TestFailure(f"node B did not take the card over within {TTL_A_MS} ms + 20 s")
        time.sleep(0.05)  # polling interval, not a synchronisation
    took = time.monotonic() - killed_at
    print(f"node B took the card over {took:.2f}s after the kill, after {refusals} In Use answers", flush=True)
    check(took < TTL_A_MS / 1000 + 10, f"takeover within node A's lease ttl plus slack ({took:.1f}s)")
    check(pg.lease("demo")[0] == "node-b", "the lease table: node B holds the demo card")

    value = counter(client_b.request(READ))
    check(value >= n, f"no acknowledged increment lost, no rollback: A acknowledged {n}, B reads {value}")
    check(value <= n + (1 if hammer.in_flight else 0),
          f"nothing applied twice: at most the one unanswered request landed (in flight: {hammer.in_flight}, "
          f"A acknowledged {n}, B reads {value})")
    check(value >= logged, f"every increment node A executed is there (logged {logged}, B reads {value})")
    print(f"the request in flight at the kill was {'committed' if value == n + 1 else 'not committed'}", flush=True)

    values = [counter(client_b.request(INCREMENT)) for _ in range(B_INCREMENTS)]
    check(values == list(range(value + 1, value + 1 + B_INCREMENTS)),
          f"node B continues from {value}, one more per increment ({values[:1]}..{values[-1:]})")
    return node_b, client_b, values[-1]


def contention_scenario(tmp, children, a, pg, nodes, node_b, client_b, last):
    """Scenario 2: B holds the card and stays alive; A (restarted) is refused until B's session ends."""
    pki = nodes["pki"]
    log_a2 = os.path.join(tmp, "sesamed-a2.log")
    node_a = start_node(children, a.sesamed, nodes["cfg_a"], nodes["state_a"], log_a2, nodes["port_a"])
    check("1 card in the store: demo" in read_log(log_a2), "node A, restarted, lists the card")

    client_a = Racs(nodes["port_a"], pki)
    r = client_a.request("POWERON demo")
    check(r == POWERON_IN_USE, f"node A refuses POWERON while node B serves the card ({r})")
    r = client_a.request(SELECT)
    check(r == APDU_IN_USE, f"node A refuses an APDU while node B serves the card ({r})")

    # The holding session on B ends: B powers the card off and unloads it, giving the lease back.
    released = read_log(nodes["log_b"]).count("cards_released=1")
    ending = time.monotonic()
    client_b.close()
    wait_for(lambda: read_log(nodes["log_b"]).count("cards_released=1") > released, 20,
             "node B to end the holding session and release the card")
    node, live = pg.lease("demo")
    check(node == "node-b" and not live, "the lease table: node B gave its lease back when the session ended")
    r = client_a.request(SELECT)
    check(apdu_ok(r), f"node A's waiting client gets the card on its next request, B still running ({r})")
    check(time.monotonic() - ending < TTL_B_MS / 1000,
          "before node B's lease could have lapsed (so it was released, not expired)")
    check(pg.lease("demo") == ("node-a", True), "the lease table: node A holds the demo card")
    check(counter(client_a.request(READ)) == last, f"node A reads {last}: nothing lost, nothing rolled back")
    check(counter(client_a.request(INCREMENT)) == last + 1, f"and increments to {last + 1}")
    last += 1

    # And back: B refuses while A's session holds the card, and gets it once that session ends.
    client_b2 = Racs(nodes["port_b"], pki)
    r = client_b2.request("POWERON demo")
    check(r == POWERON_IN_USE, f"node B refuses POWERON while node A serves the card ({r})")
    released_a = read_log(log_a2).count("cards_released=1")
    client_a.close()
    wait_for(lambda: read_log(log_a2).count("cards_released=1") > released_a, 20,
             "node A to end the holding session and release the card")
    select(client_b2, "a new session on node B")
    check(pg.lease("demo") == ("node-b", True), "the lease table: node B holds the demo card again")
    check(counter(client_b2.request(READ)) == last, f"node B's new session reads {last}")

    # A clean stop releases the lease at once (expiry set to now), with a session still holding the card.
    stopping = time.monotonic()
    check(children.stop(node_b) == 0, "node B stops cleanly (SIGTERM)")
    client_b2.close()
    node, live = pg.lease("demo")
    check(node == "node-b" and not live, "the lease table: node B released its lease when it stopped")
    client_a2 = Racs(nodes["port_a"], pki)
    r = client_a2.request(SELECT)
    check(apdu_ok(r), f"a client on node A gets the card on its first request ({r})")
    check(time.monotonic() - stopping < TTL_B_MS / 1000,
          "before node B's lease could have lapsed (so it was released, not expired)")
    check(pg.lease("demo") == ("node-a", True), "the lease table: node A holds the demo card")
    check(counter(client_a2.request(READ)) == last, f"node A reads {last}: nothing lost, nothing rolled back")
    check(counter(client_a2.request(INCREMENT)) == last + 1, f"and increments to {last + 1}")
    client_a2.close()
    check(children.stop(node_a) == 0, "node A stops cleanly")


def body(tmp, children, a):
    pg = Postgres(a.test_pg)
    try:
        key = os.path.join(tmp, "shared-master.key")
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, os.urandom(32))
        os.close(fd)
        nodes = {"pki": os.path.join(tmp, "pki"), "port_a": free_port(), "port_b": free_port(),
                 "cfg_a": os.path.join(tmp, "a.toml"), "cfg_b": os.path.join(tmp, "b.toml"),
                 "state_a": os.path.join(tmp, "a"), "state_b": os.path.join(tmp, "b"),
                 "log_a": os.path.join(tmp, "sesamed-a.log"), "log_b": os.path.join(tmp, "sesamed-b.log")}
        # One development PKI for both nodes (node A creates it), so one client certificate works on both.
        write_config(nodes["cfg_a"], pg.conninfo, "node-a", TTL_A_MS, key, nodes["pki"], nodes["port_a"], demo=True)
        write_config(nodes["cfg_b"], pg.conninfo, "node-b", TTL_B_MS, key, nodes["pki"], nodes["port_b"], demo=False)
        node_b, client_b, last = crash_scenario(tmp, children, a, pg, nodes)
        contention_scenario(tmp, children, a, pg, nodes, node_b, client_b, last)
    finally:
        children.stop_all()  # before PostgreSQL goes away, so no node sees its store vanish
        pg.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sesamed", required=True)
    ap.add_argument("--test-pg", required=True)
    args = ap.parse_args()
    main(lambda tmp, children: body(tmp, children, args))
