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

#include "jail.h"

#ifndef JAIL_VERSION
#define JAIL_VERSION "dev"
#endif

static const char usage_text[] =
"usage: jail-ai COMMAND [OPTIONS]\n"
"\n"
"  run [OPTIONS] -- CMD [ARG...]   run CMD in a fresh cgroup jail\n"
"  hostips                         print what --block-host blocks\n"
"  --version, --help\n"
"\n"
"jail-ai run --help explains the jail and its options.\n";

static const char run_usage_text[] =
"usage: jail-ai run [--block-host] [--allow RULE]... [--deny PREFIX]...\n"
"                   [--deny-file FILE] [--no-dns]\n"
"                   [--unsafe-keep-privileges] -- CMD [ARG...]\n"
"\n"
"Runs CMD in a new cgroup (v2) and waits for it; the exit status is CMD's\n"
"(128+N if a signal N ended it).  The cgroup and anything CMD left running\n"
"in it are removed afterwards.\n"
"\n"
"  --block-host   nothing in the jail can reach an address of this host:\n"
"                 TCP, UDP, IPv4, IPv6, IPv4-mapped IPv6, 0.0.0.0/::,\n"
"                 loopback, link-local, multicast; raw, ping and SCTP\n"
"                 sockets cannot be made.  Enforced in the kernel by cgroup\n"
"                 BPF programs attached and checked before CMD starts; if\n"
"                 that fails, CMD does not run.  `jail-ai hostips` lists the\n"
"                 addresses.  Needs root or: setcap cap_bpf,cap_net_admin+p\n"
"  --allow RULE   let RULE through: ADDR, ADDR/LEN, ADDR[/LEN]:PORT,\n"
"                 or [IPV6[/LEN]]:PORT.  An allow wins over any deny.\n"
"  --deny PREFIX  block ADDR or ADDR/LEN too (with --block-host)\n"
"  --deny-file FILE\n"
"                 block every ADDR[/LEN] in FILE, one a line, # comments\n"
"  --no-dns       do not let the resolvers of /etc/resolv.conf through on\n"
"                 port 53 when they are host addresses (default: allowed,\n"
"                 so that name resolution keeps working)\n"
"  --unsafe-keep-privileges\n"
"                 run CMD as it is, with every privilege it has: a root CMD\n"
"                 can then leave the jail.  Only for those who know why.\n"
"\n"
"What CMD keeps.  CMD runs with no_new_privs set and sees every cgroup2\n"
"mount read-only in a private mount namespace, so it cannot move itself\n"
"out of the jail.  A root CMD keeps only CAP_CHOWN, CAP_DAC_OVERRIDE,\n"
"CAP_FOWNER, CAP_FSETID, CAP_SETGID, CAP_SETUID, CAP_NET_BIND_SERVICE,\n"
"CAP_SYS_CHROOT and CAP_AUDIT_WRITE, in every set including the bounding\n"
"set; it loses CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_BPF, CAP_NET_RAW,\n"
"CAP_SYS_PTRACE, CAP_KILL, CAP_SYS_MODULE and the rest.  A non-root caller's\n"
"CMD runs in a user namespace that maps only its own uid and gid.\n"
"\n"
"Limits.  `run` shares the host's filesystem, unix sockets and network\n"
"namespace: --block-host governs IP destinations only.  A CMD that can ask\n"
"a service outside the jail (systemd, cron, a container engine socket) to\n"
"start a process gets that process outside the jail.  Use podman jails for\n"
"filesystem isolation.\n";

