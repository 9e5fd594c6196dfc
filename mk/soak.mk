# Soak: every tuner acting, namespace churn, query floods, metrics
# scrapes, SIGHUP and an administrator's writes, all at once, for
# SOAK_MINUTES (or SOAK_SECONDS); then crash, sanitizer, fd/RSS, journal
# and --restore checks.  Also on the ASan build:
#   sudo make soak SANITIZE=1 BUILD=build-asan SOAK_MINUTES=2
SOAK_MINUTES ?= 10

.PHONY: soak
soak: all tools
	SOAK_SECONDS=$${SOAK_SECONDS:-$$(($(SOAK_MINUTES) * 60))} \
	BUILD=$(abspath $(BUILD)) bash tests/soak/soak.sh
