"""Solvers of resource-constrained minimum-latency scheduling (schedbench.problems.rcs)."""
