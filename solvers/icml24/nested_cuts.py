"""nested_cuts: the paper's class solved through its structure, nested closed cuts.

A schedule is a chain of predecessor-closed node sets S_0 ⊆ S_1 ⊆ ... ⊆ S_{L-2} (S_k: the
nodes at stage k or earlier), and comm is the sum over the boundaries of the counted edges
leaving S_k. With the peak fixed at P the solver builds the chain one boundary at a time:
S_k is the closed superset of S_{k-1} that adds at most P weight, leaves at most
(L-1-k) P for the stages after it, respects every node's window (and edge distances), and
cuts the fewest counted edges (a CP-SAT model with one boolean per undecided node, at most
``boundary_seconds``, hinted with the better of the depth-first chunk and, with
``lagrangian``, the Lagrangian cut: the closed set of least cut + lambda * weight, a minimum
s-t cut, at the lambda that fills the stage, topped up greedily; when CP-SAT finds nothing in
time, or when the boundary frees more than ``max_free`` nodes, the hint itself when it is
closed and fits). The peak: P starts at the trivial peak bound (raised until a chain
exists), then the slack is doubled while R * slack buys more comm than it costs
(``slack_share`` of the budget). The rest of the budget improves the best chain: windows
of consecutive stages are re-solved exactly with every other node fixed (a compact CP-SAT
model over the window, hinted with the incumbent, at most ``window_seconds``), sweeping
the windows and widening them when a sweep gains nothing (up to ``max_window``, by default
all L stages: the whole compact model hinted with the incumbent). Incumbents go to the
harness as found; the solver proves no bound. Left unset, the time per model follows the
budget: each boundary of the first chain gets ``construct_share`` of it over the L - 1
boundaries, each window half a boundary's time.
"""

from __future__ import annotations

import time

import numpy as np

from schedbench.solvers.base import Outcome, SolveContext, Status, host_memory_gb, too_large

LIBRARY = "ortools"
PIP = "ortools"
CLASSES = ("icml24",)
BYTES_PER_ENTRY = 900  # one boundary model per node and edge, a copy per worker
FAMILY = "heuristic"


def version() -> str:
    import ortools

    return f"ortools {ortools.__version__}"


def run(
    ctx: SolveContext,
    boundary_seconds: float | None = None,
    window_seconds: float | None = None,
    construct_share: float = 0.3,
    max_window: int | None = None,
    slack_share: float = 0.3,
    max_free: int = 60_000,
    lagrangian: bool = True,
) -> Outcome:
    """See the module docstring. ``max_free`` caps the nodes one model may free: a larger
    boundary takes its hint, a larger window is not re-solved."""
    problem = ctx.problem
    if boundary_seconds is None:
        boundary_seconds = max(0.5, construct_share * ctx.time_limit / max(1, problem.stages - 1))
    if window_seconds is None:
        window_seconds = max(0.5, boundary_seconds / 2)
    if not float(problem.ratio).is_integer():
        return Outcome(Status.SKIPPED, message="nested_cuts needs an integer ratio R (CP-SAT)")
    entries = problem.n + problem.m
    need = entries * BYTES_PER_ENTRY * (1 + max(1, ctx.threads)) / 2**30
    what = f"a boundary model ({entries:,} nodes and edges, {ctx.threads} workers)"
    if (skip := too_large(need, host_memory_gb(), what)) is not None:
        return skip
    began = time.perf_counter()
    cuts = NestedCuts(problem, ctx, lagrangian, max_free)
    build_time = time.perf_counter() - began  # the arrays; each model is built in the search
    peak, best, tried = cuts.choose_peak(boundary_seconds, slack_share)
    if best is None:
        return Outcome(message=f"no chain of closed cuts up to peak {peak} ({tried} tried)")
    widest = problem.stages if max_window is None else max_window
    sweeps, gains = cuts.improve(best, peak, window_seconds, widest, max_free)
    return Outcome(
        build_time=build_time,
        message=f"peak {peak} ({tried} peaks tried); {sweeps} window sweeps, {gains} improved",
    )


