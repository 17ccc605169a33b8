#!/usr/bin/env bash
# GS on CUDA through the harness runner: +experiment=gpu_verdict (8 runs of 60 s, about
# 9 minutes), on a lent GPU machine (the `device` tool's `run`, carry [".gpu"]).
#
# Prepare here first (wheels for the packages the GPU image lacks, schedbench as a wheel,
# the 8 designs' graphs pre-built, so nothing there needs aigverse's downloads or ABC):
#   make gpu-prep
# then there: bash bench/gpu_verdict.sh   (returns $OUT/gpu_runs.tar.gz)
# and back here: tar xzf <files_at>/gpu_runs.tar.gz -C results/verdict && make verdict-docs
set -u
out=${OUT:-/tmp/gpu-verdict}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 PYTHONSAFEPATH=1 PYTHONPATH=/tmp/site
export SCHEDBENCH_CACHE_DIR="$PWD/.gpu/graphs" SCHEDBENCH_DATA_DIR="$PWD/.gpu/icml24"
export AIGVERSE_BENCHMARK_CACHE="$PWD/.gpu/epfl"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .gpu/wheels/*.whl \
    || exit 1
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())" \
    | tee -a "$out/gpu.txt"
cd /tmp && timeout 660 python3 -m schedbench.harness +experiment=gpu_verdict \
    results.dir=/tmp/gpu-results 2>&1 | tail -40 | tee "$out/runs.txt"
tar czf "$out/gpu_runs.tar.gz" -C /tmp/gpu-results runs
