"""How every non-exact stage scales: wall time and peak memory from 10^5 to 10^7 nodes.

    python bench/scaling.py                                  # 1e5 1e6 1e7, both shapes
    python bench/scaling.py --sizes 1e5 1e6 --shapes shallow # a shorter sweep
    python bench/scaling.py --runs --budget 600              # also the solvers, via the runner
    python bench/scaling.py --report                         # table and figure from results

Shapes (``conf/dataset/synthetic*.yaml``): ``shallow`` is RW-like (RW weights, depth 10,
1.2 edges per node, R = 10), ``deep`` EPFL-like (unit weights, depth 2000, 2 edges per
node, R = 100); L = 10. Each (stage, shape, n) runs in a fresh process that prepares its
inputs untimed, then times the stage once; its peak resident memory (ru_maxrss) is the
whole process's at the end. ``pipeline`` is one harness command, timed from outside:
load -> topo_chunk -> one local-search pass (``restarts=false rounds=1 passes=1``: one
sweep of single moves over the nodes, one pair move) -> evaluator -> record.
``local_search`` times one round (sweeps until no single move helps, then a pair move).
``--runs`` sweeps the solvers through the runner (records, hard limits) with the
budget given. Output: ``<results>/stages.csv``, ``scaling.png`` (log-log, the exponent of
each stage fitted over the sizes run), ``scaling.md``; ``--runs`` adds the runner's tables.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SHAPES = {
    "shallow": {"density": 1.2, "depth": 10, "weights": "rw", "ratio": 10},
    "deep": {"density": 2.0, "depth": 2000, "shrink": 1.0, "weights": "unit", "ratio": 100},
}
STAGES = [
    "generate", "problem", "asap_alap", "evaluate_b64", "topo_chunk", "list", "local_search",
    "local_search_pass", "legalize_b32", "record", "cycle_error", "pipeline",
]  # fmt: skip
SOLVERS = ["topo_chunk", "list", "local_search", "gauss", "gs", "cpsat_compact", "highs_compact",
           "nested_cuts"]  # fmt: skip


def graph_params(shape: str, nodes: int) -> dict:
    params = {k: v for k, v in SHAPES[shape].items() if k != "ratio"}
    return {"nodes": nodes, "seed": 0, **params}


def measure(stage: str, shape: str, nodes: int) -> dict:
    """Time one stage: prepared untimed, warmed up on a 2000-node graph first (imports
    and numba's compiled-code cache load once per process, not per call)."""
    prepare(stage, "shallow", 2000)()
    work = prepare(stage, shape, nodes)
    began = time.perf_counter()
    note = work()
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return {
        "seconds": round(seconds, 3),
        "peak_gb": round(peak, 3),
        **({"note": note} if note else {}),
    }


def prepare(stage: str, shape: str, nodes: int):
    """The stage as a function of no arguments, its inputs built (returns a note or None)."""
    import numpy as np

    from schedbench.datasets import registry, synthetic

    if shape in SHAPES:
        params = graph_params(shape, nodes)
        ratio = SHAPES[shape]["ratio"]
        if stage == "generate":
            return lambda: _discard(synthetic.generate(**params))
        graph = synthetic.load(**params)
    else:  # a real design: its graph from the dataset cache (converted once)
        ratio = registry.info(shape).ratio
        graph = registry.graph_of(shape)
        if stage == "generate":
            return lambda: None
    if stage == "problem":  # validation, the topological order included
        return lambda: _discard(_validated(graph, ratio))
    if stage == "cycle_error":
        return lambda: _cycle_error(graph, ratio)
    problem = _validated(graph, ratio)
    if stage == "asap_alap":
        return lambda: _discard(problem.asap, problem.alap)
    problem.alap  # noqa: B018
    from schedbench.evaluate import evaluate
    from schedbench.solvers.icml24 import list_scheduling, topo_chunk
    from schedbench.solvers.icml24.refine import Neighbourhood, improve, legalize

    if stage == "topo_chunk":  # the three deterministic orders of topo_chunk's first pass

        def chunkings() -> None:
            for order in (
                problem.topological_order,
                topo_chunk.alap_order(problem, np.random.default_rng(0)),
                topo_chunk.depth_first_order(problem),
            ):
                topo_chunk.best_chunking(problem, order)

        return chunkings
    if stage == "list":  # one pass at the trivial capacity
        zeros = np.zeros(problem.n)
        return lambda: _discard(
            list_scheduling.list_schedule(problem, problem.peak_lower_bound, zeros)
        )
    start = topo_chunk.best_chunking(problem, problem.topological_order)
    start = problem.asap if start is None else start
    if stage == "evaluate_b64":
        batch = np.tile(start, (64, 1))
        return lambda: _discard(evaluate(problem, batch))
    if stage == "local_search":  # one round: single moves to a local optimum, a pair move
        return lambda: _discard(
            improve(problem, start, max_rounds=1, neighbourhood=Neighbourhood(problem))
        )
    if stage == "local_search_pass":  # one sweep of single moves over the nodes, a pair move
        return lambda: _discard(
            improve(
                problem, start, max_rounds=1, max_passes=1, neighbourhood=Neighbourhood(problem)
            )
        )
    if stage == "legalize_b32":  # gauss's step: 32 perturbed copies made feasible
        wishes = start + np.random.default_rng(0).integers(-1, 2, (32, problem.n))
        return lambda: _discard(legalize(problem, wishes))
    if stage == "record":
        from schedbench.harness.records import RunPaths, write_schedule

        def record() -> None:
            with tempfile.TemporaryDirectory() as folder:
                write_schedule(RunPaths(Path(folder)), problem, start)

        return record
    raise ValueError(f"unknown stage {stage!r}")


def _discard(*_: object) -> None:
    """The stage's result is not the point: its time is."""


def _validated(graph: Any, ratio: float) -> Any:
    """The graph validated from its arrays (topological order included), then L and R."""
    from schedbench.graph import Graph
    from schedbench.problems.icml24 import Problem

    arrays = (graph.src, graph.dst, graph.w, graph.c, graph.d)
    again = Graph.from_arrays(graph.n, *arrays, name=graph.name, labels=graph.labels)
    return Problem.of(again, stages=10, ratio=ratio)


def _cycle_error(graph, ratio: float) -> str:
    """The reverse of an edge into the deepest node: a two-node cycle at the bottom of the
    graph, which the bad-input path must name in one line (no recursion)."""
    import numpy as np

    from schedbench.problems.icml24 import Problem, ProblemError

    last = graph.w.size - 1
    edge = int(np.flatnonzero(graph.dst == last)[0])
    src, dst = np.r_[graph.src, last], np.r_[graph.dst, graph.src[edge]]
    try:
        Problem.from_arrays(graph.w.size, src, dst, graph.w, np.r_[graph.c, 1], stages=10,
                            ratio=ratio, labels=graph.labels, duplicates="merge")  # fmt: skip
    except ProblemError as err:
        return str(err)[:160]
    return "no error: the cycle went unnoticed"


def pipeline(shape: str, nodes: int, results: Path) -> dict:
    """The harness command for load -> topo_chunk -> one local-search pass -> record."""
    if shape in SHAPES:
        dataset = [
            "dataset=synthetic", f"dataset.ratio={SHAPES[shape]['ratio']}",
            f"dataset.label=scaling_{shape}_n{nodes}",
            *[f"++dataset.params.{k}={v}" for k, v in graph_params(shape, nodes).items()],
        ]  # fmt: skip
    else:  # any EPFL design through a paper design's config (the family's L and R)
        dataset = ["dataset=adder", f"dataset.name={shape}"]
    command = [
        sys.executable, "-m", "schedbench.harness", *dataset,
        "solver=local_search", "solver.options.restarts=false", "++solver.options.rounds=1",
        "++solver.options.passes=1",
        "budget.seconds=1200", "budget.interval=60", "threads=1",
        f"results.dir={results / 'pipeline'}", "force=true", "progress=false",
    ]  # fmt: skip
    began = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, text=True)
        _, _, usage = os.wait4(process.pid, 0)  # this command's tree only: its worker too
        seconds = time.perf_counter() - began
        out.seek(0)
        last = (out.read().strip().splitlines() or [""])[-1]
    peak = usage.ru_maxrss / 2**20
    return {"seconds": round(seconds, 3), "peak_gb": round(peak, 3), "note": last[:160]}


