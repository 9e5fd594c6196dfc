# libFuzzer targets (clang -fsanitize=fuzzer,address): tests/fuzz/fuzz_<x>.c
# -> $(BUILD)/fuzz/fuzz_<x>.  Built with unit-bins, so `make test` has them;
# tests/integration/query_fuzz.sh runs them for a bounded time.
FUZZ_CC ?= clang
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	       -fno-sanitize-recover=undefined -Wall -Wextra -Werror
FUZZ_BINS := $(BUILD)/fuzz/fuzz_query

unit-bins: $(FUZZ_BINS)

$(BUILD)/fuzz/fuzz_query: tests/fuzz/fuzz_query.c src/query_parse.c src/query_parse.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_query.c src/query_parse.c
