/*
 * jail.c - main, the command line, and the commands.
 *
 * No privilege of its own: a non-root caller's capability sets are emptied
 * before any input is read; only the re-executed child (loader.c) holds a
 * capability.  Untrusted input: the command line, /proc and /etc files
 * (parsed by hostips.c and cgroup.c), the child's reply (spawn.c).
 *
 *   jail-ai run [--block-host] [--allow RULE]... [--deny PREFIX]...
 *               [--deny-file FILE] [--no-dns] [--unsafe-keep-privileges]
 *               -- CMD [ARG...]
 *   jail-ai hostips
 *   jail-ai --version | --help
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "images.h"
#include "jail.h"
#include "pty.h"

#ifndef JAIL_VERSION
#define JAIL_VERSION "dev"
#endif

static const char usage_text[] =
"usage: jail-ai [COMMAND [OPTIONS]]\n"
"\n"
"  (none)                          a shell in this project's podman jail,\n"
"                                  made on first use\n"
"  run [OPTIONS] -- CMD [ARG...]   run CMD in a fresh cgroup jail (no podman)\n"
"  create NAME [OPTIONS]           make and start a podman jail\n"
"  start|stop|shell|status NAME, rm [-f] NAME, list\n"
"  exec NAME [-i] [-t] -- CMD...   run CMD in a jail; its exit status\n"
"  AGENT [OPTIONS] [-- ARGS]       claude, copilot, cursor, gemini, codex or\n"
"                                  jules in this project's jail (AGENT --help)\n"
"  images build|list [AGENT]       the layered images for this project\n"
"  hostips                         print what --block-host blocks\n"
"  --version, --help\n"
"\n"
"jail-ai run --help and jail-ai create --help explain the options.\n";

static const char run_usage_text[] =
"usage: jail-ai run [--block-host] [--allow RULE]... [--deny PREFIX]...\n"
"                   [--deny-file FILE] [--no-dns]\n"
"                   [--unsafe-keep-privileges] -- CMD [ARG...]\n"
"\n"
"Runs CMD in a new cgroup (v2) and waits for it; the exit status is CMD's\n"
"(128+N if a signal N ended it).  The cgroup and anything CMD left running\n"
"in it are removed afterwards; if jail-ai is killed, CMD dies with it.\n"
"\n"
"  --block-host   nothing in the jail can reach an address of this host:\n"
"                 TCP, UDP, IPv4, IPv6, IPv4-mapped IPv6, 0.0.0.0/::,\n"
"                 loopback, link-local, multicast; raw, ping and SCTP\n"
"                 sockets cannot be made.  Enforced in the kernel by cgroup\n"
"                 BPF programs attached and checked before CMD starts; if\n"
"                 that fails, CMD does not run.  `jail-ai hostips` lists the\n"
"                 addresses.  Needs root or: setcap cap_bpf,cap_net_admin+p\n"
"  --allow RULE   let RULE through: ADDR, ADDR/LEN, ADDR[/LEN]:PORT,\n"
"                 or [IPV6[/LEN]]:PORT (an IPv6 port only in brackets).\n"
"                 An allow wins over any deny.\n"
"  --deny PREFIX  block ADDR or ADDR/LEN too (with --block-host)\n"
"  --deny-file FILE\n"
"                 block every ADDR[/LEN] in FILE, one a line, # comments;\n"
"                 several add up\n"
"  --force        accept an --allow that opens a whole fixed range\n"
"                 (0.0.0.0/0, ::/0, 127.0.0.0/8); refused otherwise\n"
"  --no-dns       do not let the resolvers of /etc/resolv.conf through on\n"
"                 port 53 when they are host addresses (default: allowed,\n"
"                 so that name resolution keeps working)\n"
"  --unsafe-keep-privileges\n"
"                 run CMD as it is, with every privilege it has: a root CMD\n"
"                 can then leave the jail.  Only for those who know why.\n"
"\n"
"Input limits: 64 --allow and 64 --deny of at most 127 characters each; 8\n"
"--deny-file, each a regular file or pipe of at most 16 MiB.\n"
"\n"
"What CMD keeps.  CMD runs with no_new_privs set, in PID and mount\n"
"namespaces of its own where every cgroup2 mount is read-only, with clone3\n"
"refused (seccomp) and only fds 0-2, so it cannot move itself out of the\n"
"jail, nor write a host kernel knob (for a root CMD, proc, sysfs and the\n"
"other kernel filesystems are read-only).  A root CMD keeps only\n"
"CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_SETGID,\n"
"CAP_SETUID, CAP_NET_BIND_SERVICE,\n"
"CAP_SYS_CHROOT and CAP_AUDIT_WRITE, in every set including the bounding\n"
"set; it loses CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_BPF, CAP_NET_RAW,\n"
"CAP_SYS_PTRACE, CAP_KILL, CAP_SYS_MODULE and the rest.  A non-root caller's\n"
"CMD runs in a user namespace that maps only its own uid and gid.  CMD is\n"
"in a session of its own: with a terminal, a pty of a devpts of its own\n"
"(relayed; Ctrl-Z on a non-shell CMD suspends the whole jail), else none.\n"
"\n"
"Limits.  `run` shares the host's filesystem, unix sockets and network\n"
"namespace: --block-host governs IP destinations only.  A CMD that can ask\n"
"a service outside the jail (systemd, cron, a container engine socket) to\n"
"start a process gets that process outside the jail.  Use podman jails for\n"
"filesystem isolation.\n";

__attribute__((format(printf, 1, 0)))
static void vwarnx(const char *fmt, va_list ap)
{
	fputs("jail-ai: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
}

void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	exit(code);
}

/* ---- privilege at start ---- */

