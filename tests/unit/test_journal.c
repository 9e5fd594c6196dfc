// SPDX-License-Identifier: GPL-2.0
/* Journal: records survive reopen in the same boot, not across boots. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "../../src/core.h"
#include "unit.h"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static int count_lines(const char *path, const char *prefix)
{
	char line[512];
	int n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += !strncmp(line, prefix, strlen(prefix));
	fclose(f);
	return n;
}

int main(void)
{
	char dir[] = "/tmp/bpftune-unit-XXXXXX", boot[300], journal[300];

	if (!mkdtemp(dir))
		return 1;
	snprintf(boot, sizeof(boot), "%s/boot_id", dir);
	snprintf(journal, sizeof(journal), "%s/state/journal", dir);
	write_file(boot, "11111111-2222\n");
	bpftune_journal_set_boot_id_path(boot);

	char state[300];
	snprintf(state, sizeof(state), "%s/state", dir);
	CHECK(bpftune_journal_open(state) == 0);
	CHECK_EQ(count_lines(journal, "boot 11111111-2222"), 1);
	CHECK(!bpftune_journal_has(4097, "net.ipv4.tcp_rmem"));
	CHECK(bpftune_journal_record(4097, "net.ipv4.tcp_rmem", "4096\t131072\t262144") == 0);
	CHECK(bpftune_journal_has(4097, "net.ipv4.tcp_rmem"));
	CHECK(!bpftune_journal_has(4098, "net.ipv4.tcp_rmem"));
	/* the original is recorded once; later values never replace it */
	CHECK(bpftune_journal_record(4097, "net.ipv4.tcp_rmem", "1 2 3") == 0);
	CHECK_EQ(count_lines(journal, "4097 net.ipv4.tcp_rmem 4096 131072 262144"), 1);
	CHECK_EQ(count_lines(journal, "4097 "), 1);
	bpftune_journal_close();

	/* same boot: entries are loaded again and not duplicated */
	CHECK(bpftune_journal_open(state) == 0);
	CHECK(bpftune_journal_has(4097, "net.ipv4.tcp_rmem"));
	CHECK(bpftune_journal_record(4097, "net.ipv4.tcp_rmem", "9 9 9") == 0);
	CHECK_EQ(count_lines(journal, "4097 "), 1);
	bpftune_journal_close();

	/* a malformed line is skipped, the rest is kept */
	FILE *f = fopen(journal, "a");
	fputs("garbage\n4099 net.core.somaxconn 4096\n", f);
	fclose(f);
	CHECK(bpftune_journal_open(state) == 0);
	CHECK(bpftune_journal_has(4099, "net.core.somaxconn"));
	bpftune_journal_close();

	/* another boot: discarded */
	write_file(boot, "33333333-4444\n");
	CHECK(bpftune_journal_open(state) == 0);
	CHECK(!bpftune_journal_has(4097, "net.ipv4.tcp_rmem"));
	CHECK_EQ(count_lines(journal, "boot 33333333-4444"), 1);
	CHECK_EQ(count_lines(journal, "4097 "), 0);
	bpftune_journal_close();

	/* unreadable boot id: a clear error, not a crash */
	unlink(boot);
	CHECK(bpftune_journal_open(state) < 0);

	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return unit_report();
}
