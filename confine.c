/*
 * confine.c - what a `run` jail's CMD keeps, and the process that starts
 * it.  Runs in the forked CMD process, with the caller's privilege (root's
 * for a root caller), and gives all but a listed few of it up before exec.
 * Untrusted input: none (the caller's own argv is exec'd as given).
 *
 * The jail must hold against its own CMD.  Measured on 6.18: uid 0 without
 * capabilities can move itself out of its cgroup by writing cgroup.procs,
 * directly or through /proc/PID/root of another root process whose
 * capabilities are a subset of its own; and any process can ptrace such a
 * process.  So CMD gets:
 *   - a private mount namespace in which every cgroup2 mount is read-only;
 *   - a PID namespace of its own with a fresh /proc: no process outside is
 *     visible, to ptrace, to signal or to enter through /proc/PID/root;
 *   - a bounding set without the capabilities that reach BPF, networking,
 *     mounts, cgroups and other processes; no_new_privs;
 *   - unless --fs host, the file rules of fsjail.c: hidden secrets and
 *     sockets, a private /tmp and /dev (mounts, made by the relay), the
 *     rest read-only (Landlock, put on by init).
 * A non-root caller gets the namespaces through a user namespace that maps
 * only its own uid and gid.  The tree: jail-ai -> relay -> init (pid 1 of
 * the new namespace) -> CMD (pid 2).  init and relay pass signals on and
 * CMD's exit status back; CMD's terminal is the relay's pty (pty.c).
 * Each dies with its parent (PR_SET_PDEATHSIG), and CMD's namespace with
 * init, so a killed jail-ai leaves nothing running.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "cgroup.h"
#include "confine.h"
#include "fsjail.h"
#include "pty.h"
#include "seccomp.h"
#include "util.h"

/* A root CMD keeps these, and only these; `run --help` says so too. */
static const int keep_caps[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_SETGID,
	CAP_SETUID, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_AUDIT_WRITE,
};

static volatile sig_atomic_t forward_to;

int caps_all(__u64 *prm, __u64 *eff, __u64 *inh, int set)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct d[2];

	memset(&hdr, 0, sizeof(hdr));
	memset(d, 0, sizeof(d));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (set) {
		d[0].permitted = (__u32)*prm;
		d[1].permitted = (__u32)(*prm >> 32);
		d[0].effective = (__u32)*eff;
		d[1].effective = (__u32)(*eff >> 32);
		d[0].inheritable = (__u32)*inh;
		d[1].inheritable = (__u32)(*inh >> 32);
		return syscall(SYS_capset, &hdr, d) < 0 ? -errno : 0;
	}
	if (syscall(SYS_capget, &hdr, d) < 0)
		return -errno;
	*prm = d[0].permitted | (__u64)d[1].permitted << 32;
	*eff = d[0].effective | (__u64)d[1].effective << 32;
	*inh = d[0].inheritable | (__u64)d[1].inheritable << 32;
	return 0;
}

__attribute__((noreturn, format(printf, 2, 0)))
static void vfatal(const char *hint, const char *fmt, va_list ap)
{
	fputs("jail-ai: run: ", stderr);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (%s)\n", hint);
	_exit(EXIT_SYSFAIL);
}

__attribute__((noreturn, format(printf, 1, 2)))
static void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfatal("--unsafe-keep-privileges runs CMD without this confinement",
	    fmt, ap);
}

__attribute__((noreturn, format(printf, 1, 2)))
static void fatal_fs(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfatal("--fs host runs CMD without file rules", fmt, ap);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;
	size_t n = strlen(text);

	if (fd < 0)
		return -errno;
	if (write(fd, text, n) != (ssize_t)n)
		r = -errno;
	close(fd);
	return r;
}

/* Mount and PID namespaces; a user namespace first when not root. */
static int unshare_namespaces(void)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();
	int r;

	if (uid == 0)
		return unshare(CLONE_NEWNS | CLONE_NEWPID) < 0 ? -errno : 0;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) < 0)
		return -errno;
	if ((r = write_file("/proc/self/setgroups", "deny")) < 0)
		return r;
	snprintf(map, sizeof(map), "%u %u 1\n", uid, uid);
	if ((r = write_file("/proc/self/uid_map", map)) < 0)
		return r;
	snprintf(map, sizeof(map), "%u %u 1\n", gid, gid);
	return write_file("/proc/self/gid_map", map);
}

/* Every capability but keep's gone from the bounding, ambient and
 * inheritable sets, and from permitted and effective: CMD keeps keep_caps
 * (root), the keeper (keeper.c) keeps none. */
