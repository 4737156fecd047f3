/*
 * tests/abi_probe.c - syscalls through the ABIs a jail must refuse, made
 * from this static 64-bit program: ia32 with `int $0x80` (its pointer
 * arguments in memory below 4 GiB, MAP_32BIT) and x32 (nr | 0x40000000
 * through the native `syscall` instruction).  There is no -m32 toolchain.
 *
 * Every attempt runs in a forked child, so a seccomp kill of the child is
 * reported rather than fatal.  The last output line is the verdict: "ok"
 * (the call succeeded), an errno name (EPERM, ENOSYS, ...), or "SIGSYS"
 * (killed by seccomp).  Exit 0 for ok, 1 for a refusal or a kill, 2 for
 * bad usage or a failure of the probe's own setup.
 *
 *   abi_probe getpid native|ia32|x32
 *   abi_probe clone3                      native clone3(NULL, 0)
 *   abi_probe minus1                      native syscall(-1)
 *   abi_probe rthdr6 native|ia32 rthdr|2292rthdr [SEG DST PORT]
 *       setsockopt(IPPROTO_IPV6, IPV6_RTHDR) with a segment routing header
 *       whose active segment is SEG (or IPV6_2292RTHDR = 1) on a UDP
 *       socket; with DST PORT, then sendto DST: the datagram goes to SEG.
 *   abi_probe connect native|ia32|socketcall tcp|udp ADDR PORT
 *       socket + connect (+ a datagram for udp) through that ABI
 *   abi_probe uring native|ia32             io_uring_setup(4, ...)
 *   abi_probe as UID ARGS...                any of the above as UID (and gid)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#if !defined(__x86_64__)
#error "abi_probe makes ia32 and x32 calls: x86_64 only"
#endif

/* ia32 syscall numbers (arch/x86/entry/syscalls/syscall_32.tbl). */
#define I386_GETPID		20
#define I386_SOCKETCALL		102
#define I386_SOCKET		359
#define I386_CONNECT		362
#define I386_SETSOCKOPT		366
#define I386_SENDTO		369
#define I386_IO_URING_SETUP	425
#define SOCKETCALL_SOCKET	1
#define SOCKETCALL_CONNECT	3
#define X32_BIT			0x40000000L
#define X86_64_GETPID		39

#ifndef IPV6_RTHDR
#define IPV6_RTHDR		57
#endif
#define IPV6_2292RTHDR_OPT	5

static char *low;	/* 64 KiB below 4 GiB for ia32 pointer arguments */

static long ia32(long nr, long a, long b, long c, long d, long e)
{
	long ret;

	__asm__ volatile("int $0x80"
	    : "=a"(ret)
	    : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
	    : "memory", "r8", "r9", "r10", "r11", "cc");
	return (int)ret;	/* the compat ABI returns a 32-bit value */
}

static long x32(long nr)
{
	long ret;

	__asm__ volatile("syscall"
	    : "=a"(ret)
	    : "a"(nr | X32_BIT)
	    : "memory", "rcx", "r11", "cc");
	return ret;
}

