#!/usr/bin/env bash
# The banded hls_gauss and hls_gs on CUDA at 10^5 and 10^6 operations, RCS and TCS
# (+experiment=gpu_hls_scale: 8 runs of 60 s, about 10 minutes), on a lent GPU machine
# (the `device` tool's `run`, carry [".gpu"]). The instances are generated there (seeded),
# so only the wheels travel:
#   make gpu-prep                 # here
#   bash bench/gpu_hls_scale.sh   # there; returns $OUT/gpu_hls_runs.tar.gz
#   tar xzf <files_at>/gpu_hls_runs.tar.gz -C results/gpu_hls_scale \
#     && python bench/hls_speed.py --results results/gpu_hls_scale --report   # here
set -u
out=${OUT:-/tmp/gpu-hls}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 PYTHONSAFEPATH=1 PYTHONPATH=/tmp/site
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .gpu/wheels/*.whl \
    || exit 1
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())" \
    | tee -a "$out/gpu.txt"
cd /tmp
for family in rcs_synthetic "tcs_synthetic dataset.params.factor=1.0"; do
    set -- $family
    timeout 330 python3 -m schedbench.harness +experiment=gpu_hls_scale "dataset=$1" "${@:2}" \
        results.dir=/tmp/gpu-hls-results/banded 2>&1 | tail -20 | tee -a "$out/runs.txt"
done
tar czf "$out/gpu_hls_runs.tar.gz" -C /tmp/gpu-hls-results banded
