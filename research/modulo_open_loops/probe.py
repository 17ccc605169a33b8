"""Probe a ChStone loop that no 60 s run closes: iterative modulo scheduling at a range
of IIs and budget ratios, and CP-SAT's model at chosen IIs for chosen seconds.

    python research/modulo_open_loops/probe.py aes/graph4 --ims 72 74 77 --cpsat 88:60
    python research/modulo_open_loops/probe.py aes/graph2 --cpsat 45:120

Prints, per attempt, the II, the outcome and the seconds; CP-SAT's outcome is
'infeasible' (a proof), 'optimal'/'feasible' (a schedule at that II) or 'unknown'.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from schedbench.datasets.registry import load
from schedbench.solvers.modulo import height, iterative_modulo
from schedbench.solvers.modulo.cpsat import solve_at


class Context:
    """What solve_at reads of a run's context: threads, seed and where schedules go."""

    def __init__(self, threads: int, seed: int) -> None:
        self.threads, self.seed, self.best = threads, seed, None

    def report(self, schedule: np.ndarray) -> bool:
        self.best = schedule
        return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("loop", help="a ChStone loop, e.g. aes/graph4")
    parser.add_argument("--ims", type=int, nargs="*", default=[], help="IIs for IMS")
    parser.add_argument("--ratios", type=float, nargs="+", default=[6.0, 50.0])
    parser.add_argument("--cpsat", nargs="*", default=[], help="II:seconds for CP-SAT")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    problem = load(f"modulo/chstone/{args.loop}")
    print(f"{args.loop}: {problem.n_ops} operations, ResMII {problem.res_mii}, "
          f"RecMII {problem.rec_mii}, MinII {problem.min_ii}")  # fmt: skip
    for ii in args.ims:
        for ratio in args.ratios:
            start = time.perf_counter()
            found = iterative_modulo(problem, ii, height(problem, ii), ratio)
            print(f"IMS II {ii} budget ratio {ratio:g}: "
                  f"{'scheduled' if found is not None else 'failed'} "
                  f"({time.perf_counter() - start:.1f} s)")  # fmt: skip
    for item in args.cpsat:
        ii, seconds = int(item.split(":")[0]), float(item.split(":")[1])
        context = Context(args.threads, 0)
        start = time.perf_counter()
        outcome, length_bound = solve_at(problem, ii, context, None, seconds)
        print(f"CP-SAT II {ii} ({seconds:g} s): {outcome}, length bound {length_bound} "
              f"({time.perf_counter() - start:.1f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
