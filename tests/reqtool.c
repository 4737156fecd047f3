/*
 * tests/reqtool.c - drive jail-ai's privileged child (loader.c) directly,
 * exactly as spawn.c does, with a valid or a deliberately malformed
 * request, and print its reply on one line:
 *
 *   step=N err=NAME what="..." confined=BITS attached=a,b,...,k (one per program)
 *
 * (attached: one count per hook, JAIL_NPROG_SLOTS of them, jail_egress's
 * last; what: the check that refused, or the failed step's detail).
 *
 * Runs with the caller's privilege; the child gets whatever its exec gives
 * it (root's, or the binary's file capabilities).  Untrusted input: the
 * child's reply, checked for size, magic and version like spawn.c does.
 *
 * usage: reqtool JAIL_AI_BINARY MODE [CGROUP_REL]
 *   attach       valid ATTACH: deny 127.0.0.0/8 and ::1/128
 *   query        valid QUERY (n4 = n6 = 0): attached = programs per hook, anyone's
 *   dup          valid as far as loader_check_request goes, but the same
 *                key twice: refused later, when the map is filled
 *   mapfds       attach with JAIL_REQ_F_MAPFDS: the reply comes over a
 *                SOCK_SEQPACKET socketpair; the line ends with fds=N, the
 *                number of fds that came with it (then closed)
 *   domains      mapfds with JAIL_REQ_F_DOMAINS and a DNS port: the four
 *                recvmsg and getpeername programs are attached too
 * and malformed ones, each of which must be refused at JAIL_STEP_REQUEST:
 *   truncated oversized badversion badmagic garbage empty toomany dotdot
 *   absolute badport hostbits badop queryrules nonul padding
 * All but garbage name CGROUP_REL (default "jail-ai"), so a child that
 * failed to refuse one would attach there and a later query would see it.
 *
 * Exit: 0 the child replied JAIL_STEP_DONE and exited 0; 1 it replied a
 * failure and exited 1; 2 no valid reply (or reply and exit status
 * disagree); 100 bad usage; 111 a system call failed here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "request.h"

static const char *const modes[] = {
	"attach", "query", "dup", "truncated", "oversized", "badversion",
	"badmagic", "garbage", "empty", "toomany", "dotdot", "absolute",
	"badport", "hostbits", "badop", "queryrules", "nonul", "padding",
	"mapfds", "domains", NULL,
};

static void usage(void)
{
	unsigned int i;

	fputs("usage: reqtool JAIL_AI_BINARY MODE [CGROUP_REL]\nMODE:", stderr);
	for (i = 0; modes[i]; i++)
		fprintf(stderr, " %s", modes[i]);
	fputc('\n', stderr);
	exit(100);
}

static void die_errno(const char *what)
{
	fprintf(stderr, "reqtool: %s: %s\n", what, strerror(errno));
	exit(111);
}

static void deny4(struct jail_rule4 *r, __u8 a, __u8 b, __u8 c, __u8 d,
    __u32 plen)
{
	memset(r, 0, sizeof(*r));
	r->key.prefixlen = plen;
	r->key.addr[0] = a;
	r->key.addr[1] = b;
	r->key.addr[2] = c;
	r->key.addr[3] = d;
	r->v.action = JAIL_DENY;
}

/* Header + n4 + n6 rules, zeroed; the caller fills them in. */
static struct jail_req_hdr *new_req(__u16 op, __u32 n4, __u32 n6,
    const char *cg, size_t *len)
{
	struct jail_req_hdr *h;

	*len = sizeof(*h) + (size_t)n4 * sizeof(struct jail_rule4) +
	    (size_t)n6 * sizeof(struct jail_rule6);
	h = calloc(1, *len + 1);	/* +1: room for "oversized" */
	if (!h)
		die_errno("calloc");
	h->magic = JAIL_REQ_MAGIC;
	h->version = JAIL_REQ_VERSION;
	h->op = op;
	h->n4 = n4;
	h->n6 = n6;
	if (strlen(cg) >= sizeof(h->cgroup)) {
		fprintf(stderr, "reqtool: cgroup path too long\n");
		exit(100);
	}
	strcpy(h->cgroup, cg);
	return h;
}

/* The valid ATTACH: 127.0.0.0/8 and ::1/128 denied. */
static struct jail_req_hdr *attach_req(const char *cg, size_t *len)
{
	struct jail_req_hdr *h = new_req(JAIL_OP_ATTACH, 1, 1, cg, len);
	struct jail_rule4 *r4 = (void *)(h + 1);
	struct jail_rule6 *r6 = (void *)(r4 + 1);

	deny4(r4, 127, 0, 0, 0, 8);
	r6->key.prefixlen = 128;
	r6->key.addr[15] = 1;
	r6->v.action = JAIL_DENY;
	return h;
}