def stages(
    sizes: list[int], shapes: list[str], designs: list[str], chosen: list[str], results: Path
) -> None:
    import pandas as pd

    from schedbench.datasets import registry

    out = results / "stages.csv"
    rows = pd.read_csv(out).to_dict("records") if out.is_file() else []
    targets = [(shape, nodes) for shape in shapes for nodes in sizes]
    targets += [(design, registry.graph_of(design).n) for design in designs]
    for shape, nodes in targets:
        subprocess.run(  # the graph into the cache first: loading is not a stage here
            [sys.executable, __file__, "--measure", "generate", shape, str(nodes)],
            check=True, capture_output=True,
        )  # fmt: skip
        for stage in chosen:
            if stage == "generate" and shape not in SHAPES:
                continue  # a real design is read, not generated
            if stage == "pipeline":
                result = pipeline(shape, nodes, results)
            else:
                done = subprocess.run(
                    [sys.executable, __file__, "--measure", stage, shape, str(nodes)],
                    capture_output=True, text=True,
                )  # fmt: skip
                lines = done.stdout.strip().splitlines()
                if done.returncode or not lines:
                    tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
                    result = {"seconds": float("nan"), "peak_gb": float("nan"),
                              "note": f"failed: {tail[0][:150]}"}  # fmt: skip
                else:
                    result = json.loads(lines[-1])
            row = {"shape": shape, "n": nodes, "stage": stage, **result}
            rows = [r for r in rows if (r["shape"], r["n"], r["stage"]) != (shape, nodes, stage)]
            rows.append(row)
            print(json.dumps(row), flush=True)
            results.mkdir(parents=True, exist_ok=True)
            pd.DataFrame(rows).to_csv(out, index=False)


