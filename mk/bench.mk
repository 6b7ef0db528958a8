# `make bench`: deploystop vs curl, the same stop against the same local mock
# (scripts/bench.py). Each tool is exec'd and timed itself (no shell, no
# wrapper): BENCH_RUNS runs of each per case, interleaved; median, min and max
# of wall time and peak RSS, the TLS version each negotiated (from the mock's
# handshake log) and the ratios against the budgets (0.5x wall, 0.3x RSS).
# The table goes to BENCH_OUT. A report, not part of `make test`.
BENCH_RUNS ?= 30
BENCH_OUT ?= $(BUILD)/bench/README.bench.md

bench: $(CLI) | $(DEPS_STAMP)
	scripts/deps.sh curl openssl ca-certificates binutils
	timeout 900 $(PYTHON) scripts/bench.py --cli $(CLI) --work $(BUILD)/bench \
	  --out $(BENCH_OUT) --runs $(BENCH_RUNS)

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
