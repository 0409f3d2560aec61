"""When does an eaten grass patch grow back, relative to model steps?

Usage: venv/bin/python check_grass_timing.py
One sheep; the single wolf starts with energy 0 (dies in step 1 unless it eats the sheep).
Logs every change of GrassPatch.fully_grown with (simulator time, model.steps).
"""
from mesa.examples.advanced.wolf_sheep.agents import GrassPatch
from mesa.examples.advanced.wolf_sheep.model import WolfSheep
from mesa.experimental.devs import ABMSimulator

log = []
setter = GrassPatch.fully_grown.fset


def logged(self, value):
    log.append((id(self), value, self.model.simulator.time, self.model.steps))
    setter(self, value)


GrassPatch.fully_grown = property(GrassPatch.fully_grown.fget, logged)
sim = ABMSimulator()
m = WolfSheep(seed=1, simulator=sim, initial_sheep=1, initial_wolves=1, wolf_gain_from_food=0,
              wolf_reproduce=0, sheep_reproduce=0)  # 0 wolves raises KeyError in the example
sim.run_for(80)
eaten = {}
for pid, value, t, steps in log:
    if not value:
        eaten[pid] = (t, steps)
    elif pid in eaten:
        (t0, s0) = eaten.pop(pid)
        print(f"eaten in step {s0} (tick {t0}); grown again at tick {t} "
              f"after step {steps} had run and been collected")
        break
