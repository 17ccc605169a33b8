"""schedbench: differentiable vs exact and heuristic DAG scheduling, benchmarked fairly.

The shared types live here; datasets, solvers and the harness are subpackages
(``schedbench.datasets``, ``schedbench.solvers``, ``schedbench.harness``).
"""

from schedbench.evaluate import Evaluation, ScheduleReport, check, evaluate
from schedbench.problems.icml24 import Problem, ProblemError

__all__ = ["Evaluation", "Problem", "ProblemError", "ScheduleReport", "check", "evaluate"]
__version__ = "0.1.0"
