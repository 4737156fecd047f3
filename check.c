/*
 * check.c - `jail-ai check`: what this system offers jail-ai, one line per
 * requirement, probed without privilege (a probe that needs a capability
 * is not made; the result says what would decide it).
 *
 * No privilege.  Untrusted input: /proc files, read small and bounded.
 *
 *   ok       NAME  detail     present
 *   MISSING  NAME  detail     `run --block-host` (or what NAME says) cannot work
 *   note     NAME  detail     optional, or defence in depth
 *
 * Exit 0 when nothing needed for `jail-ai run --block-host` is missing,
 * else 125.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/openat2.h>

#include "cgroup.h"
#include "check.h"
#include "fsjail.h"
#include "policy.h"
#include "util.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int missing;

static void line(const char *state, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void line(const char *state, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (strcmp(state, "MISSING") == 0)
		missing++;
	printf("%-8s %-18s ", state, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* The first line of a small /proc file, or "" when it cannot be read. */
static const char *first_line(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	buf[0] = '\0';
	if (fd < 0)
		return buf;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* major * 1000 + minor of the running kernel, 0 if unknown. */
static int kernel_version(char *rel, size_t len)
{
	struct utsname u;
	char *p, *end;
	long maj, min;

	if (uname(&u) < 0)
		return 0;
	snprintf(rel, len, "%s", u.release);
	/* strtol, not sscanf: scanf alone costs 4-10 KiB of the binary. */
	maj = strtol(u.release, &end, 10);
	if (end == u.release || *end != '.')
		return 0;
	min = strtol(p = end + 1, &end, 10);
	if (end == p || maj < 0 || maj > 999 || min < 0 || min > 999)
		return 0;
	return (int)(maj * 1000 + min);
}

static void check_kernel(void)
{
	char rel[65];
	int v = kernel_version(rel, sizeof(rel));

	if (v == 0)
		line("note", "kernel", "version unknown");
	else if (v < 5003)
		line("MISSING", "kernel", "%s: the cgroup setsockopt hook needs 5.3", rel);
	else if (v < 5006)
		line("MISSING", "kernel", "%s: openat2 (the child's cgroup resolution) needs 5.6", rel);
	else
		line("ok", "kernel", "%s (floor 5.6 for root, 5.8 for a setcap install)", rel);
}

static void check_cgroup2(void)
{
	char mnt[256];

	if (cgroup2_mount(mnt, sizeof(mnt)) < 0)
		line("MISSING", "cgroup2", "no cgroup2 mount: mount -t cgroup2 cgroup2 /sys/fs/cgroup");
	else
		line("ok", "cgroup2", "%s%s", mnt, strcmp(mnt, "/sys/fs/cgroup") ?
		    " (hybrid layout)" : "");
}

static void check_syscalls(void)
{
	struct open_how how;
	int fd;

	/* bpf(): an empty attr of size 0 is EINVAL where the syscall exists. */
	if (syscall(SYS_bpf, 0, NULL, 0) < 0 && errno == ENOSYS)
		line("MISSING", "bpf()", "the kernel has no bpf syscall (CONFIG_BPF_SYSCALL)");
	else
		line("ok", "bpf()", "present");
	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
	fd = (int)syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		line("MISSING", "openat2()", "needs 5.6: the privileged child refuses without it");
	else
		line("ok", "openat2()", "present");
	if (fd >= 0)
		close(fd);
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL)
		line("MISSING", "seccomp", "no seccomp filters (CONFIG_SECCOMP_FILTER)");
	else
		line("ok", "seccomp", "filters available");
	if (syscall(SYS_close_range, ~0U, ~0U, 0U) < 0 && errno == ENOSYS)
		line("note", "close_range()", "missing (5.9): a close loop is used");
	else
		line("ok", "close_range()", "present");
}

static void check_caps(void)
{
	char val[64], self[512];
	ssize_t n;

	if (prctl(PR_CAPBSET_READ, CAP_BPF, 0, 0, 0) < 0)
		line("note", "CAP_BPF", "unknown to this kernel (5.8+): only root "
		    "can use --block-host (CAP_SYS_ADMIN stands in)");
	if (getuid() == 0) {
		line("ok", "privilege", "root");
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	n = getxattr("/proc/self/exe", "security.capability", val, sizeof(val));
	if (n > 0)
		line("ok", "privilege", "%s has file capabilities", self);
	else
		line("MISSING", "privilege", "not root and no file capabilities "
		    "(--block-host refuses): sudo setcap cap_bpf,cap_net_admin+p %s",
		    self);
}

static void check_namespaces(void)
{
	char buf[64];

	first_line("/proc/sys/user/max_user_namespaces", buf, sizeof(buf));
	if (getuid() == 0)
		line("ok", "user namespaces", "not needed for root (max %s)",
		    buf[0] ? buf : "?");
	else if (buf[0] && atoi(buf) > 0)
		line("ok", "user namespaces", "max %s", buf);
	else
		line("MISSING", "user namespaces", "a non-root run needs them "
		    "(user.max_user_namespaces is %s)", buf[0] ? buf : "unreadable");
}

static void check_landlock(void)
{
	int abi = fs_landlock_abi();

	if (abi < 0)
		line("note", "Landlock", "%s: run refuses its default file "
		    "rules (--nested-sandbox: mounts alone, --fs host: none); "
		    "the privileged child goes on without confining itself",
		    abi == -ENOSYS ? "not built in" : "not enabled (lsm=)");
	else if (abi < FS_LANDLOCK_MIN)
		line("note", "Landlock", "ABI %d: run's file rules need ABI %d "
		    "(TRUNCATE, 6.2); run refuses them (--nested-sandbox, "
		    "--fs host)", abi, FS_LANDLOCK_MIN);
	else
		line("ok", "Landlock", "ABI %d: run's read-only filesystem",
		    abi);
	if (abi >= FS_LANDLOCK_SCOPES)
		line("ok", "Landlock scopes", "abstract unix sockets and "
		    "signals stay inside run's jail");
	else
		line("note", "Landlock scopes", "missing (ABI 6, 6.12): a run "
		    "CMD can reach abstract unix sockets and signal outside");
}

static void check_terminal(void)
{
	char buf[16];

	first_line("/proc/sys/dev/tty/legacy_tiocsti", buf, sizeof(buf));
	line("note", "TIOCSTI", "%s; run gives CMD its own pty either way",
	    buf[0] ? (buf[0] == '1' ? "legacy_tiocsti=1 (allowed)" :
	    "legacy_tiocsti=0 (refused)") : "no legacy_tiocsti switch (before 6.2)");
}

int cmd_check(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		die(EXIT_USAGE, "usage: jail-ai check (no options)");
	check_kernel();
	check_cgroup2();
	check_syscalls();
	check_caps();
	check_namespaces();
	check_landlock();
	check_terminal();
	if (missing)
		printf("%d requirement%s of run --block-host missing\n", missing,
		    missing == 1 ? "" : "s");
	return missing ? EXIT_USAGE : 0;
}
