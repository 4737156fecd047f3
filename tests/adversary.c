/*
 * tests/adversary.c - the attacker tests/24-adversary.t runs inside `jail-ai run
 * --block-host` (and, for the controls, outside it): every socket family, io_uring
 * opcodes that take an address or make a socket, options and cmsgs that choose the
 * output device or the route, the ia32 and x32 syscall ABIs, terminal injection,
 * inherited and passed descriptors, fresh procfs/sysfs knobs, MPTCP subflows, signals
 * and ptrace toward other processes.
 *
 * Runs with whatever privilege the test gives it (root or a test uid in the jail, root
 * outside for controls).  Its inputs are the test's argv; numeric addresses only.
 * Static, so that it runs the same in every namespace.
 *
 * Output: one line per attempt ("ok" or the errno's name, or "signal N"); the last line
 * is the verdict.  Every payload is $ADV_TAG, which `serve` logs, so that one listener
 * tells the cases of a batch apart.  Exit status: 0 the attempt went through, 1 refused
 * with EPERM, 2 another error, 100 bad usage.  `fam` prints a table and exits 0.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>

#define EXIT_OK		0
#define EXIT_EPERM	1
#define EXIT_OTHER	2
#define EXIT_USAGE	100

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP	262
#endif
#ifndef IPPROTO_UDPLITE
#define IPPROTO_UDPLITE	136
#endif
#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX 62
#endif
#ifndef IP_UNICAST_IF
#define IP_UNICAST_IF	50
#endif
#ifndef IPV6_UNICAST_IF
#define IPV6_UNICAST_IF	76
#endif
#ifndef TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_CONNECT 30
#endif
#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN	0x20000000
#endif
#define ADV_IPV6_2292PKTOPTIONS	6
#define ADV_IPV6_RTHDR		57

/* io_uring, without liburing and without trusting Debian 12's (6.1) uapi header. */
#define ADV_SYS_io_uring_setup	425
#define ADV_SYS_io_uring_enter	426
#define ADV_OP_SENDMSG		9
#define ADV_OP_CONNECT		16
#define ADV_OP_SEND		26
#define ADV_OP_SOCKET		45
#define ADV_OP_URING_CMD	46
#define ADV_OP_SEND_ZC		47
#define ADV_OP_SENDMSG_ZC	48
#define ADV_SOCKET_URING_OP_SETSOCKOPT	3	/* 6.7 */
#define ADV_ENTER_GETEVENTS	1U
#define ADV_OFF_SQ_RING		0ULL
#define ADV_OFF_CQ_RING		0x8000000ULL
#define ADV_OFF_SQES		0x10000000ULL

/* ia32 numbers (arch/x86/entry/syscalls/syscall_32.tbl) */
#define IA32_getpid		20
#define IA32_close		6
#define IA32_socket		359
#define IA32_connect		362
#define IA32_setsockopt		366
#define IA32_sendto		369
#define IA32_io_uring_setup	425
#define X32_BIT			0x40000000L

static const char *errname(int e)
{
	const char *s = strerrorname_np(e);

	return s ? s : "EUNKNOWN";
}

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

/* A result of -errno or >= 0, as a line and an exit status. */
static int verdict(long r)
{
	return r < 0 ? fail((int)-r) : succeed();
}

static int usage(void)
{
	fprintf(stderr,
		"usage: adversary fam\n"
		"       adversary send tcp|udp|udpc|msg|udplite|mptcp|tfo ADDR PORT [OPT...]\n"
		"         OPT: dev=IF ifindex=N ucif=N pktinfo=N mcif=IF freebind transparent\n"
		"              mark=N bcast lsrr=ADDR tfoconnect repair bind=ADDR hold=MS\n"
		"       adversary serve ADDR PORT SECONDS   (TCP, UDP, UDP-Lite; logs ADV_TAG)\n"
		"       adversary mpserve ADDR PORT SECONDS\n"
		"       adversary uring connect|sendmsg|send|sendzc|sendmsgzc ADDR PORT\n"
		"       adversary uring socket|rthdr\n"
		"       adversary ia32 getpid|rthdr|uring-rthdr|ping\n"
		"       adversary ia32 connect|sendto ADDR PORT\n"
		"       adversary x32 getpid\n"
		"       adversary rthdr-cmsg ADDR PORT | pktoptions\n"
		"       adversary tiocsti [PATH]\n"
		"       adversary open PATH\n"
		"       adversary withsock FD -- CMD...   (a UDP socket at FD, then CMD)\n"
		"       adversary fdsend FD ADDR PORT\n"
		"       adversary scmserve NAME SECONDS | scmrecv NAME ADDR PORT\n"
		"       adversary nlserve PORTID SECONDS | nlsend PORTID\n"
		"       adversary freshproc|freshsys DIR\n"
		"       adversary reach PID\n");
	return EXIT_USAGE;
}

static int parse_addr(const char *addr, const char *port, struct sockaddr_storage *ss,
		      socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2], *pct;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)atoi(port));
		*len = sizeof(*s4);
		return 0;
	}
	if (strlen(addr) >= sizeof(host))
		return -EINVAL;
	strcpy(host, addr);
	pct = strchr(host, '%');
	if (pct) {
		*pct++ = '\0';
		s6->sin6_scope_id = if_nametoindex(pct);
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
		return -EINVAL;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons((uint16_t)atoi(port));
	*len = sizeof(*s6);
	return 0;
}

