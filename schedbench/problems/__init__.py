"""The problem classes that ship (docs/problems/): the paper's (``icml24``), ``rcs`` and
``tcs``. Each module holds its instance type, which owns validation, evaluation of a
batch of schedules, bounds and schedule formats, and ``PROBLEM_CLASS``, the class as a
plugin (:mod:`schedbench.classes`)."""
