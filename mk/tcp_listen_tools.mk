# Test tool of the tcp_listen tuner: SYNs from sources that never answer.
TCP_LISTEN_TOOLS := $(BUILD)/tools/syn_flood

all: $(TCP_LISTEN_TOOLS)
tools: $(TCP_LISTEN_TOOLS)

$(BUILD)/tools/syn_flood: tests/tools/syn_flood.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)
