"""Which depth and unit pressure make rcs_synthetic instances non-trivial at 1,000 operations?
(research/rcs_synthetic_calibration/README.md)"""

import time
from schedbench.datasets import typed_synthetic as ts
from schedbench.solvers.registry import solve

for depth in (None, 100, 300):
    for pressure in (1.0, 1.5, 3.0):
        p = ts.rcs(1000, depth=depth, pressure=pressure, seed=0)
        l = solve(p, "rcs_list", time_limit=3, threads=2)
        c = solve(p, "rcs_cpsat", time_limit=10, threads=2)
        print(
            f"depth={depth} pressure={pressure}: CP={p.critical_path} LB={p.lower_bound} list={l.cost} cpsat={c.cost} ({c.status}, bound {c.bound})",
            flush=True,
        )
