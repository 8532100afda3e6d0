#!/usr/bin/env python3
"""Turns Google Benchmark JSON files into docs/PERFORMANCE.md.

Benchmark names are "<group>/<variant>" (Google Benchmark appends its own "/min_time:..",
"/real_time", "/threads:N" parts, which are dropped here; the thread count comes from the JSON).
Exactly one variant per group starts with "baseline". Throughput is items_per_second (one item =
one APDU, one commit, one record...). For each variant the report shows the median of the
repetitions and the ratio to the group's baseline median, so results stay comparable on a noisy
2-core machine.

The benchmark programs describe their groups and targets in the JSON context
(bench/bench_env.h): "group:<group>" -> text, "target:<group>" -> "<variant> <op> <ratio>",
"limit:<group>:<counter>" -> "<variant> <op> <value>" (a bound on the median of a user counter).
Known user counters (COUNTERS below: latency percentiles, CPU per item...) get their own columns.

A JSON file whose top level is {"sesame_soak": {...}} is the RACS soak's summary
(bench/racs_soak.cpp), rendered as a section of its own.

usage: perf-report.py [--sesame-build TYPE] result.json...
"""
import datetime
import json
import operator
import platform
import sys
from collections import OrderedDict

OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


def fmt_us(us):
    return fmt_time(us * 1e-6)


# User counters shown as columns when a group's variants report them: name -> (header, format).
COUNTERS = OrderedDict([
    ("p50_us", ("p50 latency", fmt_us)),
    ("p99_us", ("p99 latency", fmt_us)),
    ("server_cpu_us", ("server CPU per item", fmt_us)),
    ("client_cpu_us", ("client CPU per item", fmt_us)),
    ("io_busy", ("server I/O thread busy", lambda x: f"{100 * x:.0f}%")),
    ("process_cores", ("process cores", lambda x: f"{x:.2f}")),
])


class Variant:
    def __init__(self, name, threads):
        self.name = name
        self.threads = threads
        self.ips = None
        self.cpu_per_item = None  # seconds of CPU of the benchmark threads per item
        self.cv = None
        self.reps = None
        self.note = ""
        self.order = None  # registration order, for a stable table (repetitions run interleaved)
        self.counters = {}  # COUNTERS name -> median over the repetitions

    @property
    def key(self):
        return (self.name, self.threads)

    @property
    def display(self):
        return self.name if self.threads == 1 else f"{self.name} ({self.threads} threads)"


def load(paths):
    groups = OrderedDict()  # group -> OrderedDict((name, threads) -> Variant)
    descriptions, targets, limits, contexts, soaks = OrderedDict(), {}, {}, [], []
    for file_index, p in enumerate(paths):
        with open(p) as f:
            data = json.load(f)
        if "sesame_soak" in data:
            soaks.append(data["sesame_soak"])
            continue
        ctx = data.get("context", {})
        contexts.append(ctx)
        for k, v in ctx.items():
            if k.startswith("group:"):
                descriptions[k[len("group:"):]] = v
            elif k.startswith("target:"):
                targets[k[len("target:"):]] = v
            elif k.startswith("limit:"):
                group, _, counter = k[len("limit:"):].rpartition(":")
                limits.setdefault(group, []).append((counter, v))
        for b in data.get("benchmarks", []):
            if b.get("run_type") != "aggregate" or b.get("aggregate_name") not in ("median", "cv"):
                continue
            if "items_per_second" not in b:
                continue
            parts = b["run_name"].split("/")
            if len(parts) < 2:
                print(f"perf-report: {b['run_name']}: not <group>/<variant>", file=sys.stderr)
                continue
            group, name = parts[0], parts[1]
            threads = int(b.get("threads", 1))
            v = groups.setdefault(group, OrderedDict()).setdefault((name, threads), Variant(name, threads))
            v.order = (file_index, b.get("family_index", 0), b.get("per_family_instance_index", 0))
            if b["aggregate_name"] == "median":
                v.ips = b["items_per_second"]
                v.reps = b.get("repetitions")
                # All benchmarks use real time: items per iteration = rate x wall time per iteration.
                unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b.get("time_unit", "ns")]
                items_per_iter = v.ips * b["real_time"] * unit
                if items_per_iter > 0:
                    v.cpu_per_item = b["cpu_time"] * unit / items_per_iter
                v.note = b.get("label", "")
                v.counters = {c: b[c] for c in COUNTERS if c in b}
            else:
                v.cv = b["items_per_second"]
    # Groups in registration order; in each, the baseline first, then the variants as registered.
    def first(variants):
        return min(v.order for v in variants.values())

    ordered = OrderedDict()
    for group in sorted(groups, key=lambda g: first(groups[g])):
        vs = sorted(groups[group].values(), key=lambda v: (not v.name.startswith("baseline"), v.order))
        ordered[group] = OrderedDict((v.key, v) for v in vs)
    return ordered, descriptions, targets, limits, contexts, soaks


