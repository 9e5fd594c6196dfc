# Drop-in compatibility with existing bpftune set-ups: the cgroup v2
# directory is mounted when -c names one that is not (src/cgroup.c, part of
# the daemon binary).
BIN_OBJS += $(BUILD)/src/cgroup.o
$(BUILD)/src/cgroup.o $(BUILD)/src/main.o: src/cgroup.h
$(BUILD)/bpftune: $(BUILD)/src/cgroup.o
