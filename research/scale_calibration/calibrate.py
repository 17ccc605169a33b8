"""Which synthetic RCS/TCS families leave the list schedule >= 3 % above the bound at every
size? (research/scale_calibration/README.md)

    python research/scale_calibration/calibrate.py [--sizes 1e3 1e4 1e5] [--widths ...]

Per family (level width: nodes per level, so depth = n / width; RCS pressure; TCS latency
factor) and size, seed 0: the class's lower bound, the list schedule's cost and its gap
above the bound, one line each (the list schedulers are deterministic).
"""

from __future__ import annotations

import argparse
import time

from schedbench.datasets import typed_synthetic
from schedbench.solvers.registry import solve


def line(cls: str, n: int, width: int, knob: float, problem, seconds: float) -> str:
    started = time.perf_counter()
    listed = solve(problem, f"{cls}_list", time_limit=seconds, threads=1)
    gap = (listed.cost - problem.lower_bound) / listed.cost
    return (f"{cls} n={n:.0e} width={width} {'pressure' if cls == 'rcs' else 'factor'}={knob} "
            f"LB={problem.lower_bound} list={listed.cost} gap={100 * gap:.2f}% "
            f"({time.perf_counter() - started:.1f} s)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1e3", "1e4", "1e5"])
    parser.add_argument("--widths", nargs="+", type=int, default=[4, 8, 16, 32])
    parser.add_argument("--pressures", nargs="+", type=float, default=[1.0])
    parser.add_argument("--factors", nargs="+", type=float, default=[1.0])
    parser.add_argument("--classes", nargs="+", default=["rcs", "tcs"])
    parser.add_argument("--seconds", type=float, default=120)
    args = parser.parse_args()
    for n in [int(float(s)) for s in args.sizes]:
        for width in args.widths:
            depth = max(2, n // width)
            if "rcs" in args.classes:
                for pressure in args.pressures:
                    problem = typed_synthetic.rcs(n, depth=depth, pressure=pressure, seed=0)
                    print(line("rcs", n, width, pressure, problem, args.seconds), flush=True)
            if "tcs" in args.classes:
                for factor in args.factors:
                    problem = typed_synthetic.tcs(n, depth=depth, factor=factor, seed=0)
                    print(line("tcs", n, width, factor, problem, args.seconds), flush=True)


if __name__ == "__main__":
    main()
