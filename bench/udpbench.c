/*
 * bench/udpbench.c - 64-byte UDP sends and TCP connects, timed in long-lived
 * workers, and the helpers around them, for bench/run.
 *
 *   udpbench sink ADDR PORT
 *       bind a UDP socket with the smallest receive buffer and never read
 *       it (arrivals are dropped at the full queue: the same small work for
 *       every packet, and no reader competing for the CPUs); "ready", then
 *       wait until killed.
 *   udpbench worker ADDR UDPPORT TCPPORT [--cgroup DIR] [--seccomp FILE]
 *       a worker for bench/interleave.c: join cgroup DIR (its sockets then
 *       carry DIR's programs), install the seccomp filters of FILE (below),
 *       make one connected and one unconnected UDP socket to ADDR:UDPPORT,
 *       print "ready seccomp=FILTERS cgroup=PATH", then answer each line
 *       "MODE N" on stdin with "WALL_NS CPU_NS" for N of:
 *           conn      send() of 64 bytes on the connected socket
 *           unconn    sendto() of 64 bytes to ADDR:UDPPORT
 *           connect   TCP socket, SO_LINGER {1, 0}, connect to
 *                     ADDR:TCPPORT, close (as connbench client)
 *       CPU is this thread's CPU time, which here includes the receive path
 *       that the kernel runs inline on the sender's CPU (the peer is a veth
 *       away).  Any failure answers "error TEXT" and ends the worker: a
 *       refused send must not pass for a fast one.
 *   udpbench send ADDR PORT
 *       one 64-byte datagram; exit 0, or 1 with the error (bench/run
 *       checks that --block-host refuses the host's own address).
 *   udpbench hold
 *       print "cgroup PATH" (our cgroup v2 path) and wait for EOF on stdin:
 *       bench/run starts it under `jail-ai run` to find the jail's cgroup
 *       and CMD's process.
 *   udpbench seccomp-dump PID FILE        (root)
 *       write the seccomp filters of process PID to FILE, oldest first, as
 *       "u32 count, count x struct sock_filter" records
 *       (PTRACE_SECCOMP_GET_FILTER), so that the seccomp row measures
 *       exactly the filter `jail-ai run` gives CMD, whatever it is.
 *
 * Privilege: none, except seccomp-dump (CAP_SYS_ADMIN, ptrace) and
 * --cgroup (write access to DIR/cgroup.procs).  Inputs: the command line,
 * FILE and the lines on stdin, all from bench/run and interleave.  IPv4,
 * numeric addresses.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif

#define PAYLOAD 64
#define MAXINSN 4096	/* BPF_MAXINSNS */
#define MAXFILTERS 32

static int parse(const char *a, const char *p, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)atoi(p));
	return inet_pton(AF_INET, a, &sin->sin_addr) == 1 ? 0 : -1;
}

