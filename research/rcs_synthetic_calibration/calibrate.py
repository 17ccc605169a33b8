"""Which depth and unit pressure make rcs_synthetic instances non-trivial at 1,000
operations? (research/rcs_synthetic_calibration/README.md)"""

from schedbench.datasets import typed_synthetic
from schedbench.solvers.registry import solve

for depth in (None, 100, 300):
    for pressure in (1.0, 1.5, 3.0):
        problem = typed_synthetic.rcs(1000, depth=depth, pressure=pressure, seed=0)
        listed = solve(problem, "rcs_list", time_limit=3, threads=2)
        exact = solve(problem, "rcs_cpsat", time_limit=10, threads=2)
        print(
            f"depth={depth} pressure={pressure}: CP={problem.critical_path} "
            f"LB={problem.lower_bound} list={listed.cost} cpsat={exact.cost} "
            f"({exact.status}, bound {exact.bound})",
            flush=True,
        )
