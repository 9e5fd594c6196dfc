# Test and benchmark tools: tests/tools/<name>.c -> build/tools/<name>.
# A tool with a tests/tools/<name>.bpf.c gets its skeleton built first.
TOOLS := loss delay bulk nsfarm
TOOL_BINS := $(addprefix $(BUILD)/tools/,$(TOOLS))

.PHONY: tools
tools: $(TOOL_BINS)
all: tools

$(BUILD)/tools/%.bpf.o: tests/tools/%.bpf.c $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/tools/%.skel.h: $(BUILD)/tools/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(BUILD)/tools/loss: tests/tools/loss.c $(BUILD)/tools/loss.skel.h
	$(CC) $(CFLAGS) -I$(BUILD)/tools -o $@ $< $(LDFLAGS) $(PKG_LIBS)

$(BUILD)/tools/delay: tests/tools/delay.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(BUILD)/tools/bulk: tests/tools/bulk.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(BUILD)/tools/nsfarm: tests/tools/nsfarm.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)
