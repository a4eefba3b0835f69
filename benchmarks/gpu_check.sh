#!/usr/bin/env bash
# Issue 21's GPU checks in one command, for a session lent a CUDA machine (the `device` tool), or
# for anyone with an NVIDIA GPU: the CUDA tests of the training step (graph against eager), then
# benchmarks/gpu_speed.py with the torch.compile row, output kept in $OUT (default artifacts/gpu_check).
#
#   bash benchmarks/gpu_check.sh                 # a machine with the project installed and MNIST in data/
#
# On a bare machine with PyTorch but without this project's MNIST copy (the lent H200: torch,
# torchvision, pandas, matplotlib, seaborn, scikit-image, tqdm and pytest are there; nothing can
# be downloaded), copy the four MNIST .gz files into .mnist/ first (ignored by git, about 11 MB):
#   mkdir -p .mnist && cp ../shared/datasets/mnist/*.gz .mnist/ && echo /.mnist/ >> .git/info/exclude
# and carry `.mnist`; the script unpacks them into data/MNIST/raw. Python is $PYTHON, else python3.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
OUT=${OUT:-artifacts/gpu_check}
mkdir -p "$OUT"
if [ -d .mnist ] && [ ! -f data/MNIST/raw/train-images-idx3-ubyte ]; then
    mkdir -p data/MNIST/raw
    for f in .mnist/*-ubyte.gz; do gunzip -c "$f" > "data/MNIST/raw/$(basename "$f" .gz)"; done
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 TQDM_DISABLE=1
"$PYTHON" -c "import torch; print('torch', torch.__version__, '| CUDA:', torch.cuda.is_available() and torch.cuda.get_device_name(0))" \
    | tee "$OUT/device.txt"
status=0
"$PYTHON" -m pytest -q -rs -p no:cacheprovider tests/test_training_step.py 2>&1 | tee "$OUT/tests.txt" || status=1
"$PYTHON" benchmarks/gpu_speed.py --compile 2>&1 | tee "$OUT/gpu_speed.txt" || status=1
exit $status
