/*
 * tests/probe.c - the network and escape client the kernel tests run inside a jail.
 *
 * Runs with whatever privilege the test gives it (root or an unprivileged uid inside
 * `jail-ai run`, or plain root for control runs).  Its inputs are the test's own
 * argv; numeric addresses only (inet_pton), IPv6 with an optional %ifname scope.
 *
 * One line of output per attempt; "ok" or the errno's name.  Exit status:
 *   0 success, 1 refused with EPERM, 2 failed with another errno, 100 bad usage.
 * `detach` and `escape` exit 0 when the forbidden thing happened and 1 when it did not.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <ftw.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/sched.h>
#include <sys/wait.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif

#define EXIT_OK		0
#define EXIT_EPERM	1
#define EXIT_OTHER	2
#define EXIT_USAGE	100
#define TIMEOUT_MS	2000

#ifdef __GLIBC__
static const char *errname(int e)
{
	const char *s = strerrorname_np(e);

	return s ? s : "EUNKNOWN";
}
#else
/* musl (the aarch64 build for scripts/vm-test) has no strerrorname_np. */
static const char *errname(int e)
{
#define N(x) case x: return #x;
	switch (e) {
	N(EPERM) N(EACCES) N(ECONNREFUSED) N(ENETUNREACH) N(EHOSTUNREACH)
	N(EINVAL) N(ETIMEDOUT) N(EAFNOSUPPORT) N(EPROTONOSUPPORT) N(ENOENT)
	N(EADDRNOTAVAIL) N(EADDRINUSE) N(ENOSYS) N(EOPNOTSUPP) N(EBADF)
	N(EINPROGRESS) N(ENODEV) N(ESOCKTNOSUPPORT) N(EROFS) N(EAGAIN)
	}
#undef N
	return "EUNKNOWN";
}
#endif

/* Print the errno's name and map it to the exit status. */
static int fail(int e)
{
	printf("%s\n", errname(e));
	return e == EPERM ? EXIT_EPERM : EXIT_OTHER;
}

static int succeed(void)
{
	printf("ok\n");
	return EXIT_OK;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: probe tcp|mptcp|udp|sendto|sendmmsg|tfo ADDR PORT\n"
		"       probe storm ADDR PORT MS\n"
		"       probe socket raw4|raw6|ping4|ping6|sctp4|sctp6|udp4|tcp6\n"
		"       probe serve ADDR PORT SECONDS\n"
		"       probe detach CGROUP_DIR|self\n"
		"       probe escape [-- CMD ARGS...]\n"
		"       probe caps\n"
		"       probe intocg CGROUP_DIR\n"
		"       probe sockopt rthdr|ipopt\n");
	return EXIT_USAGE;
}

/* ADDR PORT -> sockaddr; IPv6 if ADDR has a ':', with an optional %ifname or %index. */
static int parse_addr(const char *addr, const char *port, struct sockaddr_storage *ss,
		      socklen_t *len)
{
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2], *pct, *end;
	unsigned long p;

	errno = 0;
	p = strtoul(port, &end, 10);
	if (errno || *end || end == port || p > 65535)
		return -EINVAL;
	if (strlen(addr) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, addr);
	memset(ss, 0, sizeof(*ss));
	if (!strchr(buf, ':')) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		*len = sizeof(*sin);
		return inet_pton(AF_INET, buf, &sin->sin_addr) == 1 ? 0 : -EINVAL;
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)p);
	*len = sizeof(*sin6);
	pct = strchr(buf, '%');
	if (pct) {
		*pct++ = '\0';
		sin6->sin6_scope_id = if_nametoindex(pct);
		if (!sin6->sin6_scope_id)
			sin6->sin6_scope_id = (uint32_t)strtoul(pct, NULL, 10);
		if (!sin6->sin6_scope_id)
			return -EINVAL;
	}
	return inet_pton(AF_INET6, buf, &sin6->sin6_addr) == 1 ? 0 : -EINVAL;
}

static int wait_connected(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int err = 0;
	socklen_t l = sizeof(err);

	int n = poll(&pfd, 1, TIMEOUT_MS);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
		return -errno;
	return -err;
}

