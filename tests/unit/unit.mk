# (-MF: run.sh runs every file in build/tests/unit/, so the dependency
# files are hidden ones.)
# Unit tests: tests/unit/test_<name>.c -> build/tests/unit/test_<name>,
# linked with the core's internal archive (libbpftune.so exports only the
# tuner API).  Whole, and its API exported (-rdynamic), so that a plugin a
# test loads binds to the test's copy of the core.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))

unit-bins: $(UNIT_BINS)

$(BUILD)/tests/unit/test_options: tests/unit/test_options.c src/options.c src/options.h tests/unit/unit.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MF $(@D)/.$(@F).d -Wno-missing-field-initializers -o $@ $< src/options.c $(LDFLAGS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(CORE_ARCHIVE) tests/unit/unit.h tests/unit/netns_child.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MF $(@D)/.$(@F).d -rdynamic -o $@ $< $(LDFLAGS) \
		-Wl,--whole-archive $(CORE_ARCHIVE) -Wl,--no-whole-archive \
		$(PKG_LIBS) -Wl,-rpath,'$$ORIGIN/../..'
