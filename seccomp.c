/*
 * seccomp.c - which syscall ABIs a jailed process may use.  `run`'s CMD
 * gets a classic-BPF seccomp filter from the table below (one table per
 * architecture); a podman jail gets podman's default profile with its
 * architectures narrowed to the native one.
 *
 * Why: the kernel runs the cgroup setsockopt/getsockopt programs only for
 * native syscalls.  An ia32 call (`int 0x80` from 64-bit code) or an
 * io_uring ring created by an ia32 io_uring_setup is "compat" and skips
 * them, so IPV6_RTHDR (a segment routing header that delivers past the
 * judged address) could be set.  So a jailed process can make no syscall
 * through any ABI but the native one: ia32 and x32 on x86_64, AArch32 on
 * arm64.
 *
 * Privilege: the filter is installed by the CMD side of `run` after
 * no_new_privs (confine.c); the profile is written with the caller's own
 * rights.  Untrusted input: none (podman's default profile is a file of the
 * system's, read as is; a malformed one is refused, not guessed at).
 *
 * Cost: any seccomp filter puts every syscall of the process on the
 * kernel's slow entry path, about 40-80 ns here (getppid 168 -> 207 ns,
 * about 2.4% of a 64-byte UDP send), whatever the filter says.  The table
 * is kept to what the kernel's action cache (5.11+) can precompute: it
 * loads only `arch` and `nr` and compares them with constants, so every
 * native syscall but clone3 is allowed from a bitmap without running the
 * filter.  No argument loads here, ever: they make the cache run the
 * filter in full for that syscall.  (The keeper's filter, below, is not
 * CMD's: it loads socket()'s domain, so its socket() calls run it.)
 *
 * The keeper (keeper.c) gets a filter of its own once it is ready:
 * EPERM for unix sockets, exec, ptrace, signals and links.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "seccomp.h"

#define LD_ARCH	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, \
		    offsetof(struct seccomp_data, arch))
#define LD_NR	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, \
		    offsetof(struct seccomp_data, nr))
/* Jump offsets from instruction indexes, never counted by hand. */
#define TO(from, to)	((to) - (from) - 1)

/*
 * clone3(CLONE_INTO_CGROUP) moves a child into any cgroup whose directory
 * the caller can open and whose cgroup.procs it may write by mode: a
 * read-only mount does not stop it (measured).  clone3 gets ENOSYS, on
 * which libcs fall back to clone, which has no such flag.  435 on x86_64
 * and on arm64 (the numbering shared by every architecture since 5.1).
 */
#define NR_CLONE3	435
#ifdef __NR_clone3
_Static_assert(__NR_clone3 == NR_CLONE3, "clone3 is 435");
#endif

/*
 * A call through a foreign ABI kills the whole process (SIGSYS, "Bad
 * system call", logged by the kernel), rather than failing with ENOSYS:
 * no 64-bit program makes such calls in normal work, so one is an attack
 * or a 32-bit binary, and a 32-bit binary under ENOSYS would see even its
 * exit fail (musl's _Exit then loops on SYS_exit forever, glibc's ends in
 * hlt).  Killing ends either at once and says why.  clone3 keeps ENOSYS:
 * native programs call it and must fall back.
 */
#define RET_WRONG_ABI	SECCOMP_RET_KILL_PROCESS
#define RET_ENOSYS	(SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA))

#if defined(__x86_64__) && !defined(__ILP32__)

const char seccomp_native_arch[] = "SCMP_ARCH_X86_64";

/* x32 calls arrive as AUDIT_ARCH_X86_64 with this bit in nr. */
#define X32_SYSCALL_BIT	0x40000000U

enum {
	X_ARCH, X_NATIVE, X_NR, X_CLONE3, X_X32, X_MINUS1, X_ALLOW, X_ENOSYS,
	X_KILL, X_LEN
};

