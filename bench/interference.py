"""What slows CP-SAT down beside a nice-19 neighbour: CPU time, or caches and memory?

    python bench/interference.py [--design rw1] [--budget 25] [--runs 2]

The concurrent hybrid runs its helper at nice 19 so that it only takes the cycles CP-SAT
leaves idle, chiefly during CP-SAT's single-threaded presolve. A nice value shares CPU time,
not the last-level cache or memory bandwidth. This runs compact CP-SAT (2 workers) alone
and beside two nice-19 neighbours, interleaved: ``spin`` (a pure CPU loop that touches no
memory) and ``stream`` (numpy streaming through a 64 MB array, more than the L3 cache), and
prints when CP-SAT found its first schedule and its best cost at a few points. If only
``stream`` delays CP-SAT, the helper costs CP-SAT through memory traffic, whatever its nice.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

NEIGHBOURS = {
    "alone": None,
    "spin": "import os\nos.nice(19)\nx = 0\nwhile True:\n    x += 1\n",
    "stream": (
        "import os\nimport numpy as np\nos.nice(19)\na = np.ones(8_000_000)\n"
        "while True:\n    a = a * 1.0000001\n"
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--design", default="rw1")
    parser.add_argument("--budget", type=float, default=25.0)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(__file__))
    from gs_speed import load_problem

    from schedbench.solvers.registry import solve

    problem, _ = load_problem(args.design, None)
    points = [p for p in (10, 15, 20, 25, 30, 45, 60) if p <= args.budget]
    print("neighbour run first_s " + " ".join(f"{p}s" for p in points))
    for run in range(args.runs):
        for name, code in NEIGHBOURS.items():
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