__attribute__((format(printf, 1, 2)))
static void warnx(const char *fmt, ...)
{
	va_list ap;

	fputs("jail-ai: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

__attribute__((noreturn, format(printf, 2, 3)))
static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("jail-ai: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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
	int block_host, no_dns, keep_privs;
	struct allow_rule allow[JAIL_MAX_ALLOW];
	size_t nallow;
	const char *deny[JAIL_MAX_ALLOW];	/* --deny values, checked */
	size_t ndeny;
	const char *deny_file;
	char **cmd;
};

static int parse_deny_arg(const char *s)
{
	struct hostip h;
	size_t n = 0;
	unsigned int line;

	if (strchr(s, '\n') || strchr(s, '#'))
		return -EINVAL;
	return policy_parse_deny_file(s, strlen(s), &h, 1, &n, &line) < 0 ||
	    n != 1 ? -EINVAL : 0;
}

static void parse_run(int argc, char **argv, struct run_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			fputs(run_usage_text, stdout);
			exit(0);
		} else if (strcmp(argv[i], "--block-host") == 0) {
			o->block_host = 1;
		} else if (strcmp(argv[i], "--no-dns") == 0) {
			o->no_dns = 1;
		} else if (strcmp(argv[i], "--unsafe-keep-privileges") == 0) {
			o->keep_privs = 1;
		} else if ((strcmp(argv[i], "--allow") == 0 ||
		    strcmp(argv[i], "--deny") == 0 ||
		    strcmp(argv[i], "--deny-file") == 0) && i + 1 >= argc) {
			die(EXIT_USAGE, "run: %s needs a value", argv[i]);
		} else if (strcmp(argv[i], "--deny-file") == 0) {
			o->deny_file = argv[++i];
		} else if (strcmp(argv[i], "--deny") == 0) {
			if (o->ndeny == JAIL_MAX_ALLOW)
				die(EXIT_USAGE, "run: more than %d --deny "
				    "(use --deny-file)", JAIL_MAX_ALLOW);
			if (parse_deny_arg(argv[++i]) < 0)
				die(EXIT_USAGE, "run: --deny %s: not ADDR or "
				    "ADDR/LEN (host bits zero)", argv[i]);
			o->deny[o->ndeny++] = argv[i];
		} else if (strcmp(argv[i], "--allow") == 0) {
			if (o->nallow == JAIL_MAX_ALLOW)
				die(EXIT_USAGE, "run: more than %d --allow",
				    JAIL_MAX_ALLOW);
			if (policy_parse_allow(argv[++i],
			    &o->allow[o->nallow++]) < 0)
				die(EXIT_USAGE, "run: --allow %s: not ADDR, "
				    "ADDR/LEN, ADDR[/LEN]:PORT or "
				    "[IPV6[/LEN]]:PORT (host bits zero, port "
				    "1-65535)", argv[i]);
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
	if ((o->nallow || o->ndeny || o->deny_file) && !o->block_host)
		die(EXIT_USAGE, "run: --allow, --deny and --deny-file refine "
		    "--block-host; add --block-host");
	o->cmd = argv + i;
}

/* The resolvers of /etc/resolv.conf, on port 53, when a deny covers them. */
static void add_dns_allows(struct run_opts *o, const struct policy *p)
{
	struct hostip ns[8];
	char *buf, txt[64];
	size_t len, n = 0, i;

	if (read_file("/etc/resolv.conf", &buf, &len) < 0)
		return;
	hostips_parse_resolv_conf(buf, len, ns, 8, &n);
	free(buf);
	for (i = 0; i < n && o->nallow < JAIL_MAX_ALLOW; i++) {
		if (policy_verdict(p, ns[i].family, ns[i].addr, 53) ==
		    JAIL_ALLOW)
			continue;
		struct allow_rule *a = &o->allow[o->nallow++];

		memset(a, 0, sizeof(*a));
		a->family = ns[i].family;
		a->prefixlen = ns[i].family == AF_INET ? 32 : 128;
		a->port = 53;
		memcpy(a->addr, ns[i].addr, 16);
		if (policy_format_allow(a, txt, sizeof(txt)) == 0)
			warnx("run: allowing the resolver %s (from "
			    "/etc/resolv.conf; --no-dns to block it)", txt);
	}
}

/* Appends --deny and --deny-file prefixes to the host list. */
static struct hostip *add_denies(const struct run_opts *o, struct hostip *h,
    size_t *n)
{
	char *buf = NULL;
	size_t len = 0, lines = o->ndeny, i;
	unsigned int line = 0;
	struct hostip *nh;
	int r;

	if (o->deny_file && (r = read_file(o->deny_file, &buf, &len)) < 0)
		die(EXIT_USAGE, "run: --deny-file %s: %s", o->deny_file,
		    strerror(-r));
	for (i = 0; i < len; i++)
		lines += buf[i] == '\n';
	nh = realloc(h, (*n + lines + 1) * sizeof(*h));
	if (!nh)
		die(EXIT_SYSFAIL, "run: out of memory");
	for (i = 0; i < o->ndeny; i++)
		policy_parse_deny_file(o->deny[i], strlen(o->deny[i]), nh,
		    *n + lines + 1, n, &line);
	r = buf ? policy_parse_deny_file(buf, len, nh, *n + lines + 1, n,
	    &line) : 0;
	if (r < 0)
		die(EXIT_USAGE, "run: --deny-file %s line %u: not ADDR or "
		    "ADDR/LEN (host bits zero)", o->deny_file, line);
	free(buf);
	return nh;
}

static void build_policy(struct run_opts *o, struct policy *p)
{
	struct hostip *h;
	char err[256] = "";
	size_t n;
	int r;

	r = hostips_discover(&h, &n, err, sizeof(err));
	if (r < 0)
		die(EXIT_SYSFAIL, "run: --block-host: host addresses: %s",
		    err[0] ? err : strerror(-r));
	h = add_denies(o, h, &n);
	r = policy_build(h, n, o->allow, o->nallow, p);
	if (r == 0 && !o->no_dns) {
		add_dns_allows(o, p);
		policy_free(p);
		r = policy_build(h, n, o->allow, o->nallow, p);
	}
	free(h);
	if (r == -E2BIG)
		die(EXIT_USAGE, "run: --block-host: too many rules (more than "
		    "%d ports allowed on one prefix, or more than %d prefixes)",
		    JAIL_MAX_PORTS, JAIL_MAX_RULES4);
	if (r < 0)
		die(EXIT_SYSFAIL, "run: --block-host: policy: %s",
		    strerror(-r));
}

static void explain_attach_failure(const struct jail_cgroup *cg,
    const struct jail_reply *rep, int r)
{
	char self[512];
	ssize_t n;

	warnx("run: --block-host: %s %s on %s: %s",
	    privsep_step_name(rep->step), rep->what, cg->path, strerror(-r));
	if (rep->step == JAIL_STEP_LOAD && rep->log_len)
		fprintf(stderr, "verifier log:\n%s\n", rep->log);
	if (rep->step == JAIL_STEP_CAPS || (r == -EPERM &&
	    rep->step != JAIL_STEP_CGROUP)) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		self[n > 0 ? n : 0] = '\0';
		warnx("--block-host needs CAP_BPF and CAP_NET_ADMIN: run as "
		    "root, or once as root: setcap cap_bpf,cap_net_admin+p %s",
		    n > 0 ? self : "jail-ai");
	}
	warnx("run: protection could not be established; the command was "
	    "not started");
}

/* The canary: in the jail's cgroup, a blocked destination must be EPERM. */
static int canary_connect(int family, const uint8_t *addr, uint16_t port)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
	const struct sockaddr *sa;
	socklen_t len;
	int fd, r;

	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	s4.sin_family = AF_INET;
	s4.sin_port = htons(port);
	memcpy(&s4.sin_addr, addr, 4);
	s6.sin6_family = AF_INET6;
	s6.sin6_port = htons(port);
	memcpy(&s6.sin6_addr, addr, 16);
	sa = family == AF_INET ? (const void *)&s4 : (const void *)&s6;
	len = family == AF_INET ? sizeof(s4) : sizeof(s6);
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, sa, len) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/*
 * Local destinations only, so that a failed canary sends nothing off the
 * machine: each one the policy denies must be refused with EPERM.
 */
