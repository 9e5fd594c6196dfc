// SPDX-License-Identifier: GPL-2.0
/*
 * The query socket, server side, in the daemon's event loop (the answers
 * are query_reply.c's, the client behind `bpftune -q` query_client.c's).
 *
 * Protocol: the client sends one line of at most BPFTUNE_QUERY_MAX bytes
 * (or the bytes before it shuts down its sending side); the daemon answers
 * with text or JSON and closes the connection.  Every socket is
 * non-blocking and each client has QUERY_CLIENT_MS to send its request and
 * take the answer, so a silent or slow client costs a file descriptor for
 * a moment, never the daemon's attention.
 *
 * Listeners and clients are fds of the daemon's one event loop (loop.c):
 * a client waits for EPOLLIN, or EPOLLOUT while the kernel cannot take
 * all of its answer at once; one loop timer ticks while there are
 * clients to time out or the listeners rest.
 *
 * Denial of service: the UNIX socket (root only) and the TCP port (any
 * local user) have separate client limits, so a flood on the port cannot
 * lock root out.  status and rollback scan /proc and enter every
 * namespace; their answers are shared from a cache (query_cache.c).
 * When accept() fails for want of
 * file descriptors the listeners rest for a tick instead of waking the
 * loop again at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "query.h"

#define QUERY_CLIENT_MS 2000
#define QUERY_MAX_UNIX_CLIENTS 32
#define QUERY_MAX_TCP_CLIENTS 16
/*
 * Accept queue: a burst beyond it waits for the kernel's SYN-ACK retry
 * (1 s and more) and then may be admitted after clients that should have
 * been turned away at once; 128 keeps a burst of a few times the limits
 * queued until the loop accepts and answers (admits or refuses) each.
 */
#define QUERY_LISTEN_BACKLOG 128
#define QUERY_TICK_MS 200

struct qclient {
	struct qclient *next;
	int fd;
	bool tcp;
	bool replying;
	bool draining; /* answered; reading what is left until the client closes */
	bool eof;      /* the client shut down its sending side */
	char in[BPFTUNE_QUERY_MAX + 1];
	size_t inlen;
	struct bpftune_qbuf out;
	struct qshared *shared; /* the answer, when it comes from the cache */
	size_t sent;
	long long deadline_ms;
};

static int unix_fd = -1;
static int tcp_fd = -1;
static int tick_id = -1; /* a loop timer */
static bool ticking;
static struct qclient *clients;
static unsigned int nclients;
static unsigned int nclients_of[2]; /* [tcp] */
static bool accept_paused;
static int accept_err; /* last accept() failure; logged once */
static int tcp_port_bound;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static ino_t sock_ino;

/* Build the answer to one request; a shared answer, for status and
 * rollback, goes to *shared. */
static void answer(struct bpftune_qbuf *b, struct qshared **shared,
		   const char *req, size_t len, bool over_tcp)
{
	struct bpftune_query q;
	char err[160];

	if (bpftune_query_parse(req, len, &q, err, sizeof(err))) {
		query_reply_error(b, q.json, "%s", err);
		return;
	}
	if (over_tcp && bpftune_query_mutates(q.kind)) {
		query_reply_error(b, q.json, "'%s' is accepted on the UNIX socket only",
				  q.word);
		return;
	}
	if (q.kind == BPFTUNE_Q_STATUS || q.kind == BPFTUNE_Q_ROLLBACK)
		*shared = query_cached_answer(&q);
	if (!*shared)
		query_answer(b, &q);
}

/* ------------------------------------------------------------- clients */

