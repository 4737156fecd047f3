/*
 * tests/unit_seccomp.c - the CMD seccomp filter, the keeper's, and the
 * podman profile narrowing, without the kernel (tests/26-abi.t runs this, then the same
 * filter against the kernel).
 *
 * The filter is run by a small interpreter that, like the kernel's action
 * cache emulator (kernel/seccomp.c, seccomp_is_const_allow), knows only
 * loads of `arch` and `nr`, AND with a constant, jumps against constants
 * and returns of constants: an instruction outside that set fails the test,
 * because it would make the kernel run the filter on every syscall.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "seccomp.h"
#include "tap.h"

#define BAD	0xdeadbeefU	/* the filter left the cacheable subset */

/* The keeper's filter loads socket's domain: run_arg0 >= 0 lets run()
 * read it as args[0] (the CMD filter keeps -1: no argument loads). */
static long long run_arg0 = -1;

static unsigned int run(const struct sock_filter *f, size_t n, __u32 arch,
    __u32 nr)
{
	__u32 a = 0;
	size_t pc = 0;
	int taken;

	while (pc < n) {
		const struct sock_filter *i = &f[pc++];

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (i->k == offsetof(struct seccomp_data, arch))
				a = arch;
			else if (i->k == offsetof(struct seccomp_data, nr))
				a = nr;
			else if (run_arg0 >= 0 && i->k ==
			    offsetof(struct seccomp_data, args[0]))
				a = (__u32)run_arg0;
			else
				return BAD;	/* args, ip: not cacheable */
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= i->k;
			break;
		case BPF_JMP | BPF_JA:
			pc += i->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
		case BPF_JMP | BPF_JGE | BPF_K:
		case BPF_JMP | BPF_JGT | BPF_K:
		case BPF_JMP | BPF_JSET | BPF_K:
			switch (BPF_OP(i->code)) {
			case BPF_JEQ: taken = a == i->k; break;
			case BPF_JGE: taken = a >= i->k; break;
			case BPF_JGT: taken = a > i->k; break;
			default: taken = (a & i->k) != 0; break;
			}
			pc += taken ? i->jt : i->jf;
			break;
		case BPF_RET | BPF_K:
			return i->k;
		default:
			return BAD;
		}
	}
	return BAD;	/* fell off the end: the kernel refuses such a filter */
}

#if defined(__x86_64__)
#define NATIVE	AUDIT_ARCH_X86_64
#define COMPAT	AUDIT_ARCH_I386
#elif defined(__aarch64__)
#define NATIVE	AUDIT_ARCH_AARCH64
#define COMPAT	AUDIT_ARCH_ARM
#endif
#define ENOSYS_RET	(SECCOMP_RET_ERRNO | ENOSYS)

static void filter_tests(void)
{
	const struct sock_filter *f;
	size_t n = seccomp_cmd_filter(&f);
	unsigned int r, bad = 0, badnr = 0;
	__u32 nr;

	ok(n > 0 && n <= 16, "the CMD filter is short (%zu instructions)", n);
	for (nr = 0; nr < 4096; nr++) {
		r = run(f, n, NATIVE, nr);
		if (r != (nr == 435 ? ENOSYS_RET : SECCOMP_RET_ALLOW))
			bad++, badnr = nr;
	}
	ok(bad == 0, "native: every nr below 4096 is allowed, except clone3 "
	    "(ENOSYS) (%u wrong, e.g. nr %u)", bad, badnr);
	ok(run(f, n, NATIVE, 435) == ENOSYS_RET, "native clone3 is ENOSYS");
	for (bad = 0, nr = 0; nr < 4096; nr++)
		if (run(f, n, COMPAT, nr) != SECCOMP_RET_KILL_PROCESS)
			bad++, badnr = nr;
	ok(bad == 0, "compat ABI: every nr kills the process (%u wrong, e.g. "
	    "nr %u)", bad, badnr);
	ok(run(f, n, COMPAT, 435) == SECCOMP_RET_KILL_PROCESS,
	    "compat clone3 kills too (not only ENOSYS)");
	ok(run(f, n, 0, 1) == SECCOMP_RET_KILL_PROCESS &&
	    run(f, n, AUDIT_ARCH_PPC64LE, 1) == SECCOMP_RET_KILL_PROCESS &&
	    run(f, n, NATIVE ^ 1, 1) == SECCOMP_RET_KILL_PROCESS,
	    "any other arch value kills");
#if defined(__x86_64__)
	for (bad = 0, nr = 0; nr < 4096; nr++)
		if (run(f, n, NATIVE, 0x40000000U | nr) !=
		    SECCOMP_RET_KILL_PROCESS ||
		    run(f, n, NATIVE, 0x80000000U | nr) !=
		    SECCOMP_RET_KILL_PROCESS ||
		    run(f, n, NATIVE, 0xfffff000U | nr) !=
		    (nr == 4095 ? SECCOMP_RET_ALLOW : SECCOMP_RET_KILL_PROCESS))
			bad++, badnr = nr;
	ok(bad == 0, "x32 (nr | 0x40000000) and higher nr kill, but for -1 "
	    "(%u wrong, e.g. nr %u)", bad, badnr);
#endif
	ok(run(f, n, NATIVE, 0xffffffffU) == SECCOMP_RET_ALLOW,
	    "native nr -1 (a tracer's skipped call) is left to the kernel "
	    "(ENOSYS), as libseccomp does");
}

