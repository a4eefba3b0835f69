# LeNet-5 on MNIST: `make run` executes the series, `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test lab install data benchmark gpu-speed gpu-check accuracy architectures reading site reference clean

## run: set up .venv, get MNIST, execute notebooks 01-13 into artifacts/notebooks, print a summary
run: install data
	$(PY) -m lenet_helpers run

## test: the test suite (unit tests and every notebook with quick parameters)
test: install
	$(PY) -m pytest

## lab: open JupyterLab on the notebooks
lab: install
	$(VENV)/bin/jupyter lab notebooks/

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e ".[dev]"
	touch $@

## data: download MNIST into data/ (skipped when the four raw files are there)
data: install
	$(PY) -m lenet_helpers download

## benchmark: training speed, per-sample DataLoader pipeline vs lenet_helpers.train; time per step
benchmark: install data
	$(PY) benchmarks/train_speed.py
	$(PY) benchmarks/step_time.py

## accuracy: test accuracy after 15 epochs over 3 seeds
accuracy: install data
	$(PY) benchmarks/accuracy.py

## architectures: every registered network trained 15 epochs under one recipe, seeds 0 1 2 (resumes if interrupted)
architectures: install data
	$(PY) benchmarks/architectures.py

## gpu-speed: on a CUDA GPU, lh.train eager vs replayed as a CUDA graph, 15 epochs (says so and exits 0 without CUDA)
gpu-speed: install data
	$(PY) benchmarks/gpu_speed.py

## gpu-check: the GPU checks in one command: the CUDA tests of the training step, gpu_speed with torch.compile (output in artifacts/gpu_check)
gpu-check: install data
	PYTHON=$(PY) bash benchmarks/gpu_check.sh

## reading: predict on real handwriting given as files (MNIST test digits in 17 renderings), vs the same digits as tensors
reading: install data
	$(PY) benchmarks/reading.py

## site: the executed notebooks (after make run) and solutions as a static web site: artifacts/site/index.html
site: install
	$(PY) -m lenet_helpers site --run-solutions

## reference: retrain the two reference models shipped in lenet_helpers/reference/ (15 epochs each on the CPU: minutes)
# One thread: the same weights whatever the number of cores, nearly as fast as two for batches of 32
# (README, step-time table), and far faster than two on a machine busy with other work.
reference: install data
	OMP_NUM_THREADS=1 $(PY) -m lenet_helpers reference
	OMP_NUM_THREADS=1 $(PY) -m lenet_helpers reference --augment

clean:
	rm -rf artifacts/notebooks artifacts/figures artifacts/site artifacts/*.pt artifacts/*.csv
