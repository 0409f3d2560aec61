"""More seeds of Mesa 3.3.1's Schelling and Boltzmann examples (constructor defaults),
to check the 20-seed figures of ref_stats.py: Boltzmann seeds 20..99 (Gini and share
with nothing after 100 steps), Schelling seeds 20..59 (steps until all happy, final
similar-neighbour share). Run from this directory:
    nice -n 10 venv/bin/python ref_more_seeds.py   (output: ref_more_seeds.out)
"""

import statistics

from mesa_runs import run_boltzmann, run_schelling


def show(name, values):
    sd = statistics.stdev(values)
    print(f"{name}: n={len(values)} mean={statistics.fmean(values):.4f} sd={sd:.4f} "
          f"se={sd / len(values) ** 0.5:.4f} min={min(values):.4f} max={max(values):.4f}")


gini, zero, steps, similar = [], [], [], []
for seed in range(20, 100):
    rows, _, _, _ = run_boltzmann(seed, steps=100, record=(100,))
    gini.append(rows[100]["gini"])
    zero.append(rows[100]["zero_share"])
for seed in range(20, 60):
    rows, _, _, _ = run_schelling(seed)
    steps.append(rows["steps"])
    similar.append(rows["final"]["similar_share"])
show("boltzmann gini step 100 (seeds 20..99)", gini)
show("boltzmann zero_share step 100 (seeds 20..99)", zero)
show("schelling steps until all happy (seeds 20..59)", steps)
show("schelling final similar share (seeds 20..59)", similar)