/* narrow(IN, WANT): seccomp_narrow_profile of IN is WANT (a string) or
 * fails with -errno WANT_ERR. */
static void narrow(const char *in, const char *want, int want_err,
    const char *what)
{
	char out[512];
	size_t n = 0;
	int r = seccomp_narrow_profile(in, strlen(in), out, sizeof(out), &n);

	if (want) {
		ok(r == 0 && n == strlen(want) && memcmp(out, want, n) == 0,
		    "narrow: %s", what);
		if (r == 0 && (n != strlen(want) || memcmp(out, want, n)))
			diag("got %.*s", (int)n, out);
		else if (r)
			diag("got error %d", r);
	} else {
		ok(r == -want_err, "narrow refuses %s (%d)", what, r);
	}
}

#define MAP(a)	"[{\"architecture\": \"" a "\", \"subArchitectures\": []}]"

static void profile_tests(void)
{
	const char *na = seccomp_native_arch;
	char want[512], in[512];
	char out[64];
	size_t n;

	snprintf(want, sizeof(want), "{\"defaultAction\": \"SCMP_ACT_ERRNO\", "
	    "\"archMap\": " "[{\"architecture\": \"%s\", \"subArchitectures\": "
	    "[]}]" ", \"syscalls\": [{\"names\": [\"a}]\\\"\"]}]}\n", na);
	narrow("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": "
	    "[{\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": "
	    "[\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]}, {\"architecture\": "
	    "\"SCMP_ARCH_AARCH64\", \"subArchitectures\": [\"SCMP_ARCH_ARM\"]}"
	    "], \"syscalls\": [{\"names\": [\"a}]\\\"\"]}]}\n", want, 0,
	    "archMap becomes the native arch alone; the rest is kept byte for "
	    "byte (brackets and quotes in strings)");
	snprintf(want, sizeof(want), "{\"architectures\":[\"%s\"],\"x\":1}",
	    na);
	narrow("{\"architectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],"
	    "\"x\":1}", want, 0, "architectures becomes the native arch alone");
	snprintf(want, sizeof(want), "{\"x\":{\"archMap\":1},\"ARCHMAP\":"
	    "[{\"architecture\": \"%s\", \"subArchitectures\": []}]}", na);
	narrow("{\"x\":{\"archMap\":1},\"ARCHMAP\":[]}", want, 0,
	    "keys match case-insensitively (as Go's encoding/json does), "
	    "top level only");
	narrow("{}", NULL, EINVAL, "an empty object");
	narrow("{\"syscalls\": []}", NULL, EINVAL,
	    "a profile with neither archMap nor architectures");
	narrow("{\"arch\\u004dap\": []}", NULL, EINVAL, "an escaped key");
	narrow("[1]", NULL, EINVAL, "a top level that is not an object");
	narrow("{\"archMap\": [}", NULL, EINVAL, "unbalanced brackets");
	narrow("{\"archMap\": []} x", NULL, EINVAL, "trailing garbage");
	narrow("{\"archMap\": [],}", NULL, EINVAL, "a trailing comma");
	narrow("{\"archMap\" []}", NULL, EINVAL, "a missing colon");
	narrow("{\"archMap\": \"[\"", NULL, EINVAL, "an unterminated object");
	snprintf(in, sizeof(in), "{\"archMap\": []}");
	ok(seccomp_narrow_profile(in, strlen(in), out, 20, &n) == -E2BIG,
	    "narrow: a short output buffer is E2BIG, not an overflow");
}