static void set_timeouts(int fd)
{
	struct timeval tv = { 2, 0 };

	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* The payload: ADV_TAG names the case, so that one listener tells cases apart. */
static char *tag(void)
{
	static char buf[64];
	const char *t = getenv("ADV_TAG");

	if (!buf[0])
		snprintf(buf, sizeof(buf), "%s", t && *t ? t : "adversary");
	return buf;
}

/* ---- fam: every family 0..63, every type 1..10; AF_INET/AF_INET6 by protocol ---- */

static const int inet_protos[] = {
	0, IPPROTO_ICMP, IPPROTO_IGMP, IPPROTO_TCP, IPPROTO_UDP, 33 /* DCCP */,
	IPPROTO_IPV6, IPPROTO_GRE, IPPROTO_ESP, IPPROTO_AH, IPPROTO_ICMPV6,
	115 /* L2TP */, IPPROTO_SCTP, IPPROTO_UDPLITE, 143 /* ETHERNET */,
	IPPROTO_RAW, 256 /* SMC */, IPPROTO_MPTCP,
};

static void fam_try(int f, int t, int p)
{
	int fd = socket(f, t | SOCK_CLOEXEC, p);

	printf("%d %d %d %s\n", f, t, p, fd < 0 ? errname(errno) : "ok");
	if (fd >= 0)
		close(fd);
}

static int cmd_fam(void)
{
	for (int f = 0; f < 64; f++)
		for (int t = 1; t <= 10; t++) {
			if (f != AF_INET && f != AF_INET6) {
				fam_try(f, t, 0);
				continue;
			}
			for (size_t i = 0; i < sizeof(inet_protos) / sizeof(inet_protos[0]); i++)
				fam_try(f, t, inet_protos[i]);
		}
	return EXIT_OK;
}

/* ---- send: one datagram or connection with options and cmsgs ---- */

struct send_opts {
	struct sockaddr_storage bind;
	socklen_t bindlen;
	int pktinfo;		/* ifindex for an IP_PKTINFO / IPV6_PKTINFO cmsg, -1: none */
	struct in_addr lsrr;	/* first hop of an IP_RETOPTS LSRR cmsg */
	int has_lsrr;
	int hold_ms;		/* keep the socket open this long after success */
};

static int opt_int(int fd, int level, int name, int v, const char *what)
{
	if (setsockopt(fd, level, name, &v, sizeof(v)) < 0) {
		printf("%s: %s\n", what, errname(errno));
		return -errno;
	}
	printf("%s: ok\n", what);
	return 0;
}

/* IP_UNICAST_IF and IPV6_UNICAST_IF take the index in network byte order. */
static int apply_opt(int fd, int fam, const char *o, struct send_opts *so)
{
	const char *v = strchr(o, '=');
	int n = v ? atoi(v + 1) : 1;

	if (!strncmp(o, "dev=", 4)) {
		if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, v + 1, strlen(v + 1)) < 0)
			return printf("%s: %s\n", o, errname(errno)), -errno;
		return printf("%s: ok\n", o), 0;
	}
	if (!strncmp(o, "ifindex=", 8))
		return opt_int(fd, SOL_SOCKET, SO_BINDTOIFINDEX, n, o);
	if (!strncmp(o, "ucif=", 5))
		return fam == AF_INET ? opt_int(fd, IPPROTO_IP, IP_UNICAST_IF, (int)htonl(n), o) :
		    opt_int(fd, IPPROTO_IPV6, IPV6_UNICAST_IF, (int)htonl(n), o);
	if (!strncmp(o, "mcif=", 5)) {
		int idx = (int)if_nametoindex(v + 1);
		struct ip_mreqn m = { .imr_ifindex = idx };

		if (fam == AF_INET6)
			return opt_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, idx, o);
		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof(m)) < 0)
			return printf("%s: %s\n", o, errname(errno)), -errno;
		return printf("%s: ok\n", o), 0;
	}
	if (!strncmp(o, "pktinfo=", 8))
		return so->pktinfo = n, 0;
	if (!strncmp(o, "hold=", 5))
		return so->hold_ms = n, 0;
	if (!strcmp(o, "freebind"))
		return opt_int(fd, IPPROTO_IP, IP_FREEBIND, 1, o);
	if (!strcmp(o, "transparent"))
		return fam == AF_INET ? opt_int(fd, IPPROTO_IP, IP_TRANSPARENT, 1, o) :
		    opt_int(fd, IPPROTO_IPV6, IPV6_TRANSPARENT, 1, o);
	if (!strncmp(o, "mark=", 5))
		return opt_int(fd, SOL_SOCKET, SO_MARK, n, o);
	if (!strcmp(o, "bcast"))
		return opt_int(fd, SOL_SOCKET, SO_BROADCAST, 1, o);
	if (!strcmp(o, "repair"))
		return opt_int(fd, IPPROTO_TCP, TCP_REPAIR, 1, o);
	if (!strcmp(o, "tfoconnect"))
		return opt_int(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 1, o);
	if (!strncmp(o, "lsrr=", 5)) {
		so->has_lsrr = inet_pton(AF_INET, v + 1, &so->lsrr) == 1;
		return so->has_lsrr ? 0 : -EINVAL;
	}
	if (!strncmp(o, "bind=", 5)) {
		if (parse_addr(v + 1, "0", &so->bind, &so->bindlen) < 0)
			return -EINVAL;
		if (bind(fd, (struct sockaddr *)&so->bind, so->bindlen) < 0)
			return printf("%s: %s\n", o, errname(errno)), -errno;
		return printf("%s: ok\n", o), 0;
	}
	fprintf(stderr, "adversary: unknown option %s\n", o);
	return -EINVAL;
}

