/*
 * lockdown.c - the privileged child (loader.c) confines itself, so that a
 * bug in its request handling is worth as little as possible.
 *
 * Runs in the child, which holds CAP_BPF and CAP_NET_ADMIN in its permitted
 * set.  Untrusted input: none (fixed tables; no argument comes from the
 * request).  Three seccomp filters, stacked so that each only takes away:
 *
 *   lockdown_start     before a byte of the request is read: the syscalls
 *                      listed below, bpf() only with our commands and our
 *                      attr size, prctl() only with our options; anything
 *                      else, and every non-native ABI, kills the process.
 *   lockdown_loaded    maps made, programs loaded: no BPF_MAP_CREATE, no
 *                      BPF_PROG_LOAD, no open/openat/openat2, no Landlock.
 *   lockdown_attached  attached and confirmed (or detached again): no bpf()
 *                      and no prctl() at all.
 *
 * and a Landlock domain with no filesystem access (nor TCP, abstract unix
 * sockets or signals where the kernel's ABI has them), once the cgroup is
 * open: the child needs only the fds it holds.
 *
 * Installing a filter needs no_new_privs: the child sets it itself, after
 * its own exec (it never execs again), so its file capabilities were
 * already granted; capset() within the permitted set still works.  The
 * parent must never set it (the child's exec would not get them).
 *
 * seccomp sees syscall arguments, not the memory they point to: bpf()'s
 * command and attr size, prctl()'s option are checkable; openat2()'s flags
 * and path, and the bpf attr contents, are not.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "lockdown.h"

#if defined(__x86_64__)
#define NATIVE_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH	AUDIT_ARCH_AARCH64
#else
#error "lockdown.c: no syscall table for this architecture"
#endif

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "lockdown.c: ARG_LO assumes a little-endian seccomp_data"
#endif
#define NR		offsetof(struct seccomp_data, nr)
#define ARCH		offsetof(struct seccomp_data, arch)
#define ARG_LO(n)	offsetof(struct seccomp_data, args[n])

#define LD(off)		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, off)
#define JEQ(k, t, f)	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, t, f)
#define RET(k)		BPF_STMT(BPF_RET | BPF_K, k)
#define KILL		SECCOMP_RET_KILL_PROCESS
#define ALLOW		SECCOMP_RET_ALLOW
/* One allowed syscall: two instructions, no far jumps to count. */
#define PASS(name)	JEQ(__NR_##name, 0, 1), RET(ALLOW),

/*
 * Every syscall the child makes after lockdown_start(), per build (libc
 * and architecture differ in what open() and fstat() become).  prctl and
 * bpf are not here: they pass only with checked arguments, below.
 * tests/35-lockdown.t traces the child of each build on every path and
 * fails when the trace and this list differ.
 */
#define SYSCALLS_COMMON(X) \
	X(read)		/* the request, from its sealed memfd */	\
	X(write)	/* the reply */					\
	X(sendmsg)	/* the reply with the map fds (MAPFDS) */	\
	X(close)	/* the cgroup2 root, the ruleset fd */		\
	X(fstatfs)	/* cgroup2 magic of the root and the target */	\
	X(openat2)	/* the target, RESOLVE_BENEATH|NO_SYMLINKS... */ \
	X(getuid)	/* the owner check */				\
	X(flock)	/* one attach at a time per cgroup */		\
	X(capget)	/* narrow, raise, clear-and-verify */		\
	X(capset)							\
	X(landlock_create_ruleset)					\
	X(landlock_restrict_self)					\
	X(exit_group)	/* _exit */

#if defined(__GLIBC__)
#define SYSCALLS_LIBC(X) \
	X(openat)	/* open() of the cgroup2 mount points */	\
	X(newfstatat)	/* fstat() */
#elif defined(__x86_64__)
#define SYSCALLS_LIBC(X) \
	X(open)		/* open() of the cgroup2 mount points */	\
	X(fcntl)	/* musl's F_SETFD after O_CLOEXEC */		\
	X(fstat)
#else
#define SYSCALLS_LIBC(X) \
	X(openat)	/* open() of the cgroup2 mount points */	\
	X(fcntl)	/* musl's F_SETFD after O_CLOEXEC */		\
	X(fstat)
#endif

#if defined(__SANITIZE_ADDRESS__)
#define SYSCALLS_SAN(X) \
	X(sigaltstack)	/* AddressSanitizer's own, at exit */
#else
#define SYSCALLS_SAN(X)
#endif

/*
 * bpf(): our attr size, and only the commands loader.c issues.  Offsets
 * are counted from the instruction after each jump.
 */
#define BPF_BLOCK \
	JEQ(__NR_bpf, 0, 13),		/* not bpf: skip the block */	\
	LD(ARG_LO(2)),							\
	JEQ(sizeof(union bpf_attr), 1, 0),				\
	RET(KILL),			/* another attr size */		\
	LD(ARG_LO(0)),							\
	JEQ(BPF_MAP_CREATE, 7, 0),					\
	JEQ(BPF_MAP_UPDATE_ELEM, 6, 0),					\
	JEQ(BPF_PROG_LOAD, 5, 0),					\
	JEQ(BPF_PROG_ATTACH, 4, 0),					\
	JEQ(BPF_PROG_DETACH, 3, 0),	/* undo of a failed attach */	\
	JEQ(BPF_PROG_QUERY, 2, 0),					\
	JEQ(BPF_OBJ_GET_INFO_BY_FD, 1, 0),	/* our program's id */	\
	RET(KILL),			/* any other command */		\
	RET(ALLOW),