/*
 * A non-root caller holds file capabilities only so that the re-executed
 * child can regain them: the parent gives them up before reading input.
 * no_new_privs is never set here: it would stop that exec regaining them.
 */
static void drop_start_privileges(void)
{
	__u64 prm, eff, inh, zero = 0;

	if (geteuid() != getuid() || getegid() != getgid())
		die(EXIT_USAGE, "refusing to run setuid or setgid; install "
		    "with file capabilities instead: setcap "
		    "cap_bpf,cap_net_admin+p jail-ai");
	if (getuid() == 0)
		return;
	if (caps_all(&prm, &eff, &inh, 0) < 0)
		die(EXIT_SYSFAIL, "capget: %s", strerror(errno));
	if (eff != 0)
		die(EXIT_USAGE, "effective capabilities on a non-root caller "
		    "(+ep): install with permitted only: setcap "
		    "cap_bpf,cap_net_admin+p jail-ai");
	if (caps_all(&zero, &zero, &zero, 1) < 0 ||
	    caps_all(&prm, &eff, &inh, 0) < 0 || prm | eff | inh)
		die(EXIT_SYSFAIL, "cannot drop capabilities at start");
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/*
	 * Exec'ing file capabilities from a shell without them made us
	 * non-dumpable: /proc/self/{setgroups,uid_map,gid_map} then belong
	 * to root and `run` cannot map its user namespace.  With every set
	 * empty there is nothing left to protect from ptrace by our own uid;
	 * the child regains its capabilities by exec, which makes it
	 * non-dumpable again (and loader.c says so itself).
	 */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		die(EXIT_SYSFAIL, "prctl PR_SET_DUMPABLE: %s", strerror(errno));
}

/* ---- hostips ---- */

static int cmd_hostips(int argc, char **argv)
{
	struct hostip *h;
	char err[256] = "", buf[64];
	size_t n, i;
	int r;

	if (argc > 1)
		die(EXIT_USAGE, "usage: jail-ai hostips");
	(void)argv;
	r = hostips_discover(&h, &n, err, sizeof(err));
	if (r < 0)
		die(EXIT_SYSFAIL, "hostips: %s", err[0] ? err : strerror(-r));
	for (i = 0; i < n; i++) {
		if (hostip_format(&h[i], buf, sizeof(buf)) < 0)
			continue;
		printf("%s\t%s%s%s\n", buf, hostip_source_name(h[i].source),
		    h[i].why ? "\t" : "", h[i].why ? h[i].why : "");
	}
	free(h);
	return fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL;
}

/* ---- run ---- */

