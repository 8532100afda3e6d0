"""Small helpers shared by the integration test scripts: temp dirs, child processes that are
always cleaned up, and failing loudly."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77  # ctest SKIP_RETURN_CODE


def skip(why):
    print(f"SKIPPED: {why}", flush=True)
    sys.exit(SKIP)


class TestFailure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise TestFailure(what)
    print(f"ok: {what}", flush=True)


class Children:
    """Started processes; stop_all() terminates whatever is still running (also on failure)."""

    def __init__(self):
        self.procs = []

    def start(self, args, log_path, env=None):
        log = open(log_path, "wb")
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        proc.log_path = log_path
        proc.log_file = log
        self.procs.append(proc)
        return proc

    def stop(self, proc, sig=signal.SIGTERM, timeout=15):
        """Sends sig and waits; returns the exit code (kills the group if it does not stop)."""
        if proc.poll() is None:
            try:
                proc.send_signal(sig)
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                raise TestFailure(f"{proc.args[0]} did not stop within {timeout}s after signal {sig}")
        proc.log_file.close()
        return proc.returncode

    def stop_all(self):
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
            proc.log_file.close()


def read_log(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace")


def wait_for(predicate, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TestFailure(f"timed out after {timeout}s waiting for {what}")


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=60, **kw)


def main(body):
    """Runs body(tmpdir, children); prints logs and exits 1 on failure; always cleans up."""
    tmp = tempfile.mkdtemp(prefix="sesame-it-")
    children = Children()
    ok = False
    try:
        body(tmp, children)
        ok = True
    except TestFailure as e:
        print(f"FAILED: {e}", flush=True)
    finally:
        children.stop_all()
        if not ok:
            for proc in children.procs:
                print(f"----- log of {' '.join(map(str, proc.args))}", flush=True)
                print(read_log(proc.log_path)[-6000:], flush=True)
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(0 if ok else 1)


def start_sesamed(children, sesamed, config, state, log):
    """Starts the built sesamed on `config` and `state`, logging to `log`; returns once it runs."""
    p = children.start([sesamed, "--config", config, "--state-dir", state], log)
    wait_for(lambda: "sesamed running" in read_log(log) or p.poll() is not None, 60, f"sesamed ({log}) to start")
    check(p.poll() is None, "sesamed runs")
    return p


def main_with_binaries(body):
    """main() for a test of the built programs: body(tmp, children, sesamed, sesame) from
    --sesamed and --sesame."""
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--sesamed", required=True)
    ap.add_argument("--sesame", required=True)
    a = ap.parse_args()
    main(lambda tmp, children: body(tmp, children, a.sesamed, a.sesame))