static const struct sock_filter cmd_table[X_LEN] = {
	/* A = seccomp_data.arch */
	[X_ARCH] = LD_ARCH,
	/* if (A != AUDIT_ARCH_X86_64) goto kill;  ia32: int 0x80, sysenter,
	 * 32-bit syscall, and io_uring_setup of an ia32 ring */
	[X_NATIVE] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64,
	    0, TO(X_NATIVE, X_KILL)),
	/* A = seccomp_data.nr */
	[X_NR] = LD_NR,
	/* if (A == clone3) goto enosys */
	[X_CLONE3] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_CLONE3,
	    TO(X_CLONE3, X_ENOSYS), 0),
	/* if (A < 0x40000000) goto allow;  else x32 (nr | __X32_SYSCALL_BIT) */
	[X_X32] = BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT,
	    0, TO(X_X32, X_ALLOW)),
	/* if (A != -1) goto kill;  nr -1 (what tracers use to skip a call)
	 * is left to the kernel, which answers ENOSYS, as libseccomp does */
	[X_MINUS1] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffU,
	    0, TO(X_MINUS1, X_KILL)),
	/* allow: return ALLOW */
	[X_ALLOW] = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	/* enosys: return ERRNO(ENOSYS) */
	[X_ENOSYS] = BPF_STMT(BPF_RET | BPF_K, RET_ENOSYS),
	/* kill: return KILL_PROCESS */
	[X_KILL] = BPF_STMT(BPF_RET | BPF_K, RET_WRONG_ABI),
};

#elif defined(__aarch64__) && !defined(__ILP32__)

const char seccomp_native_arch[] = "SCMP_ARCH_AARCH64";

enum {
	A_ARCH, A_NATIVE, A_NR, A_CLONE3, A_ALLOW, A_ENOSYS, A_KILL, A_LEN
};

static const struct sock_filter cmd_table[A_LEN] = {
	/* A = seccomp_data.arch */
	[A_ARCH] = LD_ARCH,
	/* if (A != AUDIT_ARCH_AARCH64) goto kill;  AArch32 (compat,
	 * AUDIT_ARCH_ARM) is refused; arm64 has no x32-like ABI */
	[A_NATIVE] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_AARCH64,
	    0, TO(A_NATIVE, A_KILL)),
	/* A = seccomp_data.nr */
	[A_NR] = LD_NR,
	/* if (A == clone3) goto enosys */
	[A_CLONE3] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_CLONE3,
	    TO(A_CLONE3, A_ENOSYS), 0),
	/* return ALLOW */
	[A_ALLOW] = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	/* enosys: return ERRNO(ENOSYS) */
	[A_ENOSYS] = BPF_STMT(BPF_RET | BPF_K, RET_ENOSYS),
	/* kill: return KILL_PROCESS */
	[A_KILL] = BPF_STMT(BPF_RET | BPF_K, RET_WRONG_ABI),
};

#else
#error "seccomp.c: no filter table for this architecture: add one"
#endif

#define CMD_LEN	(sizeof(cmd_table) / sizeof(cmd_table[0]))
_Static_assert(CMD_LEN <= 16, "keep the CMD filter short");

size_t seccomp_cmd_filter(const struct sock_filter **f)
{
	*f = cmd_table;
	return CMD_LEN;
}

int seccomp_confine_cmd(void)
{
	struct sock_filter f[CMD_LEN];
	struct sock_fprog prog;

	memcpy(f, cmd_table, sizeof(f));	/* the kernel wants non-const */
	memset(&prog, 0, sizeof(prog));
	prog.len = CMD_LEN;
	prog.filter = f;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0 ?
	    -errno : 0;
}

/* ---- the keeper (keeper.c): no new reach once it is ready ---- */

/*
 * The keeper runs as uid 0 without capabilities and parses what the
 * container writes (DNS queries).  Landlock does not cover connect() to
 * pathname unix sockets (podman's API, D-Bus, systemd, other jails'
 * control sockets, which accept uid 0 of the host), nor signals before
 * ABI 6.  So once ready it makes no unix socket, runs nothing, traces
 * and signals no one and makes no link or node: EPERM.  It keeps AF_INET
 * and AF_INET6 sockets (the DNS forwarder asks upstream).  Unlike CMD's,
 * this filter loads an argument (socket's domain): the action cache then
 * runs it for socket() alone, which the keeper calls once per upstream
 * query at most.
 */
