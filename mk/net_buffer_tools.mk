# Test tools of the net_buffer tuner: BPF programs that tests load with tc.
# build/tests/tools/<tool>.bpf.o comes from the generic %.bpf.o rule.
NET_BUFFER_TOOLS := $(BUILD)/tests/tools/backlog_flood.bpf.o

all: $(NET_BUFFER_TOOLS)