int caps_drop_except(__u64 keep)
{
	__u64 prm, eff, inh, zero = 0;
	int cap;

	for (cap = 0; cap < 64; cap++) {
		if (keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break;	/* past the kernel's last capability */
			return -errno;
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return -errno;
	if (caps_all(&prm, &eff, &inh, 0) < 0)
		return -errno;
	prm &= keep;
	eff &= keep;
	return caps_all(&prm, &eff, &zero, 1);
}

static int drop_caps(void)
{
	__u64 keep = 0;
	size_t i;

	for (i = 0; getuid() == 0 && i < sizeof(keep_caps) /
	    sizeof(keep_caps[0]); i++)
		keep |= 1ULL << keep_caps[i];
	return caps_drop_except(keep);
}

static void forward(int sig)
{
	if (forward_to > 0)
		kill((pid_t)forward_to, sig);
}

/*
 * Pass termination requests on to pid.  ^C and ^\ from the terminal reach
 * CMD by its process group already, so they are ignored here.
 */
static void forward_signals(pid_t pid)
{
	static const int sigs[] = { SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 };
	struct sigaction sa;
	size_t i;

	forward_to = pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
}

/*
 * CMD stopped by its terminal's ^Z (or stopped itself so): the relay
 * suspends the caller's job; CMD goes on when the relay says so.  A
 * SIGSTOP from someone else is left alone.
 */
static void cmd_stopped(pid_t pid, int sig, int ctl)
{
	char c;

	if (sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU)
		return;
	if (write(ctl, "S", 1) != 1)
		return;
	while (read(ctl, &c, 1) < 0 && errno == EINTR)
		;
	kill(-pid, SIGCONT);
	kill(pid, SIGCONT);
}

/*
 * Wait for pid (reaping anything else, as an init must); its exit code.
 * ctl >= 0: CMD has a pty, and its stops are passed to the relay.
 */
static int wait_for(pid_t pid, int ctl)
{
	int status;
	pid_t w;

	for (;;) {
		w = waitpid(-1, &status, ctl >= 0 ? WUNTRACED : 0);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return EXIT_SYSFAIL;
		if (w != pid)
			continue;
		if (WIFSTOPPED(status)) {
			cmd_stopped(pid, WSTOPSIG(status), ctl);
			continue;
		}
		if (WIFSIGNALED(status))
			return 128 + WTERMSIG(status);
		return WEXITSTATUS(status);
	}
}

/*
 * Die with the parent.  getppid() is checked after arming, since the
 * parent may have died before; callers arm again after a credential
 * change that may have cleared it.
 */
static void die_with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    getppid() != parent)
		_exit(EXIT_SYSFAIL);
}

/*
 * init's parent, the relay, is outside its pid namespace (getppid() is 0
 * whoever it is): the relay's end of ctl tells whether it still lives.
 */
static void init_dies_with_relay(int ctl)
{
	struct pollfd f = { ctl, POLLIN, 0 };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    poll(&f, 1, 0) < 0 || (f.revents & (POLLHUP | POLLERR)))
		_exit(EXIT_SYSFAIL);
}

/* Only 0-2 pass to a confined CMD: an inherited socket keeps the cgroup it
 * was made in (outside the jail), an inherited cgroup fd is a way out.
 * init keeps ctl, close-on-exec, as fd 3. */
static void close_inherited(unsigned int first)
{
	unsigned int fd;

	if (syscall(SYS_close_range, first, ~0U, 0U) == 0)
		return;
	for (fd = first; fd < 65536; fd++)	/* before 5.9 */
		close((int)fd);
}

static void exec_cmd(char **cmd)
{
	int e;

	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	execvp(cmd[0], cmd);
	e = errno;
	fprintf(stderr, "jail-ai: run: %s: %s\n", cmd[0], strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

/* ctl as fd 3 (close-on-exec), so that closing the rest keeps it. */
static int keep_ctl(struct jail_pty *p)
{
	if (p->ctl != 3 && dup3(p->ctl, 3, O_CLOEXEC) < 0)
		return -errno;
	p->ctl = 3;
	return 0;
}

/*
 * pid 1 of CMD's namespace: its /proc, a session of its own (with the pty
 * as its terminal), the last privilege, then CMD.
 */
static void init_main(char **cmd, struct jail_pty *p,
    const struct fs_plan *fs)
{
	char bad[4200] = "";
	pid_t pid;
	int r;

	init_dies_with_relay(p->ctl);
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    NULL) < 0)
		fatal("mount /proc for CMD's pid namespace: %s",
		    strerror(errno));
	if (getuid() == 0 && (r = kernel_knobs_ro(bad, sizeof(bad))) < 0)
		fatal("read-only kernel knobs for CMD: %s%s%s", bad,
		    bad[0] ? ": " : "", r == -EPERM && bad[0] ? "a proc or "
		    "sysfs mount hidden below another mount stays writable; "
		    "unmount it" : strerror(-r));
	if ((r = pty_init_session(p)) < 0)
		fatal("session and terminal for CMD: %s", strerror(-r));
	if ((r = drop_caps()) < 0)
		fatal("drop capabilities for CMD: %s", strerror(-r));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fatal("no_new_privs: %s", strerror(errno));
	if ((r = fs_landlock(fs, bad, sizeof(bad))) < 0)
		fatal_fs("Landlock domain for CMD: %s: %s", bad, strerror(-r));
	if ((r = seccomp_confine_cmd()) < 0)
		fatal("seccomp filter for CMD: %s", strerror(-r));
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if ((r = keep_ctl(p)) < 0)
		fatal("dup: %s", strerror(-r));
	close_inherited(4);
	pid = fork();
	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		pty_cmd_foreground(p);
		exec_cmd(cmd);
	}
	forward_signals(pid);
	_exit(wait_for(pid, p->on ? p->ctl : -1));
}

