"""Hydra configuration groups (solver, dataset, budget, experiment); shipped as package data."""