static void client_close(struct qclient *c)
{
	struct qclient **pp;

	for (pp = &clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	bpftune_loop_del_fd(c->fd);
	close(c->fd);
	qbuf_free(&c->out);
	query_shared_put(c->shared);
	nclients--;
	nclients_of[c->tcp]--;
	free(c);
}

static void set_ticking(bool on)
{
	unsigned int ms = on ? QUERY_TICK_MS : 0;

	if (on == ticking)
		return;
	if (!bpftune_timer_arm(tick_id, ms, ms))
		ticking = on;
}

/* Nothing left to time out and the listeners armed: the tick rests. */
static void tick_idle(void)
{
	if (!nclients && !accept_paused)
		set_ticking(false);
}

/* Send what the socket takes; true when the client is finished with. */
static bool client_send(struct qclient *c)
{
	const struct bpftune_qbuf *out = c->shared ? &c->shared->b : &c->out;
	ssize_t n;

	while (c->sent < out->len) {
		n = send(c->fd, out->data + c->sent, out->len - c->sent,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return false;
			/* EPIPE, ECONNRESET: the client left; nothing lost */
			bpftune_debug("query client left mid-reply: %s",
				      strerror(errno));
			return true;
		}
		c->sent += (size_t)n;
	}
	return true;
}

/*
 * Answer sent.  Closing now while request bytes we did not read are still
 * queued would make the kernel reset the connection and the client could
 * lose the answer (say, "request too long"); so signal the end of the
 * answer and discard input until the client closes (or its time is up).
 */
static void client_done(struct qclient *c)
{
	if (c->eof || shutdown(c->fd, SHUT_WR) ||
	    bpftune_loop_mod_fd(c->fd, EPOLLIN)) {
		client_close(c);
		return;
	}
	c->replying = false;
	c->draining = true;
}

static void client_drain(struct qclient *c)
{
	char scratch[1024];
	ssize_t n;

	do {
		n = recv(c->fd, scratch, sizeof(scratch), MSG_DONTWAIT);
	} while (n > 0 || (n < 0 && errno == EINTR));
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	client_close(c);
}

static void client_reply(struct qclient *c, size_t reqlen)
{
	answer(&c->out, &c->shared, c->in, reqlen, c->tcp);
	c->replying = true;
	if (client_send(c)) {
		client_done(c);
		return;
	}
	if (bpftune_loop_mod_fd(c->fd, EPOLLOUT))
		client_close(c);
}

static void client_read(struct qclient *c)
{
	char *nl;
	ssize_t n;

	for (;;) {
		/* one byte more than the limit tells "too long" apart */
		n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen,
			 MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			client_close(c);
			return;
		}
		if (n == 0) {
			/* end of request without newline */
			c->eof = true;
			if (c->inlen)
				client_reply(c, c->inlen);
			else
				client_close(c);
			return;
		}
		c->inlen += (size_t)n;
		nl = memchr(c->in, '\n', c->inlen);
		if (nl) {
			client_reply(c, (size_t)(nl - c->in) + 1);
			return;
		}
		if (c->inlen == sizeof(c->in)) {
			client_reply(c, c->inlen); /* the parser says too long */
			return;
		}
	}
}

static void listeners_arm(bool on)
{
	unsigned int events = on ? EPOLLIN : 0;

	if (unix_fd >= 0)
		bpftune_loop_mod_fd(unix_fd, events);
	if (tcp_fd >= 0)
		bpftune_loop_mod_fd(tcp_fd, events);
	accept_paused = !on;
}

/* accept() failed: out of fds or memory means the pending connection
 * stays queued and the listener stays readable; rest until the next tick
 * rather than spin. */
static void accept_failed(int err)
{
	if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR ||
	    err == ECONNABORTED || err == EPROTO)
		return; /* nothing queued, or a connection that already went */
	if (err != accept_err)
		bpftune_warn("query: cannot accept connections: %s; retrying every %d ms",
			     strerror(err), QUERY_TICK_MS);
	accept_err = err;
	listeners_arm(false);
	set_ticking(true);
}

static unsigned int client_limit(bool tcp)
{
	return tcp ? QUERY_MAX_TCP_CLIENTS : QUERY_MAX_UNIX_CLIENTS;
}

/* A client's fd: readable, writable again, or in error.  An entry the
 * loop dropped (client_close()) is never called, so c is alive here. */
static void on_client(int fd, unsigned int events, void *ctx)
{
	struct qclient *c = ctx;

	(void)fd;
	if (c->draining) {
		client_drain(c);
	} else if (c->replying) {
		if (events & EPOLLERR)
			client_close(c);
		else if (client_send(c))
			client_done(c);
	} else {
		client_read(c);
	}
	tick_idle();
}

static void client_accept(int lfd, bool tcp)
{
	struct qclient *c;
	int fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			accept_failed(errno);
			return;
		}
		if (accept_err) {
			bpftune_info("query: accepting connections again");
			accept_err = 0;
		}
		if (nclients_of[tcp] >= client_limit(tcp)) {
			static const char busy[] = "error: too many query clients; try again\n";

			if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				bpftune_debug("query client gone before busy reply");
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->tcp = tcp;
		c->deadline_ms = bpftune_now_ms() + QUERY_CLIENT_MS;
		if (bpftune_loop_add_fd(fd, on_client, c)) {
			close(fd);
			free(c);
			continue;
		}
		c->next = clients;
		clients = c;
		nclients++;
		nclients_of[tcp]++;
		set_ticking(true);
	}
}

static void on_tick(void *ctx)
{
	long long now = bpftune_now_ms();
	struct qclient *c, *next;

	(void)ctx;
	if (accept_paused)
		listeners_arm(true);
	for (c = clients; c; c = next) {
		next = c->next;
		if (c->deadline_ms > now)
			continue;
		bpftune_debug("query client %s after %d ms; closed",
			      c->draining ? "kept the connection open" :
			      c->replying ? "did not take its answer" :
					    "sent no complete request",
			      QUERY_CLIENT_MS);
		client_close(c);
	}
	tick_idle();
}