/* TCP or MPTCP connect, nonblocking with a 2 s poll. */
static int cmd_connect(int proto, const struct sockaddr_storage *ss, socklen_t len)
{
	int fd, r;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return fail(errno);
	r = connect(fd, (const struct sockaddr *)ss, len) < 0 ? -errno : 0;
	if (r == -EINPROGRESS)
		r = wait_connected(fd);
	close(fd);
	return r ? fail(-r) : succeed();
}

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = TIMEOUT_MS / 1000 };
	int one = 1;

	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* Sending to a subnet broadcast must fail only because of the jail. */
	setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
}

/* mode: udp (connect + send), sendto, sendmmsg (2 messages), tfo (TCP MSG_FASTOPEN). */
static int cmd_send(const char *mode, const struct sockaddr_storage *ss, socklen_t len)
{
	static char data[] = "probe";
	int tfo = !strcmp(mode, "tfo");
	int fd, r = 0;

	fd = socket(ss->ss_family, (tfo ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(errno);
	set_timeouts(fd);
	if (!strcmp(mode, "udp")) {
		if (connect(fd, (const struct sockaddr *)ss, len) < 0 ||
		    send(fd, data, sizeof(data), 0) < 0)
			r = -errno;
	} else if (!strcmp(mode, "sendto") || tfo) {
		if (sendto(fd, data, sizeof(data), tfo ? MSG_FASTOPEN : 0,
			   (const struct sockaddr *)ss, len) < 0)
			r = -errno;
	} else {
		struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
		struct mmsghdr m[2];
		int n;

		memset(m, 0, sizeof(m));
		for (int i = 0; i < 2; i++) {
			m[i].msg_hdr.msg_name = (void *)(uintptr_t)ss;
			m[i].msg_hdr.msg_namelen = len;
			m[i].msg_hdr.msg_iov = &iov;
			m[i].msg_hdr.msg_iovlen = 1;
		}
		n = sendmmsg(fd, m, 2, 0);
		if (n < 0)
			r = -errno;
		else if (n != 2)
			r = -EMSGSIZE;	/* partial: neither clean success nor a refusal */
	}
	close(fd);
	return r ? fail(-r) : succeed();
}

static int cmd_socket(const char *kind)
{
	static const struct {
		const char *name;
		int domain, type, proto;
	} t[] = {
		{ "raw4", AF_INET, SOCK_RAW, IPPROTO_ICMP },
		{ "raw6", AF_INET6, SOCK_RAW, IPPROTO_ICMPV6 },
		{ "ping4", AF_INET, SOCK_DGRAM, IPPROTO_ICMP },
		{ "ping6", AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6 },
		{ "sctp4", AF_INET, SOCK_STREAM, IPPROTO_SCTP },
		{ "sctp6", AF_INET6, SOCK_STREAM, IPPROTO_SCTP },
		{ "mptcp4", AF_INET, SOCK_STREAM, IPPROTO_MPTCP },
		{ "udp4", AF_INET, SOCK_DGRAM, IPPROTO_UDP },
		{ "tcp6", AF_INET6, SOCK_STREAM, IPPROTO_TCP },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (strcmp(kind, t[i].name))
			continue;
		int fd = socket(t[i].domain, t[i].type | SOCK_CLOEXEC, t[i].proto);
		if (fd < 0)
			return fail(errno);
		close(fd);
		return succeed();
	}
	return usage();
}

static int open_listeners(const struct sockaddr_storage *ss, socklen_t len, int fds[2])
{
	int one = 1, qlen = 5;

	for (int i = 0; i < 2; i++) {
		fds[i] = socket(ss->ss_family, (i ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
		if (fds[i] < 0)
			return -errno;
		setsockopt(fds[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ss->ss_family == AF_INET6)
			setsockopt(fds[i], IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fds[i], (const struct sockaddr *)ss, len) < 0)
			return -errno;
	}
	setsockopt(fds[0], IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof(qlen));
	return listen(fds[0], 64) < 0 ? -errno : 0;
}

/* Listen on TCP and UDP ADDR PORT for SECONDS; one line per arrival. */
static int cmd_serve(const struct sockaddr_storage *ss, socklen_t len, const char *secs)
{
	struct pollfd pfd[2];
	struct timespec now, end;
	int fds[2] = { -1, -1 }, r;
	char buf[2048];

	r = open_listeners(ss, len, fds);
	if (r < 0) {
		fprintf(stderr, "probe: serve: %s\n", strerror(-r));
		return fail(-r);
	}
	printf("ready\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += atoi(secs);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0)
			break;
		for (int i = 0; i < 2; i++)
			pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (poll(pfd, 2, (int)ms) <= 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			int c = accept4(fds[0], NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0) {
				printf("tcp\n");
				close(c);
			}
		}
		if ((pfd[1].revents & POLLIN) &&
		    recv(fds[1], buf, sizeof(buf), MSG_DONTWAIT) >= 0)
			printf("udp\n");
		fflush(stdout);
	}
	return EXIT_OK;
}

/* ---- cgroup helpers ---- */

static char cg2_mnt[PATH_MAX], cg2_root[PATH_MAX];

/* The first cgroup2 mount in mountinfo: its mount point and the root it shows. */
static int find_cg2(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (r && fgets(line, sizeof(line), f)) {
		char root[PATH_MAX], mnt[PATH_MAX], fstype[64];
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(dash, " - %63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2)
			continue;
		snprintf(cg2_mnt, sizeof(cg2_mnt), "%s", mnt);
		snprintf(cg2_root, sizeof(cg2_root), "%s", root);
		r = 0;
	}
	fclose(f);
	return r;
}

/* Own cgroup v2 path from the `0::` line, as the kernel shows it. */
static int own_cgroup(char *buf, size_t size)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (r && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(buf, size, "%s", line + 3);
		r = 0;
	}
	fclose(f);
	return r;
}

static int procs_has_self(const char *dir)
{
	char path[PATH_MAX + 32], line[64];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = atoi(line) == getpid();
	fclose(f);
	return found;
}

static char found_dir[PATH_MAX];

static int walk_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag != FTW_D || !procs_has_self(path))
		return 0;
	snprintf(found_dir, sizeof(found_dir), "%s", path);
	return 1;
}

/* Directory of own cgroup; in a cgroup namespace the path may not map, so search. */
static int own_cgroup_dir(char *buf, size_t size)
{
	char cg[PATH_MAX];
	int r;

	if ((r = find_cg2()) < 0 || (r = own_cgroup(cg, sizeof(cg))) < 0)
		return r;
	buf[0] = '\0';
	if (!strcmp(cg2_root, "/") &&
	    snprintf(buf, size, "%s%s", cg2_mnt, strcmp(cg, "/") ? cg : "") >= (int)size)
		return -ENAMETOOLONG;
	if (buf[0] && procs_has_self(buf))
		return 0;
	found_dir[0] = '\0';
	nftw(cg2_mnt, walk_cb, 16, FTW_PHYS | FTW_MOUNT);
	if (!found_dir[0])
		return -ENOENT;
	snprintf(buf, size, "%s", found_dir);
	return 0;
}

/* The machine's root cgroup: "/" seen from the initial cgroup namespace. */
static int is_machine_root(const char *cg)
{
	struct stat st;

	return !strcmp(cg, "/") && stat("/proc/self/ns/cgroup", &st) == 0 &&
	       st.st_ino == 0xEFFFFFFBU;	/* PROC_CGROUP_INIT_INO */
}

/* ---- detach ---- */

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static const struct {
	const char *name;
	enum bpf_attach_type type;
} hooks[] = {
	{ "connect4", BPF_CGROUP_INET4_CONNECT },
	{ "connect6", BPF_CGROUP_INET6_CONNECT },
	{ "sendmsg4", BPF_CGROUP_UDP4_SENDMSG },
	{ "sendmsg6", BPF_CGROUP_UDP6_SENDMSG },
	{ "sock_create", BPF_CGROUP_INET_SOCK_CREATE },
};

static int try_detach(int cg, int prog, enum bpf_attach_type type, const char *what)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cg;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = type;
	r = sys_bpf(BPF_PROG_DETACH, &a);
	printf("detach %s: %s\n", what, r < 0 ? errname(errno) : "ok");
	return r == 0;
}

/* Query the ids attached for one hook, fetch an fd for each, detach with it. */
static int detach_by_id(int cg, size_t h)
{
	union bpf_attr a;
	uint32_t ids[64];
	char what[64];
	int escaped = 0;

	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)cg;
	a.query.attach_type = hooks[h].type;
	a.query.prog_ids = (uint64_t)(uintptr_t)ids;
	a.query.prog_cnt = 64;
	if (sys_bpf(BPF_PROG_QUERY, &a) < 0) {
		printf("query %s: %s\n", hooks[h].name, errname(errno));
		return 0;
	}
	printf("query %s: %u program(s)\n", hooks[h].name, a.query.prog_cnt);
	for (uint32_t i = 0; i < a.query.prog_cnt && i < 64; i++) {
		union bpf_attr g;
		int fd;

		memset(&g, 0, sizeof(g));
		g.prog_id = ids[i];
		fd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &g);
		snprintf(what, sizeof(what), "%s id %u", hooks[h].name, ids[i]);
		if (fd < 0) {
			printf("get fd %s: %s\n", what, errname(errno));
			continue;
		}
		escaped |= try_detach(cg, fd, hooks[h].type, what);
		close(fd);
	}
	return escaped;
}