/* The cmsgs: IP_PKTINFO or IPV6_PKTINFO naming an output interface, an IPv4 LSRR. */
static size_t build_cmsgs(int fam, const struct send_opts *so, char *buf, size_t size)
{
	struct msghdr m = { .msg_control = buf, .msg_controllen = size };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	size_t used = 0;

	memset(buf, 0, size);
	if (so->pktinfo >= 0 && fam == AF_INET) {
		struct in_pktinfo pi = { .ipi_ifindex = so->pktinfo };

		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		used += CMSG_SPACE(sizeof(pi));
		c = (struct cmsghdr *)(buf + used);
	} else if (so->pktinfo >= 0) {
		struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned)so->pktinfo };

		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		used += CMSG_SPACE(sizeof(pi));
		c = (struct cmsghdr *)(buf + used);
	}
	if (so->has_lsrr) {
		/* NOP, LSRR len 7 ptr 4 first-hop: the kernel routes to the first hop
		 * and writes the judged address into the last slot. */
		unsigned char o[8] = { IPOPT_NOP, IPOPT_LSRR, 7, 4 };

		memcpy(o + 4, &so->lsrr, 4);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_RETOPTS;
		c->cmsg_len = CMSG_LEN(sizeof(o));
		memcpy(CMSG_DATA(c), o, sizeof(o));
		used += CMSG_SPACE(sizeof(o));
	}
	return used;
}

static int wait_connected(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int e = 0;
	socklen_t l = sizeof(e);

	if (poll(&p, 1, 2000) != 1)
		return -ETIMEDOUT;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l);
	return -e;
}

static int send_one(const char *mode, int fd, int fam, struct sockaddr_storage *ss,
		    socklen_t len, const struct send_opts *so)
{
	char cbuf[256], *data = tag();
	struct iovec iov = { data, strlen(data) };
	struct msghdr m = { ss, len, &iov, 1, cbuf, 0, 0 };
	int r;

	if (!strcmp(mode, "tcp") || !strcmp(mode, "mptcp")) {
		fcntl(fd, F_SETFL, O_NONBLOCK);
		r = connect(fd, (const struct sockaddr *)ss, len) == 0 ? 0 : -errno;
		if (r == -EINPROGRESS)
			r = wait_connected(fd);
		if (r == 0)	/* the tag, for the listener's log */
			write(fd, data, strlen(data));
		return r;
	}
	if (!strcmp(mode, "tfo"))
		return sendto(fd, data, strlen(data), MSG_FASTOPEN,
			      (const struct sockaddr *)ss, len) < 0 ? -errno : 0;
	if (!strcmp(mode, "udpc")) {
		if (connect(fd, (const struct sockaddr *)ss, len) < 0)
			return -errno;
		m.msg_name = NULL;
		m.msg_namelen = 0;
	}
	m.msg_controllen = build_cmsgs(fam, so, cbuf, sizeof(cbuf));
	if (!m.msg_controllen)
		m.msg_control = NULL;
	return sendmsg(fd, &m, 0) < 0 ? -errno : 0;
}

