"""The benchmark harness: Hydra runner, isolated runs, records, metrics and figures."""
