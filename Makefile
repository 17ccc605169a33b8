# Set-up and everyday commands; see README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

# Inside the project's workspace the datasets sit read-only in ../shared; use them
# (never the network) unless the caller already chose other locations.
SHARED := $(abspath ../shared/data)
ifneq ($(wildcard $(SHARED)),)
export SCHEDBENCH_DATA_DIR ?= $(SHARED)/icml24
export AIGVERSE_BENCHMARK_CACHE ?= $(SHARED)/epfl
export SCHEDBENCH_ASAP7_DIR ?= $(SHARED)/asap7
export SCHEDBENCH_HEURIGYM_DIR ?= $(SHARED)/heurigym
export SCHEDBENCH_EDS_DIR ?= $(SHARED)/eds
export SCHEDBENCH_HATSCHET_DIR ?= $(SHARED)/hatschet
export SCHEDBENCH_CIRCT_DIR ?= $(SHARED)/circt
endif

.PHONY: install test test-all lint table1 bench bench-paper bench-beyond verdict verdict-runs verdict-docs verdict-plan records restore registry-bounds figures clean gpu-prep heurigym eds-optima hls-ablation

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/pip install -e ".[dev,gurobi,cplex]"
	$(BIN)/python -m schedbench.solvers.icml24.kernels

test:
	$(BIN)/pytest -m "not slow"

test-all:
	$(BIN)/pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

table1:
	$(BIN)/python -m schedbench.datasets.table1

# RW1, RW4 and adder with six open-source solvers, 30 s each (about 6 minutes on 2 cores),
# then the figures and the gap table.
bench:
	$(BIN)/python -m schedbench.harness +experiment=bench
	$(BIN)/python -m schedbench.studies.icml24.figures

# The paper's protocol: Figures 3 and 4 at 3600 s per run (24 designs x 9 solvers: about
# 9 days on one machine). Parallelise with hydra/launcher=joblib (one run per core pair) or
# hydra/launcher=slurm on a cluster: see README.
# issue 7: beyond-paper solvers vs topo_chunk and compact CP-SAT, 60 s per run (~6 h for
# all 24 designs; pass DESIGNS="rw1 rw7" to shorten), then gs_plus's ablation
bench-beyond:
	$(BIN)/python bench/beyond.py --budget 60 $(if $(DESIGNS),--designs $(DESIGNS))
	$(BIN)/python bench/beyond.py --ablation --budget 60

# The verdict protocol (docs/results/README.md): 24 designs x 15 solvers at 60 s, seeds 0-2
# of every seeded solver, 600 s on two, the portfolio's members alone, Figure 5, gs at 600 s on eight
# designs (the time claims): about 10 hours on 2 cores; then the RCS and TCS verdict parts and
# their scale studies (`make verdict-plan` counts what is left and its hours at most),
# resumable (finished runs are skipped), then docs/results/ rebuilt from the results folders.
verdict: verdict-runs verdict-docs