/* prctl(): capability bounding read, and the filters of later stages. */
#define PRCTL_BLOCK \
	JEQ(__NR_prctl, 0, 5),						\
	LD(ARG_LO(0)),							\
	JEQ(PR_CAPBSET_READ, 2, 0),	/* CAP_BPF known? (5.8+) */	\
	JEQ(PR_SET_SECCOMP, 1, 0),	/* the next, tighter filter */	\
	RET(KILL),							\
	RET(ALLOW),

/* Any ABI but the native one (ia32, x32 numbers never match a listed
 * native number either, so the allow-list refuses them too). */
#define NATIVE_ONLY \
	LD(ARCH),							\
	JEQ(NATIVE_ARCH, 1, 0),						\
	RET(KILL),

static const struct sock_filter filter_start[] = {
	NATIVE_ONLY
	LD(NR),
	BPF_BLOCK
	PRCTL_BLOCK
	SYSCALLS_COMMON(PASS)
	SYSCALLS_LIBC(PASS)
	SYSCALLS_SAN(PASS)
	RET(KILL),
};

/* After loading: what only creating maps, loading and opening needed. */
static const struct sock_filter filter_loaded[] = {
	LD(NR),
#ifdef __NR_open
	JEQ(__NR_open, 5, 0),
#else
	JEQ(__NR_openat2, 5, 0),	/* (a repeat: keeps the offsets) */
#endif
	JEQ(__NR_openat, 4, 0),
	JEQ(__NR_openat2, 3, 0),
	JEQ(__NR_landlock_create_ruleset, 2, 0),
	JEQ(__NR_landlock_restrict_self, 1, 0),
	JEQ(__NR_bpf, 1, 5),
	RET(KILL),
	LD(ARG_LO(0)),			/* bpf: which command */
	JEQ(BPF_MAP_CREATE, 1, 0),
	JEQ(BPF_PROG_LOAD, 0, 1),
	RET(KILL),
	RET(ALLOW),
};

/* After attaching: the reply, the capability clear, exit. */
static const struct sock_filter filter_attached[] = {
	LD(NR),
	JEQ(__NR_bpf, 1, 0),
	JEQ(__NR_prctl, 0, 1),
	RET(KILL),
	RET(ALLOW),
};

static int install(const struct sock_filter *f, size_t n)
{
	struct sock_fprog prog;

	prog.len = (unsigned short)n;
	prog.filter = (struct sock_filter *)(uintptr_t)f;	/* copied in */
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0 ?
	    -errno : 0;
}

#define INSTALL(f)	install(f, sizeof(f) / sizeof(f[0]))

int lockdown_start(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return INSTALL(filter_start);
}

int lockdown_loaded(void)
{
	return INSTALL(filter_loaded);
}

int lockdown_attached(void)
{
	return INSTALL(filter_attached);
}

#define LL_VERSION	1U		/* LANDLOCK_CREATE_RULESET_VERSION */

/* Also the keeper's (fsjail.c's fs_landlock_readonly): nothing here depends
 * on who calls it, and the rights are the caller's. */
int lockdown_ruleset(const struct ll_ruleset_attr *attr, size_t size)
{
	int fd, r = 0;

	fd = (int)syscall(__NR_landlock_create_ruleset, attr, size, 0U);
	if (fd < 0)
		return -errno;
	if (syscall(__NR_landlock_restrict_self, fd, 0U) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Everything the kernel's ABI can take away, granted back on nothing. */
int lockdown_landlock(void)
{
	struct ll_ruleset_attr attr = { 0, 0, 0 };
	size_t size = sizeof(attr.handled_access_fs);
	long abi;

	abi = syscall(__NR_landlock_create_ruleset, NULL, 0, LL_VERSION);
	if (abi < 0)
		return -errno;	/* ENOSYS, or EOPNOTSUPP: not enabled */
	attr.handled_access_fs = (1ULL << 13) - 1;	/* ABI 1: 13 rights */
	if (abi >= 2)
		attr.handled_access_fs |= 1ULL << 13;	/* REFER */
	if (abi >= 3)
		attr.handled_access_fs |= 1ULL << 14;	/* TRUNCATE */
	if (abi >= 4) {
		attr.handled_access_net = 3;	/* BIND_TCP, CONNECT_TCP */
		size = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (abi >= 5)
		attr.handled_access_fs |= 1ULL << 15;	/* IOCTL_DEV */
	if (abi >= 6) {
		attr.scoped = 3;	/* abstract unix sockets, signals */
		size = sizeof(attr);
	}
	return lockdown_ruleset(&attr, size);
}

#define NAME(n)	#n "\n"
/* For tests/35-lockdown.t: this build's list, a name a line. */
const char *lockdown_syscalls(void)
{
	return SYSCALLS_COMMON(NAME) SYSCALLS_LIBC(NAME) SYSCALLS_SAN(NAME)
	    "prctl\nbpf\n";
}