static int cmd_detach(const char *arg)
{
	char dir[PATH_MAX];
	int cg, escaped = 0, r;

	if (!strcmp(arg, "self")) {
		if ((r = own_cgroup_dir(dir, sizeof(dir))) < 0) {
			printf("own cgroup: %s\n", errname(-r));
			return EXIT_OTHER;
		}
	} else {
		snprintf(dir, sizeof(dir), "%s", arg);
	}
	/* Detaching from the root cgroup would strip the machine's own programs. */
	if (find_cg2() == 0 && !strcmp(cg2_root, "/") && !strcmp(dir, cg2_mnt) &&
	    is_machine_root("/")) {
		printf("refusing to detach from the root cgroup %s: not in a jail\n", dir);
		return EXIT_OTHER;
	}
	cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0) {
		printf("open %s: %s\n", dir, errname(errno));
		return EXIT_OTHER;
	}
	printf("cgroup %s\n", dir);
	for (size_t h = 0; h < sizeof(hooks) / sizeof(hooks[0]); h++)
		escaped |= try_detach(cg, 0, hooks[h].type, hooks[h].name);
	for (size_t h = 0; h < sizeof(hooks) / sizeof(hooks[0]); h++)
		escaped |= detach_by_id(cg, h);
	close(cg);
	printf("%s\n", escaped ? "detached" : "refused");
	return escaped ? EXIT_OK : EXIT_EPERM;
}

