// SPDX-License-Identifier: GPL-2.0
/*
 * Capabilities: after start-up only the capabilities bpftune needs stay in
 * the permitted set, and the effective set is empty except around
 * privileged operations (BPF load/attach, setns, sysctl writes).
 *
 *   CAP_BPF, CAP_PERFMON	load and attach tracing BPF programs
 *   CAP_SYS_ADMIN		setns() into other namespaces, fanotify,
 *				BPF on kernels without CAP_BPF
 *   CAP_NET_ADMIN		cgroup/sockops attach, net sysctls, netlink
 *   CAP_SYS_RESOURCE		raise RLIMIT_MEMLOCK on old kernels
 *   CAP_DAC_OVERRIDE		open files in the state and plugin directories
 *				when running as a dedicated user (net.* sysctls
 *				need CAP_NET_ADMIN; kernel.* and vm.* need uid 0
 *				whatever the capabilities: see bpftune(8))
 *   CAP_SYS_PTRACE		open /proc/<pid>/ns/net of other processes
 */
#include <errno.h>
#include <string.h>
#include <sys/capability.h>

#include "caps.h"
#include "log.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif

static const cap_value_t needed[] = {
	CAP_BPF,	  CAP_PERFMON,	    CAP_SYS_ADMIN,
	CAP_NET_ADMIN,	  CAP_SYS_RESOURCE, CAP_DAC_OVERRIDE,
	CAP_SYS_PTRACE,
};
static cap_value_t held[ARRAY_SIZE(needed)];
static int nheld;
static int raise_depth;
static bool caps_active;

static int set_effective(cap_flag_value_t value)
{
	cap_t caps = cap_get_proc();
	int err = 0;

	if (!caps)
		return -errno;
	if (nheld && cap_set_flag(caps, CAP_EFFECTIVE, nheld, held, value))
		err = -errno;
	else if (cap_set_proc(caps))
		err = -errno;
	cap_free(caps);
	return err;
}

int bpftune_caps_init(void)
{
	cap_t caps = cap_get_proc();
	cap_flag_value_t have;
	unsigned int i;
	int err = 0;

	if (!caps)
		return -errno;
	nheld = 0;
	for (i = 0; i < ARRAY_SIZE(needed); i++) {
		if (!CAP_IS_SUPPORTED(needed[i]))
			continue;
		if (cap_get_flag(caps, needed[i], CAP_PERMITTED, &have) ||
		    have != CAP_SET)
			continue;
		held[nheld++] = needed[i];
	}
	/* Keep only what we need in the permitted set; nothing effective. */
	cap_clear(caps);
	if (nheld && cap_set_flag(caps, CAP_PERMITTED, nheld, held, CAP_SET))
		err = -errno;
	else if (cap_set_proc(caps))
		err = -errno;
	cap_free(caps);
	if (err) {
		bpftune_warn("could not drop capabilities: %s", strerror(-err));
		return err;
	}
	caps_active = true;
	bpftune_debug("capabilities: %d kept in the permitted set", nheld);
	return 0;
}

void bpftune_cap_raise(void)
{
	if (!caps_active || raise_depth++ > 0)
		return;
	if (set_effective(CAP_SET))
		bpftune_warn("could not raise capabilities: %s", strerror(errno));
}

void bpftune_cap_lower(void)
{
	if (!caps_active || raise_depth == 0 || --raise_depth > 0)
		return;
	set_effective(CAP_CLEAR);
}
