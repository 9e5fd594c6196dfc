# Unit tests: tests/unit/test_<name>.c -> build/tests/unit/test_<name>,
# linked against libbpftune.so.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))

unit-bins: $(UNIT_BINS)

$(BUILD)/tests/unit/test_options: tests/unit/test_options.c src/options.c src/options.h tests/unit/unit.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-missing-field-initializers -o $@ $< src/options.c $(LDFLAGS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libbpftune.so tests/unit/unit.h $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) -L$(BUILD) -lbpftune $(PKG_LIBS) \
		-Wl,-rpath,'$$ORIGIN/../..'
