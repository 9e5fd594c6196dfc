# tcp_buffer: its private headers are dependencies of its objects and of
# its unit test (the generic rules only know include/).
TCP_BUFFER_HDRS := tuners/tcp_buffer/tcp_buffer.h tuners/tcp_buffer/tcp_buffer_corr.h
$(BUILD)/tuners/tcp_buffer/tcp_buffer.bpf.o: $(TCP_BUFFER_HDRS)
$(BUILD)/tuners/tcp_buffer/tcp_buffer.o: $(TCP_BUFFER_HDRS)
$(BUILD)/tests/unit/test_tcp_buffer: $(TCP_BUFFER_HDRS)
