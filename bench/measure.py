#!/usr/bin/env python3
"""Times whole commands, alternating between them, and prints medians and ratios.

    measure.py RUNS LABEL1 'COMMAND1' LABEL2 'COMMAND2' ... [--packets N] [--ratio LABEL_A/LABEL_B ...]

Each command runs RUNS times after one untimed warm-up, in turn (A B C A B C ...) so that a drifting
machine affects all of them alike. Wall time comes from a monotonic clock; user/system CPU and peak
resident memory from wait4(2) for that one child. With --packets, rates are printed as packets/s.
Speed ratios of the first command to each other one are printed, and of any pair named by --ratio.
"""
import os
import shlex
import statistics
import sys
import time


def run(cmd):
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss / 1024.0, code


def main(argv):
    packets = None
    if "--packets" in argv:
        i = argv.index("--packets")
        packets = int(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    extra = []
    while "--ratio" in argv:
        i = argv.index("--ratio")
        extra.append(tuple(argv[i + 1].split("/", 1)))
        argv = argv[:i] + argv[i + 2:]
    runs = int(argv[0])
    pairs = list(zip(argv[1::2], argv[2::2]))
    results = {label: [] for label, _ in pairs}
    for label, cmd in pairs:  # warm-up: page cache, JIT'd runtime files
        w = run(shlex.split(cmd))
        if w[4] not in (0, 3):
            sys.exit(f"measure: '{label}' failed with exit code {w[4]}: {cmd}")
    for r in range(runs):
        for label, cmd in pairs:
            wall, user, sys_, rss, code = run(shlex.split(cmd))
            results[label].append((wall, user, sys_, rss))
            rate = f"{packets / wall / 1e6:8.2f} Mpps" if packets else ""
            print(f"run {r + 1}  {label:<12} wall {wall:7.3f} s  user {user:6.3f}  sys {sys_:6.3f}  peak {rss:8.1f} MiB {rate}", flush=True)
    print()
    medians = {}
    for label, rows in results.items():
        wall = statistics.median(r[0] for r in rows)
        medians[label] = wall
        rate = f"  {packets / wall / 1e6:.2f} Mpps" if packets else ""
        print(f"median {label:<12} wall {wall:.3f} s (min {min(r[0] for r in rows):.3f}, max {max(r[0] for r in rows):.3f})"
              f"  cpu {statistics.median(r[1] + r[2] for r in rows):.3f} s  peak {max(r[3] for r in rows):.1f} MiB{rate}")
    labels = list(results)
    for a, b in [(labels[0], other) for other in labels[1:]] + extra:
        if a not in results or b not in results:
            sys.exit(f"measure: --ratio names an unknown label: {a}/{b}")
        ratios = [results[b][i][0] / results[a][i][0] for i in range(runs)]
        print(f"speed {a} / {b}: {statistics.median(ratios):.2f}x (pairwise median; >1 means {a} is faster)")


if __name__ == "__main__":
    main(sys.argv[1:])
