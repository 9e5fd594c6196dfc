# Query socket, client and Prometheus metrics (src/query*.c, src/metrics.c):
# part of libbpftune.so.  $^ in its link rule picks these up.
QUERY_OBJS := $(BUILD)/src/query.o $(BUILD)/src/query_parse.o $(BUILD)/src/metrics.o

$(BUILD)/libbpftune.so $(CORE_ARCHIVE): $(QUERY_OBJS)

$(QUERY_OBJS): src/query_parse.h