static void on_listener(int fd, unsigned int events, void *ctx)
{
	(void)events;
	(void)ctx;
	client_accept(fd, fd == tcp_fd);
	tick_idle();
}

static int watch(int fd)
{
	return bpftune_loop_add_fd(fd, on_listener, NULL);
}

/* A socket file left by a daemon that died can go; a live one cannot. */
static int clear_stale(const struct sockaddr_un *addr)
{
	struct stat st;
	int fd, err;

	if (lstat(addr->sun_path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		bpftune_err("query socket %s exists and is not a socket",
			    addr->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	close(fd);
	if (!err) {
		bpftune_err("another bpftune answers on %s", addr->sun_path);
		return -EADDRINUSE;
	}
	return unlink(addr->sun_path) ? -errno : 0;
}

static int make_dir_for(const char *path)
{
	char dir[sizeof(sock_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int listen_unix(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char cwd[PATH_MAX] = "";
	struct stat st;
	mode_t old_mask;
	int fd, err, n;

	/* -D changes to /: a relative path must still name the same file
	 * when the socket is removed at exit */
	if (path[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		return -errno;
	n = snprintf(addr.sun_path, sizeof(addr.sun_path), "%s%s%s", cwd,
		     cwd[0] ? "/" : "", path);
	if (n < 0 || (size_t)n >= sizeof(addr.sun_path)) {
		bpftune_err("query socket path %s is longer than %zu bytes", path,
			    sizeof(addr.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	path = addr.sun_path;
	err = make_dir_for(path);
	if (!err)
		err = clear_stale(&addr);
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* root only: the socket is created 0600, never briefly wider */
	old_mask = umask(0177);
	err = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ? -errno : 0;
	umask(old_mask);
	if (!err && (chmod(path, 0600) || listen(fd, QUERY_LISTEN_BACKLOG)))
		err = -errno;
	if (!err && stat(path, &st))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	snprintf(sock_path, sizeof(sock_path), "%s", path);
	sock_ino = st.st_ino;
	unix_fd = fd;
	return watch(fd);
}

/*
 * The TCP port is bound first thing at start-up (main.c), so that nothing
 * takes it while the daemon loads its tuners.  Losing it to another
 * process is a warning: tuning and the UNIX socket go on, and a service
 * manager is not sent into a restart loop.
 */
void bpftune_query_bind_tcp(int port)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd, one = 1, err = 0;

	if (tcp_port_bound)
		return;
	tcp_port_bound = port;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err = errno;
	else if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		 bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
		 listen(fd, QUERY_LISTEN_BACKLOG))
		err = errno;
	if (err) {
		bpftune_warn("cannot listen on 127.0.0.1:%d: %s; queries over TCP are off",
			     port, strerror(err));
		if (fd >= 0)
			close(fd);
		return;
	}
	tcp_fd = fd;
}

int bpftune_query_init(const char *path, int tcp_port)
{
	int err;

	tick_id = bpftune_timer_new(on_tick, NULL);
	if (tick_id < 0)
		return tick_id;
	err = listen_unix(path);
	if (err) {
		bpftune_err("cannot listen on query socket %s: %s", path,
			    strerror(-err));
		goto err;
	}
	if (tcp_port > 0)
		bpftune_query_bind_tcp(tcp_port);
	if (tcp_fd >= 0) {
		err = watch(tcp_fd);
		if (err)
			goto err;
	}
	if (tcp_fd >= 0)
		bpftune_info("answering queries on %s and 127.0.0.1:%d", path,
			     tcp_port_bound);
	else
		bpftune_info("answering queries on %s", path);
	return 0;
err:
	bpftune_query_fini();
	return err;
}

void bpftune_query_fini(void)
{
	struct stat st;

	while (clients)
		client_close(clients);
	if (tick_id >= 0)
		bpftune_timer_del(tick_id);
	if (unix_fd >= 0) {
		bpftune_loop_del_fd(unix_fd);
		close(unix_fd);
		/* only our own socket file: another daemon may own the path now */
		if (!stat(sock_path, &st) && st.st_ino == sock_ino)
			unlink(sock_path);
	}
	if (tcp_fd >= 0) {
		bpftune_loop_del_fd(tcp_fd);
		close(tcp_fd);
	}
	unix_fd = tcp_fd = tick_id = -1;
	ticking = false;
	accept_paused = false;
	accept_err = 0;
	tcp_port_bound = 0;
	query_cache_clear();
}

