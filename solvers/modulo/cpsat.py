"""CP-SAT for modulo scheduling: one model per candidate II, from the lower bound up.

At a fixed II: a start t_i in [earliest_i, horizon(II)] per operation (every schedule at
that II can be moved into it, :meth:`~schedbench.problems.modulo.ModuloProblem.horizon`,
so an infeasible model proves the II infeasible), t_i = II * q_i + r_i; each edge
t_j + distance * II >= t_i + lat_i + delay; per limited resource the residues of its
operations share a cumulative of capacity its limit over the folded time [0, II) (a
no-overlap at limit 1; per-slot sums of residue literals when an operation blocks for
more than one cycle); minimize the length. Iterative modulo scheduling gives the first
schedule, whose II ends the search; at that II it is the hint. An II below it gets at
most ``ii_share`` of the budget.
"""

from __future__ import annotations

import time

import numpy as np

from schedbench.problems.modulo import LENGTH_SCALE, ModuloProblem
from schedbench.solvers.base import Outcome, SolveContext, Status, interruptible
from schedbench.solvers.modulo import heuristic_start

LIBRARY = "ortools"
PIP = "ortools"
CLASSES = ("modulo",)
FAMILY = "exact"  # how the verdict groups it (studies.families)


def version() -> str:
    import ortools

    return f"ortools {ortools.__version__}"


def run(ctx: SolveContext, ii_share: float = 0.5) -> Outcome:
    """See the module docstring: every improving schedule reported as it is found. An II
    below the incumbent's gets at most ``ii_share`` of the budget: unresolved by then, the
    search moves on to the next II without a proof. The bound is the first II not proved
    infeasible, then the length bound CP-SAT proves there."""
    problem = ctx.problem
    built = time.perf_counter()
    heuristic_start(ctx)
    ii = problem.min_ii
    build_time = time.perf_counter() - built
    floor = ii  # every II below it is proved infeasible
    bound = problem.cost_bound(ii)
    proved: list[int] = []
    unresolved: list[int] = []
    while not ctx.should_stop():
        best = ctx.best_schedule
        ii_best = int(best[-1])
        if ii > ii_best:  # cannot happen: the incumbent's II has a schedule
            raise RuntimeError(f"CP-SAT proved II {ii_best} infeasible, which has one")
        hint = best[:-1] if ii == ii_best else None
        limit = (
            ctx.remaining() if ii == ii_best else min(ctx.remaining(), ii_share * ctx.time_limit)
        )
        status, length_bound = solve_at(problem, ii, ctx, hint, limit)
        if status == "infeasible":
            proved.append(ii)
            if ii == floor:
                floor += 1
                bound = problem.cost_bound(floor)
            ii += 1
            continue
        if status == "unknown":
            if ii < ii_best:
                unresolved.append(ii)
                ii += 1  # its share is spent: the next II, unproved
                continue
            break
        if ii == floor:
            bound = max(bound, ii * LENGTH_SCALE + length_bound)
        if status == "optimal" and bound >= ctx.best_cost:
            return Outcome(Status.OPTIMAL, bound=ctx.best_cost, build_time=build_time,
                           message=_message(proved, unresolved, ii))  # fmt: skip
        if status == "feasible" and ii < ii_best:
            continue  # a schedule at a lower II: shorten it with the time left
        break
    return Outcome(None, bound=bound, build_time=build_time,
                   message=_message(proved, unresolved, ii))  # fmt: skip


def _message(proved: list[int], unresolved: list[int], ii: int) -> str:
    span = str(proved[0]) if proved else ""
    if len(proved) > 1:
        span += f"..{proved[-1]}"
    parts = [f"II {span} proved infeasible"] if proved else []
    parts += [f"II {k} unresolved in its share (no proof)" for k in unresolved]
    return "; ".join([*parts, f"II {ii}"])


def solve_at(problem: ModuloProblem, ii: int, ctx: SolveContext, hint: np.ndarray | None,
             limit: float) -> tuple[str, int]:  # fmt: skip
    """One CP-SAT solve at ``ii`` for ``limit`` seconds: 'infeasible', 'optimal', 'feasible'
    or 'unknown', and the length bound it proved; schedules go to ``ctx.report``."""
    from ortools.sat.python import cp_model

    lo = problem.earliest(ii)
    horizon = problem.horizon(ii)
    tail = problem.tails(ii)
    lat = problem.latency
    length_floor = problem.length_bound(ii)
    top = horizon + int(lat.max())
    if hint is not None:
        top = min(top, int((hint + lat).max()))
    model = cp_model.CpModel()
    t = []
    for i in range(problem.n_ops):
        hi = max(int(lo[i]), min(horizon, top - int(tail[i])))
        t.append(model.new_int_var(int(lo[i]), hi, f"t{i}"))
    for e in range(problem.m):
        a, b = int(problem.src[e]), int(problem.dst[e])
        gap = int(problem.weight[e] - problem.distance[e] * ii)
        if a == b:
            if gap > 0:
                return "infeasible", length_floor
            continue
        model.add(t[b] - t[a] >= gap)
    residue = {}
    for i in problem.limited.tolist():
        r = model.new_int_var(0, ii - 1, f"r{i}")
        q = model.new_int_var(0, (top + ii) // ii, f"q{i}")
        model.add(t[i] == ii * q + r)
        residue[i] = r
    for res, cap in enumerate(problem.limit.tolist()):
        ops = [i for i in problem.limited.tolist() if problem.resource[i] == res]
        if cap <= 0 or (len(ops) <= cap and all(problem.blocking[i] <= ii for i in ops)):
            continue
        if all(problem.blocking[i] == 1 for i in ops):
            if cap == 1:
                model.add_all_different([residue[i] for i in ops])
            else:
                spans = [model.new_fixed_size_interval_var(residue[i], 1, f"s{i}") for i in ops]
                model.add_cumulative(spans, [1] * len(ops), cap)
            continue
        slot = {}
        for i in ops:
            for k in range(ii):
                slot[i, k] = model.new_bool_var(f"x{i}_{k}")
                model.add(residue[i] == k).only_enforce_if(slot[i, k])
            model.add_exactly_one(slot[i, k] for k in range(ii))
        for s in range(ii):
            model.add(sum(slot[i, (s - j) % ii] for i in ops
                          for j in range(int(problem.blocking[i]))) <= cap)  # fmt: skip
    length = model.new_int_var(length_floor, max(length_floor, top), "length")
    for i in range(problem.n_ops):
        model.add(length >= t[i] + int(lat[i]))
    model.minimize(length)
    if hint is not None:
        for i in range(problem.n_ops):
            model.add_hint(t[i], int(hint[i]))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, limit)
    solver.parameters.num_workers = max(1, ctx.threads)
    solver.parameters.random_seed = int(ctx.seed)

    class Improving(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            start = np.asarray([self.value(x) for x in t], np.int64)
            ctx.report(problem.join(start, ii))

    with interruptible(solver.stop_search):
        status = solver.solve(model, Improving())
    if status == cp_model.INFEASIBLE:
        return "infeasible", length_floor
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        start = np.asarray([solver.value(x) for x in t], np.int64)
        ctx.report(problem.join(start, ii))
        proved = max(length_floor, int(np.ceil(solver.best_objective_bound - 1e-9)))
        return ("optimal" if status == cp_model.OPTIMAL else "feasible"), proved
    return "unknown", length_floor