verdict-runs: restore
	$(BIN)/python -m schedbench.harness +experiment=verdict
	$(BIN)/python -m schedbench.harness +experiment=verdict_seeds
	$(BIN)/python -m schedbench.harness +experiment=verdict_long
	$(BIN)/python -m schedbench.harness +experiment=verdict_shares
	$(BIN)/python -m schedbench.harness +experiment=fig5 results.dir=results/verdict threads=2
	$(BIN)/python -m schedbench.harness +experiment=verdict_time
	$(BIN)/python -m schedbench.harness +experiment=verdict_rcs
	$(BIN)/python -m schedbench.harness +experiment=verdict_rcs_seeds
	$(BIN)/python -m schedbench.harness +experiment=verdict_tcs
	$(BIN)/python -m schedbench.harness +experiment=verdict_tcs_seeds
	$(BIN)/python -m schedbench.harness +experiment=verdict_modulo
	$(BIN)/python -m schedbench.harness +experiment=verdict_modulo_seeds
	$(BIN)/python -m schedbench.harness +experiment=calibration_exact_rcs
	$(BIN)/python -m schedbench.harness +experiment=calibration_exact_tcs
	$(BIN)/python -m schedbench.harness +experiment=scale_rcs
	$(BIN)/python -m schedbench.harness +experiment=scale_tcs
	$(BIN)/python -m schedbench.harness +experiment=scale_rcs_public
	$(BIN)/python -m schedbench.harness +experiment=scale_tcs_public
	$(BIN)/python -m schedbench.harness +experiment=gaus_protocol_rcs
	$(BIN)/python -m schedbench.harness +experiment=gaus_protocol_rcs_baselines
	$(BIN)/python -m schedbench.harness +experiment=gaus_protocol_tcs
	$(BIN)/python -m schedbench.harness +experiment=gaus_protocol_tcs_baselines
	$(BIN)/python -m schedbench.harness +experiment=warm_start_icml24
	$(BIN)/python -m schedbench.harness +experiment=warm_start_tcs
	$(BIN)/python -m schedbench.harness +experiment=verdict_nested_cuts
	$(BIN)/python -m schedbench.harness +experiment=verdict_seeds_rest
	$(BIN)/python -m schedbench.harness +experiment=best_known_epfl
	$(BIN)/python -m schedbench.harness.registry_update --results results/best_known_epfl
	$(BIN)/python -m schedbench.harness +experiment=best_known_epfl_cpsat
	$(BIN)/python -m schedbench.harness +experiment=best_known_epfl_double
	$(BIN)/python -m schedbench.harness.registry_update --results results/best_known_epfl
	$(BIN)/python -m schedbench.harness +experiment=best_known_epfl_cpsat_double
	$(BIN)/python -m schedbench.harness.registry_update --results results/best_known_epfl
	$(BIN)/python -m schedbench.harness +experiment=best_known_epfl_double2
	$(BIN)/python -m schedbench.harness.registry_update --results results/best_known_epfl
	$(BIN)/python -m schedbench.harness +experiment=best_known_epfl_cpsat_double2
	$(BIN)/python -m schedbench.harness.registry_update --results results/best_known_epfl
	$(BIN)/python -m schedbench.harness +experiment=bounds_nested

# what each part of the protocol still has to run (run keys as the runner makes them).
# Parts overlap: verdict_nested_cuts, verdict_seeds_rest and warm_start_icml24 are runs of
# verdict/verdict_seeds (the ones a session planned to make first), so do not add all the
# hours up; each line counts the runs missing from its own results folder.
verdict-plan: restore
	$(BIN)/python -m schedbench.harness.plan +experiment=verdict
	$(BIN)/python -m schedbench.harness.plan +experiment=verdict_seeds
	$(BIN)/python -m schedbench.harness.plan +experiment=verdict_long
	$(BIN)/python -m schedbench.harness.plan +experiment=verdict_shares
	$(BIN)/python -m schedbench.harness.plan +experiment=fig5 results.dir=results/verdict threads=2
	$(BIN)/python -m schedbench.harness.plan +experiment=verdict_time
	$(BIN)/python -m schedbench.harness.plan +experiment=verdict_rcs
	$(BIN)/python -m schedbench.harness.plan +experiment=verdict_rcs_seeds
	$(BIN)/python -m schedbench.harness.plan +experiment=verdict_tcs
	$(BIN)/python -m schedbench.harness.plan +experiment=verdict_tcs_seeds
	$(BIN)/python -m schedbench.harness.plan +experiment=verdict_modulo
	$(BIN)/python -m schedbench.harness.plan +experiment=verdict_modulo_seeds
	$(BIN)/python -m schedbench.harness.plan +experiment=calibration_exact_rcs
	$(BIN)/python -m schedbench.harness.plan +experiment=calibration_exact_tcs
	$(BIN)/python -m schedbench.harness.plan +experiment=scale_rcs
	$(BIN)/python -m schedbench.harness.plan +experiment=scale_tcs
	$(BIN)/python -m schedbench.harness.plan +experiment=scale_rcs_public
	$(BIN)/python -m schedbench.harness.plan +experiment=scale_tcs_public
	$(BIN)/python -m schedbench.harness.plan +experiment=gaus_protocol_rcs
	$(BIN)/python -m schedbench.harness.plan +experiment=gaus_protocol_rcs_baselines
	$(BIN)/python -m schedbench.harness.plan +experiment=gaus_protocol_tcs
	$(BIN)/python -m schedbench.harness.plan +experiment=gaus_protocol_tcs_baselines
	$(BIN)/python -m schedbench.harness.plan +experiment=warm_start_icml24
	$(BIN)/python -m schedbench.harness.plan +experiment=warm_start_tcs
	$(BIN)/python -m schedbench.harness.plan +experiment=verdict_nested_cuts
	$(BIN)/python -m schedbench.harness.plan +experiment=verdict_seeds_rest
	$(BIN)/python -m schedbench.harness.plan +experiment=best_known_epfl
	$(BIN)/python -m schedbench.harness.plan +experiment=best_known_epfl_cpsat
	$(BIN)/python -m schedbench.harness.plan +experiment=best_known_epfl_double
	$(BIN)/python -m schedbench.harness.plan +experiment=best_known_epfl_cpsat_double
	$(BIN)/python -m schedbench.harness.plan +experiment=best_known_epfl_double2
	$(BIN)/python -m schedbench.harness.plan +experiment=best_known_epfl_cpsat_double2
	$(BIN)/python -m schedbench.harness.plan +experiment=bounds_nested