#define RET_EPERM	(SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG0_LO	offsetof(struct seccomp_data, args[0])
#else
#define ARG0_LO	(offsetof(struct seccomp_data, args[0]) + 4)
#endif

/* pidfd_send_signal: 424 everywhere (5.1+); older headers lack it. */
#define NR_PIDFD_SEND_SIGNAL	424
#ifdef __NR_pidfd_send_signal
_Static_assert(__NR_pidfd_send_signal == NR_PIDFD_SEND_SIGNAL, "424");
#endif

static const unsigned int keeper_denied[] = {
	__NR_socketpair, __NR_execve, __NR_execveat, __NR_ptrace, __NR_kill,
	__NR_tkill, __NR_tgkill, __NR_rt_sigqueueinfo, __NR_rt_tgsigqueueinfo,
	NR_PIDFD_SEND_SIGNAL, __NR_linkat, __NR_symlinkat,
	__NR_mknodat,
#ifdef __NR_link	/* x86_64; arm64 has only the *at calls */
	__NR_link, __NR_symlink, __NR_mknod,
#endif
};
#define KEEPER_NDENY	(sizeof(keeper_denied) / sizeof(keeper_denied[0]))

#if defined(__x86_64__)
#define KEEPER_ARCH	AUDIT_ARCH_X86_64
#define KEEPER_X32	1
#else
#define KEEPER_ARCH	AUDIT_ARCH_AARCH64
#define KEEPER_X32	0
#endif

size_t seccomp_keeper_filter(struct sock_filter *f, size_t max)
{
	/* arch, jeq, nr, [x32], NDENY jeqs, socket, arg0, unix, allow,
	 * eperm, kill */
	size_t n = 3 + KEEPER_X32 + KEEPER_NDENY + 6, i, d;
	size_t sock, allow = n - 3, eperm = n - 2, kill = n - 1;

	if (n > max)
		return 0;
	i = 0;
	/* A = arch; if (A != native) goto kill */
	f[i++] = (struct sock_filter)LD_ARCH;
	f[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    KEEPER_ARCH, 0, (__u8)TO(i, kill));
	i++;
	/* A = nr */
	f[i++] = (struct sock_filter)LD_NR;
#if KEEPER_X32
	/* if (A >= 0x40000000) goto kill: x32, and no tracer skips here */
	f[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
	    0x40000000U, (__u8)TO(i, kill), 0);
	i++;
#endif
	/* if (A == denied[d]) goto eperm */
	for (d = 0; d < KEEPER_NDENY; d++, i++)
		f[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
		    BPF_K, keeper_denied[d], (__u8)TO(i, eperm), 0);
	/* if (A != socket) goto allow */
	sock = i;
	f[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    __NR_socket, 0, (__u8)TO(sock, allow));
	i++;
	/* A = (u32)args[0], the domain; if (A == AF_UNIX) goto eperm */
	f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    ARG0_LO);
	f[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    AF_UNIX, (__u8)TO(i, eperm), 0);
	i++;
	f[allow] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ALLOW);
	f[eperm] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, RET_EPERM);
	f[kill] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    RET_WRONG_ABI);
	return n;
}

int seccomp_confine_keeper(void)
{
	struct sock_filter f[64];
	struct sock_fprog prog;
	size_t n = seccomp_keeper_filter(f, 64);

	if (n == 0)
		return -E2BIG;
	memset(&prog, 0, sizeof(prog));
	prog.len = (unsigned short)n;
	prog.filter = f;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0 ?
	    -errno : 0;
}

/* ---- podman: the default profile, native ABI only ---- */

/*
 * podman's own lookup (containers/common): the override in /etc first,
 * then the packaged default.  A `seccomp_profile` set in containers.conf is
 * not read: jail-ai narrows the default profile.
 */