/*
 * CMD starts where jail-ai was started, seen through its own mounts (a
 * workspace below /tmp is now a bind in the private /tmp).
 */
static void file_rules(const struct fs_plan *fs)
{
	char bad[4200] = "", *cwd = getcwd(NULL, 0);
	int r;

	if ((r = fs_mounts(fs, bad, sizeof(bad))) < 0)
		fatal_fs("CMD's file rules: mount %s: %s", bad, strerror(-r));
	if (cwd && chdir(cwd) < 0) {
		fprintf(stderr, "jail-ai: run: %s is hidden from CMD or not "
		    "in its view (private /tmp): CMD starts in /\n", cwd);
		if (chdir("/") < 0)
			fatal_fs("chdir /: %s", strerror(errno));
	}
	free(cwd);
}

static const char *hidden_dir;

void confine_hide(const char *dir)
{
	hidden_dir = dir;
}

/*
 * Before the file rules (which may cover a parent of it, /run/user/UID):
 * CMD cannot unmount it (no CAP_SYS_ADMIN in its bounding set; a user
 * namespace of its own would get it locked), so the control sockets below
 * it are out of its reach by path, whatever --fs says.
 */
static void hide_control_dir(void)
{
	if (hidden_dir && mount("none", hidden_dir, "tmpfs", MS_RDONLY |
	    MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,nr_inodes=1,mode=0500")
	    < 0)
		fatal("hide %s (jail-ai's control sockets) from CMD: %s",
		    hidden_dir, strerror(errno));
}

/*
 * In the relay, which has unshared CMD's namespaces: the mounts CMD sees,
 * then its terminal.
 */
static void prepare_mounts_and_pty(struct jail_pty *p,
    const struct fs_plan *fs)
{
	int r;

	if ((r = cgroup_remount_ro_all()) < 0)
		fatal("read-only cgroup2 for CMD: %s", strerror(-r));
	hide_control_dir();
	file_rules(fs);
	if ((r = pty_devpts_new()) < 0)
		fatal("mount a devpts of its own on /dev/pts for CMD: %s "
		    "(CMD must not reach the host's terminals)", strerror(-r));
	if ((r = pty_open(p)) < 0)
		fatal("pty for CMD: %s", strerror(-r));
}

void confine_exec(const struct jail_cgroup *cg, char **cmd, int keep_privs,
    const struct fs_plan *fs, pid_t parent)
{
	struct jail_pty p;
	int r, sv[2];
	pid_t pid;

	die_with_parent(parent);
	if ((r = jail_cgroup_join(cg)) < 0) {
		fprintf(stderr, "jail-ai: run: join %s: %s\n", cg->path,
		    strerror(-r));
		_exit(EXIT_SYSFAIL);
	}
	/* jail-ai alone holds the run's lock (its cgroup directory fd). */
	close(cg->dirfd);
	close(cg->procs_fd);
	if (keep_privs)
		exec_cmd(cmd);
	if ((r = unshare_namespaces()) < 0)
		fatal("namespaces for CMD: %s", strerror(-r));
	die_with_parent(parent);
	prepare_mounts_and_pty(&p, fs);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		fatal("socketpair: %s", strerror(errno));
	pid = fork();		/* the first child is the new namespace's init */
	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		close(sv[0]);
		p.ctl = sv[1];
		init_main(cmd, &p, fs);
	}
	close(sv[1]);
	p.ctl = sv[0];
	/* The relay needs nothing more either. */
	if ((r = drop_caps()) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		kill(pid, SIGKILL);
	forward_signals(pid);
	_exit(p.on ? pty_relay(&p, pid) : wait_for(pid, -1));
}
