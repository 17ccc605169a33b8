"""Studies: clients of the harness that ask one question of its results (a paper's claims,
a benchmark's published values) and write its answer to docs/results."""