static int cmd_send(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct send_opts so = { .pktinfo = -1 };
	const char *mode = argv[0];
	socklen_t len;
	int fd, r, type = SOCK_DGRAM, proto = 0;

	if (parse_addr(argv[1], argv[2], &ss, &len) < 0)
		return usage();
	if (!strcmp(mode, "tcp") || !strcmp(mode, "tfo"))
		type = SOCK_STREAM;
	else if (!strcmp(mode, "mptcp"))
		type = SOCK_STREAM, proto = IPPROTO_MPTCP;
	else if (!strcmp(mode, "udplite"))
		proto = IPPROTO_UDPLITE;
	else if (strcmp(mode, "udp") && strcmp(mode, "udpc") && strcmp(mode, "msg"))
		return usage();
	/* An AF_INET6 socket for v4-mapped destinations too (they go through it). */
	fd = socket(ss.ss_family, type | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return fail(errno);
	set_timeouts(fd);
	for (int i = 3; i < argc; i++)
		if ((r = apply_opt(fd, ss.ss_family, argv[i], &so)) < 0)
			return fail(-r);
	r = send_one(mode, fd, ss.ss_family, &ss, len, &so);
	if (r == 0 && so.hold_ms > 0)
		poll(NULL, 0, so.hold_ms);
	return verdict(r);
}

/* One line per arrival: the protocol and the payload's first word (the case's tag). */
static void log_arrival(const char *proto, char *buf, ssize_t n)
{
	ssize_t i;

	if (n < 0)
		n = 0;
	buf[n] = '\0';
	for (i = 0; i < n; i++)
		if (buf[i] <= ' ' || buf[i] > '~')
			break;
	buf[i] = '\0';
	printf("%s %s\n", proto, buf);
	fflush(stdout);
}

static int tagged_listeners(const struct sockaddr_storage *ss, socklen_t len, int fds[3])
{
	static const int types[3] = { SOCK_STREAM, SOCK_DGRAM, SOCK_DGRAM };
	int one = 1;

	for (int i = 0; i < 3; i++) {
		fds[i] = socket(ss->ss_family, types[i] | SOCK_CLOEXEC,
				i == 2 ? IPPROTO_UDPLITE : 0);
		if (fds[i] < 0)
			return -errno;
		setsockopt(fds[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ss->ss_family == AF_INET6)
			setsockopt(fds[i], IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fds[i], (const struct sockaddr *)ss, len) < 0)
			return -errno;
	}
	setsockopt(fds[0], IPPROTO_TCP, TCP_FASTOPEN, &one, sizeof(one));
	return listen(fds[0], 64) < 0 ? -errno : 0;
}

/* serve ADDR PORT SECONDS: TCP, UDP and UDP-Lite on ADDR PORT; "tcp TAG" per arrival. */
static int cmd_serve(char **argv)
{
	static const char *const names[3] = { "tcp", "udp", "udplite" };
	struct sockaddr_storage ss;
	struct pollfd p[3];
	socklen_t len;
	char buf[2048];
	time_t end = time(NULL) + atoi(argv[2]);
	int fds[3], r;

	if (parse_addr(argv[0], argv[1], &ss, &len) < 0)
		return usage();
	if ((r = tagged_listeners(&ss, len, fds)) < 0)
		return fail(-r);
	printf("ready\n");
	fflush(stdout);
	while (time(NULL) < end) {
		for (int i = 0; i < 3; i++)
			p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (poll(p, 3, 500) <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			int c = accept4(fds[0], NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0) {
				struct pollfd q = { .fd = c, .events = POLLIN };

				log_arrival(names[0], buf, poll(&q, 1, 1000) == 1 ?
					    recv(c, buf, sizeof(buf) - 1, 0) : 0);
				close(c);
			}
		}
		for (int i = 1; i < 3; i++)
			if (p[i].revents & POLLIN)
				log_arrival(names[i], buf,
					    recv(fds[i], buf, sizeof(buf) - 1, MSG_DONTWAIT));
	}
	return EXIT_OK;
}

/* mpserve ADDR PORT SECONDS: an MPTCP listener that keeps what it accepts open (so that
 * the path manager's ADD_ADDR reaches the client); "mptcp" per connection. */
static int cmd_mpserve(char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	time_t end = time(NULL) + atoi(argv[2]);
	int fd, one = 1;

	if (parse_addr(argv[0], argv[1], &ss, &len) < 0)
		return usage();
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);
	if (fd < 0)
		return fail(errno);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 16) < 0)
		return fail(errno);
	printf("ready\n");
	fflush(stdout);
	while (time(NULL) < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		/* accepted sockets stay open until exit: the point is the second subflow */
		if (poll(&p, 1, 500) == 1 && accept4(fd, NULL, NULL, SOCK_CLOEXEC) >= 0) {
			printf("mptcp\n");
			fflush(stdout);
		}
	}
	return EXIT_OK;
}

/* ---- the ia32 ABI from 64-bit code: int $0x80, arguments truncated to 32 bits ---- */

/* Buffers the ia32 calls point at must lie below 4 GiB. */
static void *low_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* The red zone is skipped and rbp saved: the sixth argument travels in ebp. */
static long sys_ia32(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r8 __asm__("r8") = f;
	long ret;

	__asm__ volatile("lea -128(%%rsp), %%rsp\n\t"
			 "push %%rbp\n\t"
			 "mov %%r8, %%rbp\n\t"
			 "int $0x80\n\t"
			 "pop %%rbp\n\t"
			 "lea 128(%%rsp), %%rsp"
			 : "=a"(ret), "+r"(r8)
			 : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
			 : "memory", "r9", "r10", "r11", "cc");
	return (int)ret;	/* eax: -errno or a 32-bit result */
}

/* ---- io_uring: one ring, one request at a time ---- */

struct adv_sqe {		/* the 64-byte SQE, as of 6.7 */
	uint8_t opcode, flags;
	uint16_t ioprio;
	int32_t fd;
	uint64_t off;		/* addr2, cmd_op */
	uint64_t addr;		/* level | optname << 32 */
	uint32_t len, op_flags;
	uint64_t user_data;
	uint16_t buf_index, personality;
	uint32_t addr_len;	/* splice_fd_in, optlen */
	uint64_t addr3;		/* optval */
	uint64_t pad;
};
_Static_assert(sizeof(struct adv_sqe) == 64, "SQE layout");

struct adv_params {
	uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features,
		 wq_fd, resv[3];
	uint32_t sq_off[10];	/* head tail ring_mask ring_entries flags dropped array r1 r2 r3 */
	uint32_t cq_off[10];	/* head tail ring_mask ring_entries overflow cqes flags r1 r2 r3 */
};