static const char *const profile_src[] = {
	"/etc/containers/seccomp.json",
	"/usr/share/containers/seccomp.json",
};
#define PROFILE_MAX	(1 << 20)
#define PROFILE_NAME	"seccomp-native.json"

static const char *ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	return p;
}

/* p at an opening quote: past the closing one, or NULL. */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* Past one JSON value at p (brackets matched, strings skipped), or NULL. */
static const char *skip_value(const char *p, const char *end)
{
	char stack[64];
	size_t depth = 0;

	if (p < end && *p == '"')
		return skip_string(p, end);
	if (p < end && *p != '{' && *p != '[') {	/* number, literal */
		while (p < end && !strchr(",}] \t\r\n", *p))
			p++;
		return p;
	}
	while (p < end) {
		if (*p == '"') {
			if (!(p = skip_string(p, end)))
				return NULL;
			continue;
		}
		if (*p == '{' || *p == '[') {
			if (depth == sizeof(stack))
				return NULL;
			stack[depth++] = *p == '{' ? '}' : ']';
		} else if (*p == '}' || *p == ']') {
			if (depth == 0 || stack[--depth] != *p)
				return NULL;
			if (depth == 0)
				return p + 1;
		}
		p++;
	}
	return NULL;
}

struct out {
	char *buf;
	size_t len, max;
	int err;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->err || n > o->max - o->len) {
		o->err = -E2BIG;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/*
 * The replacement for a top-level key k[0..n), or NULL to copy its value.
 * Go's encoding/json matches keys case-insensitively, so do we.
 */
static const char *narrowed(const char *k, size_t n, char *tmp, size_t len)
{
	if (n == 7 && strncasecmp(k, "archMap", 7) == 0) {
		snprintf(tmp, len, "[{\"architecture\": \"%s\", "
		    "\"subArchitectures\": []}]", seccomp_native_arch);
		return tmp;
	}
	if (n == 13 && strncasecmp(k, "architectures", 13) == 0) {
		snprintf(tmp, len, "[\"%s\"]", seccomp_native_arch);
		return tmp;
	}
	return NULL;
}

int seccomp_narrow_profile(const char *in, size_t n, char *out,
    size_t outmax, size_t *outlen)
{
	const char *p = ws(in, in + n), *end = in + n, *k, *v, *rep;
	struct out o = { out, 0, outmax, 0 };
	char tmp[128];
	int found = 0;

	if (p == end || *p++ != '{')
		return -EINVAL;
	put(&o, in, (size_t)(p - in));
	for (;;) {
		k = ws(p, end);
		if (k < end && *k == '}' && !found)
			return -EINVAL;
		if (k == end || *k != '"' || !(v = skip_string(k, end)))
			return -EINVAL;
		if (memchr(k + 1, '\\', (size_t)(v - k - 2)))
			return -EINVAL;	/* an escaped key: refuse, never guess */
		rep = narrowed(k + 1, (size_t)(v - k - 2), tmp, sizeof(tmp));
		v = ws(v, end);
		if (v == end || *v++ != ':')
			return -EINVAL;
		v = ws(v, end);
		put(&o, p, (size_t)(v - p));
		if (!(p = skip_value(v, end)) || p == v)
			return -EINVAL;
		if (rep)
			found = 1;
		put(&o, rep ? rep : v, rep ? strlen(rep) : (size_t)(p - v));
		v = ws(p, end);
		if (v == end || (*v != ',' && *v != '}'))
			return -EINVAL;
		put(&o, p, (size_t)(v + 1 - p));
		p = v + 1;
		if (*v == '}')
			break;
	}
	if (!found || ws(p, end) != end)
		return -EINVAL;
	put(&o, p, (size_t)(end - p));
	*outlen = o.len;
	return o.err;
}

/* A directory only the caller (or root) can change entries in. */
static int dir_private(int fd, int strict)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != geteuid() && (strict || st.st_uid != 0))
		return -EPERM;
	if ((st.st_mode & 022) && (strict || !(st.st_mode & S_ISVTX)))
		return -EPERM;
	return 0;
}

