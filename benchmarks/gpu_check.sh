#!/usr/bin/env bash
# The GPU checks of the training step in one command, for anyone with an NVIDIA GPU: the CUDA
# tests of the training step (graph against eager), then benchmarks/gpu_speed.py with the
# torch.compile row; output kept in $OUT (default artifacts/gpu_check).
#
#   bash benchmarks/gpu_check.sh          # a machine with the project installed and MNIST in data/
#
# On a GPU server with PyTorch's stack installed (torch, torchvision, pandas, matplotlib, seaborn,
# scikit-image, tqdm, pytest) but no internet and no MNIST, copy the four MNIST .gz files (a
# torchvision download leaves them in data/MNIST/raw/) into .mnist/ in the project root first
# (git ignores it once `echo /.mnist/ >> .git/info/exclude`); the script unpacks them into
# data/MNIST/raw. Python is $PYTHON, else python3.
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