struct ring {
	int fd;
	char *sq, *cq;
	struct adv_sqe *sqes;
	struct adv_params *p;
};

static int ring_map(struct ring *r)
{
	struct adv_params *p = r->p;
	size_t sqsz = p->sq_off[6] + p->sq_entries * 4;
	size_t cqsz = p->cq_off[5] + p->cq_entries * 16;

	r->sq = mmap(NULL, sqsz, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, ADV_OFF_SQ_RING);
	r->cq = mmap(NULL, cqsz, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, ADV_OFF_CQ_RING);
	r->sqes = mmap(NULL, p->sq_entries * sizeof(struct adv_sqe), PROT_READ | PROT_WRITE,
		       MAP_SHARED, r->fd, ADV_OFF_SQES);
	if (r->sq == MAP_FAILED || r->cq == MAP_FAILED || r->sqes == MAP_FAILED)
		return -errno;
	return 0;
}

/* ia32: the ring is "compat" for its whole life (the setsockopt hook skips it). */
static int ring_setup(struct ring *r, int ia32)
{
	long fd;

	r->p = ia32 ? low_page() : calloc(1, sizeof(*r->p));
	if (!r->p)
		return -ENOMEM;
	memset(r->p, 0, sizeof(*r->p));
	fd = ia32 ? sys_ia32(IA32_io_uring_setup, 4, (long)(uintptr_t)r->p, 0, 0, 0, 0) :
	    syscall(ADV_SYS_io_uring_setup, 4, r->p);
	if (fd < 0)
		return ia32 ? (int)fd : -errno;
	r->fd = (int)fd;
	return ring_map(r);
}