static void canary_child(const struct jail_cgroup *cg, const struct policy *p)
{
	static const struct {
		int family;
		uint8_t addr[16];
	} dst[] = {
		{ AF_INET, { 127, 0, 0, 1 } }, { AF_INET6, { [15] = 1 } },
		{ AF_INET, { 0 } }, { AF_INET6, { 0 } },
	};
	const uint16_t port = 9;	/* discard; nothing is sent if blocked */
	int tested = 0, r;
	size_t i;

	if (jail_cgroup_join(cg) < 0)
		_exit(8);
	for (i = 0; i < sizeof(dst) / sizeof(dst[0]); i++) {
		if (policy_verdict(p, dst[i].family, dst[i].addr, port) !=
		    JAIL_DENY)
			continue;
		r = canary_connect(dst[i].family, dst[i].addr, port);
		if (r == -EAFNOSUPPORT)	/* no IPv6 in this kernel */
			continue;
		if (r != -EPERM)
			_exit(1 + (int)i);
		tested++;
	}
	_exit(tested ? 0 : 9);
}

static int canary(const struct jail_cgroup *cg, const struct policy *p)
{
	int status, r;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		canary_child(cg, p);
	while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return -errno;
	return WIFEXITED(status) ? -WEXITSTATUS(status) : -128;
}