static const char *errname(int e)
{
	static char buf[32];

	switch (e) {
	case EPERM: return "EPERM";
	case ENOSYS: return "ENOSYS";
	case EINVAL: return "EINVAL";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case ENOPROTOOPT: return "ENOPROTOOPT";
	case ECONNREFUSED: return "ECONNREFUSED";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOMEM: return "ENOMEM";
	}
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

/* A raw return value (>= 0 or -errno) as the verdict; the exit status. */
static int verdict(const char *what, long r)
{
	if (r >= 0) {
		printf("%s: %ld\nok\n", what, r);
		return 0;
	}
	printf("%s: %s\n%s\n", what, errname((int)-r), errname((int)-r));
	return 1;
}

static long native_ret(long r)
{
	return r < 0 ? -errno : r;
}

static int usage(void)
{
	fprintf(stderr, "usage: see the top of tests/abi_probe.c\n");
	return 2;
}

static int do_getpid(const char *abi)
{
	if (strcmp(abi, "native") == 0)
		return verdict("native getpid", native_ret(syscall(SYS_getpid)));
	if (strcmp(abi, "ia32") == 0)
		return verdict("ia32 getpid", ia32(I386_GETPID, 0, 0, 0, 0, 0));
	if (strcmp(abi, "x32") == 0)
		return verdict("x32 getpid", x32(X86_64_GETPID));
	return usage();
}

/* A segment routing header (type 4) with one segment, segments_left 0:
 * the kernel sends the datagram to that segment (fl6_update_dst). */
static size_t srh(unsigned char *b, const struct in6_addr *seg)
{
	memset(b, 0, 24);
	b[1] = 2;		/* hdrlen: (24 / 8) - 1 */
	b[2] = 4;		/* type: SRH */
	b[3] = 0;		/* segments_left */
	b[4] = 0;		/* first_segment (last_entry) */
	memcpy(b + 8, seg, 16);
	return 24;
}

static int do_rthdr6(int argc, char **argv)
{
	struct sockaddr_in6 dst;
	struct in6_addr seg;
	unsigned char *opt = (unsigned char *)low;
	int fd, name, ia = strcmp(argv[2], "ia32") == 0;
	size_t len;
	long r;

	memset(&seg, 0, sizeof(seg));
	if (strcmp(argv[3], "rthdr") == 0) {
		name = IPV6_RTHDR;
		if (argc < 5 || inet_pton(AF_INET6, argv[4], &seg) != 1)
			return usage();
		len = srh(opt, &seg);
	} else if (strcmp(argv[3], "2292rthdr") == 0) {
		name = IPV6_2292RTHDR_OPT;
		*(int *)(void *)opt = 1;
		len = sizeof(int);
	} else {
		return usage();
	}
	if ((fd = socket(AF_INET6, SOCK_DGRAM, 0)) < 0)
		return verdict("native socket(AF_INET6, SOCK_DGRAM)", -errno);
	if (ia)
		r = ia32(I386_SETSOCKOPT, fd, IPPROTO_IPV6, name,
		    (long)(uintptr_t)opt, (long)len);
	else
		r = native_ret(setsockopt(fd, IPPROTO_IPV6, name, opt,
		    (socklen_t)len));
	if (r < 0 || argc < 7)
		return verdict(ia ? "ia32 setsockopt" : "native setsockopt", r);
	printf("%s setsockopt: ok\n", argv[2]);
	memset(&dst, 0, sizeof(dst));
	dst.sin6_family = AF_INET6;
	dst.sin6_port = htons((unsigned short)atoi(argv[6]));
	if (inet_pton(AF_INET6, argv[5], &dst.sin6_addr) != 1)
		return usage();
	return verdict("native sendto", native_ret(sendto(fd, "abi", 3, 0,
	    (struct sockaddr *)&dst, sizeof(dst))));
}

/* socket + connect through abi: the socket fd or -errno. */
static long abi_socket(const char *abi, int type)
{
	unsigned int *a = (unsigned int *)(void *)(low + 4096);

	if (strcmp(abi, "ia32") == 0)
		return ia32(I386_SOCKET, AF_INET, type, 0, 0, 0);
	if (strcmp(abi, "socketcall") == 0) {
		a[0] = AF_INET, a[1] = (unsigned int)type, a[2] = 0;
		return ia32(I386_SOCKETCALL, SOCKETCALL_SOCKET,
		    (long)(uintptr_t)a, 0, 0, 0);
	}
	return native_ret(socket(AF_INET, type, 0));
}

static long abi_connect(const char *abi, int fd, struct sockaddr_in *sa)
{
	unsigned int *a = (unsigned int *)(void *)(low + 4096);

	if (strcmp(abi, "ia32") == 0)
		return ia32(I386_CONNECT, fd, (long)(uintptr_t)sa,
		    sizeof(*sa), 0, 0);
	if (strcmp(abi, "socketcall") == 0) {
		a[0] = (unsigned int)fd;
		a[1] = (unsigned int)(uintptr_t)sa;
		a[2] = sizeof(*sa);
		return ia32(I386_SOCKETCALL, SOCKETCALL_CONNECT,
		    (long)(uintptr_t)a, 0, 0, 0);
	}
	return native_ret(connect(fd, (struct sockaddr *)sa, sizeof(*sa)));
}

static int do_connect(char **argv)
{
	struct sockaddr_in *sa = (struct sockaddr_in *)(void *)(low + 8192);
	int udp = strcmp(argv[3], "udp") == 0;
	long fd, r;

	if (strcmp(argv[2], "native") && strcmp(argv[2], "ia32") &&
	    strcmp(argv[2], "socketcall"))
		return usage();
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)atoi(argv[5]));
	if (inet_pton(AF_INET, argv[4], &sa->sin_addr) != 1)
		return usage();
	fd = abi_socket(argv[2], udp ? SOCK_DGRAM : SOCK_STREAM);
	if (fd < 0)
		return verdict("socket", fd);
	r = abi_connect(argv[2], (int)fd, sa);
	if (r < 0 || !udp)
		return verdict("connect", r);
	return verdict("send", native_ret(send((int)fd, "abi", 3, 0)));
}