/* Submit SQE, wait for its first completion; its res (fd, count or -errno). */
static long ring_run(struct ring *r, const struct adv_sqe *sqe)
{
	struct adv_params *p = r->p;
	uint32_t *sq_tail = (uint32_t *)(r->sq + p->sq_off[1]);
	uint32_t *sq_array = (uint32_t *)(r->sq + p->sq_off[6]);
	uint32_t mask = *(uint32_t *)(r->sq + p->sq_off[2]);
	uint32_t *cq_head = (uint32_t *)(r->cq + p->cq_off[0]);
	uint32_t *cq_tail = (uint32_t *)(r->cq + p->cq_off[1]);
	uint32_t cmask = *(uint32_t *)(r->cq + p->cq_off[2]);
	uint32_t t = __atomic_load_n(sq_tail, __ATOMIC_ACQUIRE), h;
	int32_t res;

	r->sqes[t & mask] = *sqe;
	sq_array[t & mask] = t & mask;
	__atomic_store_n(sq_tail, t + 1, __ATOMIC_RELEASE);
	if (syscall(ADV_SYS_io_uring_enter, r->fd, 1, 1, ADV_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	h = __atomic_load_n(cq_head, __ATOMIC_ACQUIRE);
	if (h == __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	memcpy(&res, r->cq + p->cq_off[5] + (h & cmask) * 16 + 8, sizeof(res));
	__atomic_store_n(cq_head, h + 1, __ATOMIC_RELEASE);
	return res;
}

/* next header, length 2 (24 bytes), type 4 (SRH), segments left 0, one segment: ::1 */
static const unsigned char srh[24] = { 0, 2, 4, 0, 0, 0, 0, 0, [23] = 1 };

/* IPV6_RTHDR on an AF_INET6 UDP socket through SOCKET_URING_OP_SETSOCKOPT (6.7). */
static long uring_rthdr(struct ring *r)
{
	struct adv_sqe sqe = { .opcode = ADV_OP_URING_CMD };
	unsigned char *opt = low_page();
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || !opt)
		return -errno;
	memcpy(opt, srh, sizeof(srh));
	sqe.fd = fd;
	sqe.off = ADV_SOCKET_URING_OP_SETSOCKOPT;
	sqe.addr = IPPROTO_IPV6 | (uint64_t)ADV_IPV6_RTHDR << 32;
	sqe.addr_len = sizeof(srh);
	sqe.addr3 = (uintptr_t)opt;
	return ring_run(r, &sqe);
}

static long uring_addr_op(struct ring *r, const char *op, struct sockaddr_storage *ss,
			  socklen_t len)
{
	char *data = tag();
	struct iovec iov = { data, strlen(data) };
	struct msghdr m = { ss, len, &iov, 1, NULL, 0, 0 };
	long res;
	struct adv_sqe sqe = { 0 };
	int tcp = !strcmp(op, "connect");
	int fd = socket(ss->ss_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	sqe.fd = fd;
	if (tcp) {
		sqe.opcode = ADV_OP_CONNECT;
		sqe.addr = (uintptr_t)ss;
		sqe.off = len;
	} else if (!strcmp(op, "sendmsg") || !strcmp(op, "sendmsgzc")) {
		sqe.opcode = op[7] ? ADV_OP_SENDMSG_ZC : ADV_OP_SENDMSG;
		sqe.addr = (uintptr_t)&m;
		sqe.len = 1;
	} else if (!strcmp(op, "send") || !strcmp(op, "sendzc")) {
		sqe.opcode = op[4] ? ADV_OP_SEND_ZC : ADV_OP_SEND;
		sqe.addr = (uintptr_t)data;
		sqe.len = (uint32_t)strlen(data);
		sqe.off = (uintptr_t)ss;	/* addr2: the destination (6.0+) */
		sqe.addr_len = len;
	} else {
		return -EINVAL;
	}
	res = ring_run(r, &sqe);
	if (tcp && res == 0 && write(fd, data, strlen(data)) < 0)
		return -errno;
	return res;
}

/* uring connect|sendmsg|send|sendzc|sendmsgzc ADDR PORT | socket | rthdr */
static int cmd_uring(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct ring r;
	socklen_t len;
	int e;

	if ((e = ring_setup(&r, 0)) < 0)
		return fail(-e);
	if (!strcmp(argv[0], "rthdr") && argc == 1)
		return verdict(uring_rthdr(&r));
	if (!strcmp(argv[0], "socket") && argc == 1) {
		/* an ICMP ping socket: no address hook ever sees its sends */
		struct adv_sqe sqe = { .opcode = ADV_OP_SOCKET, .fd = AF_INET,
				       .off = SOCK_DGRAM, .len = IPPROTO_ICMP };

		return verdict(ring_run(&r, &sqe));
	}
	if (argc != 3 || parse_addr(argv[1], argv[2], &ss, &len) < 0)
		return usage();
	return verdict(uring_addr_op(&r, argv[0], &ss, len));
}

/* Run FN in a child: an ABI refused by seccomp may kill rather than fail. */
static int in_child(long (*fn)(char **), char **argv)
{
	int st;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return fail(errno);
	if (pid == 0)
		_exit(verdict(fn(argv)));
	if (waitpid(pid, &st, 0) < 0)
		return fail(errno);
	if (WIFSIGNALED(st)) {
		printf("signal %d\n", WTERMSIG(st));
		return EXIT_OTHER;
	}
	return WEXITSTATUS(st);
}

/* A native socket, then the ia32 call on it: the socket itself is not the question. */
static long ia32_call(char **argv)
{
	const char *op = argv[0];
	unsigned char *low = low_page();
	struct sockaddr_storage ss;
	socklen_t len;

	if (!low)
		return -ENOMEM;
	if (!strcmp(op, "getpid"))
		return sys_ia32(IA32_getpid, 0, 0, 0, 0, 0, 0);
	if (!strcmp(op, "ping"))
		return sys_ia32(IA32_socket, AF_INET, SOCK_DGRAM, IPPROTO_ICMP, 0, 0, 0);
	if (!strcmp(op, "rthdr")) {
		long fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		memcpy(low, srh, sizeof(srh));
		return sys_ia32(IA32_setsockopt, fd, IPPROTO_IPV6, ADV_IPV6_RTHDR,
				(long)(uintptr_t)low, sizeof(srh), 0);
	}
	if (!strcmp(op, "uring-rthdr")) {
		struct ring r;
		int e = ring_setup(&r, 1);

		return e < 0 ? e : uring_rthdr(&r);
	}
	if (!argv[1] || !argv[2] || parse_addr(argv[1], argv[2], &ss, &len) < 0)
		return -EINVAL;
	memcpy(low + 512, &ss, len);
	if (!strcmp(op, "connect")) {
		long fd = sys_ia32(IA32_socket, ss.ss_family, SOCK_STREAM, 0, 0, 0, 0), r;
		const char *t = tag();

		if (fd < 0)
			return fd;
		r = sys_ia32(IA32_connect, fd, (long)(uintptr_t)(low + 512), len, 0, 0, 0);
		/* the tag, for the listener's log (a native write: the connect is
		 * the question); an untagged arrival cannot be told apart */
		if (r == 0 && write((int)fd, t, strlen(t)) < 0)
			return -errno;
		return r;
	}
	if (!strcmp(op, "sendto")) {
		long fd = sys_ia32(IA32_socket, ss.ss_family, SOCK_DGRAM, 0, 0, 0, 0);

		snprintf((char *)low, 64, "%s", tag());
		return fd < 0 ? fd : sys_ia32(IA32_sendto, fd, (long)(uintptr_t)low,
					     (long)strlen((char *)low), 0,
					     (long)(uintptr_t)(low + 512), len);
	}
	return -EINVAL;
}

static long x32_getpid(char **argv)
{
	(void)argv;
	return syscall(X32_BIT | SYS_getpid) < 0 ? -errno : 0;
}

/* ---- IPv6 routing headers by other routes than setsockopt(IPV6_RTHDR) ---- */

/* rthdr-cmsg ADDR PORT: a datagram to ADDR carrying an IPV6_RTHDR cmsg whose segment
 * is ::1 (type 4, SRH) -- the kernel would route to the segment, not to ADDR. */
static int cmd_rthdr_cmsg(char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char cbuf[CMSG_SPACE(sizeof(srh))] = { 0 }, *data = tag();
	struct iovec iov = { data, strlen(data) };
	struct msghdr m = { &ss, 0, &iov, 1, cbuf, sizeof(cbuf), 0 };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	unsigned char rh[24];
	int fd;

	if (parse_addr(argv[0], argv[1], &ss, &len) < 0 || ss.ss_family != AF_INET6)
		return usage();
	m.msg_namelen = len;
	memcpy(rh, srh, sizeof(rh));
	rh[3] = 1;		/* segments left: 1, so the segment is the next hop */
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = ADV_IPV6_RTHDR;
	c->cmsg_len = CMSG_LEN(sizeof(rh));
	memcpy(CMSG_DATA(c), rh, sizeof(rh));
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(errno);
	return verdict(sendmsg(fd, &m, 0) < 0 ? -errno : 0);
}

/* pktoptions: IPV6_2292PKTOPTIONS carries sticky options as a cmsg buffer (an
 * optname the setsockopt program does not name): set a routing header that way. */
static int cmd_pktoptions(void)
{
	char cbuf[CMSG_SPACE(sizeof(srh))] = { 0 };
	struct cmsghdr *c = (struct cmsghdr *)cbuf;
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return fail(errno);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = ADV_IPV6_RTHDR;
	c->cmsg_len = CMSG_LEN(sizeof(srh));
	memcpy(CMSG_DATA(c), srh, sizeof(srh));
	return verdict(setsockopt(fd, IPPROTO_IPV6, ADV_IPV6_2292PKTOPTIONS, cbuf,
				  sizeof(cbuf)) < 0 ? -errno : 0);
}

/* ---- terminals ---- */

/* tiocsti [PATH]: push "echo INJECTED\n" into fd 0's terminal or PATH's. */
static int cmd_tiocsti(const char *path)
{
	const char *s = " echo INJECTED\n";
	int fd = 0;

	if (path && (fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return fail(errno);
	for (; *s; s++)
		if (ioctl(fd, TIOCSTI, s) < 0)
			return fail(errno);
	return succeed();
}

static int cmd_open(const char *path)
{
	int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);

	return fd < 0 ? fail(errno) : succeed();
}

/* ---- descriptors made outside ---- */

static int udp_socket_at(int want)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return -errno;
	if (fd != want && (dup2(fd, want) < 0 || close(fd) < 0))
		return -errno;
	return 0;
}

/* withsock FD -- CMD...: a UDP socket (no close-on-exec) at FD, then CMD. */
static int cmd_withsock(int fd, char **cmd)
{
	int r = udp_socket_at(fd);

	if (r < 0)
		return fail(-r);
	execvp(cmd[0], cmd);
	return fail(errno);
}

static int sendto_fd(int fd, const char *addr, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (parse_addr(addr, port, &ss, &len) < 0)
		return usage();
	return verdict(sendto(fd, tag(), strlen(tag()), 0, (struct sockaddr *)&ss, len) < 0 ?
		       -errno : 0);
}

static socklen_t abstract_addr(struct sockaddr_un *sun, const char *name)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	strncpy(sun->sun_path + 1, name, sizeof(sun->sun_path) - 2);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

/* scmserve NAME SECONDS: on each connection to @NAME, pass a fresh UDP socket. */
static int cmd_scmserve(const char *name, int secs)
{
	struct sockaddr_un sun;
	socklen_t l = abstract_addr(&sun, name);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), c;

	if (s < 0 || bind(s, (struct sockaddr *)&sun, l) < 0 || listen(s, 8) < 0)
		return fail(errno);
	printf("ready\n");
	fflush(stdout);
	alarm((unsigned)secs);
	while ((c = accept4(s, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, b = 'x';
		struct iovec iov = { &b, 1 };
		struct msghdr m = { NULL, 0, &iov, 1, cbuf, sizeof(cbuf), 0 };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
		int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &u, sizeof(u));
		sendmsg(c, &m, 0);
		close(u);
		close(c);
	}
	return EXIT_OK;
}

/* scmrecv NAME ADDR PORT: take a socket from @NAME and send with it. */
static int cmd_scmrecv(const char *name, const char *addr, const char *port)
{
	struct sockaddr_un sun;
	socklen_t l = abstract_addr(&sun, name);
	char cbuf[CMSG_SPACE(sizeof(int))], b;
	struct iovec iov = { &b, 1 };
	struct msghdr m = { NULL, 0, &iov, 1, cbuf, sizeof(cbuf), 0 };
	struct cmsghdr *cm;
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), fd;

	if (s < 0 || connect(s, (struct sockaddr *)&sun, l) < 0)
		return fail(errno);
	if (recvmsg(s, &m, MSG_CMSG_CLOEXEC) <= 0)
		return fail(errno ? errno : EPROTO);
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return fail(EPROTO);
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	printf("received: ok\n");
	return sendto_fd(fd, addr, port);
}

/* nlserve PORTID SECONDS: a NETLINK_USERSOCK socket at PORTID; "netlink" per message. */
static int cmd_nlserve(unsigned portid, int secs)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_pid = portid };
	char buf[512];
	time_t end = time(NULL) + secs;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_USERSOCK);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return fail(errno);
	printf("ready\n");
	fflush(stdout);
	while (time(NULL) < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 500) == 1 && recv(fd, buf, sizeof(buf), 0) >= 0) {
			printf("netlink\n");
			fflush(stdout);
		}
	}
	return EXIT_OK;
}