static int sink(const struct sockaddr_in *sin)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), small = 1;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small,
	    sizeof(small)) < 0 || bind(fd, (const void *)sin,
	    sizeof(*sin)) < 0) {
		perror("udpbench sink");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

static double now(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* n sends; 0 or -errno of the first failure. */
static int burst(int fd, const struct sockaddr_in *to, long n)
{
	static const char buf[PAYLOAD];
	long i;

	for (i = 0; i < n; i++)
		if (sendto(fd, buf, sizeof(buf), 0, (const void *)to,
		    to ? sizeof(*to) : 0) != (ssize_t)sizeof(buf))
			return -errno;
	return 0;
}

/* n x (socket, SO_LINGER {1, 0} so no TIME_WAIT piles up, connect, close) */
static int connects(const struct sockaddr_in *to, long n)
{
	struct linger lg = { 1, 0 };
	long i;
	int fd, r;

	for (i = 0; i < n; i++) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		r = setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		if (r == 0)
			r = connect(fd, (const void *)to, sizeof(*to));
		r = r < 0 ? -errno : 0;
		close(fd);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The filters of FILE, oldest first, as seccomp-dump wrote them. */
static int install_filters(const char *file)
{
	static struct sock_filter f[MAXINSN];
	struct sock_fprog prog;
	uint32_t count;
	int fd = open(file, O_RDONLY | O_CLOEXEC), n = 0;

	if (fd < 0)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		goto fail;
	while (read(fd, &count, sizeof(count)) == sizeof(count)) {
		if (count == 0 || count > MAXINSN || ++n > MAXFILTERS) {
			errno = EINVAL;
			goto fail;
		}
		if (read(fd, f, count * sizeof(f[0])) !=
		    (ssize_t)(count * sizeof(f[0]))) {
			errno = EINVAL;
			goto fail;
		}
		prog.len = (unsigned short)count;
		prog.filter = f;
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
			goto fail;
	}
	close(fd);
	return n > 0 ? 0 : -ENOENT;
fail:
	n = -errno;
	close(fd);
	return n;
}

static int join_cgroup(const char *dir)
{
	char path[4096];
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "0", 1) != 1)
		r = -errno;
	close(fd);
	return r;
}

/* "KEY:\tVALUE" of /proc/self/status (or cgroup's "0::PATH"), or "?". */
static void self_field(const char *file, const char *key, char *out,
    size_t outlen)
{
	char buf[8192];
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t len = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	size_t kl = strlen(key);
	char *p;

	snprintf(out, outlen, "?");
	if (fd >= 0)
		close(fd);
	if (len <= 0)
		return;
	buf[len] = '\0';
	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, kl) == 0) {
			p += kl + strspn(p + kl, " \t");
			snprintf(out, outlen, "%.*s", (int)strcspn(p, "\n"), p);
			return;
		}
}

struct wsock {
	struct sockaddr_in udp, tcp;
	int conn, unconn;
};

static int wsock_open(struct wsock *ws)
{
	ws->unconn = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ws->conn = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ws->unconn < 0 || ws->conn < 0 || connect(ws->conn,
	    (const void *)&ws->udp, sizeof(ws->udp)) < 0)
		return -errno;
	return 0;
}

/* One "MODE N" request: the work timed, or -errno / -EINVAL. */
static int serve_one(const struct wsock *ws, const char *line)
{
	char m[16];
	long n;
	double t0, c0, t1, c1;
	int r;

	if (sscanf(line, "%15s %ld", m, &n) != 2 || n <= 0)
		return -EINVAL;
	t0 = now(CLOCK_MONOTONIC);
	c0 = now(CLOCK_THREAD_CPUTIME_ID);
	if (strcmp(m, "conn") == 0)
		r = burst(ws->conn, NULL, n);
	else if (strcmp(m, "unconn") == 0)
		r = burst(ws->unconn, &ws->udp, n);
	else if (strcmp(m, "connect") == 0)
		r = connects(&ws->tcp, n);
	else
		r = -EINVAL;
	c1 = now(CLOCK_THREAD_CPUTIME_ID);
	t1 = now(CLOCK_MONOTONIC);
	if (r == 0)
		printf("%.0f %.0f\n", (t1 - t0) * 1e9, (c1 - c0) * 1e9);
	return r;
}

static int worker(int argc, char **argv)
{
	struct wsock ws;
	char line[128], filters[32], cg[512];
	const char *cgroup = NULL, *seccomp = NULL;
	int i, r;

	if (argc < 5 || parse(argv[2], argv[3], &ws.udp) < 0 ||
	    parse(argv[2], argv[4], &ws.tcp) < 0)
		return 100;
	for (i = 5; i + 1 < argc; i += 2)
		if (strcmp(argv[i], "--cgroup") == 0)
			cgroup = argv[i + 1];
		else if (strcmp(argv[i], "--seccomp") == 0)
			seccomp = argv[i + 1];
		else
			return 100;
	if (i != argc)
		return 100;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((cgroup && (r = join_cgroup(cgroup)) < 0) ||
	    (seccomp && (r = install_filters(seccomp)) < 0) ||
	    (r = wsock_open(&ws)) < 0) {
		printf("error setup: %s\n", strerror(-r));
		return 1;
	}
	self_field("/proc/self/status", "Seccomp_filters:", filters,
	    sizeof(filters));
	self_field("/proc/self/cgroup", "0::", cg, sizeof(cg));
	printf("ready seccomp=%s cgroup=%s\n", filters, cg);
	while (fgets(line, sizeof(line), stdin))
		if ((r = serve_one(&ws, line)) < 0) {
			printf("error %s", line);
			fprintf(stderr, "udpbench worker: %s", line);
			fprintf(stderr, "udpbench worker: %s\n", strerror(-r));
			return 1;
		}
	return 0;
}