class NestedCuts:
    """The instance's arrays and the two CP-SAT models (a boundary, a window of stages)."""

    def __init__(self, problem, ctx: SolveContext, lagrangian: bool = True,
                 max_free: int = 60_000):  # fmt: skip
        self.problem, self.ctx, self.lagrangian = problem, ctx, lagrangian
        self.max_free = max_free
        self.n, self.stages = problem.n, problem.stages
        self.src, self.dst = problem.src.astype(np.int64), problem.dst.astype(np.int64)
        self.d = problem.d.astype(np.int64)
        self.w = problem.w.astype(np.int64)
        self.coeff = problem.comm_coeff.astype(np.int64)
        self.asap, self.alap = problem.asap.astype(np.int64), problem.alap.astype(np.int64)
        self.ratio = int(problem.ratio)
        from schedbench.solvers.icml24.topo_chunk import depth_first_order

        rank = np.empty(self.n, np.int64)
        rank[depth_first_order(problem)] = np.arange(self.n)
        self.rank = rank  # the hint fills a stage in depth-first order

    # ------------------------------------------------------------------ the peak
    def choose_peak(self, boundary_seconds: float, slack_share: float):
        """The chain at the lowest peak that has one, then at doubled slacks while the
        cost falls; returns (peak, schedule or None, peaks tried)."""
        ctx = self.ctx
        peak = int(self.problem.peak_lower_bound)
        total = int(self.w.sum())
        best, best_peak, best_cost, tried = None, peak, np.inf, 0
        while best is None and peak <= total and not ctx.should_stop():
            tried += 1
            best = self.chain(peak, boundary_seconds)
            if best is None:
                peak += max(1, peak // 50)  # no chain: raise the peak by 2 %
        if best is None:
            return peak, None, tried
        best_peak, best_cost = peak, self.cost(best)
        ctx.report(best)
        slack = 1
        deadline = ctx.elapsed() + slack_share * ctx.time_limit
        while not ctx.should_stop() and ctx.elapsed() < deadline and peak + slack <= total:
            tried += 1
            schedule = self.chain(peak + slack, boundary_seconds)
            if schedule is None or self.cost(schedule) >= best_cost:
                break
            best, best_peak, best_cost = schedule, peak + slack, self.cost(schedule)
            ctx.report(best)
            slack *= 2
        return best_peak, best, tried

    def cost(self, schedule: np.ndarray) -> float:
        return float(self.problem.evaluate(schedule).cost[0])

    # ------------------------------------------------------------------ construction
    def chain(self, peak: int, seconds: float) -> np.ndarray | None:
        """Stages from the nested cuts at ``peak``, boundary by boundary; None when some
        boundary has no closed set within the weights."""
        stage = np.full(self.n, -1, np.int64)
        for k in range(self.stages - 1):
            if self.ctx.should_stop():
                return None
            chosen = self.boundary(stage, k, peak, seconds)
            if chosen is None:
                return None
            stage[chosen] = k
        rest = stage < 0
        if self.w[rest].sum() > peak:
            return None
        stage[rest] = self.stages - 1
        return stage

    def boundary(self, stage: np.ndarray, k: int, peak: int, seconds: float) -> np.ndarray | None:
        """The undecided nodes that join S_k (indices), or None when none fits."""
        from ortools.sat.python import cp_model

        free = stage < 0
        nodes = np.flatnonzero(free)
        if nodes.size == 0:
            return nodes
        later = self.stages - 1 - k  # stages after k
        free_weight = int(self.w[nodes].sum())
        must = free & (self.alap <= k)
        barred = free & (self.asap > k)
        # an edge with distance d >= 1 bars v from S_k unless u is at stage k - d or before
        placed_by = np.where(stage >= 0, stage, self.stages)
        far = (self.d >= 1) & free[self.dst] & (placed_by[self.src] > k - self.d)
        barred[self.dst[far]] = True
        if (must & barred).any():
            return None
        near = (self.d == 0) & free[self.src] & free[self.dst]
        # the counted edges leaving S_k: from a placed u, coeff (1 - x_v); between
        # undecided u and v, coeff (x_u - x_v); as one weight per node
        counted = (self.coeff > 0) & free[self.dst]
        slope = np.zeros(self.n, np.int64)
        np.subtract.at(slope, self.dst[counted], self.coeff[counted])
        inner = counted & free[self.src]
        np.add.at(slope, self.src[inner], self.coeff[inner])
        hint = self._fill_hint(nodes, must, barred, peak)
        if self.lagrangian:
            cut = self._lagrangian_hint(nodes, must, barred, near, slope, peak, seconds)
            if cut is not None and slope[nodes] @ cut < slope[nodes] @ hint:
                hint = cut
        values = None
        if nodes.size <= self.max_free:  # beyond it the model alone outlasts its share
            index = self._positions(nodes)
            model = cp_model.CpModel()
            x = [model.new_bool_var("") for _ in range(nodes.size)]
            for v in np.flatnonzero(must):
                model.add(x[index[v]] == 1)
            for v in np.flatnonzero(barred):
                model.add(x[index[v]] == 0)
            for u, v in zip(self.src[near].tolist(), self.dst[near].tolist(), strict=True):
                model.add_implication(x[index[v]], x[index[u]])  # closed: v in S_k -> u in S_k
            load = cp_model.LinearExpr.weighted_sum(x, self.w[nodes].tolist())
            model.add(load <= peak)
            model.add(load >= free_weight - later * peak)
            model.minimize(cp_model.LinearExpr.weighted_sum(x, slope[nodes].tolist()))
            for i, value in enumerate(hint.tolist()):
                model.add_hint(x[i], value)
            values = self._solve(model, x, seconds)
        if values is None:  # no model, or no solution in time: the hint, when it is closed
            chosen = np.zeros(self.n, bool)
            chosen[nodes] = hint.astype(bool)
            load_now = int(self.w[chosen].sum())
            closed = not (chosen[self.dst[near]] & ~chosen[self.src[near]]).any()
            fits = free_weight - later * peak <= load_now <= peak
            values = hint if closed and fits and not (chosen & barred).any() else None
        return None if values is None else nodes[values.astype(bool)]

    def _lagrangian_hint(self, nodes, must, barred, near, slope, peak,
                         seconds: float = np.inf) -> np.ndarray | None:  # fmt: skip
        """The closed set minimizing cut + lambda * weight (a minimum s-t cut, Picard's
        closure construction) at the lambda whose set is the heaviest within ``peak``, found
        by bisection (stopped after ``seconds``: at 10^6 nodes one flow takes seconds),
        then filled towards ``peak`` (:meth:`_fill`); None when even the forced nodes
        exceed ``peak`` or the flow fails. The caller checks the lower bound."""
        from ortools.graph.python import max_flow

        deadline = time.perf_counter() + seconds
        size = nodes.size
        index = self._positions(nodes)
        src, dst = index[self.src[near]], index[self.dst[near]]  # the closure edges, locally
        source, sink = size, size + 1
        big = 1 << 50
        tails = [dst, np.full(size, source), np.arange(size)]
        heads = [src, np.arange(size), np.full(size, sink)]
        flow = max_flow.SimpleMaxFlow()
        first = flow.add_arcs_with_capacity(np.concatenate(tails), np.concatenate(heads),
                                            np.zeros(sum(map(len, tails)), np.int64))  # fmt: skip
        closure = first[: int(near.sum())]
        flow.set_arcs_capacity(closure, np.full(closure.size, big, np.int64))
        to_source, to_sink = first[closure.size : closure.size + size], first[closure.size + size :]
        cost, weight = slope[nodes].astype(float), self.w[nodes].astype(float)
        forced_in, forced_out = must[nodes], barred[nodes]

        def closed_set(lam: float) -> np.ndarray | None:
            profit = np.rint(-1000 * (cost + lam * weight)).astype(np.int64)
            up = np.where(forced_in, big, np.maximum(profit, 0))
            down = np.where(forced_out, big, np.maximum(-profit, 0))
            flow.set_arcs_capacity(to_source, up)
            flow.set_arcs_capacity(to_sink, down)
            if flow.solve(source, sink) != flow.OPTIMAL:
                return None
            side = np.asarray(flow.get_source_side_min_cut(), np.int64)
            chosen = np.zeros(size, bool)
            chosen[side[side < size]] = True
            return chosen

        reach = float(np.abs(cost).max(initial=0) + 1)
        low, high = -reach, reach  # everything in / only the forced nodes
        best = closed_set(high)
        if best is None or weight[best].sum() > peak:
            return None
        for _ in range(30):
            if time.perf_counter() > deadline or self.ctx.should_stop():
                break
            middle = (low + high) / 2
            chosen = closed_set(middle)
            if chosen is None:
                return None
            if weight[chosen].sum() <= peak:
                best, high = chosen, middle
            else:
                low = middle
        return self._fill(nodes, best, src, dst, slope, peak, forced_out)

    def _fill(self, nodes, chosen, src, dst, slope, peak, forced_out) -> np.ndarray:
        """``chosen`` (over ``nodes``; ``src``, ``dst``: the closure edges in their local
        positions) grown towards ``peak`` by the cheapest (lowest slope) nodes whose
        predecessors among ``nodes`` are all in, as 0/1 per node; the caller checks bounds."""
        import heapq

        missing = np.bincount(dst[~chosen[src]], minlength=nodes.size)
        succ_order = np.argsort(src, kind="stable")
        succ_bounds = np.searchsorted(src[succ_order], np.arange(nodes.size + 1))
        room = peak - int(self.w[nodes][chosen].sum())
        costs = slope[nodes]
        heap = [(int(costs[i]), i) for i in np.flatnonzero(~chosen & (missing == 0) & ~forced_out)]
        heapq.heapify(heap)
        weights = self.w[nodes]
        chosen = chosen.copy()
        while heap and room > 0:
            _, i = heapq.heappop(heap)
            if chosen[i] or weights[i] > room:
                continue
            chosen[i], room = True, room - int(weights[i])
            for e in succ_order[succ_bounds[i] : succ_bounds[i + 1]].tolist():
                j = dst[e]
                missing[j] -= 1
                if missing[j] == 0 and not chosen[j] and not forced_out[j]:
                    heapq.heappush(heap, (int(costs[j]), j))
        return chosen.astype(np.int64)

    def _positions(self, nodes: np.ndarray) -> np.ndarray:
        """Each node's position in ``nodes`` (-1 for the others)."""
        index = np.full(self.n, -1, np.int64)
        index[nodes] = np.arange(nodes.size)
        return index

    def _fill_hint(self, nodes, must, barred, peak) -> np.ndarray:
        """A prefix of the depth-first topological order that fits ``peak``: predecessor-
        closed when no node is forced in or barred (and then a feasible start)."""
        order = nodes[np.argsort(self.rank[nodes], kind="stable")]
        chosen = np.zeros(self.n, bool)
        room = peak - int(self.w[must].sum())
        for v in order[~must[order] & ~barred[order]].tolist():
            if self.w[v] > room:
                break
            chosen[v], room = True, room - int(self.w[v])
        chosen |= must
        return chosen[nodes].astype(np.int64)

    def _solve(self, model, x, seconds: float) -> np.ndarray | None:
        """CP-SAT within ``seconds`` (and the budget); the booleans' values, or None."""
        from ortools.sat.python import cp_model

        from schedbench.solvers.base import interruptible

        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.01, min(seconds, self.ctx.remaining()))
        solver.parameters.num_workers = max(1, self.ctx.threads)
        solver.parameters.random_seed = self.ctx.seed
        with interruptible(solver.stop_search):
            status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return np.array([solver.boolean_value(v) for v in x], np.int64)

    # ------------------------------------------------------------------ improvement
    def improve(self, schedule: np.ndarray, peak: int, seconds: float, max_window: int,
                max_free: int) -> tuple[int, int]:  # fmt: skip
        """Re-solve windows of consecutive stages until the budget ends; (sweeps, gains)."""
        ctx = self.ctx
        rng = np.random.default_rng(ctx.seed)
        width, sweeps, gains = 2, 0, 0
        current = schedule.copy()
        while not ctx.should_stop() and width <= min(max_window, self.stages):
            sweeps += 1
            improved = False
            for first in rng.permutation(self.stages - width + 1).tolist():
                if ctx.should_stop():
                    break
                better = self.window(current, first, first + width - 1, peak, seconds, max_free)
                if better is not None:
                    current, improved, gains = better, True, gains + 1
                    ctx.report(current)
            if not improved:
                width += 1  # nothing gained at this width: wider windows
        return sweeps, gains

    def window(self, schedule: np.ndarray, a: int, b: int, peak: int, seconds: float,
               max_free: int) -> np.ndarray | None:  # fmt: skip
        """The stages a..b re-solved with every node outside fixed: a schedule of strictly
        lower comm at the same peak, or None."""
        from ortools.sat.python import cp_model

        free = (schedule >= a) & (schedule <= b)
        nodes = np.flatnonzero(free)
        if nodes.size == 0 or nodes.size > max_free:
            return None
        lo = np.maximum(self.asap[nodes], a)
        hi = np.minimum(self.alap[nodes], b)
        index = self._positions(nodes)
        # fixed neighbours bound the window's nodes
        into = free[self.dst] & ~free[self.src]
        np.maximum.at(lo, index[self.dst[into]], schedule[self.src[into]] + self.d[into])
        out = free[self.src] & ~free[self.dst]
        np.minimum.at(hi, index[self.src[out]], schedule[self.dst[out]] - self.d[out])
        if (lo > hi).any():
            return None
        model = cp_model.CpModel()
        span = b - a + 1
        x = [[model.new_bool_var("") for _ in range(span)] for _ in range(nodes.size)]
        t = []
        for i in range(nodes.size):
            for j in range(span):
                if not lo[i] <= a + j <= hi[i]:
                    model.add(x[i][j] == 0)
            model.add_exactly_one(x[i])
            t.append(cp_model.LinearExpr.weighted_sum(x[i], list(range(a, b + 1))))
        inner = free[self.src] & free[self.dst]
        for u, v, d in zip(self.src[inner].tolist(), self.dst[inner].tolist(),
                           self.d[inner].tolist(), strict=True):  # fmt: skip
            model.add(t[index[u]] + d <= t[index[v]])
        weights = self.w[nodes].tolist()
        for j in range(span):
            model.add(cp_model.LinearExpr.weighted_sum([row[j] for row in x], weights) <= peak)
        slope = self.problem.comm_slope[nodes].astype(np.int64).tolist()
        objective = cp_model.LinearExpr.weighted_sum(
            [cp_model.LinearExpr.weighted_sum(row, [s * (a + j) for j in range(span)])
             for row, s in zip(x, slope, strict=True)], [1] * nodes.size)  # fmt: skip
        now = int(np.dot(slope, schedule[nodes]))
        model.add(objective <= now - 1)  # strictly better, or nothing
        model.minimize(objective)
        for i, v in enumerate(nodes.tolist()):
            for j in range(span):
                model.add_hint(x[i][j], int(schedule[v]) == a + j)
        flat = [value for row in x for value in row]
        values = self._solve(model, flat, seconds)
        if values is None:
            return None
        chosen = values.reshape(nodes.size, span).argmax(1) + a
        better = schedule.copy()
        better[nodes] = chosen
        return better