struct run_opts {
	struct prot_opts prot;
	int keep_privs;
	char **cmd;
};

static void parse_run(int argc, char **argv, struct run_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->prot.who = "run";
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			fputs(run_usage_text, stdout);
			exit(0);
		} else if (strcmp(argv[i], "--unsafe-keep-privileges") == 0) {
			o->keep_privs = 1;
		} else if (prot_parse_opt(&o->prot, argc, argv, &i)) {
			continue;
		} else if (argv[i][0] == '-') {
			die(EXIT_USAGE, "run: unknown option %s (see jail-ai "
			    "run --help)", argv[i]);
		} else {
			break;
		}
	}
	if (i >= argc)
		die(EXIT_USAGE, "run: no command (usage: jail-ai run "
		    "[OPTIONS] -- CMD [ARG...])");
	prot_check(&o->prot);
	o->cmd = argv + i;
}

static void cmd_child(const struct jail_cgroup *cg, const struct run_opts *o,
    pid_t parent)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	confine_exec(cg, o->cmd, o->keep_privs, parent);
}

static volatile sig_atomic_t cmd_pid;

static void forward_signal(int sig)
{
	if (cmd_pid > 0)
		kill((pid_t)cmd_pid, sig);
}

/*
 * The relay restores the terminal on its way out; if it is killed, this
 * does (a SIGKILL of jail-ai itself leaves it raw: `reset`).
 */
static int wait_cmd(pid_t pid, const struct tty_saved *ts)
{
	struct sigaction sa;
	int status;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return EXIT_SYSFAIL;
	if (WIFSIGNALED(status)) {
		tty_restore(ts);
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

static int cmd_run(int argc, char **argv)
{
	struct jail_cgroup cg;
	struct tty_saved ts;
	struct run_opts o;
	struct policy p;
	char err[512] = "";
	int r, code;
	pid_t pid, self = getpid();

	parse_run(argc, argv, &o);
	if ((r = jail_cgroup_preflight(err, sizeof(err))) < 0)
		die(EXIT_SYSFAIL, "run: cgroup: %s: %s", err, strerror(-r));
	memset(&p, 0, sizeof(p));
	if (o.prot.block_host)
		prot_build(&o.prot, &p);
	r = jail_cgroup_create(&cg, o.prot.block_host, err, sizeof(err));
	if (r < 0)
		die(EXIT_SYSFAIL, "run: cgroup: %s: %s", err, strerror(-r));
	if (o.prot.block_host && protect("run", &cg, &p) < 0) {
		jail_cgroup_remove(&cg);
		exit(EXIT_SYSFAIL);
	}
	/* Like system(): the terminal's ^C and ^\ are for CMD. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	tty_save(&ts);
	pid = fork();
	if (pid < 0) {
		r = errno;
		jail_cgroup_remove(&cg);
		die(EXIT_SYSFAIL, "run: fork: %s", strerror(r));
	}
	if (pid == 0)
		cmd_child(&cg, &o, self);
	cmd_pid = pid;
	code = wait_cmd(pid, &ts);
	if ((r = jail_cgroup_remove(&cg)) < 0)
		warnx("run: remove %s: %s", cg.path, strerror(-r));
	policy_free(&p);
	return code;
}

int main(int argc, char **argv)
{
	int r;

	if (argc == 2 && strcmp(argv[1], JAIL_CHILD_ARG) == 0)
		loader_main();	/* never returns */
	drop_start_privileges();
	if (privsep_init() < 0)
		die(EXIT_SYSFAIL, "open /proc/self/exe: %s", strerror(errno));
	if (argc < 2)
		return cmd_project_shell();
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("jail-ai %s\n", JAIL_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "images") == 0)
		return images_main(argc - 1, argv + 1);
	if (agent_find(argv[1]))
		return agent_main(argc - 1, argv + 1);
	if ((r = cmd_container(argc - 1, argv + 1)) >= 0)
		return r;
	if (strcmp(argv[1], "hostips") == 0)
		return cmd_hostips(argc - 1, argv + 1);
	die(EXIT_USAGE, "unknown command %s (see jail-ai --help)", argv[1]);
}
