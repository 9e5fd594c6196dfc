# Query socket, client, learned state and Prometheus metrics (src/query*.c,
# src/emit.c, src/learned.c, src/metrics.c):
# part of libbpftune.so.  $^ in its link rule picks these up.
QUERY_OBJS := $(BUILD)/src/query_server.o $(BUILD)/src/query_cache.o \
	      $(BUILD)/src/query_reply.o \
	      $(BUILD)/src/query_client.o $(BUILD)/src/query_parse.o \
	      $(BUILD)/src/emit.o $(BUILD)/src/learned.o $(BUILD)/src/import.o \
	      $(BUILD)/src/import_apply.o \
	      $(BUILD)/src/metrics.o

$(BUILD)/libbpftune.so $(CORE_ARCHIVE): $(QUERY_OBJS)

$(QUERY_OBJS): src/query_parse.h
