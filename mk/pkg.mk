# make pkg: a .deb (bpftune, bpftune-dev) with dpkg-buildpackage, and an
# rpm where rpmbuild exists.  Both build from a copy of the source tree in
# $(BUILD)/pkg, so the working tree and its build/ are left alone.

PKG_DIR := $(BUILD)/pkg
PKG_SRC := $(PKG_DIR)/bpftune-$(VERSION)
DEB_VERSION := $(shell awk -F'[()]' 'NR == 1 {print $$2}' packaging/debian/changelog)
RPM_VERSION := $(shell sed -n 's/^Version:[[:space:]]*//p' packaging/bpftune.spec)

# On a Debian host the rpm database knows none of the BuildRequires (they
# are installed as .debs), so rpmbuild is told not to check them there.
RPMBUILD_FLAGS ?= $(if $(shell command -v dpkg-query 2>/dev/null),--nodeps)

.PHONY: pkg deb rpm pkg-src pkg-check-version

pkg: deb $(if $(shell command -v rpmbuild 2>/dev/null),rpm)

pkg-check-version:
	@[ "$(DEB_VERSION)" = "$(VERSION)" ] || { echo "packaging/debian/changelog says $(DEB_VERSION), libbpftune.h says $(VERSION)" >&2; exit 1; }
	@[ "$(RPM_VERSION)" = "$(VERSION)" ] || { echo "packaging/bpftune.spec says $(RPM_VERSION), libbpftune.h says $(VERSION)" >&2; exit 1; }

# the tree as it is (tracked or not), without build output and VCS data
pkg-src: pkg-check-version
	rm -rf $(PKG_DIR)
	mkdir -p $(PKG_SRC)
	tar -c --exclude=./.git --exclude='./build*' --exclude=./tests/vm/cache \
		--exclude='./bench/results' -f - . | tar -x -C $(PKG_SRC)
	cp -r packaging/debian $(PKG_SRC)/debian

deb: pkg-src
	cd $(PKG_SRC) && DEB_BUILD_OPTIONS="nocheck parallel=$$(nproc)" \
		dpkg-buildpackage -b -us -uc >../dpkg-buildpackage.log 2>&1 || \
		{ tail -40 ../dpkg-buildpackage.log >&2; exit 1; }
	@ls $(PKG_DIR)/*.deb

rpm: pkg-src
	rm -rf $(PKG_SRC)/debian
	mkdir -p $(PKG_DIR)/rpm/SOURCES
	tar -C $(PKG_DIR) -czf $(PKG_DIR)/rpm/SOURCES/bpftune-$(VERSION).tar.gz \
		bpftune-$(VERSION)
	rpmbuild -bb --define "_topdir $(abspath $(PKG_DIR)/rpm)" \
		$(RPMBUILD_FLAGS) packaging/bpftune.spec
	@find $(PKG_DIR)/rpm/RPMS -name '*.rpm'
