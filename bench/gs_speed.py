"""Seconds per epoch of the GS solver (vectorized) against the per-node loop, and peak memory.

    python bench/gs_speed.py [--designs rw1 rw7 ...] [--batch 250] [--device cpu]
    python bench/gs_speed.py --parameters per_node              # the per-node layout
    python bench/gs_speed.py --quality 60 --designs rw1 rw7     # cost after 60 s, gap to LB
    python bench/gs_speed.py --export DIR                       # designs (and bounds) as .npz
    python bench/gs_speed.py --problems DIR --device cuda       # ... read there (GPU machine)

``--export``/``--problems`` carry the instances to a machine without the dataset readers
(aigverse, ABC) or HiGHS: the arrays, L, R and the bound travel, the digest is checked.

Each design runs ``--runs`` times (3 by default), each in its own process so its peak
resident memory (ru_maxrss) is its own. A run's seconds per epoch is the median over its
epochs after the first; ``s_per_epoch`` is the median over the runs and ``s_range`` their
range (epoch times scatter from run to run), ``parameters`` the layout GS runs with.
An epoch is everything the solver does per step: Gumbel noise, level-by-level sampling,
loss, backward, evaluating all B samples exactly, the optimizer step. The per-node loop
(``schedbench.solvers.icml24.gs.pernode``, Algorithm 1 as written) is timed the same way.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

DEFAULT = ["rw1", "rw7", "rw10", "adder", "square", "voter", "div"]
PER_NODE = {"rw1", "rw7"}  # the loop takes minutes per epoch beyond these


def bound_of(problem) -> float:
    from schedbench.solvers.icml24.lower_bounds import lp_relaxation_bound

    return max(lp_relaxation_bound(problem) or 0, problem.trivial_lower_bound)


def export(designs: list[str], folder: str) -> None:
    """Write each design as arrays + settings + its lower bound + its digest."""
    from pathlib import Path

    import numpy as np

    from schedbench.datasets import load

    Path(folder).mkdir(parents=True, exist_ok=True)
    for design in designs:
        p = load(design)
        np.savez_compressed(
            Path(folder) / f"{design}.npz",
            n=p.n, src=p.src, dst=p.dst, w=p.w, c=p.c, d=p.d, stages=p.stages, ratio=repr(p.ratio),
            comm_mode=p.comm_mode, name=p.name, digest=p.digest,
            bound=bound_of(p) if p.n <= 20_000 else float("nan"),  # the LP takes long beyond
        )  # fmt: skip
        print(f"{design}: n={p.n} m={p.m} -> {folder}/{design}.npz", flush=True)


def load_problem(design: str, folder: str | None):
    """The design from the dataset registry, or from an ``--export`` folder (and its bound)."""
    if folder is None:
        from schedbench.datasets import load

        problem = load(design)
        return problem, None
    import ast

    import numpy as np

    from schedbench.problems.icml24 import Problem

    a = np.load(f"{folder}/{design}.npz")
    problem = Problem.from_arrays(
        int(a["n"]), a["src"], a["dst"], a["w"], a["c"], a["d"], stages=int(a["stages"]),
        ratio=ast.literal_eval(str(a["ratio"])), name=str(a["name"]), comm_mode=str(a["comm_mode"]),
    )  # fmt: skip
    if problem.digest != str(a["digest"]):
        raise SystemExit(f"{folder}/{design}.npz does not rebuild the exported instance")
    return problem, float(a["bound"])


def one(
    design: str,
    batch: int,
    device: str,
    epochs: int,
    threads: int,
    folder: str | None,
    parameters: str = "per_row",
) -> dict:
    import numpy as np
    import torch

    from schedbench import evaluate
    from schedbench.solvers.icml24.gs.loss import loss_terms
    from schedbench.solvers.icml24.gs.pernode import sample_per_node
    from schedbench.solvers.icml24.gs.sampler import GumbelNoise, stage_bias
    from schedbench.solvers.registry import solve

    problem, _ = load_problem(design, folder)
    result = solve(
        problem,
        "gs",
        time_limit=3600,
        epochs=epochs,
        batch=batch,
        device=device,
        threads=threads,
        parameters=parameters,
    )
    times = [r["time"] for r in result.records]
    row = {
        "design": design,
        "n": problem.n,
        "m": problem.m,
        "depth": problem.depth,
        "batch": batch,
        "parameters": parameters,
        "device": result.message.rsplit(" ", 1)[-1],
        "s_per_epoch": float(np.median(np.diff(times))),
        "first_epoch_s": times[0] - result.build_time,
    }
    if design in PER_NODE:
        torch.set_num_threads(threads)
        dev, dt = torch.device("cpu"), torch.float32
        logits = torch.nn.Parameter(torch.zeros(problem.n, problem.stages))
        opt = torch.optim.AdamW([logits], lr=1.0)
        gumbel = GumbelNoise(0, dev, dt)
        counted = problem.positive_edges
        args = (
            torch.tensor(problem.w, dtype=dt),
            torch.tensor(problem.src[counted]),
            torch.tensor(problem.dst[counted]),
            torch.tensor(problem.comm_coeff[counted], dtype=dt),
            float(problem.ratio),
        )
        started = time.perf_counter()
        loops = 2
        for _ in range(loops):
            opt.zero_grad()
            noise = gumbel(problem.n, batch, problem.stages)
            drawn = sample_per_node(
                problem, logits, noise, 50.0, stage_bias(problem.stages, dev, dt)
            )
            loss_terms(drawn.onehot, drawn.level_stages, *args).total.mean().backward()
            evaluate(problem, drawn.stages.numpy().astype(np.int64))
            opt.step()
        row["per_node_s_per_epoch"] = (time.perf_counter() - started) / loops
        row["speedup"] = row["per_node_s_per_epoch"] / row["s_per_epoch"]
    row["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return row


def quality(
    design: str, seconds: float, threads: int, device: str, batch: int, folder: str | None
) -> dict:
    from schedbench.solvers.registry import solve

    problem, bound = load_problem(design, folder)
    result = solve(problem, "gs", time_limit=seconds, threads=threads, device=device, batch=batch)
    bound = bound_of(problem) if bound is None else bound
    return {
        "design": design,
        "device": result.message.rsplit(" ", 1)[-1],
        "batch": batch,
        "seconds": seconds,
        "epochs": len(result.records),
        "cost": result.cost,
        "bound": bound,
        "gap_over_bound_%": round(100 * (result.cost / bound - 1), 2),
    }


def _median_run(command: list[str], design: str, runs: int) -> dict:
    """Run ``command`` ``runs`` times; the run with the median seconds per epoch, and the
    range over the runs (or the last error line)."""
    rows = []
    for _ in range(runs):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
            return {"design": design, "error": last}
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    if "s_per_epoch" not in rows[0]:
        return rows[0]
    rows.sort(key=lambda row: row["s_per_epoch"])
    median = dict(rows[len(rows) // 2])
    median["runs"] = runs
    median["s_range"] = f"{rows[0]['s_per_epoch']:.4f}-{rows[-1]['s_per_epoch']:.4f}"
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--designs", nargs="+", default=DEFAULT)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3, help="processes per design (speed)")
    parser.add_argument("--parameters", choices=["per_row", "per_node"], default="per_row")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--quality",
        type=float,
        default=0.0,
        help="instead of speed: run this many seconds and report the gap",
    )
    parser.add_argument("--export", metavar="DIR", help="write the designs to DIR and stop")
    parser.add_argument("--problems", metavar="DIR", help="read the designs from an export")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export:
        export(args.designs, args.export)
        return
    if args.one:
        if args.quality:
            row = quality(
                args.one, args.quality, args.threads, args.device, args.batch, args.problems
            )
        else:
            row = one(
                args.one,
                args.batch,
                args.device,
                args.epochs,
                args.threads,
                args.problems,
                args.parameters,
            )
        print(json.dumps(row))
        return
    import pandas as pd

    rows = []
    for design in args.designs:
        command = [
            sys.executable,
            __file__,
            "--one",
            design,
            "--batch",
            str(args.batch),
            "--epochs",
            str(args.epochs),
            "--device",
            args.device,
            "--threads",
            str(args.threads),
            "--quality",
            str(args.quality),
            "--parameters",
            args.parameters,
        ] + (["--problems", args.problems] if args.problems else [])
        rows.append(_median_run(command, design, 1 if args.quality else args.runs))
        print(json.dumps(rows[-1]), flush=True)
    print(pd.DataFrame(rows).round(4).to_string(index=False))


if __name__ == "__main__":
    main()
