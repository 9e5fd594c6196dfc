# Tuners that exist only for tests (tests/tuners/<name>/*.c, no BPF):
# built into build/test-tuners/, never installed.  As in tuners/, every
# .c file of the folder is linked into the tuner.
TEST_TUNERS := $(notdir $(wildcard tests/tuners/*))
TEST_TUNER_SOS := $(foreach t,$(TEST_TUNERS),$(BUILD)/test-tuners/$(t)_tuner.so)
test_tuner_objs = $(patsubst tests/tuners/%.c,$(BUILD)/test-tuners/%.o,$(wildcard tests/tuners/$(1)/*.c))

unit-bins: $(TEST_TUNER_SOS)

$(BUILD)/test-tuners/%.o: tests/tuners/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

define test_tuner_rule
$(BUILD)/test-tuners/$(1)_tuner.so: $(call test_tuner_objs,$(1)) $(BUILD)/libbpftune.so
	$$(CC) -shared $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) -L$(BUILD) -lbpftune $$(PKG_LIBS) $$(RPATH)
endef
$(foreach t,$(TEST_TUNERS),$(eval $(call test_tuner_rule,$(t))))
