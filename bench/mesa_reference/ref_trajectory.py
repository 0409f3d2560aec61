"""Wolf-sheep trajectories over seeds, from ref_stats.json (written by ref_stats.py).

Usage: venv/bin/python ref_trajectory.py [ref_stats.json]
Prints mean [p5, p95] of wolves, sheep, grass (DataCollector values) every 5 steps.
"""
import json
import sys

import numpy as np

with open(sys.argv[1] if len(sys.argv) > 1 else "ref_stats.json") as f:
    d = json.load(f)
runs = d["wolf_sheep"]
print("| step | wolves mean [p5, p95] | sheep mean [p5, p95] | grass mean [p5, p95] |")
print("|---|---|---|---|")
for st in list(range(0, 55, 5)) + [60, 75, 100]:
    cells = []
    for k in ("wolves", "sheep", "grass"):
        v = np.array([r[str(st)][k] for r in runs], dtype=float)
        cells.append(f"{v.mean():.1f} [{np.percentile(v, 5):.1f}, {np.percentile(v, 95):.1f}]")
    print(f"| {st} | " + " | ".join(cells) + " |")