/* ---- escape ---- */

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int moved(const char *was)
{
	char now[PATH_MAX];

	return own_cgroup(now, sizeof(now)) < 0 || strcmp(now, was);
}

/* Try to move ourselves into the root, the parent, a new sibling; stop once moved. */
static void move_attempts(const char *tag, const char *cg, const char *start)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], *slash;
	int r;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg2_mnt);
	r = write_str(path, "0");
	printf("%s: move to root %s: %s\n", tag, path, r ? errname(-r) : "ok");
	snprintf(dir, sizeof(dir), "%s", start);
	slash = strrchr(dir, '/');
	if (moved(cg) || !strcmp(start, cg2_mnt) || !slash || slash == dir)
		return;
	*slash = '\0';
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	r = write_str(path, "0");
	printf("%s: move to parent %s: %s\n", tag, path, r ? errname(-r) : "ok");
	if (moved(cg))
		return;
	snprintf(path, sizeof(path), "%s/probe-escape-%d", dir, (int)getpid());
	r = mkdir(path, 0755) < 0 ? -errno : 0;
	printf("%s: mkdir sibling %s: %s\n", tag, path, r ? errname(-r) : "ok");
	if (r)
		return;
	strcat(path, "/cgroup.procs");
	r = write_str(path, "0");
	printf("%s: move to sibling: %s\n", tag, r ? errname(-r) : "ok");
	if (r) {
		path[strlen(path) - strlen("/cgroup.procs")] = '\0';
		rmdir(path);
	}
}

/*
 * Through another process's root (/proc/PID/root), the cgroup2 mount as that process's
 * mount namespace has it, which may be writable where ours is not.
 */
