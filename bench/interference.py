"""What slows CP-SAT down beside a nice-19 neighbour: CPU time, or caches and memory?

    python bench/interference.py [--design rw1] [--budget 25] [--runs 2]
    python bench/interference.py --neighbours alone gauss local_search   # the helpers

The concurrent hybrid runs its helper at nice 19 so that it only takes the cycles CP-SAT
leaves idle, chiefly during CP-SAT's single-threaded presolve. A nice value shares CPU time,
not the last-level cache or memory bandwidth. This runs compact CP-SAT (2 workers) alone
and beside nice-19 neighbours, interleaved: ``spin`` (a pure CPU loop that touches no
memory), ``stream`` (numpy streaming through a 64 MB array, more than the L3 cache), or any
registered solver on the same design with one thread (what the hybrid's helper runs), and
prints when CP-SAT found its first schedule and its best cost at a few points. If only
``stream`` delays CP-SAT, the helper costs CP-SAT through memory traffic, whatever its nice;
the solver neighbours tell which helper is light enough to run beside it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

SYNTHETIC = {
    "alone": None,
    "spin": "import os\nos.nice(19)\nx = 0\nwhile True:\n    x += 1\n",
    "stream": (
        "import os\nimport numpy as np\nos.nice(19)\na = np.ones(8_000_000)\n"
        "while True:\n    a = a * 1.0000001\n"
    ),
}
SOLVER = (
    "import os, sys\nos.nice(19)\nsys.path.insert(0, {here!r})\n"
    "from gs_speed import load_problem\nfrom schedbench.solvers.registry import solve\n"
    "solve(load_problem({design!r}, None)[0], {solver!r}, time_limit={budget}, threads=1)\n"
)


def neighbour_code(name: str, design: str, budget: float) -> str | None:
    if name in SYNTHETIC:
        return SYNTHETIC[name]
    here = os.path.dirname(os.path.abspath(__file__))
    return SOLVER.format(here=here, design=design, solver=name, budget=budget)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--design", default="rw1")
    parser.add_argument("--budget", type=float, default=25.0)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--neighbours", nargs="+", default=list(SYNTHETIC),
        help="alone, spin, stream, or registered solver names (run at nice 19, one thread)",
    )  # fmt: skip
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(__file__))
    from gs_speed import load_problem

    from schedbench.solvers.registry import names, solve

    unknown = [n for n in args.neighbours if n not in SYNTHETIC and n not in names()]
    if unknown:
        parser.error(f"unknown neighbour(s) {unknown}: use {list(SYNTHETIC)} or a solver name")
    problem, _ = load_problem(args.design, None)
    points = [p for p in (5, 10, 15, 20, 25, 30, 45, 60) if p <= args.budget]
    print("neighbour run first_s " + " ".join(f"{p}s" for p in points))
    for run in range(args.runs):
        for name in args.neighbours:
            code = neighbour_code(name, args.design, args.budget)
            neighbour = None if code is None else subprocess.Popen([sys.executable, "-c", code])
            time.sleep(0.3 if neighbour else 0)  # let it start before CP-SAT does
            try:
                result = solve(
                    problem, "cpsat", time_limit=args.budget, threads=args.threads,
                    formulation="compact",
                )  # fmt: skip
            finally:
                if neighbour is not None:
                    neighbour.kill()
                    neighbour.wait()
            first = f"{result.incumbents[0][0]:.1f}" if result.incumbents else "-"
            best = [min((c for t, c in result.incumbents if t <= p), default="-") for p in points]
            print(f"{name} {run} {first} " + " ".join(str(b) for b in best), flush=True)


if __name__ == "__main__":
    main()
