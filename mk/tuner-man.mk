# Tuner man pages: tuners/<t>/bpftune-<t>.8.md -> build/man/bpftune-<t>.8
# (pandoc).  `make tuner-man` builds them; not part of `all`, so a build
# without pandoc still works.
TUNER_MAN_SRCS := $(wildcard tuners/*/bpftune-*.8.md)
TUNER_MANS := $(patsubst %.8.md,$(BUILD)/man/%.8,$(notdir $(TUNER_MAN_SRCS)))

.PHONY: tuner-man
tuner-man: $(TUNER_MANS)

$(BUILD)/man/%.8: $(TUNER_MAN_SRCS)
	@mkdir -p $(@D)
	pandoc --standalone --to man $(filter %/$*.8.md,$(TUNER_MAN_SRCS)) -o $@
