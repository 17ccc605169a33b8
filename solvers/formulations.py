"""Solver-neutral MILP models (docs/problems/icml24.md), built once and handed to each library.

A :class:`LinearModel` is bounds, integrality, a sparse constraint matrix (COO) with row
ranges, and an objective. Both formulations put the one-hot stage block x[n, t] first
(columns 0..n*L-1), so a library's solution vector decodes the same way.

- ``paper``: the reference repository's SDC+ILP (gen_lp_graph_w_attr.py), variable for
  variable and row for row, for every edge and boundary t = 0..L-2: cc_a = [s_u <= t],
  cc_b = [s_v >= t+1], cc_c = cc_a + cc_b - 1, m_t_e = coeff_e * cc_c, m_t = sum_e m_t_e.
- ``compact``: x[n, t] with sum_t x = 1, an integer s_n = sum_t t x[n, t] in the node's
  ASAP/ALAP window, s_u + d <= s_v per edge, load_t <= r, objective
  R r + sum over counted edges of coeff_e (s_v - s_u).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from schedbench.evaluate import evaluate
from schedbench.problems.icml24 import Problem

FORMULATIONS = ("paper", "compact")

Formulation = Literal["paper", "compact"]  # the option every MIP/CP back-end takes


@dataclass(frozen=True, eq=False)
class LinearModel:
    """min obj @ x + obj_offset  s.t.  row_lo <= A x <= row_hi, lb <= x <= ub, some x integer."""

    formulation: str
    n_nodes: int
    stages: int
    lb: np.ndarray
    ub: np.ndarray
    integer: np.ndarray  # bool per column
    obj: np.ndarray
    rows: np.ndarray  # COO
    cols: np.ndarray
    vals: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    names: tuple[str, ...]  # one per column, for libraries and LP files

    @property
    def num_cols(self) -> int:
        return int(self.lb.shape[0])

    @property
    def num_rows(self) -> int:
        return int(self.row_lo.shape[0])

    @property
    def nnz(self) -> int:
        return int(self.vals.shape[0])

    def decode(self, x: np.ndarray) -> np.ndarray:
        """Stage per node from a solution vector (argmax of the one-hot block)."""
        block = np.asarray(x, dtype=np.float64)[: self.n_nodes * self.stages]
        return block.reshape(self.n_nodes, self.stages).argmax(axis=1).astype(np.int64)

    def csc(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Column-wise (start, index, value) arrays, the layout HiGHS and others take."""
        order = np.lexsort((self.rows, self.cols))
        start = np.searchsorted(self.cols[order], np.arange(self.num_cols + 1))
        return start, self.rows[order], self.vals[order]

    def constraints(self) -> Iterator[tuple[list[int], list[float], str, float]]:
        """Each row as (columns, coefficients, sense, rhs), sense one of ==, >=, <=.

        The form every library's row API takes; a two-sided row gives a >= and a <= row.
        """
        start, index, value = self.csr()
        for i in range(self.num_rows):
            cols = index[start[i] : start[i + 1]].tolist()
            vals = value[start[i] : start[i + 1]].tolist()
            lo, hi = float(self.row_lo[i]), float(self.row_hi[i])
            if lo == hi:
                yield cols, vals, "==", lo
                continue
            if np.isfinite(lo):
                yield cols, vals, ">=", lo
            if np.isfinite(hi):
                yield cols, vals, "<=", hi

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row-wise (start, index, value) arrays."""
        order = np.lexsort((self.cols, self.rows))
        start = np.searchsorted(self.rows[order], np.arange(self.num_rows + 1))
        return start, self.cols[order], self.vals[order]


class ModelBuilder:
    """Collects columns and COO rows with numpy blocks (no per-nonzero Python objects)."""

    def __init__(self) -> None:
        self.lb: list[np.ndarray] = []
        self.ub: list[np.ndarray] = []
        self.integer: list[np.ndarray] = []
        self.obj: list[np.ndarray] = []
        self.names: list[str] = []
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.row_lo: list[np.ndarray] = []
        self.row_hi: list[np.ndarray] = []
        self.num_cols = 0
        self.num_rows = 0

    def columns(
        self,
        names: list[str],
        lb: float,
        ub: float | np.ndarray,
        integer: bool,
        obj: float | np.ndarray = 0.0,
    ) -> np.ndarray:
        k = len(names)
        self.lb.append(np.broadcast_to(np.asarray(lb, np.float64), (k,)).copy())
        self.ub.append(np.broadcast_to(np.asarray(ub, np.float64), (k,)).copy())
        self.integer.append(np.full(k, integer))
        self.obj.append(np.broadcast_to(np.asarray(obj, np.float64), (k,)).copy())
        self.names += names
        index = np.arange(self.num_cols, self.num_cols + k)
        self.num_cols += k
        return index

    def constraints(
        self,
        row: np.ndarray,
        col: np.ndarray,
        val: np.ndarray,
        count: int,
        lo: float | np.ndarray,
        hi: float | np.ndarray,
    ) -> None:
        """Add ``count`` rows; ``row`` holds local row numbers 0..count-1 per nonzero."""
        self.rows.append(np.asarray(row, np.int64) + self.num_rows)
        self.cols.append(np.asarray(col, np.int64))
        self.vals.append(np.asarray(val, np.float64))
        self.row_lo.append(np.broadcast_to(np.asarray(lo, np.float64), (count,)).copy())
        self.row_hi.append(np.broadcast_to(np.asarray(hi, np.float64), (count,)).copy())
        self.num_rows += count

    def build(self, formulation: str, problem: Problem) -> LinearModel:
        return self.build_for(formulation, problem.n, problem.stages)

    def build_for(self, formulation: str, n_nodes: int, stages: int) -> LinearModel:
        """The model, for ``n_nodes`` operations over ``stages`` slots (any problem class)."""
        cat = np.concatenate
        return LinearModel(
            formulation,
            n_nodes,
            stages,
            cat(self.lb),
            cat(self.ub),
            cat(self.integer),
            cat(self.obj),
            cat(self.rows),
            cat(self.cols),
            cat(self.vals),
            cat(self.row_lo),
            cat(self.row_hi),
            tuple(self.names),
        )


def _one_hot_block(b: ModelBuilder, problem: Problem) -> np.ndarray:
    """x[n, t] binaries (columns 0..nL-1) and the assignment rows sum_t x[n, t] = 1."""
    n, stages = problem.n, problem.stages
    x = b.columns([f"x{v}_{t}" for v in range(n) for t in range(stages)], 0, 1, True)
    x = x.reshape(n, stages)
    b.constraints(np.repeat(np.arange(n), stages), x.ravel(), np.ones(n * stages), n, 1, 1)
    return x


def _load_rows(b: ModelBuilder, problem: Problem, x: np.ndarray, r: int) -> None:
    """sum_n w_n x[n, t] - r <= 0 for each stage t."""
    n, stages = problem.n, problem.stages
    rows = np.r_[np.tile(np.arange(stages), n), np.arange(stages)]
    cols = np.r_[x.ravel(), np.full(stages, r)]
    vals = np.r_[np.repeat(problem.w.astype(np.float64), stages), -np.ones(stages)]
    b.constraints(rows, cols, vals, stages, -np.inf, 0)


def build_compact(problem: Problem) -> LinearModel:
    """The compact model: x[n, t], s_n, r; n + n + L + m rows."""
    n, stages, m = problem.n, problem.stages, problem.m
    b = ModelBuilder()
    x = _one_hot_block(b, problem)
    coeff = problem.comm_coeff.astype(np.float64)
    # objective on s: each counted edge adds coeff to its head and subtracts it from its tail
    s_obj = np.bincount(problem.dst, coeff, n) - np.bincount(problem.src, coeff, n)
    s = b.columns([f"s{v}" for v in range(n)], 0, stages - 1, True, s_obj)
    b.lb[-1] = problem.asap.astype(np.float64)
    b.ub[-1] = problem.alap.astype(np.float64)
    r = int(b.columns(["r"], 0, np.inf, False, float(problem.ratio))[0])
    # s_n - sum_t t x[n, t] = 0
    t = np.arange(1, stages)
    b.constraints(
        np.r_[np.arange(n), np.repeat(np.arange(n), stages - 1)],
        np.r_[s, x[:, 1:].ravel()],
        np.r_[np.ones(n), -np.tile(t, n).astype(np.float64)],
        n,
        0,
        0,
    )
    _load_rows(b, problem, x, r)
    # precedence: s_v - s_u >= d_uv
    b.constraints(
        np.r_[np.arange(m), np.arange(m)],
        np.r_[s[problem.dst], s[problem.src]],
        np.r_[np.ones(m), -np.ones(m)],
        m,
        problem.d.astype(np.float64),
        np.inf,
    )
    return b.build("compact", problem)


def build_paper(problem: Problem) -> LinearModel:
    """The reference repository's model, with the same columns and rows as its LP file.

    Column and row counts: nL + n + 1 + (L-1) + 4m(L-1) columns and
    2n + L + m + 4m(L-1) + (L-1) rows. Edge distances enter the precedence rows
    v_u - v_v <= -d (the reference has d = 0).
    """
    n, stages, m = problem.n, problem.stages, problem.m
    bounds = stages - 1  # boundaries t = 0..L-2
    b = ModelBuilder()
    x = _one_hot_block(b, problem)  # the reference's vs{n}_{t}
    v = b.columns([f"v{i}" for i in range(n)], 1, stages, True)  # 1-based stage
    r = int(b.columns(["r"], 0, np.inf, True, float(problem.ratio))[0])
    m_t = b.columns([f"m{t}" for t in range(bounds)], 0, np.inf, True, 1.0)
    grid = [(e, t) for t in range(bounds) for e in range(m)]
    cc_a = b.columns([f"cc{e}_{t}_a" for e, t in grid], 0, np.inf, True).reshape(bounds, m)
    cc_b = b.columns([f"cc{e}_{t}_b" for e, t in grid], 0, np.inf, True).reshape(bounds, m)
    cc_c = b.columns([f"cc{e}_{t}_c" for e, t in grid], 0, np.inf, True).reshape(bounds, m)
    m_te = b.columns([f"m{t}_{e}" for e, t in grid], 0, np.inf, True).reshape(bounds, m)
    # no{n}: sum_t (t+1) x[n, t] - v_n = 0
    b.constraints(
        np.r_[np.repeat(np.arange(n), stages), np.arange(n)],
        np.r_[x.ravel(), v],
        np.r_[np.tile(np.arange(1, stages + 1), n).astype(np.float64), -np.ones(n)],
        n,
        0,
        0,
    )
    _load_rows(b, problem, x, r)  # de{t}
    # ed{e}: v_u - v_v <= -d
    b.constraints(
        np.r_[np.arange(m), np.arange(m)],
        np.r_[v[problem.src], v[problem.dst]],
        np.r_[np.ones(m), -np.ones(m)],
        m,
        -np.inf,
        -problem.d.astype(np.float64),
    )
    coeff = problem.comm_coeff.astype(np.float64)
    for t in range(bounds):
        edges = np.arange(m)
        # cc_a = sum_{k <= t} x[u, k]
        rows = np.r_[np.repeat(edges, t + 1), edges]
        cols = np.r_[x[problem.src, : t + 1].ravel(), cc_a[t]]
        b.constraints(rows, cols, np.r_[np.ones(m * (t + 1)), -np.ones(m)], m, 0, 0)
        # cc_b = sum_{k >= t+1} x[v, k]
        rest = stages - t - 1
        rows = np.r_[np.repeat(edges, rest), edges]
        cols = np.r_[x[problem.dst, t + 1 :].ravel(), cc_b[t]]
        b.constraints(rows, cols, np.r_[np.ones(m * rest), -np.ones(m)], m, 0, 0)
        # cc_a + cc_b - cc_c = 1
        b.constraints(
            np.tile(edges, 3),
            np.r_[cc_a[t], cc_b[t], cc_c[t]],
            np.r_[np.ones(2 * m), -np.ones(m)],
            m,
            1,
            1,
        )
        # coeff_e cc_c - m_t_e = 0
        b.constraints(
            np.tile(edges, 2), np.r_[cc_c[t], m_te[t]], np.r_[coeff, -np.ones(m)], m, 0, 0
        )
    # cc{t}: sum_e m_t_e - m_t = 0
    b.constraints(
        np.r_[np.repeat(np.arange(bounds), m), np.arange(bounds)],
        np.r_[m_te.ravel(), m_t],
        np.r_[np.ones(bounds * m), -np.ones(bounds)],
        bounds,
        0,
        0,
    )
    return b.build("paper", problem)


def build(problem: Problem, formulation: str) -> LinearModel:
    """The model of ``formulation`` ('paper' or 'compact')."""
    if formulation == "compact":
        return build_compact(problem)
    if formulation == "paper":
        return build_paper(problem)
    raise ValueError(f"unknown formulation {formulation!r}; use one of {FORMULATIONS}")


def encode(model: LinearModel, problem: Problem, schedule: np.ndarray) -> np.ndarray:
    """A full, feasible solution vector for a schedule: the MIP start of every back-end."""
    s = np.asarray(schedule, np.int64)
    n, stages = problem.n, problem.stages
    x = np.zeros(model.num_cols)
    x[np.arange(n) * stages + s] = 1.0
    peak = float(evaluate(problem, s).peak[0])
    names = model.names
    if model.formulation == "compact":
        x[n * stages : n * stages + n] = s
        x[n * stages + n] = peak
        return x
    offset = n * stages
    x[offset : offset + n] = s + 1
    x[offset + n] = peak
    bounds, m = stages - 1, problem.m
    t = np.arange(bounds)[:, None]
    a = (s[problem.src][None, :] <= t).astype(float)
    b = (s[problem.dst][None, :] >= t + 1).astype(float)
    c = a + b - 1
    m_te = c * problem.comm_coeff[None, :]
    base = offset + n + 1
    x[base : base + bounds] = m_te.sum(axis=1)
    base += bounds
    for block in (a, b, c, m_te):
        x[base : base + bounds * m] = block.ravel()
        base += bounds * m
    assert base == len(names)
    return x
