"""Several nodes on one PostgreSQL (scripts/test-pg starts a real server in a temporary directory).

1. Two sesamed nodes share the store and the master key: node A creates the demo card and holds
   its lease (it loads every card at start); node B starts while A runs and reports the card as
   served by node A.
2. Crash: a node process (pg_failover_driver: LocalState + CardService, exactly as sesamed opens
   them) increments the demo counter, acknowledging each value, and is killed with SIGKILL mid-run.
   Node B waits for the lease to lapse (ttl 1 s) and continues: no acknowledged increment lost,
   none applied twice (at most the one in flight at the kill lands, unacknowledged), no rollback.
3. Fencing: node B is frozen with SIGSTOP (heartbeat included, as in a long pause or a partition);
   node A takes the card over; B, thawed, has its next increment refused, and A's sequence shows
   that nothing of B landed. When A closes, B recovers and continues from A's last value.
"""

import argparse
import os
import queue
import signal
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(__file__))
from harness import TestFailure, check, main, read_log, wait_for  # noqa: E402

TTL_MS = 1000


class Driver:
    """A pg_failover_driver process spoken to over stdin/stdout."""

    def __init__(self, exe, config, state, seid, name, log_dir):
        self.name = name
        self.err = open(os.path.join(log_dir, f"{name}.stderr"), "wb")
        self.proc = subprocess.Popen([exe, config, state, seid], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err, text=True, bufsize=1, start_new_session=True)
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def next(self, timeout=20):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise TestFailure(f"{self.name}: no output within {timeout}s (seen {self.seen[-5:]})")
        if line is None:
            raise TestFailure(f"{self.name} exited ({self.proc.wait()}): {self.stderr()}")
        self.seen.append(line)
        return line

    def stderr(self):
        self.err.flush()
        return read_log(self.err.name)[-2000:]

    def send(self, cmd):
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()

    def batch(self, cmd):
        """Sends a command and collects its events up to "done": (acks, waits, refusals)."""
        self.send(cmd)
        return self.collect()

    def collect(self):
        acks, waits, refused = [], [], []
        while True:
            line = self.next()
            if line == "done":
                return acks, waits, refused
            kind, _, arg = line.partition(" ")
            {"ack": lambda: acks.append(int(arg)), "waiting": lambda: waits.append(arg),
             "refused": lambda: refused.append(arg), "value": lambda: acks.append(int(arg))}.get(
                kind, lambda: (_ for _ in ()).throw(TestFailure(f"{self.name}: unexpected {line!r}")))()

    def kill(self, sig=signal.SIGKILL):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)

    def quit(self):
        self.send("quit")
        rc = self.proc.wait(timeout=20)
        self.err.close()
        return rc


def consecutive(values):
    return all(b == a + 1 for a, b in zip(values, values[1:]))


def write_config(path, conninfo, node, key, demo):
    with open(path, "w") as f:
        f.write(f'[store]\nbackend = "postgres"\nconninfo = "{conninfo}"\nnode_id = "{node}"\n'
                f'master_key = "{key}"\nlease_ttl_ms = {TTL_MS}\n')
        if demo:
            f.write("[demo]\ncreate_cards = true\n")


