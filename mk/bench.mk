# Benchmarks: `sudo make bench` (not part of `make test`).
BENCH_TOOLS := $(BUILD)/bench/connburst $(BUILD)/bench/forkexec

$(BUILD)/bench/%: bench/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

.PHONY: bench
bench: deps
	@scripts/deps.sh test
	$(MAKE) all unit-bins $(BENCH_TOOLS) $(BENCH_EXTRA)
	BUILD=$(abspath $(BUILD)) bench/run.sh $(BENCH)