static void procroot_attempts(const char *cg)
{
	char path[PATH_MAX + 64];
	int tried = 0, eacces = 0, erofs = 0, other = 0, r = -1;
	struct dirent *e;
	DIR *d = opendir("/proc");

	if (!d) {
		printf("procroot: open /proc: %s\n", errname(errno));
		return;
	}
	while (r && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9' || atoi(e->d_name) == getpid())
			continue;
		if (snprintf(path, sizeof(path), "/proc/%s/root%s/cgroup.procs", e->d_name,
			     cg2_mnt) >= (int)sizeof(path))
			continue;
		tried++;
		r = write_str(path, "0");
		if (r == 0 && !moved(cg))
			r = -EEXIST;	/* same cgroup as before: nothing gained */
		eacces += r == -EACCES || r == -EPERM;
		erofs += r == -EROFS;
		other += r && r != -EACCES && r != -EPERM && r != -EROFS;
	}
	closedir(d);
	if (!r)
		printf("procroot: move via %s: ok\n", path);
	printf("procroot: %d tried: EACCES/EPERM %d, EROFS %d, other %d\n",
	       tried, eacces, erofs, other);
}

static void remount_rw(const char *tag)
{
	int r;

	r = mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ? -errno : 0;
	printf("%s: make mounts private: %s\n", tag, r ? errname(-r) : "ok");
	r = mount(NULL, cg2_mnt, NULL, MS_REMOUNT | MS_BIND, NULL) < 0 ? -errno : 0;
	printf("%s: remount %s rw: %s\n", tag, cg2_mnt, r ? errname(-r) : "ok");
}

static int map_self(void)
{
	char map[64];
	int r;

	write_str("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "%d %d 1", (int)getuid(), (int)getuid());
	if ((r = write_str("/proc/self/uid_map", map)) < 0)
		return r;
	snprintf(map, sizeof(map), "%d %d 1", (int)getgid(), (int)getgid());
	return write_str("/proc/self/gid_map", map);
}

static int cmd_escape(char **cmd)
{
	char cg[PATH_MAX], start[PATH_MAX], now[PATH_MAX];
	int r, escaped;

	if ((r = own_cgroup_dir(start, sizeof(start))) < 0 ||
	    (r = own_cgroup(cg, sizeof(cg))) < 0) {
		printf("find own cgroup: %s\n", errname(-r));
		return EXIT_OTHER;
	}
	printf("cgroup %s at %s (mount %s, root %s)\n", cg, start, cg2_mnt, cg2_root);
	if (is_machine_root(cg)) {
		/* Nothing to leave: a jail never runs CMD in the root cgroup. */
		printf("escaped: already in the root cgroup\n");
		fflush(stdout);
		if (cmd && cmd[0])
			execvp(cmd[0], cmd);
		return EXIT_OK;
	}
	move_attempts("plain", cg, start);
	if (!moved(cg))
		procroot_attempts(cg);
	if (!moved(cg)) {
		r = unshare(CLONE_NEWNS) < 0 ? -errno : 0;
		printf("mountns: unshare: %s\n", r ? errname(-r) : "ok");
		if (!r) {
			remount_rw("mountns");
			move_attempts("mountns", cg, start);
		}
	}
	if (!moved(cg)) {
		r = unshare(CLONE_NEWUSER) < 0 ? -errno : 0;
		printf("userns: unshare: %s\n", r ? errname(-r) : "ok");
		if (!r) {
			r = map_self();
			printf("userns: map own uid: %s\n", r ? errname(-r) : "ok");
			r = unshare(CLONE_NEWNS) < 0 ? -errno : 0;
			printf("userns: unshare mountns: %s\n", r ? errname(-r) : "ok");
			if (!r)
				remount_rw("userns");
			move_attempts("userns", cg, start);
		}
	}
	escaped = moved(cg);
	if (own_cgroup(now, sizeof(now)) < 0)
		snprintf(now, sizeof(now), "?");
	printf("%s: now in %s\n", escaped ? "escaped" : "stayed", now);
	fflush(stdout);
	if (cmd && cmd[0]) {
		execvp(cmd[0], cmd);
		printf("exec %s: %s\n", cmd[0], errname(errno));
		return EXIT_USAGE;
	}
	return escaped ? EXIT_OK : EXIT_EPERM;
}

static int cmd_caps(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];

	if (!f)
		return fail(errno);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapPrm:", 7) || !strncmp(line, "CapEff:", 7) ||
		    !strncmp(line, "CapBnd:", 7) || !strncmp(line, "NoNewPrivs:", 11))
			fputs(line, stdout);
	fclose(f);
	return EXIT_OK;
}

/*
 * intocg DIR: clone3(CLONE_INTO_CGROUP) a child into DIR's cgroup, needing only a read-only
 * fd of it.  Exit 0 when the child landed there (an escape), 1 when clone3 was refused.
 */