# results/ is not in git: `make records` packs every results folder's finished runs into
# docs/results/records/ (commit them when a sitting ends), `make restore` puts them back on a
# fresh checkout so the sweeps resume where they stopped (runs on disk are kept). The
# verdict's studies read gs's epoch traces only, so results/verdict keeps no other's.
# With no results folder at all, `pack` runs alone and says what to run first.
RESULTS_FOLDERS = $(patsubst %/runs,%,$(wildcard results/*/runs))
VERDICT_RESULTS = $(filter results/verdict,$(RESULTS_FOLDERS))
OTHER_RESULTS = $(filter-out results/verdict,$(RESULTS_FOLDERS))
records:
	$(if $(OTHER_RESULTS)$(if $(VERDICT_RESULTS),,none),$(BIN)/python -m schedbench.harness.archive pack $(OTHER_RESULTS))
	$(if $(VERDICT_RESULTS),$(BIN)/python -m schedbench.harness.archive pack $(VERDICT_RESULTS) --epochs-of gs)

restore:
	$(BIN)/python -m schedbench.harness.archive unpack

# BASE=docs/results keeps the committed runs that results/verdict does not supersede; the
# classes' sections first: the README and report summarize every class. A class whose
# verdict runs are not here keeps its committed section; its scale section is rebuilt alone.
verdict-docs:
	if [ -d results/bounds/runs ]; then $(BIN)/python -m schedbench.harness.registry_update --results results/bounds; fi
	if [ -d results/verdict_rcs/runs ]; then $(BIN)/python -m schedbench.studies.hls_verdict --results results/verdict_rcs $(if $(wildcard results/scale_rcs/runs),--scale results/scale_rcs) --out docs/results/rcs --docs docs/results; elif [ -d results/scale_rcs/runs ]; then $(BIN)/python -m schedbench.studies.hls_verdict --scale results/scale_rcs --scale-only --out docs/results/rcs --docs docs/results; fi
	if [ -d results/verdict_tcs/runs ]; then $(BIN)/python -m schedbench.studies.hls_verdict --results results/verdict_tcs $(if $(wildcard results/scale_tcs/runs),--scale results/scale_tcs) --out docs/results/tcs/verdict --docs docs/results; elif [ -d results/scale_tcs/runs ]; then $(BIN)/python -m schedbench.studies.hls_verdict --scale results/scale_tcs --scale-only --out docs/results/tcs/verdict --docs docs/results; fi
	if [ -d results/verdict_modulo/runs ]; then $(BIN)/python -m schedbench.harness.registry_update --results results/verdict_modulo; fi
	if [ -d results/verdict_modulo/runs ]; then $(BIN)/python -m schedbench.studies.modulo_verdict --results results/verdict_modulo --out docs/results/modulo --docs docs/results; fi
	if [ -d results/gaus_rcs/runs ] || [ -d results/gaus_tcs/runs ]; then $(BIN)/python -m schedbench.studies.gaus_protocol --results $(wildcard results/gaus_rcs results/gaus_tcs) --out docs/results/gaus --base docs/results/gaus/solvers.csv; fi
	if [ -d results/warm_start/runs ]; then $(BIN)/python -m schedbench.studies.warm_start --results $(wildcard results/warm_start results/verdict) --out docs/results/warm_start; fi
	if [ -d results/best_known_epfl/runs ]; then $(BIN)/python -m schedbench.studies.best_known --results $(wildcard results/best_known_epfl results/bounds) --out docs/results/best_known && $(BIN)/python -m schedbench.harness.registry_update --results results/best_known_epfl; fi
	$(BIN)/python -m schedbench.studies.icml24.verdict --results results/verdict --out docs/results $(if $(BASE),--base $(BASE)) $(if $(SINCE),--since $(SINCE))
	$(BIN)/python -m schedbench.studies.classes --docs docs/results

# resource-constrained minimum latency: HeuriGym's 24 instances x the RCS solvers at 60 s
# (at most 72 minutes), then the table against HeuriGym's published latencies
heurigym:
	$(BIN)/python -m schedbench.harness +experiment=heurigym
	$(BIN)/python -m schedbench.studies.heurigym --results results/heurigym --out docs/results/heurigym

# latency-constrained minimum resources: the exact TCS solvers on EDS's 60 instances at
# 60 s, then the table against EDS's published optima
eds-optima:
	$(BIN)/python -m schedbench.harness +experiment=eds_optima
	$(BIN)/python -m schedbench.studies.tcs --results results/tcs --out docs/results/tcs

# does the gradient pay? the differentiable HLS schedulers with and without gradient steps
hls-ablation:
	$(BIN)/python -m schedbench.harness +experiment=hls_ablation
	$(BIN)/python -m schedbench.harness +experiment=hls_ablation_tcs
	$(BIN)/python -m schedbench.studies.hls_ablation --results results/hls_ablation --out docs/results/hls_ablation

# 1800 s compact CP-SAT runs hinted with the registry's schedules, to push its bounds
registry-bounds:
	$(BIN)/python -m schedbench.harness +experiment=registry_bounds

bench-paper:
	$(BIN)/python -m schedbench.harness +experiment=fig3
	$(BIN)/python -m schedbench.harness +experiment=fig4
	$(BIN)/python -m schedbench.harness +experiment=fig5
	$(BIN)/python -m schedbench.studies.icml24.figures

figures:
	$(BIN)/python -m schedbench.studies.icml24.figures

clean:
	rm -rf .pytest_cache .ruff_cache build *.egg-info

# What bench/gpu_verdict.sh needs on a GPU machine that cannot install: wheels of the
# packages its image lacks and of schedbench, and the designs' graphs pre-built.
gpu-prep:
	rm -rf .gpu && mkdir -p .gpu/wheels
	$(BIN)/pip wheel -q --no-deps -w .gpu/wheels . antlr4-python3-runtime==4.9.3
	$(BIN)/pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
		--platform manylinux_2_28_x86_64 -d .gpu/wheels hydra-core==1.3.2 omegaconf==2.3.0 \
		"aigverse==$$($(BIN)/pip show aigverse | awk '/^Version/{print $$2}')"
	SCHEDBENCH_CACHE_DIR=$(CURDIR)/.gpu/graphs $(BIN)/python -c "from schedbench.datasets \
		import load; [load(d) for d in 'adder bar i2c max square voter rw1 rw10'.split()]"
	mkdir -p .gpu/icml24 .gpu/epfl
	du -sh .gpu