def baseline_of(variants):
    base = [v for v in variants.values() if v.name.startswith("baseline")]
    return base[0] if len(base) == 1 else None


def fmt_rate(ips):
    if ips >= 1e6:
        return f"{ips / 1e6:,.2f} M"
    if ips >= 1e3:
        return f"{ips / 1e3:,.1f} k"
    return f"{ips:,.0f}"


def fmt_time(seconds):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:,.1f} {unit}"
    return f"{seconds / 1e-9:,.0f} ns"


def scaling_note(v, variants):
    """For a multi-threaded variant: total throughput against the same variant on one thread."""
    if v.threads == 1 or not v.ips:
        return ""
    one = variants.get((v.name, 1)) or variants.get(("baseline_" + v.name, 1))
    if not one or not one.ips:
        return ""
    note = f"{v.ips / one.ips:.2f}x the 1-thread rate (ideal {v.threads}x)"
    if v.cpu_per_item and one.cpu_per_item:
        note += f", CPU time per item {v.cpu_per_item / one.cpu_per_item:.2f}x the 1-thread one"
    return note


def check_target(group, spec, variants):
    """Returns (wanted, result, met) for a target "<variant> <op> <ratio>"."""
    try:
        name, op, ratio = spec.split()
        ratio = float(ratio)
    except ValueError:
        return f"unreadable target '{spec}'", "not checked", False
    base = baseline_of(variants)
    v = variants.get((name, 1)) or next((x for x in variants.values() if x.name == name), None)
    want = f"`{name}` {op} {ratio:g}x `{base.name if base else 'baseline'}`"
    if not base or not v or not v.ips or not base.ips:
        return want, "not measured", False
    got = v.ips / base.ips
    met = OPS[op](got, ratio)
    return want, f"**{'met' if met else 'NOT met'}** ({got:.2f}x)", met


def check_limit(counter, spec, variants):
    """Returns (wanted, result, met) for a limit "<variant> <op> <value>" on a counter."""
    header, fmt = COUNTERS.get(counter, (counter, lambda x: f"{x:g}"))
    try:
        name, op, value = spec.split()
        value = float(value)
        OPS[op]
    except (ValueError, KeyError):
        return f"unreadable limit '{spec}'", "not checked", False
    want = f"`{name}` {header} {op} {fmt(value)}"
    v = variants.get((name, 1)) or next((x for x in variants.values() if x.name == name), None)
    if not v or counter not in v.counters:
        return want, "not measured", False
    got = v.counters[counter]
    met = OPS[op](got, value)
    return want, f"**{'met' if met else 'NOT met'}** ({fmt(got)})", met