static int cmd_intocg(const char *dir)
{
	struct clone_args ca;
	char line[512];
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), st;
	long pid;
	FILE *f;

	if (fd < 0)
		return fail(errno);
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_INTO_CGROUP;
	ca.exit_signal = SIGCHLD;
	ca.cgroup = (uint64_t)fd;
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0)
		return fail(errno);
	if (pid == 0) {
		f = fopen("/proc/self/cgroup", "re");
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "0::", 3))
				printf("child in %s", line + 3);
		_exit(0);
	}
	waitpid((pid_t)pid, &st, 0);
	printf("ok\n");
	return EXIT_OK;
}

/* sockopt rthdr|ipopt: set an IPv6 segment-routing header (to ::1) or an IPv4 option. */
static int cmd_sockopt(const char *kind)
{
	/* next header, length in 8-byte units past the first 8, type 4 (SRH),
	 * segments left 0, last entry 0, flags, tag; one segment: ::1 */
	static const unsigned char srh[24] = { 0, 2, 4, 0, 0, 0, 0, 0, [23] = 1 };
	static const unsigned char nop[4] = { 1, 1, 1, 0 };	/* NOP NOP NOP END */
	int six = !strcmp(kind, "rthdr"), fd, r;

	if (!six && strcmp(kind, "ipopt"))
		return usage();
	fd = socket(six ? AF_INET6 : AF_INET, six ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0)
		return fail(errno);
	r = six ? setsockopt(fd, IPPROTO_IPV6, IPV6_RTHDR, srh, sizeof(srh)) :
	    setsockopt(fd, IPPROTO_IP, IP_OPTIONS, nop, sizeof(nop));
	if (r < 0)
		return fail(errno);
	close(fd);
	return succeed();
}

/*
 * storm ADDR PORT MS: connect() to ADDR:PORT in a tight loop for MS ms, a
 * new socket each time; prints "storm N EPERM E" (attempts, of them EPERM).
 * The denial-event test and bench compare N with and without --events.
 */
static int cmd_storm(const struct sockaddr_storage *ss, socklen_t len,
    const char *ms)
{
	struct timespec t0, t;
	unsigned long n = 0, eperm = 0;
	long limit = atol(ms);
	int fd;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return fail(errno);
		if (connect(fd, (const struct sockaddr *)ss, len) < 0 &&
		    errno == EPERM)
			eperm++;
		close(fd);
		n++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 +
	    (t.tv_nsec - t0.tv_nsec) / 1000000 < limit);
	printf("storm %lu EPERM %lu\n", n, eperm);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	const char *m = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(m, "socket") && argc == 3)
		return cmd_socket(argv[2]);
	if (!strcmp(m, "detach") && argc == 3)
		return cmd_detach(argv[2]);
	if (!strcmp(m, "escape") && (argc == 2 || (argc > 3 && !strcmp(argv[2], "--"))))
		return cmd_escape(argc > 3 ? argv + 3 : NULL);
	if (!strcmp(m, "caps") && argc == 2)
		return cmd_caps();
	if (!strcmp(m, "intocg") && argc == 3)
		return cmd_intocg(argv[2]);
	if (!strcmp(m, "sockopt") && argc == 3)
		return cmd_sockopt(argv[2]);
	if (!strcmp(m, "serve") && argc == 5) {
		if (parse_addr(argv[2], argv[3], &ss, &len) < 0)
			return usage();
		return cmd_serve(&ss, len, argv[4]);
	}
	if (!strcmp(m, "storm") && argc == 5) {
		if (parse_addr(argv[2], argv[3], &ss, &len) < 0)
			return usage();
		return cmd_storm(&ss, len, argv[4]);
	}
	if (argc != 4 || parse_addr(argv[2], argv[3], &ss, &len) < 0)
		return usage();
	if (!strcmp(m, "tcp"))
		return cmd_connect(0, &ss, len);
	if (!strcmp(m, "mptcp"))
		return cmd_connect(IPPROTO_MPTCP, &ss, len);
	if (!strcmp(m, "udp") || !strcmp(m, "sendto") || !strcmp(m, "sendmmsg") ||
	    !strcmp(m, "tfo"))
		return cmd_send(m, &ss, len);
	return usage();
}
