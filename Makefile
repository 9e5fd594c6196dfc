# bpftune build.  `make` builds everything into build/; `sudo make run`
# runs the daemon in the foreground; `sudo make test` runs every test.

BUILD ?= build
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
LLVM_STRIP ?= llvm-strip
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

prefix ?= /usr
sbindir ?= $(prefix)/sbin
libdir ?= $(prefix)/lib64
includedir ?= $(prefix)/include
mandir ?= $(prefix)/share/man
BPFTUNE_LIBDIR ?= $(libdir)/bpftune

PKGS := libbpf libcap libnl-3.0 libnl-route-3.0 json-c
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

CFLAGS ?= -g -O2
# -MMD: every object depends on the headers it really includes (.d files);
# hidden by default: libbpftune.so and the tuners export only what
# include/bpftune/libbpftune.h marks as the API.
CFLAGS += -Wall -Wextra -Werror -Wno-format-truncation -fPIC -fvisibility=hidden \
	  -MMD -MP -Iinclude -I$(BUILD) $(PKG_CFLAGS) \
	  -DBPFTUNE_LIBDIR='"$(BPFTUNE_LIBDIR)"'
LDFLAGS ?=
ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif
RPATH := -Wl,-rpath,'$$ORIGIN:$$ORIGIN/..:$(libdir)'

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Iinclude -I$(BUILD) \
	      -Wall -Werror -Wno-unused-function -MMD -MP

# The core: libbpftune.so, and for unit tests the same objects in a
# static archive (the .so exports only the tuner API).
LIB_SRCS := options.c log.c notify.c caps.c loop.c netns.c sysctl.c support.c \
	    journal_state.c journal.c journal_restore.c tuner.c tuner_netns.c \
	    assess.c change.c hook_tier.c bpfload.c cgroup.c plugin_check.c plugin.c \
	    plugin_watch.c \
	    tuner_helpers.c btf.c
LIB_OBJS := $(addprefix $(BUILD)/src/,$(LIB_SRCS:.c=.o))
# the daemon itself is in the library too; the program is a stub
DAEMON_OBJS := $(BUILD)/src/main.o
BIN_OBJS := $(BUILD)/src/bpftune.o
CORE_ARCHIVE := $(BUILD)/libbpftune-internal.a
LIB_MAP := src/libbpftune.map

# Every folder under tuners/ is a tuner: adding one touches no core file.
TUNERS := $(notdir $(patsubst %/,%,$(dir $(wildcard tuners/*/*.bpf.c))))
TUNER_SOS := $(foreach t,$(TUNERS),$(BUILD)/tuners/$(t)_tuner.so)
# every tuners/<t>/*.c (but the BPF side) is linked into <t>_tuner.so
tuner_srcs = $(filter-out %.bpf.c,$(wildcard tuners/$(1)/*.c))
tuner_objs = $(patsubst tuners/%.c,$(BUILD)/tuners/%.o,$(call tuner_srcs,$(1)))

HEADERS := $(wildcard include/bpftune/*.h) src/core.h

.PHONY: all clean run test unit deps install uninstall check-layers
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BUILD)/bpftune $(BUILD)/libbpftune.so $(TUNER_SOS)

# header dependencies recorded by -MMD
-include $(shell find $(BUILD) -path '$(BUILD)/pkg' -prune -o -type f -name '*.d' -print 2>/dev/null)

$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

# DWARF is dropped (BTF stays): skeletons embed the object in each tuner,
# and its debug sections were two thirds of every tuner's memory.
$(BUILD)/%.bpf.o: %.bpf.c $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -I$(dir $<) -c $< -o $@
	$(LLVM_STRIP) -g $@

$(BUILD)/src/probe.skel.h: $(BUILD)/src/probe.bpf.o
	$(BPFTOOL) gen skeleton $< name probe_bpf > $@

$(BUILD)/tuners/%.skel.h: $(BUILD)/tuners/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(notdir $*)_bpf > $@

$(BUILD)/src/support.o: $(BUILD)/src/probe.skel.h

$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(BUILD)/src -c $< -o $@

$(CORE_ARCHIVE): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $(filter %.o,$^)

$(BUILD)/libbpftune.so: $(LIB_OBJS) $(DAEMON_OBJS) $(LIB_MAP)
	$(CC) -shared $(LDFLAGS) -Wl,-soname,libbpftune.so.0 \
		-Wl,--version-script=$(LIB_MAP) -o $@ $(filter %.o,$^) $(PKG_LIBS)
	ln -sf libbpftune.so $(BUILD)/libbpftune.so.0

$(BUILD)/bpftune: $(BIN_OBJS) $(BUILD)/libbpftune.so
	$(CC) $(LDFLAGS) -o $@ $(BIN_OBJS) -L$(BUILD) -lbpftune $(RPATH)

# tuners/<t>/<t>.bpf.c + tuners/<t>/*.c -> build/tuners/<t>_tuner.so
define tuner_rules
$(call tuner_objs,$(1)): $(BUILD)/tuners/$(1)/%.o: tuners/$(1)/%.c $(BUILD)/tuners/$(1)/$(1).skel.h
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) -Ituners/$(1) -I$(BUILD)/tuners/$(1) -c $$< -o $$@
$(BUILD)/tuners/$(1)_tuner.so: $(call tuner_objs,$(1)) $(BUILD)/libbpftune.so
	$$(CC) -shared $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) -L$(BUILD) -lbpftune $$(PKG_LIBS) $$(RPATH)
endef
$(foreach t,$(TUNERS),$(eval $(call tuner_rules,$(t))))

deps:
	@scripts/deps.sh build

run: deps
	$(MAKE) all
	$(BUILD)/bpftune -s -l $(BUILD)/tuners $(RUN_ARGS)

test: deps
	@scripts/deps.sh test
	$(MAKE) all
	$(MAKE) -s unit-bins
	BUILD=$(abspath $(BUILD)) tests/run.sh $(TESTS)

# src/README.md lists the layers of the core; nothing uses a higher one
check-layers: all
	scripts/check-layers.sh src $(BUILD)/src

include tests/unit/unit.mk
# Further build fragments (test tools, packaging, VM tests, fuzzers...).
-include $(sort $(wildcard mk/*.mk))

clean:
	rm -rf $(BUILD)
