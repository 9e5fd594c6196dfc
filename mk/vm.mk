# VM suite: the integration tests on Debian's 6.1 kernel under QEMU, once
# per attach tier (fentry, tracepoint, kprobe).  Needs root and
# qemu-system-x86; fetches the kernel into tests/vm/cache/.
#	make test-vm [VM_TESTS="path..."] [VM_TIERS="fentry kprobe"]
.PHONY: test-vm

test-vm: deps
	@scripts/deps.sh test vm
	$(MAKE) all
	BUILD=$(abspath $(BUILD)) VM_TIERS="$(VM_TIERS)" tests/vm/suite.sh $(VM_TESTS)