static int do_uring(const char *abi)
{
	void *params = low + 12288;	/* struct io_uring_params: 120 bytes */

	memset(params, 0, 512);
	if (strcmp(abi, "ia32") == 0)
		return verdict("ia32 io_uring_setup", ia32(I386_IO_URING_SETUP,
		    4, (long)(uintptr_t)params, 0, 0, 0));
	if (strcmp(abi, "native") == 0)
		return verdict("native io_uring_setup",
		    native_ret(syscall(425, 4, params)));
	return usage();
}

static int attempt(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "getpid") == 0)
		return do_getpid(argv[2]);
	if (argc == 2 && strcmp(argv[1], "clone3") == 0)
		return verdict("native clone3(NULL, 0)",
		    native_ret(syscall(435, NULL, 0)));
	if (argc == 2 && strcmp(argv[1], "minus1") == 0)
		return verdict("native syscall(-1)", native_ret(syscall(-1L)));
	if ((argc == 4 || argc == 5 || argc == 7) &&
	    strcmp(argv[1], "rthdr6") == 0)
		return do_rthdr6(argc, argv);
	if (argc == 6 && strcmp(argv[1], "connect") == 0)
		return do_connect(argv);
	if (argc == 3 && strcmp(argv[1], "uring") == 0)
		return do_uring(argv[2]);
	return usage();
}

int main(int argc, char **argv)
{
	int status;
	pid_t pid;

	if (argc > 3 && strcmp(argv[1], "as") == 0) {
		uid_t uid = (uid_t)atoi(argv[2]);

		if (setgroups(0, NULL) < 0 || setgid(uid) < 0 ||
		    setuid(uid) < 0) {
			perror("abi_probe: as");
			return 2;
		}
		argv[2] = argv[0];
		argv += 2;
		argc -= 2;
	}
	low = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (low == MAP_FAILED || (uintptr_t)low + 65536 > 0xffffffffUL) {
		perror("abi_probe: mmap MAP_32BIT");
		return 2;
	}
	fflush(stdout);
	if ((pid = fork()) < 0) {
		perror("abi_probe: fork");
		return 2;
	}
	if (pid == 0) {
		status = attempt(argc, argv);
		fflush(stdout);
		_exit(status);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("abi_probe: waitpid");
		return 2;
	}
	if (WIFSIGNALED(status)) {
		printf("killed by signal %d\n%s\n", WTERMSIG(status),
		    WTERMSIG(status) == SIGSYS ? "SIGSYS" : "signal");
		return 1;
	}
	return WEXITSTATUS(status);
}
