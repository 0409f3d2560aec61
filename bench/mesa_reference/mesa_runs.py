"""Run Mesa 3.3's own example models unchanged and read their state.

Shared by ref_stats.py (reference figures) and ref_speed.py (agent-steps/s).
Each run_* function builds the example model with the given keyword
arguments (constructor defaults otherwise), steps it and returns
(rows, agent_steps, seconds, cpu_seconds):
  rows        {step: metrics} for the steps in `record` (0 = after construction),
              plus rows["steps"] = steps run (Schelling also rows["final"]);
  agent_steps agents alive at the start of each step, summed over steps;
  seconds     wall time of the stepping only (construction excluded);
  cpu_seconds process CPU time of the same (less sensitive to a shared machine).
budget (s): stop stepping once the stepping time exceeds it (large sizes).
"""

import time

from mesa.examples.advanced.wolf_sheep.agents import GrassPatch, Sheep, Wolf
from mesa.examples.advanced.wolf_sheep.model import WolfSheep
from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannWealth
from mesa.examples.basic.schelling.model import Schelling
from mesa.experimental.devs import ABMSimulator


def schelling_metrics(m):
    agents = list(m.agents)
    # mean similar-neighbour share (segregation), same definition as the
    # example's assign_state (occupied Moore cells within radius; 0 if none)
    fr = []
    for a in agents:
        nb = list(a.cell.get_neighborhood(radius=a.radius).agents)
        fr.append(sum(n.type == a.type for n in nb) / len(nb) if nb else 0.0)
    return {
        "n": len(agents),
        "happy": m.happy,
        "happy_share": m.happy / len(agents),
        "similar_share": sum(fr) / len(fr),
    }


def run_schelling(seed, max_steps=200, stop_rule=True, record=(), budget=None, **kw):
    """Step until the example's own stop rule (model.running False) or max_steps."""
    m = Schelling(seed=seed, **kw)
    rows = {0: schelling_metrics(m)} if 0 in record else {}
    agent_steps, t, c = 0, 0.0, 0.0
    while m.steps < max_steps and (m.running or not stop_rule) and t < (budget or 1e9):
        agent_steps += len(m.agents)
        t0, c0 = time.perf_counter(), time.process_time()
        m.step()
        t += time.perf_counter() - t0
        c += time.process_time() - c0
        if m.steps in record:
            rows[m.steps] = schelling_metrics(m)
    rows["final"] = dict(schelling_metrics(m), steps=m.steps, stopped=not m.running)
    rows["steps"] = m.steps
    return rows, agent_steps, t, c


def boltzmann_metrics(m):
    w = [a.wealth for a in m.agents]
    return {
        "gini": m.compute_gini(),  # the example's own reporter
        "max_wealth": max(w),
        "zero_share": sum(x == 0 for x in w) / len(w),
    }


def run_boltzmann(seed, steps=100, record=(), budget=None, **kw):
    m = BoltzmannWealth(seed=seed, **kw)
    rows = {0: boltzmann_metrics(m)} if 0 in record else {}
    agent_steps, t, c = 0, 0.0, 0.0
    while m.steps < steps and t < (budget or 1e9):
        agent_steps += len(m.agents)
        t0, c0 = time.perf_counter(), time.process_time()
        m.step()
        t += time.perf_counter() - t0
        c += time.process_time() - c0
        if m.steps in record:
            rows[m.steps] = boltzmann_metrics(m)
    rows["steps"] = m.steps
    return rows, agent_steps, t, c


def wolf_sheep_metrics(m):
    # "Wolves", "Sheep", "Grass" as collected by the example's DataCollector
    # at the end of model.step (i.e. before the grass-regrowth events of the
    # same tick run); grass_after = fully grown patches after those events.
    mv = m.datacollector.model_vars
    return {
        "wolves": mv["Wolves"][-1],
        "sheep": mv["Sheep"][-1],
        "grass": mv["Grass"][-1],
        "grass_after": sum(g.fully_grown for g in m.agents_by_type[GrassPatch]),
    }


def run_wolf_sheep(seed, steps=100, record=(), budget=None, **kw):
    """Driven the way the example's app drives it: ABMSimulator, one tick at a time."""
    sim = ABMSimulator()
    m = WolfSheep(seed=seed, simulator=sim, **kw)
    rows = {0: wolf_sheep_metrics(m)} if 0 in record else {}
    agent_steps, t, c = 0, 0.0, 0.0
    while m.steps < steps and t < (budget or 1e9):
        agent_steps += len(m.agents_by_type[Wolf]) + len(m.agents_by_type[Sheep])
        t0, c0 = time.perf_counter(), time.process_time()
        sim.run_for(1)  # model.step at tick k, then grass events due at tick k
        t += time.perf_counter() - t0
        c += time.process_time() - c0
        if m.steps in record:
            rows[m.steps] = wolf_sheep_metrics(m)
    rows["steps"] = m.steps
    return rows, agent_steps, t, c
