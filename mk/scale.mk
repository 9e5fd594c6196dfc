# Scale run: 5,000 live network namespaces and 20,000 created and
# destroyed, the daemon started under systemd's default soft open-file
# limit (1024).  `make test` runs the same test at a small size.
#   sudo make scale [SCALE_LIVE=5000] [SCALE_CHURN=20000]
SCALE_LIVE ?= 5000
SCALE_CHURN ?= 20000
SCALE_SOFT_NOFILE ?= 1024

.PHONY: scale
scale: all tools
	SCALE_LIVE=$(SCALE_LIVE) SCALE_CHURN=$(SCALE_CHURN) \
	SCALE_SOFT_NOFILE=$(SCALE_SOFT_NOFILE) SCALE_SAMPLE=$${SCALE_SAMPLE:-5} \
	TEST_TIMEOUT=$${TEST_TIMEOUT:-1800} BUILD=$(abspath $(BUILD)) \
		tests/run.sh netns_scale