def body(tmp, children, a):
    # The server runs as the postgres user when we are root: its directory must not sit inside
    # our private (0700) temporary directory.
    pg_dir = f"/tmp/sesame-pg-it-{os.getpid()}"
    subprocess.run([a.test_pg, "stop", pg_dir], check=False)
    started = subprocess.run([a.test_pg, "start", pg_dir], capture_output=True, text=True)
    if started.returncode != 0:
        raise TestFailure(f"PostgreSQL did not start (scripts/install-deps installs it): {started.stderr}")
    drivers = []
    try:
        conninfo = started.stdout.strip()
        check(conninfo.startswith("host="), f"PostgreSQL started: {conninfo}")
        key = os.path.join(tmp, "shared-master.key")
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, os.urandom(32))
        os.close(fd)
        cfg_a, cfg_b = os.path.join(tmp, "a.toml"), os.path.join(tmp, "b.toml")
        write_config(cfg_a, conninfo, "node-a", key, demo=True)
        write_config(cfg_b, conninfo, "node-b", key, demo=False)
        state_a, state_b = os.path.join(tmp, "a"), os.path.join(tmp, "b")

        # 1. Two sesamed nodes.
        node_a = children.start([a.sesamed, "--config", cfg_a, "--state-dir", state_a], os.path.join(tmp, "sesamed-a.log"))
        wait_for(lambda: "in the store: demo" in read_log(node_a.log_path), 30, "sesamed A to create the demo card")
        check("created store postgres, node node-a" in read_log(node_a.log_path), "sesamed A created the shared store")
        node_b = children.start([a.sesamed, "--config", cfg_b, "--state-dir", state_b], os.path.join(tmp, "sesamed-b.log"))
        wait_for(lambda: "in the store: demo" in read_log(node_b.log_path), 30, "sesamed B to list the demo card")
        log_b = read_log(node_b.log_path)
        check("opened store postgres, node node-b" in log_b, "sesamed B opened the same store")
        # Listing SEIDs loads no card: a node that starts first does not lease every card.
        check("served by node" not in log_b, "sesamed B lists the card without loading it")
        check(children.stop(node_b) == 0, "sesamed B stops cleanly")
        check(children.stop(node_a) == 0, "sesamed A stops cleanly (releasing its leases)")

        # 2. Crash: node A killed mid-run, node B takes over after the ttl.
        da = Driver(a.driver, cfg_a, state_a, "demo", "driver-a1", tmp)
        drivers.append(da)
        check(da.next() == "ready", "node A driver ready")
        da.send("inc 1000000")
        acked_a = []
        deadline = time.monotonic() + 20
        while len(acked_a) < 150 and time.monotonic() < deadline:
            line = da.next()
            if not line.startswith("ack "):
                raise TestFailure(f"node A: unexpected {line!r}")
            acked_a.append(int(line.split()[1]))
        # Node B is up before A dies, so its first increment meets A's live lease.
        db = Driver(a.driver, cfg_b, state_b, "demo", "driver-b", tmp)
        drivers.append(db)
        check(db.next() == "ready", "node B driver ready")
        da.kill()
        da.proc.wait()
        killed_at = time.monotonic()
        db.send("inc 100")
        # Whatever A printed before dying was acknowledged too.
        while True:
            try:
                line = da.lines.get(timeout=2)
            except queue.Empty:
                break
            if line is None:
                break
            if line.startswith("ack "):
                acked_a.append(int(line.split()[1]))
        check(acked_a[0] == 1 and consecutive(acked_a), f"node A acknowledged 1..{acked_a[-1]} in order")

        acks, waits, refused = db.collect()
        took = time.monotonic() - killed_at
        check(waits == ["node-a"], f"node B waited for node A's lease ({waits})")
        check(not refused and len(acks) == 100 and consecutive(acks), "node B acknowledged 100 increments in order")
        check(acks[0] in (acked_a[-1] + 1, acked_a[-1] + 2),
              f"nothing lost, nothing twice, no rollback: A's last ack {acked_a[-1]}, B's first {acks[0]}")
        check(took < TTL_MS / 1000 + 8, f"takeover within the ttl plus slack ({took:.1f}s)")
        value, _, _ = db.batch("get")
        check(value == [acks[-1]], f"the counter reads {acks[-1]}")
        last = acks[-1]

        # 3. Fencing: B frozen (heartbeat too), A takes over, B thawed is refused.
        db.kill(signal.SIGSTOP)
        time.sleep(TTL_MS / 1000 + 0.5)
        da2 = Driver(a.driver, cfg_a, state_a, "demo", "driver-a2", tmp)
        drivers.append(da2)
        check(da2.next() == "ready", "node A restarted")
        acks, waits, refused = da2.batch("inc 50")
        check(not refused and acks == list(range(last + 1, last + 51)),
              f"node A took the lapsed lease over and continued from {last} ({acks[:1]}..{acks[-1:]})")
        db.kill(signal.SIGCONT)
        acks_b, _, refused_b = db.batch("inc 1")
        check(not acks_b and refused_b == ["6581"], f"node B's late increment is refused (fenced): {refused_b}")
        acks, _, refused = da2.batch("inc 10")
        check(not refused and acks == list(range(last + 51, last + 61)), "node A's counter shows nothing of B's")
        check(da2.quit() == 0, "node A closes (releasing the lease)")
        acks, waits, refused = db.batch("inc 5")
        check(not refused and acks == list(range(last + 61, last + 66)), f"node B recovers and continues: {acks}")
        check(db.quit() == 0, "node B closes")
    finally:
        for d in drivers:
            d.kill(signal.SIGCONT)
            d.kill()
        subprocess.run([a.test_pg, "stop", pg_dir], check=False)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sesamed", required=True)
    ap.add_argument("--driver", required=True)
    ap.add_argument("--test-pg", required=True)
    args = ap.parse_args()
    main(lambda tmp, children: body(tmp, children, args))
