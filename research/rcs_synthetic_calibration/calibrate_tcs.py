"""Which latency factor makes tcs_synthetic instances (depth sqrt(n)) non-trivial?
(research/rcs_synthetic_calibration/README.md)"""

import time

from schedbench.datasets import typed_synthetic
from schedbench.solvers.registry import solve

for n in (1000, 10000):
    for factor in (1.0, 1.2):
        problem = typed_synthetic.tcs(n, depth=None, factor=factor, seed=0)
        started = time.time()
        listed = solve(problem, "tcs_list", time_limit=5, threads=2)
        print(
            f"n={n} factor={factor} CP={problem.critical_path} T={problem.latency} "
            f"LB={problem.lower_bound} list={listed.cost} ({time.time() - started:.1f}s)",
            flush=True,
        )
        if n == 1000:
            exact = solve(problem, "tcs_cpsat", time_limit=10, threads=2)
            print(f"   cpsat={exact.cost} {exact.status} bound {exact.bound}", flush=True)