/* Attach through the privileged child, then prove it with the canary. */
static int protect(const struct jail_cgroup *cg, struct policy *p)
{
	static const char *const canary_why[] = {
		[1] = "a connect to 127.0.0.1 was not refused with EPERM",
		[2] = "a connect to ::1 was not refused with EPERM",
		[3] = "a connect to 0.0.0.0 was not refused with EPERM",
		[4] = "a connect to :: was not refused with EPERM",
		[8] = "the canary could not join the cgroup",
		[9] = "--allow opens 127.0.0.1, ::1, 0.0.0.0 and ::, so no "
		    "local connect can prove the programs work",
	};
	struct jail_reply rep;
	int r;

	p->req->op = JAIL_OP_ATTACH;
	snprintf(p->req->cgroup, sizeof(p->req->cgroup), "%s", cg->rel);
	r = privsep_call(p->req, p->req_len, &rep);
	if (r < 0) {
		explain_attach_failure(cg, &rep, r);
		return r;
	}
	r = canary(cg, p);
	if (r < 0) {
		warnx("run: --block-host: canary in %s: %s", cg->path,
		    r >= -9 && canary_why[-r] ? canary_why[-r] :
		    "the canary process failed");
		warnx("run: protection could not be established; the command "
		    "was not started");
	}
	return r;
}

static void cmd_child(const struct jail_cgroup *cg, const struct run_opts *o)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	confine_exec(cg, o->cmd, o->keep_privs);
}

static volatile sig_atomic_t cmd_pid;

static void forward_signal(int sig)
{
	if (cmd_pid > 0)
		kill((pid_t)cmd_pid, sig);
}

static int wait_cmd(pid_t pid)
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
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int cmd_run(int argc, char **argv)
{
	struct jail_cgroup cg;
	struct run_opts o;
	struct policy p;
	char err[512] = "";
	int r, code;
	pid_t pid;

	parse_run(argc, argv, &o);
	memset(&p, 0, sizeof(p));
	if (o.block_host)
		build_policy(&o, &p);
	r = jail_cgroup_create(&cg, err, sizeof(err));
	if (r < 0)
		die(EXIT_SYSFAIL, "run: cgroup: %s: %s", err, strerror(-r));
	if (o.block_host && protect(&cg, &p) < 0) {
		jail_cgroup_remove(&cg);
		exit(EXIT_SYSFAIL);
	}
	/* Like system(): the terminal's ^C and ^\ are for CMD. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	pid = fork();
	if (pid < 0) {
		r = errno;
		jail_cgroup_remove(&cg);
		die(EXIT_SYSFAIL, "run: fork: %s", strerror(r));
	}
	if (pid == 0)
		cmd_child(&cg, &o);
	cmd_pid = pid;
	code = wait_cmd(pid);
	if ((r = jail_cgroup_remove(&cg)) < 0)
		warnx("run: remove %s: %s", cg.path, strerror(-r));
	policy_free(&p);
	return code;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], JAIL_CHILD_ARG) == 0)
		loader_main();	/* never returns */
	drop_start_privileges();
	if (privsep_init() < 0)
		die(EXIT_SYSFAIL, "open /proc/self/exe: %s", strerror(errno));
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("jail-ai %s\n", JAIL_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "hostips") == 0)
		return cmd_hostips(argc - 1, argv + 1);
	die(EXIT_USAGE, "unknown command %s (see jail-ai --help)", argv[1]);
}
