#!/usr/bin/env bash
# The GPU checks of issue 4 in one call on a lent GPU machine (the `device` tool's `run`).
#
# Prepare here, where the datasets and HiGHS are:
#   python bench/gs_speed.py --export .gpu            # designs + bounds as .npz
#   pip wheel --no-deps -w .whl .                      # schedbench as a wheel
# then run `bash bench/gpu_check.sh` there with carry [".gpu", ".whl"]. The machine's own
# python3 has torch, numpy, pandas, pytest and hypothesis; schedbench comes from the wheel,
# and PYTHONSAFEPATH keeps the checkout's partial `schedbench/` folder off sys.path.
set -u
out=${OUT:-/tmp/gpu-check}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 PYTHONSAFEPATH=1 PYTHONPATH=/tmp/site
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl || exit 1
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"

echo "== tests on CUDA (sampler, gradient, evaluator twin, solver)"
timeout 120 python3 -m pytest -q -p no:cacheprovider tests/solvers/test_gs.py \
    tests/test_evaluate_torch.py 2>&1 | tail -5 | tee "$out/tests.txt"

echo "== seconds per epoch, B = 250, CUDA"
timeout 300 python3 bench/gs_speed.py --problems .gpu --device cuda --epochs 4 \
    --designs rw1 rw7 rw10 adder square voter div 2>&1 | tee "$out/speed.txt"

echo "== batch size, RW10 and square, CUDA"
for b in 1000 4000; do
    timeout 90 python3 bench/gs_speed.py --problems .gpu --device cuda --epochs 4 --batch "$b" \
        --designs rw10 square 2>&1 | tail -3 | tee -a "$out/batch.txt"
done

echo "== quality after 60 s, B = 250, CUDA"
timeout 160 python3 bench/gs_speed.py --problems .gpu --device cuda --quality 60 \
    --designs rw1 rw7 2>&1 | tee "$out/quality.txt"
