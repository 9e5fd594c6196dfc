# Test tools of the ip_frag tuner: BPF programs that tests load with tc.
# build/tests/tools/<tool>.bpf.o comes from the generic %.bpf.o rule.
IP_FRAG_TOOLS := $(BUILD)/tests/tools/frag_drop_last.bpf.o

all: $(IP_FRAG_TOOLS)
