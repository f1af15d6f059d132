#!/usr/bin/env python3
"""Times commands round-robin: every round runs each command once, in turn, so that a shared
machine's drift falls on all of them alike (hyperfine runs one command's runs back to back).

    scripts/round_robin.py ROUNDS CMD1 [-- CMD2 ...]

Prints, per command, the median and the minimum wall time and the median CPU time (user plus
system) over the rounds, and how many times faster than each later command the first one ran
(median against median). A command's output is discarded; one that fails stops the script.

    F=/tmp/mix-1m.pcap
    scripts/round_robin.py 25 target/release/examples/swyxpcap $F \\
        -- tcpdump -r $F -w /dev/null -- ndpiReader -q -i $F
"""

import resource
import statistics
import subprocess
import sys
import time


def parse(argv):
    if len(argv) < 3 or not argv[1].isdigit() or int(argv[1]) < 1:
        sys.exit(__doc__)
    commands, current = [], []
    for arg in argv[2:]:
        if arg == "--":
            commands.append(current)
            current = []
        else:
            current.append(arg)
    commands.append(current)
    if any(not command for command in commands):
        sys.exit("round_robin.py: an empty command")
    return int(argv[1]), commands


def run(command):
    """Wall and CPU seconds of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"round_robin.py: {' '.join(command)} exited with {done.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    rounds, commands = parse(sys.argv)
    times = [[] for _ in commands]
    for _ in range(rounds):
        for i, command in enumerate(commands):
            times[i].append(run(command))
    medians = []
    for command, runs in zip(commands, times):
        walls = [wall for wall, _ in runs]
        median = statistics.median(walls)
        medians.append(median)
        cpu = statistics.median(cpu for _, cpu in runs)
        print(
            f"{median * 1e3:8.1f} ms median wall, {min(walls) * 1e3:8.1f} ms min, "
            f"{cpu * 1e3:8.1f} ms median CPU   {' '.join(command)}"
        )
    for command, median in zip(commands[1:], medians[1:]):
        print(f"{median / medians[0]:6.2f}x  faster than {' '.join(command)}")


if __name__ == "__main__":
    main()
