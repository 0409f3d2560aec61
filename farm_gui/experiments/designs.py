"""Designs (which factor values each design point takes) and run seeds.

- grid: the full factorial product of every factor's values (``values`` or ``range``).
- lhs: ``samples`` points of a Latin hypercube (``scipy.stats.qmc.LatinHypercube``).
- sobol: Saltelli's scheme for Sobol indices (``SALib.sample.sobol``): ``samples`` = the base
  sample N, giving N * (D + 2) points (N * (2D + 2) with ``second_order``), in SALib's row
  order, so that ``SALib.analyze.sobol.analyze(salib_problem(spec), Y)`` takes the outcome
  of design point i as ``Y[i]``.

Sampled designs draw each factor on [0, 1) and map it: uniform -> low + u (high - low);
loguniform -> exp of uniform in logs; integer -> low .. high (both included); values or
range -> one of the levels, equally likely. The design's own random stream is derived from
the spec's seed and is independent of the runs' seeds.

Seeds: ``numpy.random.SeedSequence(seed).spawn(n_runs)``, run i = point * replications +
replicate; each child gives a 63-bit integer. No two runs of an experiment share a seed and
the same spec always gives the same seeds.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .spec import ExperimentSpec, Factor

DESIGN_STREAM = 0x5EED_DE51  # mixed into the spec's seed for the design's random stream


def design_problems(spec: ExperimentSpec) -> list[tuple[str, str]]:
    """What is wrong with the design as written (independent of the model)."""
    from .spec import MAX_RUNS

    out: list[tuple[str, str]] = []
    if spec.design == "grid":
        for name, f in spec.factors.items():
            if f.is_distribution:
                out.append((f"factors.{name}", f"a {f.kind} distribution needs a sampled design "
                            "(design: lhs or sobol); a grid takes values or a range"))
        if spec.samples is not None:
            out.append(("samples", "a grid design takes no samples (every combination of the values is run)"))
    else:
        if spec.samples is None:
            out.append(("samples", f"is required for a {spec.design} design"))
        if not spec.factors:
            out.append(("factors", f"a {spec.design} design needs at least one factor"))
        if spec.design == "sobol" and spec.samples is not None and spec.samples & (spec.samples - 1):
            lower = 1 << (spec.samples.bit_length() - 1)
            out.append(("samples", f"must be a power of 2 for a Sobol design (got {spec.samples}; "
                        f"try {lower} or {lower * 2})"))
    if not out:
        n = n_points(spec) * spec.replications
        if n > MAX_RUNS:
            out.append(("replications", f"the experiment would make {n:,} runs, more than {MAX_RUNS:,}"))
    return out


def n_points(spec: ExperimentSpec) -> int:
    if spec.design == "grid":
        return math.prod(len(f.levels()) for f in spec.factors.values()) if spec.factors else 1
    d = len(spec.factors)
    assert spec.samples is not None
    if spec.design == "lhs":
        return spec.samples
    return spec.samples * ((2 * d + 2) if spec.second_order else (d + 2))


def salib_problem(spec: ExperimentSpec) -> dict[str, Any]:
    """The SALib problem of a sampled design, on the unit cube (factor values are mapped
    from it, see the module docstring)."""
    names = list(spec.factors)
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def _map_unit(f: Factor, u: np.ndarray) -> list[Any]:
    u = np.clip(np.asarray(u, dtype=np.float64), 0.0, np.nextafter(1.0, 0.0))
    if f.uniform is not None:
        low, high = f.uniform
        return [float(x) for x in low + u * (high - low)]
    if f.loguniform is not None:
        low, high = f.loguniform
        return [float(x) for x in np.exp(math.log(low) + u * (math.log(high) - math.log(low)))]
    if f.integer is not None:
        low, high = f.integer
        return [int(x) for x in np.minimum(high, low + np.floor(u * (high - low + 1))).astype(np.int64)]
    levels = f.levels()
    idx = np.minimum(len(levels) - 1, np.floor(u * len(levels))).astype(np.int64)
    return [levels[i] for i in idx]


def unit_sample(spec: ExperimentSpec) -> np.ndarray:
    """The design on the unit cube: shape (n_points, n_factors) (sampled designs only)."""
    d = len(spec.factors)
    assert spec.samples is not None
    if spec.design == "lhs":
        from scipy.stats import qmc

        rng = np.random.default_rng(np.random.SeedSequence([spec.seed, DESIGN_STREAM]))
        return qmc.LatinHypercube(d=d, rng=rng).random(spec.samples)
    if spec.design == "sobol":
        from SALib.sample import sobol

        seed = int(np.random.SeedSequence([spec.seed, DESIGN_STREAM]).generate_state(1)[0])
        return sobol.sample(salib_problem(spec), spec.samples, calc_second_order=spec.second_order,
                            scramble=True, seed=seed)
    raise ValueError(f"no unit sample for a {spec.design} design")


def design_points(spec: ExperimentSpec) -> list[dict[str, Any]]:
    """Every design point: factor name -> value, in design order."""
    names = list(spec.factors)
    if spec.design == "grid":
        if not names:
            return [{}]
        levels = [spec.factors[n].levels() for n in names]
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*levels)]
    unit = unit_sample(spec)
    columns = [_map_unit(spec.factors[n], unit[:, j]) for j, n in enumerate(names)]
    return [{n: columns[j][i] for j, n in enumerate(names)} for i in range(unit.shape[0])]


def run_seeds(seed: int, n: int) -> list[int]:
    """n distinct 63-bit seeds from ``SeedSequence(seed).spawn(n)``."""
    children = np.random.SeedSequence(int(seed)).spawn(int(n))
    seeds = [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]
    if len(set(seeds)) != len(seeds):  # 63 bits: practically never; never silently shared
        seen: set[int] = set()
        for i, s in enumerate(seeds):
            while s in seen:
                s = (s + 1) % (2**63)
            seeds[i] = s
            seen.add(s)
    return seeds
