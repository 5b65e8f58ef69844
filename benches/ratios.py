#!/usr/bin/env python3
"""Reads divan output (stdin, one or more runs) and prints the verify/bare
ratio of each provider and size: the median over runs of each run's ratio
of medians."""
import re
import statistics
import sys
from collections import defaultdict

UNITS = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}
runs = []
current = None
path = []
for line in sys.stdin:
    if line.startswith("Timer precision"):
        current = {}
        runs.append(current)
        continue
    m = re.match(r"^([│ ]*)[├╰]─ (\S+)(.*)$", line.rstrip())
    if not m or current is None:
        continue
    depth = len(m.group(1)) // 3
    name, rest = m.group(2), m.group(3)
    path = path[:depth] + [name]
    cells = [c.strip() for c in rest.split("│")]
    if len(cells) >= 3 and cells[2]:
        value, unit = cells[2].split()
        current["/".join(path)] = float(value) * UNITS[unit]

ratios = defaultdict(list)
for run in runs:
    for key, verify in run.items():
        parts = key.split("/")
        if len(parts) == 3 and parts[1] != "bare_hmac":
            bare = run.get("/".join([parts[0], "bare_hmac", parts[2]]))
            if bare:
                ratios[(parts[0], parts[1], parts[2])].append(verify / bare)

for (group, case, size), values in sorted(ratios.items(), key=lambda kv: (kv[0][0], kv[0][1], int(kv[0][2]) if kv[0][2].isdigit() else kv[0][2])):
    med = statistics.median(values)
    print(f"{group:28} {case:12} {size:>8}  {med:6.3f}x  (runs: {', '.join(f'{v:.3f}' for v in values)})")