def runs(sizes: list[int], shapes: list[str], solvers: list[str], budget: float,
         memory_gb: float, results: Path) -> None:  # fmt: skip
    """The solvers through the runner: one Hydra sweep per shape, each run's address space
    capped at ``memory_gb`` (so a model that would not fit fails alone, recorded)."""
    for shape in shapes:
        params = graph_params(shape, sizes[0])
        command = [
            sys.executable, "-m", "schedbench.harness", "-m", "dataset=synthetic",
            f"dataset.ratio={SHAPES[shape]['ratio']}",
            f"dataset.label=scaling_{shape}_n${{dataset.params.nodes}}",
            *[f"++dataset.params.{k}={v}" for k, v in params.items() if k != "nodes"],
            f"++dataset.params.nodes={','.join(str(n) for n in sizes)}",
            f"solver={','.join(solvers)}", f"budget.seconds={budget}",
            f"budget.interval={budget / 10:g}", f"budget.memory_gb={memory_gb}", "threads=2",
            f"results.dir={results / 'runs'}", "progress=false",
        ]  # fmt: skip
        subprocess.run(command, check=False)


def report(results: Path) -> str:
    """The table (seconds and GB per stage and n) and the log-log figure with exponents;
    the solver table alone when only ``--runs`` swept."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    if not (results / "stages.csv").is_file():  # a --runs sweep without stages
        text = _solver_table(results) or f"nothing to report under {results}: run a sweep first\n"
        (results / "scaling.md").write_text(text)
        return text
    frame = pd.read_csv(results / "stages.csv")
    designs = frame[~frame["shape"].isin(list(SHAPES))]
    frame = frame[frame["shape"].isin(list(SHAPES))]
    sizes = sorted(frame.n.unique())
    header = " | ".join(f"n={n:.0e}: s (GB)" for n in sizes)
    lines = [f"| shape | stage | {header} | exponent |", "|" + "---|" * (len(sizes) + 3)]
    shapes = list(dict.fromkeys(frame["shape"]))
    fig, axes = plt.subplots(1, max(1, len(shapes)), figsize=(6.5 * len(shapes) + 1, 5),
                             squeeze=False)  # fmt: skip
    for ax, shape in zip(axes[0], shapes, strict=False):
        part = frame[frame["shape"] == shape]
        for color, stage in zip(plt.cm.tab20.colors, STAGES, strict=False):
            rows = part[part["stage"] == stage].sort_values("n")
            if rows.empty:
                continue
            ok = rows[np.isfinite(rows["seconds"]) & (rows["seconds"] > 0)]
            slope = np.polyfit(np.log(ok.n), np.log(ok.seconds), 1)[0] if len(ok) > 1 else np.nan
            ax.loglog(ok.n, ok.seconds, "o-", color=color, label=f"{stage} ({slope:.2f})")
            cells = [
                f"{r.seconds:.2f} ({r.peak_gb:.1f})" if np.isfinite(r.seconds) else "failed"
                for r in rows.itertuples()
            ]
            lines.append(f"| {shape} | {stage} | " + " | ".join(cells) + f" | {slope:.2f} |")
        ax.set(title=f"{shape} (fitted exponent in brackets)", xlabel="nodes n",
               ylabel="wall time (s)")  # fmt: skip
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(results / "scaling.png", dpi=120)
    text = "\n".join(lines) + "\n" + _design_table(designs) + _solver_table(results)
    (results / "scaling.md").write_text(text)
    return text


def _design_table(designs) -> str:
    """Real designs: one row each, seconds (GB) per stage."""
    if designs.empty:
        return ""
    stages = [stage for stage in STAGES if stage in set(designs["stage"])]
    lines = ["", "| design | n | " + " | ".join(stages) + " |", "|" + "---|" * (len(stages) + 2)]
    for (design, n), rows in designs.groupby(["shape", "n"], sort=False):
        by_stage = rows.set_index("stage")
        cells = [
            f"{by_stage.seconds[s]:.2f} ({by_stage.peak_gb[s]:.1f})" if s in by_stage.index else "-"
            for s in stages
        ]
        lines.append(f"| {design} | {n:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _solver_table(results: Path) -> str:
    """What each solver did at each size (from the runner's runs table, if ``--runs``)."""
    import pandas as pd

    table = results / "runs" / "runs.csv"
    if not table.is_file():
        return ""
    runs = pd.read_csv(table).sort_values(["n", "dataset", "solver"])
    lines = ["", "| design | solver | status | s | best cost | gap % | peak GB | message |"]
    lines.append("|---|---|---|---|---|---|---|---|")
    for r in runs.itertuples():
        cost = f"{r.best_cost:,.0f}" if pd.notna(r.best_cost) else "-"
        gap = f"{100 * r.gap:.3f}" if pd.notna(r.gap) else "-"
        peak = f"{r.peak_memory_gb:.1f}" if pd.notna(getattr(r, "peak_memory_gb", None)) else "-"
        message = str(r.message).replace("|", "/")[:120]
        row = [r.dataset, r.solver, r.status, f"{r.wall_time:.0f}", cost, gap, peak, message]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e5, 1e6, 1e7])
    parser.add_argument("--shapes", nargs="*", choices=list(SHAPES), default=list(SHAPES))
    parser.add_argument("--designs", nargs="*", default=[], help="real EPFL designs, e.g. hyp div")
    parser.add_argument("--stages", nargs="*", choices=STAGES, default=STAGES,
                        help="the stages to time (none: only --runs)")  # fmt: skip
    parser.add_argument("--runs", action="store_true", help="also the solvers, via the runner")
    parser.add_argument("--solvers", nargs="+", default=SOLVERS)
    parser.add_argument("--budget", type=float, default=600.0)
    parser.add_argument("--memory-gb", type=float, default=16.0, help="per run (--runs)")
    parser.add_argument("--results", type=Path, default=Path("results/scaling"))
    parser.add_argument("--report", action="store_true", help="only the table and figure")
    parser.add_argument(
        "--measure", nargs=3, metavar=("STAGE", "SHAPE", "N"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.measure:
        stage, shape, nodes = args.measure
        print(json.dumps(measure(stage, shape, int(nodes))))
        return
    sizes = [int(n) for n in args.sizes]
    if not args.report:
        if args.stages:
            stages(sizes, args.shapes, args.designs, args.stages, args.results)
        if args.runs:
            runs(sizes, args.shapes, args.solvers, args.budget, args.memory_gb, args.results)
    print(report(args.results))


if __name__ == "__main__":
    main()