/* The keeper's filter (seccomp.c, keeper.c): what it refuses, what not. */
static void keeper_tests(void)
{
	static const unsigned int deny[] = { SYS_socketpair, SYS_execve,
	    SYS_execveat, SYS_ptrace, SYS_kill, SYS_tkill, SYS_tgkill, 424,
	    SYS_rt_sigqueueinfo, SYS_rt_tgsigqueueinfo, SYS_linkat,
	    SYS_symlinkat, SYS_mknodat,
#ifdef SYS_link
	    SYS_link, SYS_symlink, SYS_mknod,
#endif
	};
	struct sock_filter f[64];
	size_t n = seccomp_keeper_filter(f, 64), i;
	unsigned int r, bad = 0, badnr = 0, nr, eperm = SECCOMP_RET_ERRNO |
	    EPERM;

	ok(n > 0 && n < 32, "the keeper filter is built (%zu instructions)",
	    n);
	ok(seccomp_keeper_filter(f, n - 1) == 0, "a short buffer: 0, not an "
	    "overflow");
	run_arg0 = AF_INET;
	for (nr = 0; nr < 4096; nr++) {
		int denied = 0;

		for (i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
			denied |= nr == deny[i];
		r = run(f, n, NATIVE, nr);
		if (r != (denied ? eperm : SECCOMP_RET_ALLOW))
			bad++, badnr = nr;
	}
	ok(bad == 0, "native: socketpair, exec, ptrace, signals, links EPERM, "
	    "every other nr allowed (%u wrong, e.g. nr %u)", bad, badnr);
	run_arg0 = AF_UNIX;
	ok(run(f, n, NATIVE, SYS_socket) == eperm, "socket(AF_UNIX): EPERM");
	run_arg0 = AF_INET6;
	ok(run(f, n, NATIVE, SYS_socket) == SECCOMP_RET_ALLOW,
	    "socket(AF_INET6) allowed (upstream DNS)");
	run_arg0 = AF_NETLINK;
	ok(run(f, n, NATIVE, SYS_socket) == SECCOMP_RET_ALLOW,
	    "socket(AF_NETLINK) allowed (it is made before the filter anyway)");
	run_arg0 = 0x100000000LL | AF_INET;
	ok(run(f, n, NATIVE, SYS_socket) == SECCOMP_RET_ALLOW,
	    "only the domain's low 32 bits count (the kernel reads an int)");
	run_arg0 = AF_UNIX;
	ok(run(f, n, NATIVE, SYS_connect) == SECCOMP_RET_ALLOW,
	    "connect itself is allowed (TCP upstream; no unix socket to use)");
	ok(run(f, n, COMPAT, SYS_socket) == SECCOMP_RET_KILL_PROCESS &&
	    run(f, n, COMPAT, 1) == SECCOMP_RET_KILL_PROCESS &&
	    run(f, n, 0, 1) == SECCOMP_RET_KILL_PROCESS,
	    "a foreign arch kills");
#if defined(__x86_64__)
	ok(run(f, n, NATIVE, 0x40000000U | SYS_socket) ==
	    SECCOMP_RET_KILL_PROCESS && run(f, n, NATIVE, 0xffffffffU) ==
	    SECCOMP_RET_KILL_PROCESS, "x32 calls and nr -1 kill");
#endif
	run_arg0 = -1;
}

int main(void)
{
	filter_tests();
	keeper_tests();
	profile_tests();
	return done_testing();
}