/* parent/name, made 0700 if missing; an fd of it after both are checked. */
static int private_dir(const char *parent, const char *name)
{
	int pfd, fd = -1, r;

	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	if ((r = dir_private(pfd, 0)) < 0)
		goto out;
	if (mkdirat(pfd, name, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		goto out;
	}
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0)
		r = -errno;
	else if ((r = dir_private(fd, 1)) < 0) {
		close(fd);
		fd = -1;
	}
out:
	close(pfd);
	return fd >= 0 ? fd : r;
}

/* root: /run/jail-ai; others: $XDG_RUNTIME_DIR/jail-ai, else
 * $HOME/.cache/jail-ai.  An fd of it, its path in dir. */
int seccomp_state_dir(char *dir, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR"), *home = getenv("HOME");
	char cache[2048];
	int fd;

	if (geteuid() == 0)
		xdg = "/run";
	if (xdg && xdg[0] == '/') {
		if (snprintf(dir, len, "%s/jail-ai", xdg) >= (int)len)
			return -ENAMETOOLONG;
		return private_dir(xdg, "jail-ai");
	}
	snprintf(dir, len, "$XDG_RUNTIME_DIR or $HOME");
	if (!home || home[0] != '/')
		return -ENOENT;
	if (snprintf(cache, sizeof(cache), "%s/.cache", home) >=
	    (int)sizeof(cache))
		return -ENAMETOOLONG;
	snprintf(dir, len, "%s", cache);
	if ((fd = private_dir(home, ".cache")) < 0)
		return fd;
	close(fd);
	if (snprintf(dir, len, "%s/jail-ai", cache) >= (int)len)
		return -ENAMETOOLONG;
	return private_dir(cache, "jail-ai");
}

/* The first of profile_src that exists, narrowed; *what is its name. */
static int read_narrowed(char **out, size_t *outlen, const char **what)
{
	char *in = NULL;
	size_t i, n = 0;
	int fd = -1, r = -ENOENT;
	ssize_t k = 0;

	for (i = 0; i < sizeof(profile_src) / sizeof(profile_src[0]); i++) {
		*what = profile_src[i];
		if ((fd = open(*what, O_RDONLY | O_CLOEXEC)) >= 0 ||
		    errno != ENOENT)
			break;
	}
	if (fd < 0)
		return -errno;
	if (!(in = malloc(PROFILE_MAX)) || !(*out = malloc(PROFILE_MAX)))
		r = -ENOMEM;
	while (in && *out && (k = read(fd, in + n, PROFILE_MAX - n)) > 0)
		n += (size_t)k;
	if (in && *out)
		r = k < 0 ? -errno : n == PROFILE_MAX ? -EFBIG :
		    seccomp_narrow_profile(in, n, *out, PROFILE_MAX, outlen);
	close(fd);
	free(in);
	return r;
}

static int write_at(int dfd, const char *name, const char *buf, size_t n)
{
	char tmp[64];
	ssize_t w;
	int fd, r = 0;

	snprintf(tmp, sizeof(tmp), ".%s.%ld", name, (long)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (r == 0 && n > 0) {
		if ((w = write(fd, buf, n)) < 0)
			r = -errno;
		else
			buf += w, n -= (size_t)w;
	}
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dfd, tmp, 0);
	return r;
}

int seccomp_podman_profile(char *path, size_t len, const char **what)
{
	static char dir[4096];
	char *prof = NULL;
	size_t n = 0;
	int dfd, r;

	if ((r = read_narrowed(&prof, &n, what)) < 0)
		goto out;
	*what = dir;
	if ((dfd = seccomp_state_dir(dir, sizeof(dir))) < 0) {
		r = dfd;
		goto out;
	}
	r = write_at(dfd, PROFILE_NAME, prof, n);
	close(dfd);
	if (r == 0 && snprintf(path, len, "%s/%s", dir, PROFILE_NAME) >=
	    (int)len)
		r = -ENAMETOOLONG;
out:
	free(prof);
	return r;
}
