# Benchmarks: `sudo make bench` (not part of `make test`).
BENCH_TOOLS := $(BUILD)/bench/connburst $(BUILD)/bench/forkexec \
	       $(BUILD)/bench/empty_sockops.bpf.o

$(BUILD)/bench/%: bench/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(BUILD)/bench/empty_sockops.bpf.o: bench/tools/empty_sockops.bpf.c $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

.PHONY: bench
bench: deps
	@scripts/deps.sh test
	$(MAKE) all unit-bins $(BENCH_TOOLS) $(BENCH_EXTRA)
	BUILD=$(abspath $(BUILD)) bench/run.sh $(BENCH)
