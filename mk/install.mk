# make install / make uninstall, man pages, pkg-config file, systemd unit.
#
#	make install DESTDIR=/tmp/stage prefix=/usr libdir=/usr/lib64
#
# libdir must be the same at build and install time: the daemon has the
# tuner directory ($(libdir)/bpftune) and a RUNPATH to $(libdir) built in.

DESTDIR ?=
sysconfdir ?= /etc
unitdir ?= $(prefix)/lib/systemd/system
pkgconfigdir ?= $(libdir)/pkgconfig
# where `make install` of an out-of-tree tuner puts it (see src/core.h)
localtunerdir ?= /usr/local/lib64/bpftune
INSTALL ?= install
PANDOC ?= pandoc

VERSION := $(shell sed -n 's/^\#define BPFTUNE_VERSION "\(.*\)"/\1/p' \
		include/bpftune/libbpftune.h)
SOVERSION := 0
# reproducible: the date of the release (dpkg-buildpackage and rpmbuild
# set SOURCE_DATE_EPOCH), else today
MAN_DATE := $(shell date -u -d "@$${SOURCE_DATE_EPOCH:-$$(date +%s)}" +%Y-%m-%d)
LIBFILE := libbpftune.so.$(VERSION)

# Man pages: docs/bpftune.8.md and each tuner's tuners/<t>/bpftune-<t>.8.md
MAN_SRCS := docs/bpftune.8.md $(sort $(wildcard tuners/*/bpftune-*.8.md))
MAN_PAGES := $(addprefix $(BUILD)/man/man8/,$(notdir $(MAN_SRCS:.md=)))
INSTALL_HEADERS := $(wildcard include/bpftune/*.h)

.PHONY: man pc unit pkg-files

man: $(MAN_PAGES)

# pandoc reads the page's YAML block (title, section, header, footer); the
# version and date are filled in here so the sources need no editing.
define man_rule
$(BUILD)/man/man8/$(notdir $(1:.md=)): $(1) include/bpftune/libbpftune.h
	@mkdir -p $$(@D)
	$$(PANDOC) -s -f markdown -t man -M footer="bpftune $(VERSION)" \
		-M date="$(MAN_DATE)" $$< -o $$@
endef
$(foreach m,$(MAN_SRCS),$(eval $(call man_rule,$(m))))

pc: $(BUILD)/libbpftune.pc
$(BUILD)/libbpftune.pc: packaging/libbpftune.pc.in include/bpftune/libbpftune.h
	@mkdir -p $(@D)
	sed -e 's|@prefix@|$(prefix)|g' -e 's|@libdir@|$(libdir)|g' \
	    -e 's|@includedir@|$(includedir)|g' -e 's|@version@|$(VERSION)|g' \
	    -e 's|@tunerdir@|$(BPFTUNE_LIBDIR)|g' \
	    -e 's|@localtunerdir@|$(localtunerdir)|g' $< > $@

unit: $(BUILD)/bpftune.service
$(BUILD)/bpftune.service: packaging/bpftune.service.in
	@mkdir -p $(@D)
	sed -e 's|@sbindir@|$(sbindir)|g' $< > $@

pkg-files: man pc unit

install: all pkg-files
	$(INSTALL) -d $(DESTDIR)$(sbindir) $(DESTDIR)$(libdir) \
		$(DESTDIR)$(BPFTUNE_LIBDIR) $(DESTDIR)$(includedir)/bpftune \
		$(DESTDIR)$(pkgconfigdir) $(DESTDIR)$(mandir)/man8 \
		$(DESTDIR)$(unitdir) $(DESTDIR)$(sysconfdir)/default
	$(INSTALL) -m 0755 $(BUILD)/bpftune $(DESTDIR)$(sbindir)/bpftune
	$(INSTALL) -m 0755 $(BUILD)/libbpftune.so $(DESTDIR)$(libdir)/$(LIBFILE)
	ln -sf $(LIBFILE) $(DESTDIR)$(libdir)/libbpftune.so.$(SOVERSION)
	ln -sf libbpftune.so.$(SOVERSION) $(DESTDIR)$(libdir)/libbpftune.so
	$(if $(TUNER_SOS),$(INSTALL) -m 0755 $(TUNER_SOS) $(DESTDIR)$(BPFTUNE_LIBDIR)/)
	$(INSTALL) -m 0644 $(INSTALL_HEADERS) $(DESTDIR)$(includedir)/bpftune/
	$(INSTALL) -m 0644 $(BUILD)/libbpftune.pc $(DESTDIR)$(pkgconfigdir)/
	$(INSTALL) -m 0644 $(MAN_PAGES) $(DESTDIR)$(mandir)/man8/
	$(INSTALL) -m 0644 $(BUILD)/bpftune.service $(DESTDIR)$(unitdir)/
	@# an administrator's edited settings survive a reinstall
	[ -e $(DESTDIR)$(sysconfdir)/default/bpftune ] || \
		$(INSTALL) -m 0644 packaging/bpftune.default \
			$(DESTDIR)$(sysconfdir)/default/bpftune

# Removes what install put there, and the tuner directory only if empty
# (tuners from other packages stay).  /etc/default/bpftune and the journal
# in /var/lib/bpftune are the administrator's and stay.
uninstall:
	rm -f $(DESTDIR)$(sbindir)/bpftune \
		$(DESTDIR)$(libdir)/$(LIBFILE) \
		$(DESTDIR)$(libdir)/libbpftune.so.$(SOVERSION) \
		$(DESTDIR)$(libdir)/libbpftune.so \
		$(addprefix $(DESTDIR)$(BPFTUNE_LIBDIR)/,$(notdir $(TUNER_SOS))) \
		$(addprefix $(DESTDIR)$(includedir)/bpftune/,$(notdir $(INSTALL_HEADERS))) \
		$(DESTDIR)$(pkgconfigdir)/libbpftune.pc \
		$(addprefix $(DESTDIR)$(mandir)/man8/,$(notdir $(MAN_PAGES))) \
		$(DESTDIR)$(unitdir)/bpftune.service
	-rmdir $(DESTDIR)$(BPFTUNE_LIBDIR) $(DESTDIR)$(includedir)/bpftune 2>/dev/null