def soak_section(s):
    """The RACS soak's summary (bench/racs_soak.cpp) as markdown lines."""
    out = ["## racs_soak\n"]
    out.append(f"{s.get('sessions', '?')} RACS sessions (mutual TLS) held open against {s.get('server', '?')}; "
               f"each session first SELECTs the demo applet on its own card, then sends READ BINARY every "
               f"{s.get('interval_ms', '?')} ms for {s.get('seconds', '?'):g} s (latency from the scheduled send "
               "time), then one more request (every session must still answer). The client (one Asio thread) "
               "runs in another process, so the server's resident memory (VmRSS) holds server state only; "
               "kernel socket buffers are not in it. An error is any failed connect, handshake, read, write or "
               "unexpected response.\n")
    errors = s.get("errors")
    out.append("| measure | value |")
    out.append("|---|---:|")
    out.append(f"| errors (target 0) | {errors} — **{'met' if errors == 0 else 'NOT met'}** |")
    if s.get("first_error"):
        out.append(f"| first error | {s['first_error']} |")
    if "apdus" in s:
        out.append(f"| APDUs answered in the window | {s['apdus']:,} ({fmt_rate(s['apdus_per_second'])}/s) |")
        out.append(f"| latency p50 / p99 / max | {fmt_us(s['p50_us'])} / {fmt_us(s['p99_us'])} / "
                   f"{fmt_us(s['max_us'])} |")
    if "open_seconds" in s:
        out.append(f"| time to open all sessions (64 handshakes at a time) | {s['open_seconds']:.1f} s |")
    rss = s.get("rss_kib")
    if rss:
        mib = lambda k: f"{k / 1024:,.1f} MiB"
        out.append(f"| server RSS: started, no session | {mib(rss['before'])} |")
        out.append(f"| server RSS: sessions open and idle (handshake done) | {mib(rss['idle'])} |")
        out.append(f"| server RSS: each session holding its card (SELECT done) | {mib(rss['selected'])} |")
        out.append(f"| server RSS: after the busy period | {mib(rss['after_load'])} |")
        out.append(f"| **memory per idle session** | **{s['idle_bytes_per_session'] / 1024:,.1f} KiB** |")
        out.append(f"| memory per session holding a powered, selected card | "
                   f"{s['selected_bytes_per_session'] / 1024:,.1f} KiB |")
    out.append("")
    return out


