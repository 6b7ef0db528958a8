# `make bench`: deploystop vs curl, the same stop against the same local mock
# (scripts/bench.py). BENCH_RUNS runs each, interleaved; the table goes to
# BENCH_OUT.
BENCH_RUNS ?= 30
BENCH_OUT ?= $(BUILD)/bench/README.bench.md

bench: $(CLI) | $(DEPS_STAMP)
	$(PYTHON) scripts/bench.py --cli $(CLI) --work $(BUILD)/bench --out $(BENCH_OUT) \
	  --runs $(BENCH_RUNS)

.PHONY: bench
