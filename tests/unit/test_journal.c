// SPDX-License-Identifier: GPL-2.0
/*
 * Journal: records survive reopen in the same boot, not across boots; a
 * torn or damaged line is dropped, not glued onto the next record; the
 * latest write is kept next to the original; one daemon per state
 * directory; a state directory or journal others could write is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

static void append_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "a");

	fputs(text, f);
	fclose(f);
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

/* A line cut short (power loss, full disk) is dropped and cut off. */
static void test_torn(const char *state, const char *journal)
{
	long whole = file_size(journal);

	append_text(journal, "o 5000 net.core.somaxconn 40");
	CHECK(bpftune_journal_open(state) == 0);
	CHECK(!bpftune_journal_has(5000, "net.core.somaxconn"));
	CHECK_EQ(file_size(journal), whole);
	/* the next record is a line of its own, read back whole */
	CHECK(bpftune_journal_record(5001, "net.core.somaxconn", "128") == 0);
	bpftune_journal_close();
	CHECK(bpftune_journal_open(state) == 0);
	CHECK(bpftune_journal_has(5001, "net.core.somaxconn"));
	CHECK(!bpftune_journal_has(5000, "net.core.somaxconn"));
	CHECK(bpftune_journal_has(4097, "net.ipv4.tcp_rmem"));
	bpftune_journal_close();
}

/* A whole line whose hash does not match, or holding a NUL, is skipped. */
static void test_damaged(const char *state, const char *journal)
{
	FILE *f;

	append_text(journal, "o 5002 net.core.somaxconn 999 #00000000\n");
	f = fopen(journal, "a");
	fwrite("o 5003 net.core.so\0axconn 1 #12345678\n", 1, 38, f);
	fclose(f);
	CHECK(bpftune_journal_open(state) == 0);
	CHECK(!bpftune_journal_has(5002, "net.core.somaxconn"));
	CHECK(!bpftune_journal_has(5003, "net.core.so"));
	CHECK(bpftune_journal_has(5001, "net.core.somaxconn"));
	/* the latest write is kept with the original, across a reopen */
	CHECK(bpftune_journal_wrote(5001, "net.core.somaxconn", "160") == 0);
	CHECK(bpftune_journal_wrote(5001, "net.core.somaxconn", "200") == 0);
	CHECK(bpftune_journal_wrote(5999, "net.core.somaxconn", "1") == -ENOENT);
	bpftune_journal_close();
	CHECK_EQ(count_lines(journal, "w 5001 net.core.somaxconn 200 #"), 1);
	CHECK(bpftune_journal_open(state) == 0);
	CHECK_STR(bpftune_journal_original(5001, "net.core.somaxconn"), "128");
	bpftune_journal_close();
}

/* A second opener of the same state directory is refused. */
static void test_lock(const char *state)
{
	int status = -1;
	pid_t pid;

	CHECK(bpftune_journal_open(state) == 0);
	pid = fork();
	if (pid == 0)
		_exit(bpftune_journal_open(state) == -EBUSY ? 0 : 1);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	bpftune_journal_close();
	/* free again once closed */
	CHECK(bpftune_journal_open(state) == 0);
	bpftune_journal_close();
}

/* Many writes of one tunable: the file is rewritten small. */
static void test_compact(const char *state, const char *journal)
{
	char value[32];
	int i, failed = 0;

	CHECK(bpftune_journal_open(state) == 0);
	for (i = 0; i < 10000; i++) {
		snprintf(value, sizeof(value), "%d", 1000 + i);
		failed += !!bpftune_journal_wrote(5001, "net.core.somaxconn",
						  value);
	}
	CHECK_EQ(failed, 0);
	bpftune_journal_close();
	CHECK(count_lines(journal, "w ") < 3000);
	CHECK_EQ(count_lines(journal, "w 5001 net.core.somaxconn 10999 #"), 1);
	CHECK(bpftune_journal_open(state) == 0);
	CHECK_STR(bpftune_journal_original(5001, "net.core.somaxconn"), "128");
	CHECK_STR(bpftune_journal_original(4097, "net.ipv4.tcp_rmem"),
		  "4096 131072 262144");
	bpftune_journal_close();
}

/* Others must not be able to write what the journal trusts. */
static void test_trust(const char *dir, const char *state,
		       const char *journal)
{
	char other[300];

	CHECK(chmod(state, 0777) == 0);
	CHECK(bpftune_journal_open(state) == -EPERM);
	CHECK(chmod(state, 0700) == 0);
	CHECK(chmod(journal, 0666) == 0);
	CHECK(bpftune_journal_open(state) == -EPERM);
	CHECK(chmod(journal, 0600) == 0);
	/* a hard link elsewhere: truncating it would truncate that file */
	snprintf(other, sizeof(other), "%s/other", dir);
	CHECK(link(journal, other) == 0);
	CHECK(bpftune_journal_open(state) == -EPERM);
	CHECK(unlink(other) == 0);
	/* a symlink, to a file bpftune would otherwise truncate */
	append_text(other, "precious\n");
	CHECK(unlink(journal) == 0);
	CHECK(symlink(other, journal) == 0);
	CHECK(bpftune_journal_open(state) < 0);
	CHECK_EQ(file_size(other), 9);
	CHECK(unlink(journal) == 0);
	if (geteuid() == 0) {
		/* another user's directory */
		CHECK(chown(state, 65534, 65534) == 0);
		CHECK(bpftune_journal_open(state) == -EPERM);
		CHECK(chown(state, 0, 0) == 0);
	}
	CHECK(bpftune_journal_open(state) == 0);
	bpftune_journal_close();
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
	CHECK_EQ(count_lines(journal, "o 4097 net.ipv4.tcp_rmem 4096 131072 262144 #"), 1);
	CHECK_EQ(count_lines(journal, "o 4097 "), 1);
	bpftune_journal_close();

	/* same boot: entries are loaded again and not duplicated */
	CHECK(bpftune_journal_open(state) == 0);
	CHECK(bpftune_journal_has(4097, "net.ipv4.tcp_rmem"));
	CHECK(bpftune_journal_record(4097, "net.ipv4.tcp_rmem", "9 9 9") == 0);
	CHECK_EQ(count_lines(journal, "o 4097 "), 1);
	CHECK_STR(bpftune_journal_original(4097, "net.ipv4.tcp_rmem"),
		  "4096 131072 262144");
	CHECK(bpftune_journal_original(4098, "net.ipv4.tcp_rmem") == NULL);
	bpftune_journal_close();

	test_torn(state, journal);
	test_damaged(state, journal);
	test_lock(state);
	test_compact(state, journal);
	test_trust(dir, state, journal);

	/* a malformed line is skipped, the rest is kept (the earlier
	 * format, without tag and hash, is an original) */
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
	CHECK_EQ(count_lines(journal, "o 4097 "), 0);
	bpftune_journal_close();

	/* unreadable boot id: a clear error, not a crash */
	unlink(boot);
	CHECK(bpftune_journal_open(state) < 0);

	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return unit_report();
}
