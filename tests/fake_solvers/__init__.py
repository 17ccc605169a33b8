"""Misbehaving solver back-ends for the harness tests (used through ``solver.module``)."""