/* n4 = JAIL_MAX_RULES4 + 1 distinct, valid /32s, length consistent. */
static struct jail_req_hdr *toomany_req(const char *cg, size_t *len)
{
	__u32 n = JAIL_MAX_RULES4 + 1, i;
	struct jail_req_hdr *h = new_req(JAIL_OP_ATTACH, n, 0, cg, len);
	struct jail_rule4 *r4 = (void *)(h + 1);

	for (i = 0; i < n; i++)
		deny4(&r4[i], 10, (__u8)(i >> 16), (__u8)(i >> 8), (__u8)i, 32);
	return h;
}

static struct jail_req_hdr *build(const char *mode, const char *cg,
    size_t *len)
{
	struct jail_req_hdr *h;
	struct jail_rule4 *r4;
	char path[JAIL_CGROUP_PATH_MAX * 2 + 8];
	const char *base;
	unsigned int i;

	if (!strcmp(mode, "query"))
		return new_req(JAIL_OP_QUERY, 0, 0, cg, len);
	if (!strcmp(mode, "toomany"))
		return toomany_req(cg, len);
	if (!strcmp(mode, "empty"))
		return new_req(JAIL_OP_ATTACH, 0, 0, cg, len);
	if (!strcmp(mode, "queryrules")) {	/* QUERY carries no rules */
		h = new_req(JAIL_OP_QUERY, 1, 0, cg, len);
		deny4((void *)(h + 1), 127, 0, 0, 0, 8);
		return h;
	}
	if (!strcmp(mode, "dotdot") || !strcmp(mode, "absolute")) {
		/* CG/../BASENAME names CG itself, and stays beneath the
		 * mount: only the request check refuses it, not openat2. */
		base = strrchr(cg, '/') ? strrchr(cg, '/') + 1 : cg;
		if (!strcmp(mode, "dotdot"))
			snprintf(path, sizeof(path), "%s/../%s", cg, base);
		else
			snprintf(path, sizeof(path), "/%s", cg);
		return attach_req(path, len);
	}
	if (!strcmp(mode, "dup")) {
		h = new_req(JAIL_OP_ATTACH, 2, 0, cg, len);
		r4 = (void *)(h + 1);
		deny4(&r4[0], 127, 0, 0, 0, 8);
		deny4(&r4[1], 127, 0, 0, 0, 8);
		return h;
	}
	h = attach_req(cg, len);
	r4 = (void *)(h + 1);
	if (!strcmp(mode, "attach"))
		;
	else if (!strcmp(mode, "mapfds"))
		h->flags = JAIL_REQ_F_HOSTNET | JAIL_REQ_F_MAPFDS;
	else if (!strcmp(mode, "domains")) {
		h->flags = JAIL_REQ_F_HOSTNET | JAIL_REQ_F_MAPFDS |
		    JAIL_REQ_F_DOMAINS;
		h->dns_port = 40053;
	}
	else if (!strcmp(mode, "truncated"))
		*len = sizeof(*h) - 1;
	else if (!strcmp(mode, "oversized"))
		(*len)++;	/* new_req left a zero byte there */
	else if (!strcmp(mode, "badversion"))
		h->version = JAIL_REQ_VERSION + 1;
	else if (!strcmp(mode, "badmagic"))
		h->magic ^= 1;
	else if (!strcmp(mode, "badop"))
		h->op = 3;
	else if (!strcmp(mode, "badport")) {
		r4->v.nports = JAIL_MAX_PORTS + 1;
		for (i = 0; i < JAIL_MAX_PORTS; i++)
			r4->v.ports[i] = (__u16)(80 + i);
	} else if (!strcmp(mode, "hostbits"))
		deny4(r4, 10, 0, 0, 1, 8);
	else if (!strcmp(mode, "nonul"))	/* no terminator at all */
		memset(h->cgroup, 'a', sizeof(h->cgroup));
	else if (!strcmp(mode, "padding"))	/* "CG\0x": not NUL-padded */
		h->cgroup[strlen(h->cgroup) + 1] = 'x';
	else if (!strcmp(mode, "garbage")) {
		*len = sizeof(*h);
		if (getrandom(h, *len, 0) != (ssize_t)*len)
			die_errno("getrandom");
	} else
		usage();
	return h;
}

/* As spawn.c's request_memfd: written, sealed, rewound. */
static int request_memfd(const void *req, size_t len)
{
	int fd = memfd_create("jail-ai-request", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING);
	const char *p = req;
	size_t off = 0;
	ssize_t n;

	if (fd < 0)
		die_errno("memfd_create");
	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die_errno("write request");
		off += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		die_errno("seal request");
	return fd;
}