static int cmd_nlsend(unsigned portid)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_pid = portid };
	struct nlmsghdr h = { .nlmsg_len = sizeof(h), .nlmsg_type = NLMSG_NOOP };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_USERSOCK);

	if (fd < 0)
		return fail(errno);
	return verdict(sendto(fd, &h, sizeof(h), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 ?
		       -errno : 0);
}

/* ---- kernel knobs through a fresh procfs or sysfs ---- */

/* In the child: mount FS on DIR and open DIR/KNOB for writing (nothing is written). */
static int knob_open(const char *fs, const char *dir, const char *knob)
{
	char path[4096];
	int fd;

	mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	if (mount(fs, dir, fs, MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		printf("mount %s: %s\n", fs, errname(errno));
		return fail(errno);
	}
	printf("mount %s: ok\n", fs);
	snprintf(path, sizeof(path), "%s/%s", dir, knob);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno);
	close(fd);
	return succeed();
}

/* freshproc|freshsys DIR: new user (no uid map: the kuid stays), mount and PID (proc) or
 * network (sys) namespaces, a fresh procfs or sysfs on DIR, and one of its knobs opened
 * for writing: core_pattern, or transparent_hugepage/enabled. */
static int cmd_fresh(const char *what, const char *dir)
{
	int sys = !strcmp(what, "freshsys"), st;
	pid_t pid;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | (sys ? CLONE_NEWNET : CLONE_NEWPID)) < 0) {
		printf("unshare: %s\n", errname(errno));
		return fail(errno);
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return fail(errno);
	if (pid == 0)
		_exit(sys ? knob_open("sysfs", dir, "kernel/mm/transparent_hugepage/enabled") :
		    knob_open("proc", dir, "sys/kernel/core_pattern"));
	if (waitpid(pid, &st, 0) < 0)
		return fail(errno);
	return WIFEXITED(st) ? WEXITSTATUS(st) : EXIT_OTHER;
}