static int hold(void)
{
	char cg[512], buf[64];

	self_field("/proc/self/cgroup", "0::", cg, sizeof(cg));
	printf("cgroup %s\n", cg);
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	return 0;
}

static int send_one(const char *addr, const char *port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	if (parse(addr, port, &sin) < 0)
		return 100;
	r = fd < 0 ? -errno : burst(fd, &sin, 1);
	if (r < 0)
		fprintf(stderr, "udpbench send %s: %s\n", addr, strerror(-r));
	return r < 0;
}

/* Append filter idx of the stopped pid to fd; 0, -ENOENT past the last. */
static int dump_one(pid_t pid, long idx, int fd)
{
	static struct sock_filter f[MAXINSN];
	long n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)idx, NULL);
	uint32_t count;

	if (n < 0)
		return -errno;
	if (n == 0 || n > MAXINSN)
		return -EINVAL;
	if (ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)idx, f) != n)
		return -EIO;
	count = (uint32_t)n;
	if (write(fd, &count, sizeof(count)) != sizeof(count) ||
	    write(fd, f, (size_t)n * sizeof(f[0])) !=
	    (ssize_t)((size_t)n * sizeof(f[0])))
		return -EIO;
	return 0;
}

/* Index 0 is the newest filter: write from the highest index down. */
static int seccomp_dump(pid_t pid, const char *file)
{
	int fd, st, r = 0;
	long idx, last = -1;

	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0 ||
	    waitpid(pid, &st, __WALL) < 0)
		return -errno;
	while (last + 1 < MAXFILTERS && ptrace(PTRACE_SECCOMP_GET_FILTER, pid,
	    (void *)(last + 1), NULL) > 0)
		last++;
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		r = -errno;
	for (idx = last; fd >= 0 && r == 0 && idx >= 0; idx--)
		r = dump_one(pid, idx, fd);
	if (fd >= 0)
		close(fd);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	if (r == 0 && last < 0)
		r = -ENOENT;	/* no filter at all: nothing to measure */
	return r;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin;
	int r;

	if (argc == 4 && strcmp(argv[1], "sink") == 0 &&
	    parse(argv[2], argv[3], &sin) == 0)
		return sink(&sin);
	if (argc >= 2 && strcmp(argv[1], "worker") == 0 &&
	    (r = worker(argc, argv)) != 100)
		return r;
	if (argc == 4 && strcmp(argv[1], "send") == 0 &&
	    (r = send_one(argv[2], argv[3])) != 100)
		return r;
	if (argc == 2 && strcmp(argv[1], "hold") == 0)
		return hold();
	if (argc == 4 && strcmp(argv[1], "seccomp-dump") == 0) {
		r = seccomp_dump((pid_t)atoi(argv[2]), argv[3]);
		if (r < 0)
			fprintf(stderr, "udpbench: seccomp-dump %s: %s\n",
			    argv[2], strerror(-r));
		return r < 0;
	}
	fprintf(stderr, "usage: udpbench sink ADDR PORT | worker ADDR UDPPORT "
	    "TCPPORT [--cgroup DIR] [--seccomp FILE] | send ADDR PORT | hold "
	    "| seccomp-dump PID FILE\n");
	return 100;
}
