# Tuners that exist only for tests (tests/tuners/<name>/<name>.c, no BPF):
# built into build/test-tuners/, never installed.
TEST_TUNERS := $(notdir $(wildcard tests/tuners/*))
TEST_TUNER_SOS := $(foreach t,$(TEST_TUNERS),$(BUILD)/test-tuners/$(t)_tuner.so)

unit-bins: $(TEST_TUNER_SOS)

define test_tuner_rule
$(BUILD)/test-tuners/$(1)_tuner.so: tests/tuners/$(1)/$(1).c $(BUILD)/libbpftune.so $(HEADERS)
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) -shared $$(LDFLAGS) -o $$@ $$< -L$(BUILD) -lbpftune $$(PKG_LIBS) $$(RPATH)
endef
$(foreach t,$(TEST_TUNERS),$(eval $(call test_tuner_rule,$(t))))