/* As spawn.c's exec_child, but execve of the named binary. */
static void exec_child(const char *bin, int req_fd, int reply_fd)
{
	char *const argv[] = { "jail-ai", JAIL_CHILD_ARG, NULL };
	char *const envp[] = { NULL };
	int fd;

	req_fd = fcntl(req_fd, F_DUPFD_CLOEXEC, 10);
	reply_fd = fcntl(reply_fd, F_DUPFD_CLOEXEC, 10);
	if (req_fd < 0 || reply_fd < 0 ||
	    dup2(req_fd, JAIL_REQ_FD) < 0 || dup2(reply_fd, JAIL_REPLY_FD) < 0)
		_exit(127);
	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 &&
		    open("/dev/null", O_RDWR) != fd)
			_exit(127);
	execve(bin, argv, envp);
	_exit(127);
}

static const char *errname(int e)
{
	static char buf[16];
	const char *s = e ? strerrorname_np(e) : "0";

	if (s)
		return s;
	snprintf(buf, sizeof(buf), "%d", e);
	return buf;
}

int main(int argc, char **argv)
{
	static struct jail_reply rep;
	char cbuf[CMSG_SPACE(sizeof(int) * 8)];
	struct iovec iov = { &rep, sizeof(rep) };
	struct msghdr m;
	struct cmsghdr *c;
	struct jail_req_hdr *h;
	int req_fd, p[2], status, valid, sock, nfds = 0, fd;
	size_t len, off = 0;
	unsigned int i;
	ssize_t n;
	pid_t pid;

	if (argc < 3 || argc > 4)
		usage();
	h = build(argv[2], argc == 4 ? argv[3] : "jail-ai", &len);
	req_fd = request_memfd(h, len);
	free(h);
	sock = !strcmp(argv[2], "mapfds") || !strcmp(argv[2], "domains");
	if (sock && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) < 0)
		die_errno("socketpair");
	if (!sock && pipe2(p, O_CLOEXEC) < 0)
		die_errno("pipe2");
	if ((pid = fork()) < 0)
		die_errno("fork");
	if (pid == 0)
		exec_child(argv[1], req_fd, p[1]);
	close(req_fd);
	close(p[1]);
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	while (sock && (n = recvmsg(p[0], &m, MSG_CMSG_CLOEXEC)) < 0 &&
	    errno == EINTR)
		;
	if (sock && n > 0)
		off = (size_t)n;
	for (c = sock && n > 0 ? CMSG_FIRSTHDR(&m) : NULL; c;
	    c = CMSG_NXTHDR(&m, c))
		for (i = 0; c->cmsg_type == SCM_RIGHTS &&
		    CMSG_LEN((i + 1) * sizeof(int)) <= c->cmsg_len; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			close(fd);
			nfds++;
		}
	while (!sock && off < sizeof(rep)) {
		n = read(p[0], (char *)&rep + off, sizeof(rep) - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die_errno("waitpid");
	valid = off == sizeof(rep) && rep.magic == JAIL_REPLY_MAGIC &&
	    rep.version == JAIL_REQ_VERSION;
	if (!valid) {
		printf("step=0 err=0 what=\"no valid reply (%zu bytes, %s %d)\" "
		    "attached=-\n", off, WIFSIGNALED(status) ? "signal" : "exit",
		    WIFSIGNALED(status) ? WTERMSIG(status) :
		    WEXITSTATUS(status));
		return 2;
	}
	rep.what[sizeof(rep.what) - 1] = '\0';
	for (i = 0; rep.what[i]; i++)	/* one line, whatever came back */
		if (rep.what[i] < 0x20 || rep.what[i] > 0x7e ||
		    rep.what[i] == '"')
			rep.what[i] = '?';
	printf("step=%u err=%s what=\"%s\" confined=%u attached=", rep.step,
	    errname(rep.err), rep.what, rep.confined);
	for (i = 0; i < JAIL_NPROG_SLOTS; i++)
		printf("%u%s", rep.attached[i], i + 1 < JAIL_NPROG_SLOTS ? "," : "");
	printf(sock ? " fds=%d\n" : "\n", nfds);
	if (rep.step == JAIL_STEP_LOAD && rep.log[0])
		fprintf(stderr, "verifier log:\n%.*s\n", (int)sizeof(rep.log) - 1,
		    rep.log);
	if (!WIFEXITED(status) ||
	    WEXITSTATUS(status) != (rep.step == JAIL_STEP_DONE ? 0 : 1)) {
		fprintf(stderr, "reqtool: reply step %u but the child %s %d\n",
		    rep.step, WIFEXITED(status) ? "exited" : "was killed by signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return 2;
	}
	return rep.step == JAIL_STEP_DONE ? 0 : 1;
}
