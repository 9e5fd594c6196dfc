# Plugins that exist only for tests: tests/plugins/<name>.c ->
# $(BUILD)/tests/plugins/<name>_tuner.so (no BPF), built with unit-bins.
TEST_PLUGIN_SRCS := $(wildcard tests/plugins/*.c)
TEST_PLUGINS := $(patsubst tests/plugins/%.c,$(BUILD)/tests/plugins/%_tuner.so,$(TEST_PLUGIN_SRCS))

unit-bins: $(TEST_PLUGINS)

$(BUILD)/tests/plugins/%_tuner.so: tests/plugins/%.c $(BUILD)/libbpftune.so
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -shared $(LDFLAGS) -o $@ $< -L$(BUILD) -lbpftune $(PKG_LIBS) $(RPATH)