/* ---- other processes: reach PID by signal, ptrace, pidfd ---- */

static int cmd_reach(pid_t pid)
{
	int reached = 0;
	long r;

	r = kill(pid, 0) < 0 ? -errno : 0;
	printf("kill 0: %s\n", r ? errname((int)-r) : "ok");
	reached |= !r;
	r = ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0 ? -errno : 0;
	printf("ptrace attach: %s\n", r ? errname((int)-r) : "ok");
	if (!r) {
		waitpid(pid, NULL, __WALL);
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	}
	reached |= !r;
	r = syscall(SYS_pidfd_open, pid, 0);
	printf("pidfd_open: %s\n", r < 0 ? errname(errno) : "ok");
	reached |= r >= 0;
	printf("%s\n", reached ? "reached" : "unreached");
	return reached ? EXIT_OK : EXIT_EPERM;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(m, "fam") && argc == 2)
		return cmd_fam();
	if (!strcmp(m, "send") && argc >= 5)
		return cmd_send(argc - 2, argv + 2);
	if (!strcmp(m, "mpserve") && argc == 5)
		return cmd_mpserve(argv + 2);
	if (!strcmp(m, "serve") && argc == 5)
		return cmd_serve(argv + 2);
	if (!strcmp(m, "uring") && argc >= 3)
		return cmd_uring(argc - 2, argv + 2);
	if (!strcmp(m, "ia32") && argc >= 3)
		return in_child(ia32_call, argv + 2);
	if (!strcmp(m, "x32") && argc == 3 && !strcmp(argv[2], "getpid"))
		return in_child(x32_getpid, argv + 2);
	if (!strcmp(m, "rthdr-cmsg") && argc == 4)
		return cmd_rthdr_cmsg(argv + 2);
	if (!strcmp(m, "pktoptions") && argc == 2)
		return cmd_pktoptions();
	if (!strcmp(m, "tiocsti") && argc <= 3)
		return cmd_tiocsti(argc == 3 ? argv[2] : NULL);
	if (!strcmp(m, "open") && argc == 3)
		return cmd_open(argv[2]);
	if (!strcmp(m, "withsock") && argc >= 5 && !strcmp(argv[3], "--"))
		return cmd_withsock(atoi(argv[2]), argv + 4);
	if (!strcmp(m, "fdsend") && argc == 5)
		return sendto_fd(atoi(argv[2]), argv[3], argv[4]);
	if (!strcmp(m, "scmserve") && argc == 4)
		return cmd_scmserve(argv[2], atoi(argv[3]));
	if (!strcmp(m, "scmrecv") && argc == 5)
		return cmd_scmrecv(argv[2], argv[3], argv[4]);
	if (!strcmp(m, "nlserve") && argc == 4)
		return cmd_nlserve((unsigned)atoi(argv[2]), atoi(argv[3]));
	if (!strcmp(m, "nlsend") && argc == 3)
		return cmd_nlsend((unsigned)atoi(argv[2]));
	if ((!strcmp(m, "freshproc") || !strcmp(m, "freshsys")) && argc == 3)
		return cmd_fresh(m, argv[2]);
	if (!strcmp(m, "reach") && argc == 3)
		return cmd_reach(atoi(argv[2]));
	return usage();
}