def main(argv):
    sesame_build = "?"
    if len(argv) >= 2 and argv[0] == "--sesame-build":
        sesame_build, argv = argv[1], argv[2:]
    groups, descriptions, targets, limits, contexts, soaks = load(argv)
    ctx = contexts[0] if contexts else {}
    loads = [c["load_avg"][0] for c in contexts if c.get("load_avg")]
    reps = sorted({v.reps for g in groups.values() for v in g.values() if v.reps})

    out = []
    w = out.append
    w("# Performance\n")
    w("Generated by `make bench` (`scripts/run-bench`, `scripts/perf-report.py`); do not edit by hand.\n")
    w(f"- date: {datetime.date.today().isoformat()}")
    w(f"- machine: {ctx.get('num_cpus', '?')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz, "
      f"{platform.system()} {platform.release()}; 1-minute load average when each program started: "
      + (", ".join(f"{x:.1f}" for x in loads) if loads else "?"))
    w(f"- build: sesame {sesame_build}; Google Benchmark library reports itself as a "
      f"{ctx.get('library_build_type', '?')} build (that affects the harness only)")
    span = f"{reps[0]}-{reps[-1]}" if len(reps) > 1 else (str(reps[0]) if reps else "?")
    w(f"- every number is the median of its benchmark's repetitions ({span}; the durable ones run more, "
      "shorter ones) in wall-clock time; "
      "the ratio is against the baseline of the same group, measured in the same program run "
      "(higher is better)\n")

    summary = []
    for group, variants in groups.items():
        if group in targets:
            summary.append((group, *check_target(group, targets[group], variants)))
        for counter, spec in limits.get(group, []):
            summary.append((group, *check_limit(counter, spec, variants)))
    for s in soaks:
        summary.append(("racs_soak", f"{s.get('sessions', '?')} sessions for {s.get('seconds', '?'):g} s, no error",
                        f"**{'met' if s.get('errors') == 0 else 'NOT met'}** ({s.get('errors')} errors)",
                        s.get("errors") == 0))
    if summary:
        w("## Targets\n")
        w("| group | target | result |")
        w("|---|---|---|")
        for group, want, result, _ in summary:
            w(f"| {group} | {want} | {result} |")
        w("")

    for group, variants in groups.items():
        base = baseline_of(variants)
        n_base = sum(1 for v in variants.values() if v.name.startswith("baseline"))
        if n_base != 1:
            print(f"perf-report: group {group} has {n_base} baseline variants (needs exactly 1)", file=sys.stderr)
        w(f"## {group}\n")
        if group in descriptions:
            w(descriptions[group] + "\n")
        if n_base != 1:
            w(f"*This group has {n_base} variants named baseline…; it needs exactly one, so no ratios.*\n")
        extra = [c for c in COUNTERS if any(c in v.counters for v in variants.values())]
        w("| variant | items/s (median) | spread (cv) | time per item | ratio to baseline | "
          + "".join(COUNTERS[c][0] + " | " for c in extra) + "note |")
        w("|---|---:|---:|---:|---:|" + "---:|" * len(extra) + "---|")
        for v in variants.values():
            if not v.ips:
                w(f"| {v.display} | n/a | | | | " + "| " * len(extra) + "no result |")
                continue
            ratio = f"{v.ips / base.ips:.2f}x" if base and base.ips else "n/a"
            cv = f"{100 * v.cv:.1f}%" if v.cv is not None else ""
            cells = "".join((COUNTERS[c][1](v.counters[c]) if c in v.counters else "") + " | " for c in extra)
            note = "; ".join(x for x in (v.note, scaling_note(v, variants)) if x)
            w(f"| {v.display} | {fmt_rate(v.ips)} | {cv} | {fmt_time(1 / v.ips)} | {ratio} | {cells}{note} |")
        w("")
        # The baseline's own code on several threads tells how many cores the machine had free.
        for v in variants.values():
            ref = variants.get(("baseline_" + v.name, 1))
            if v.threads > 1 and ref and ref.ips and v.ips:
                w(f"Reference for scaling: the baseline's code on {v.threads} threads reached "
                  f"{v.ips / ref.ips:.2f}x its 1-thread rate in this run (ideal {v.threads}x); the other "
                  "variants' thread scaling is only meaningful relative to that.\n")
        if group in targets:
            want, result, _ = check_target(group, targets[group], variants)
            w(f"Target: {want}: {result}\n")
        for counter, spec in limits.get(group, []):
            want, result, _ = check_limit(counter, spec, variants)
            w(f"Target: {want}: {result}\n")

    # Groups a program described but did not measure (skipped: it says why in its text).
    for group, text in descriptions.items():
        if group not in groups:
            w(f"## {group}\n")
            w(text + "\n")
            w("*No results in this run.*\n")

    for s in soaks:
        out.extend(soak_section(s))

    w("## How to read this\n")
    w("- **items/s** is the median throughput over the repetitions; with N threads it is the total of "
      "all threads per second of wall-clock time. **time per item** is its inverse (for N threads, wall "
      "time divided by the items of all threads).")
    w("- **spread (cv)** is the coefficient of variation of the throughput over the repetitions; the "
      "machine is small and shared, so compare ratios within a group rather than absolute numbers "
      "across runs.")
    w("- **ratio to baseline** divides a variant's median by the median of its group's `baseline…` "
      "variant from the same program run; each group's text above states exactly what the baseline does.")
    w("- Multi-threaded variants note their throughput against the same variant on one thread, and the CPU "
      "time the benchmark threads spent per item against one thread. Different threads never share a "
      "card, so on a machine with the cores free the rate should grow with the threads — a slower second "
      "thread is a bug. When the machine is busy with other work the wall-clock rate cannot scale (see the "
      "reference line under the group). CPU time per item staying near 1.00x then still shows that the "
      "threads do not make each other work harder (no spinning, no cache-line ping-pong); a lock that "
      "makes a thread sleep costs no CPU and only shows in the wall-clock rate when cores are free.")
    w("- Durable groups use SQLite files in a fresh temporary directory on the machine's disk "
      "(`$BENCH_TMPDIR`); their rate is bounded by the disk's fsync latency. On a shared machine that "
      "latency jumps between regimes (from about 0.15 ms to several ms) with other processes' I/O, hence "
      "their large spread. They therefore run many short repetitions of a fixed iteration count, "
      "interleaved in random order with the other benchmarks of the same program, so the baseline and "
      "the variants sample the same disk conditions; trust their ratios to about ±10-20%, not better.")
    if summary:
        w("- Targets (checked in the table at the top): with one card, durable APDUs at least 0.8x raw "
          "SQLite committing one row per transaction; with 64 cards busy at once, more than raw SQLite "
          "with 64 threads each committing its own transaction (the store's group commit); RACS over "
          "TLS at 64 sessions at least 0.8x the TLS echo's throughput with p99 under 1 ms; 1024 RACS "
          "sessions held with no error.")
    w("- RACS groups measure fixed wall-clock windows (items/s = round trips answered in the window); the "
      "latency columns are the medians over the repetitions of each window's p50 and p99. Client and "
      "servers share the machine's cores (and, on a shared machine, other processes' load: see "
      "process cores), so compare a variant with its same-run baseline.")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1:])
