// SPDX-License-Identifier: GPL-2.0
/*
 * The bpftune program.  The daemon lives in libbpftune.so (src/main.c),
 * so that it and the tuners it loads share one copy of the core, and the
 * library needs to export nothing but the tuner API and this entry.
 */
int bpftune_daemon_main(int argc, char **argv);

int main(int argc, char **argv)
{
	return bpftune_daemon_main(argc, argv);
}
