# `make bench`: deploystop vs curl, the same stop against the same local mock
# (scripts/bench.py). BENCH_RUNS runs each, interleaved; the table goes to
# BENCH_OUT.
BENCH_RUNS ?= 30
BENCH_OUT ?= $(BUILD)/bench/README.bench.md

bench: $(CLI) | $(DEPS_STAMP)
	$(PYTHON) scripts/bench.py --cli $(CLI) --work $(BUILD)/bench --out $(BENCH_OUT) \
	  --runs $(BENCH_RUNS)

.PHONY: bench

# `make rtt`: network round trips per CLI run over a delayed link (the mock
# in one network namespace, the CLI in another, a userspace relay adding
# RTT_DELAY_MS each way; scripts/delay_link.py, scripts/rtt_report.py,
# docs/rtt.md). Needs root (namespaces, /dev/net/tun). Not part of `make test`.
RTT_DELAY_MS ?= 25
RTT_RUNS ?= 3
RTT_OUT ?= $(BUILD)/rtt/README.rtt.md

rtt: $(CLI) | $(DEPS_STAMP)
	scripts/deps.sh iproute2 procps openssl
	timeout 900 $(PYTHON) scripts/rtt_report.py --cli $(CLI) --work $(BUILD)/rtt \
	  --out $(RTT_OUT) --delay-ms $(RTT_DELAY_MS) --runs $(RTT_RUNS)

.PHONY: rtt
