# Drop-in compatibility with existing bpftune set-ups: the cgroup v2
# directory is mounted when -c names one that is not (src/cgroup.c, part of
# the daemon binary).
BIN_OBJS += $(BUILD)/src/cgroup.o
$(BUILD)/src/cgroup.o $(BUILD)/src/main.o: src/cgroup.h
$(BUILD)/bpftune: $(BUILD)/src/cgroup.o

# Prometheus rules and Grafana dashboard: in $(datadir)/bpftune/prometheus.
# OpenRC init script and its conf.d: always in $(datadir)/bpftune/openrc
# (so that packages carry them); also in /etc/init.d and /etc/conf.d when
# OPENRC=1, or when this machine runs OpenRC (make install OPENRC=0 to
# skip).
datadir ?= $(prefix)/share
OPENRC ?= $(if $(wildcard /sbin/openrc-run),1,0)
OPENRC_SHARE := $(datadir)/bpftune/openrc

.PHONY: openrc install-openrc uninstall-openrc
openrc: $(BUILD)/openrc/bpftune
$(BUILD)/openrc/bpftune: packaging/openrc/bpftune.initd.in
	@mkdir -p $(@D)
	sed -e 's|@sbindir@|$(sbindir)|g' $< > $@

install: install-openrc
PROM_SHARE := $(datadir)/bpftune/prometheus
PROM_FILES := bpftune.rules.yml bpftune.rules.test.yml bpftune-grafana.json

install-openrc: openrc
	$(INSTALL) -d $(DESTDIR)$(OPENRC_SHARE) $(DESTDIR)$(PROM_SHARE)
	$(INSTALL) -m 0644 $(addprefix packaging/prometheus/,$(PROM_FILES)) \
		$(DESTDIR)$(PROM_SHARE)/
	$(INSTALL) -m 0755 $(BUILD)/openrc/bpftune $(DESTDIR)$(OPENRC_SHARE)/bpftune.initd
	$(INSTALL) -m 0644 packaging/openrc/bpftune.confd $(DESTDIR)$(OPENRC_SHARE)/bpftune.confd
ifeq ($(OPENRC),1)
	$(INSTALL) -d $(DESTDIR)$(sysconfdir)/init.d $(DESTDIR)$(sysconfdir)/conf.d
	$(INSTALL) -m 0755 $(BUILD)/openrc/bpftune $(DESTDIR)$(sysconfdir)/init.d/bpftune
	@# an administrator's edited settings survive a reinstall
	[ -e $(DESTDIR)$(sysconfdir)/conf.d/bpftune ] || \
		$(INSTALL) -m 0644 packaging/openrc/bpftune.confd \
			$(DESTDIR)$(sysconfdir)/conf.d/bpftune
endif

uninstall: uninstall-openrc
uninstall-openrc:
	rm -f $(DESTDIR)$(OPENRC_SHARE)/bpftune.initd \
		$(DESTDIR)$(OPENRC_SHARE)/bpftune.confd \
		$(addprefix $(DESTDIR)$(PROM_SHARE)/,$(PROM_FILES))
	-rmdir $(DESTDIR)$(OPENRC_SHARE) $(DESTDIR)$(PROM_SHARE) \
		$(DESTDIR)$(datadir)/bpftune 2>/dev/null
ifeq ($(OPENRC),1)
	rm -f $(DESTDIR)$(sysconfdir)/init.d/bpftune
endif
