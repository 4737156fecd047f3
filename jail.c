/*
 * jail.c - main, the command line, and the commands.
 *
 * No privilege of its own: a non-root caller's capability sets are emptied
 * before any input is read; only the re-executed child (loader.c) holds a
 * capability.  Untrusted input: the command line, /proc and /etc files
 * (parsed by hostips.c and cgroup.c), the child's reply (spawn.c).
 *
 *   jail-ai run [--block-host] [--allow RULE]... [--deny PREFIX]...
 *               [--deny-file FILE] [--no-dns] [--proxy URL [--allow-dns]]
 *               [--unsafe-keep-privileges]
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

#include "cgroup.h"
#include "check.h"
#include "config.h"
#include "confine.h"
#include "container.h"
#include "fsjail.h"
#include "agents.h"
#include "images.h"
#include "lifecycle.h"
#include "keeper.h"
#include "podman.h"
#include "policy.h"
#include "protect.h"
#include "pty.h"
#include "control.h"
#include "refresh.h"
#include "domains.h"
#include "spawn.h"
#include "text.h"
#include "util.h"

#ifndef JAIL_VERSION
#define JAIL_VERSION "dev"
#endif

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

/* ---- usage of the other commands ---- */

/*
 * The usage of a command whose help jail.c prints: text/help-CMD.txt (a
 * new command's help is that one file), or NULL.
 */
static const char *usage_of(const char *cmd)
{
	char name[32];

	if (strlen(cmd) > sizeof(name) - sizeof("help-"))
		return NULL;
	snprintf(name, sizeof(name), "help-%s", cmd);
	return text_get(name);
}

static int is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

/*
 * --help or -h among a command's options (not among CMD's arguments):
 * 1 when asked.  exec's options end at "--" or CMD; the others have none.
 */
static int help_asked(int argc, char **argv)
{
	int i, exec = strcmp(argv[0], "exec") == 0;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (is_help(argv[i]))
			return 1;
		if (exec && i > 1 && argv[i][0] != '-')
			break;
	}
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	const char *u = argc > 1 ? usage_of(argv[1]) : NULL;
	char *sub[] = { argc > 1 ? argv[1] : NULL, "--help", NULL };

	if (argc < 2) {
		fputs(text_get("main"), stdout);
		return 0;
	}
	if (u) {
		fputs(u, stdout);
		return 0;
	}
	if (strcmp(argv[1], "run") == 0) {
		fputs(text_get("run"), stdout);
		return 0;
	}
	if (strcmp(argv[1], "images") == 0)
		return images_main(2, sub);
	if (agent_find(argv[1]))
		return agent_main(2, sub);
	if (strcmp(argv[1], "create") == 0)
		return cmd_container(2, sub);
	die(EXIT_USAGE, "help: %s: no such command (see jail-ai --help)",
	    argv[1]);
}

/* ---- hostips ---- */

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	putchar('"');
}

static void print_hostip(const struct hostip *h, int json)
{
	char buf[64];

	if (hostip_format(h, buf, sizeof(buf)) < 0)
		return;
	if (!json) {
		printf("%s\t%s%s%s\n", buf, hostip_source_name(h->source),
		    h->why ? "\t" : "", h->why ? h->why : "");
		return;
	}
	printf("{\"prefix\":\"%s\",\"family\":%d,\"source\":", buf,
	    h->family == AF_INET ? 4 : 6);
	json_string(hostip_source_name(h->source));
	fputs(",\"why\":", stdout);
	if (h->why)
		json_string(h->why);
	else
		fputs("null", stdout);
	fputs("}\n", stdout);
}

static int cmd_hostips(int argc, char **argv)
{
	struct hostip *h;
	char err[256] = "";
	int r, json = argc == 2 && strcmp(argv[1], "--json") == 0;
	size_t n, i;

	if (argc > 1 + json)
		die(EXIT_USAGE, "usage: jail-ai hostips [--json]");
	r = hostips_discover(&h, &n, err, sizeof(err));
	if (r < 0)
		die(EXIT_SYSFAIL, "hostips: %s", err[0] ? err : strerror(-r));
	for (i = 0; i < n; i++)
		print_hostip(&h[i], json);
	free(h);
	return fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL;
}

/* ---- run ---- */

struct run_opts {
	struct prot_opts prot;
	struct fs_opts fs;
	struct fs_plan plan;
	int keep_privs, dry_run;
	const char *name;	/* --name: `jail-ai policy NAME` */
	const char *events;	/* --events FILE, "-" for stderr */
	char **cmd;
};

/* Where each argument of the command came from (config.c): "" for the
 * command line, else a config FILE:LINE or "the default ...". */
static const char **arg_src;

/* The file rules, resolved now, where a refusal can still be said. */
static void run_files(struct run_opts *o)
{
	char err[4400] = "";
	int keep = o->keep_privs && !o->fs.host;

	o->fs.host |= keep;
	if (fs_plan_build(&o->fs, &o->plan, err, sizeof(err)) < 0)
		die(EXIT_SYSFAIL, "run: %s: %s", keep ? "--unsafe-keep-"
		    "privileges keeps no file rules either" : "file rules",
		    err);
	if (fs_nested_tool(&o->plan, o->cmd[0]))
		warnx("run: %s sandboxes itself with mounts in a user "
		    "namespace of its own, which CMD's Landlock file domain "
		    "forbids (its mount() fails: Operation not permitted): "
		    "--nested-sandbox keeps the same file rules by read-only "
		    "mounts alone and lets it work", fs_nested_tool(&o->plan,
		    o->cmd[0]));
	if (o->dry_run)
		return;
	if (!o->plan.on)
		warnx("run: %s: CMD may write every file its caller "
		    "can, read ~/.ssh and every other secret, and reach every "
		    "local socket", keep ? "--unsafe-keep-privileges" :
		    "--fs host");
	if (o->plan.on && o->plan.nested)
		warnx("run: --nested-sandbox: files read-only and hidden by "
		    "mounts alone, no Landlock file domain");
	snprintf(err, sizeof(err), "ABI %d", o->plan.abi);
	if (o->plan.on && o->plan.abi < FS_LANDLOCK_SCOPES)
		warnx("run: no Landlock scopes (ABI 6, Linux 6.12; this "
		    "kernel: %s): CMD can connect to abstract unix sockets "
		    "and signal processes outside the jail", o->plan.abi < 0 ?
		    "no Landlock" : err);
}

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
			fputs(text_get("run"), stdout);
			exit(0);
		} else if (strcmp(argv[i], "--unsafe-keep-privileges") == 0) {
			o->keep_privs = 1;
		} else if (strcmp(argv[i], "--dry-run") == 0) {
			o->dry_run = 1;
		} else if (strcmp(argv[i], "--name") == 0) {
			if (i + 1 >= argc || !control_name_ok(argv[i + 1]))
				die(EXIT_USAGE, "run: --name needs a jail name "
				    "(letters, digits, '_', '.', '-'; at most 63, "
				    "not starting with '-', '.' or '_')");
			o->name = argv[++i];
		} else if (strcmp(argv[i], "--events") == 0) {
			if (++i >= argc || !argv[i][0])
				die(EXIT_USAGE, "run: --events needs a FILE "
				    "(or - for stderr)");
			o->events = argv[i];
		} else if (prot_parse_opt(&o->prot, argc, argv, &i) ||
		    fs_parse_opt(&o->fs, argc, argv, &i)) {
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
	if (o->name && !o->prot.block_host)
		die(EXIT_USAGE, "run: --name %s is for live policy updates "
		    "(jail-ai policy NAME), which need --block-host (or "
		    "--deny-all, --block-private, --proxy): without it there "
		    "is no network policy to change", o->name);
	if (o->name && o->keep_privs)
		die(EXIT_USAGE, "run: --name %s with --unsafe-keep-privileges: "
		    "CMD would share jail-ai's mount and PID namespaces and "
		    "could reach the control socket; drop one of them", o->name);
	if (o->events && !o->prot.block_host)
		die(EXIT_USAGE, "run: --events reports what the policy denies: "
		    "it needs --block-host (or --deny-all, --block-private, "
		    "--proxy)");
	o->cmd = argv + i;
	run_files(o);
}

/* The address refresh's fds stay with jail-ai; CMD never holds them. */
static struct refresh refresh = { .nl = -1, .maps = { -1, -1, -1, -1, -1,
    -1, -1, -1 }, .ctl = -1 };
/* --allow-domain: the forwarder, polled by refresh_watch's loop. */
static struct domains domains;
static int dumpable = 1;
/* --events: the ring, read by refresh_watch's loop, and where it goes. */
static struct events events = { .ring = -1, .cnt = -1, .out = -1 };
static int events_out = -1;

/* --proxy: CMD's HTTP(S) clients go to the proxy. */
static void proxy_env(const struct prot_opts *o)
{
	static const char *const vars[] = PROT_PROXY_VARS;
	size_t i;

	for (i = 0; o->proxy && vars[i]; i++)
		if (setenv(vars[i], o->proxy, 1) < 0)
			die(EXIT_SYSFAIL, "run: setenv %s: %s", vars[i],
			    strerror(errno));
	if (o->proxy && (setenv("NO_PROXY", PROT_NO_PROXY, 1) < 0 ||
	    setenv("no_proxy", PROT_NO_PROXY, 1) < 0))
		die(EXIT_SYSFAIL, "run: setenv NO_PROXY: %s", strerror(errno));
}

static void cmd_child(const struct jail_cgroup *cg, const struct run_opts *o,
    pid_t parent)
{
	/* The relay and init run jail-ai's code, dumpable, visible to CMD in
	 * /proc/1/fd: none of them keeps a way to the control socket (the
	 * socket's directory is not removed here: the owner is the parent). */
	if (refresh.ctl >= 0)
		close(refresh.ctl);
	control_close();
	refresh_close(&refresh);
	events_close(&events);
	/* the forwarder's listeners: this copy's only (closing an fd in a
	 * child leaves the parent's socket open; the static struct is all
	 * zeros, fd 0, when there are no domains) */
	if (o->prot.domains)
		dns_fwd_close(&domains.fwd);
	proxy_env(&o->prot);
	prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	confine_exec(cg, o->cmd, o->keep_privs, &o->plan, parent);
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
	char err[256] = "";
	int status, r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* Fail closed: a jail whose host addresses can no longer be kept
	 * denied does not go on (the cgroup's removal kills the rest). */
	if (refresh.nl >= 0 && (r = refresh_watch(&refresh, pid, err,
	    sizeof(err))) < 0) {
		kill(pid, SIGKILL);
		if (strncmp(err, "live policy", 11) == 0)
			warnx("run: --block-host: %s: %s; CMD was killed, since "
			    "the jail's maps no longer match a known policy "
			    "(run it again)", err, strerror(-r));
		else
			warnx("run: --block-host: address refresh: %s: %s; CMD "
			    "was killed, since a host address that appears now "
			    "could not be blocked (run it again)", err,
			    strerror(-r));
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		tty_restore(ts);
		return EXIT_SYSFAIL;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return EXIT_SYSFAIL;
	if (WIFSIGNALED(status)) {
		tty_restore(ts);
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

/* ---- run --dry-run: the policy, each entry with its source ---- */

struct dry {
	struct hostip *h;	/* every deny, for the resolver check */
	size_t n, max;
};

static void dry_line(const char *verdict, const char *what,
    const char *src, const char *why)
{
	printf("%-5s %-44s %s%s%s\n", verdict, what, src, why ? "  # " : "",
	    why ? why : "");
}

static void dry_deny(struct dry *d, const struct hostip *h, const char *src,
    const char *why)
{
	char buf[64];

	if (d->n == d->max) {
		struct hostip *nh = realloc(d->h, (d->max * 2 + 64) *
		    sizeof(*nh));

		if (!nh)
			die(EXIT_SYSFAIL, "run: out of memory");
		d->h = nh;
		d->max = d->max * 2 + 64;
	}
	d->h[d->n++] = *h;
	if (hostip_format(h, buf, sizeof(buf)) == 0)
		dry_line("deny", buf, src, why);
}

/* One --deny-file (at most 16 MiB, as the dry run reads it): each line's
 * prefix with PATH:LINE as its source. */
static void dry_deny_file(struct dry *d, const char *path, const char *src)
{
	char *buf, *where;
	size_t len, pos = 0, e, n;
	unsigned int line = 0, l;
	struct hostip h;
	int r = config_read(path, 16 << 20, &buf, &len);

	if (r < 0)
		die(EXIT_USAGE, "run: --deny-file %s: %s", path, strerror(-r));
	for (; pos < len; pos = e + 1) {
		line++;
		for (e = pos; e < len && buf[e] != '\n'; e++)
			;
		n = 0;
		if (policy_parse_deny_file(buf + pos, e - pos, &h, 1, &n,
		    &l) < 0)
			die(EXIT_USAGE, "run: --deny-file %s line %u: not ADDR "
			    "or ADDR/LEN", path, line);
		if (n == 0)
			continue;
		if (asprintf(&where, "%s %s:%u", src, path, line) < 0)
			die(EXIT_SYSFAIL, "run: out of memory");
		dry_deny(d, &h, where, NULL);
		free(where);
	}
	free(buf);
}

/* --proxy URL: its one allow, as the policy holds it. */
static void dry_proxy(const char *url, const char *src)
{
	struct allow_rule a;
	char txt[80];

	if (policy_parse_proxy(url, &a) == 0 &&
	    policy_format_allow(&a, txt, sizeof(txt)) == 0)
		dry_line("allow", txt, src, "the proxy (with --deny-all)");
}

/* The user's rules, in command-line order, with their sources. */
static void dry_rules(struct dry *d, int argc, char **argv)
{
	unsigned int l;
	struct hostip h;
	size_t n;
	int i;

	for (i = 1; i + 1 < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *src = arg_src && arg_src[i][0] ? arg_src[i] :
		    argv[i];

		if (strcmp(argv[i], "--deny") == 0) {
			n = 0;
			policy_parse_deny_file(argv[i + 1],
			    strlen(argv[i + 1]), &h, 1, &n, &l);
			if (n == 1)
				dry_deny(d, &h, src, NULL);
		} else if (strcmp(argv[i], "--deny-file") == 0) {
			dry_deny_file(d, argv[i + 1], src);
		} else if (strcmp(argv[i], "--allow") == 0) {
			dry_line("allow", argv[i + 1], src, NULL);
		} else if (strcmp(argv[i], "--proxy") == 0) {
			dry_proxy(argv[i + 1], src);
		} else if (!strcmp(argv[i], "--deny-all") ||
		    !strcmp(argv[i], "--block-private")) {
			if (src != argv[i])	/* from a config file */
				printf("# %s from %s\n", argv[i], src);
			continue;
		} else {
			continue;
		}
		i++;
	}
}

/* The resolvers that the policy would deny get port 53 (--no-dns: not). */
static void dry_resolvers(struct dry *d, const struct prot_opts *o)
{
	struct hostip ns[8];
	struct policy p;
	char *buf, txt[80];
	size_t len, n = 0, i;

	if (read_file("/etc/resolv.conf", &buf, &len) < 0)
		return;
	hostips_parse_resolv_conf(buf, len, ns, 8, &n);
	free(buf);
	if (policy_build(d->h, d->n, o->allow, o->nallow, &p) < 0)
		die(EXIT_USAGE, "run: --block-host: too many rules");
	for (i = 0; i < n; i++) {
		char a[INET6_ADDRSTRLEN];

		if (policy_verdict(&p, ns[i].family, ns[i].addr, 53) ==
		    JAIL_ALLOW || !inet_ntop(ns[i].family, ns[i].addr, a,
		    sizeof(a)))
			continue;
		if (ns[i].family == AF_INET6)
			snprintf(txt, sizeof(txt), "[%s]:53", a);
		else
			snprintf(txt, sizeof(txt), "%s:53", a);
		dry_line(o->no_dns ? "deny" : "allow", txt, "resolver",
		    o->no_dns && o->proxy && !o->allow_dns ? "from "
		    "/etc/resolv.conf, closed by --proxy (--allow-dns to keep "
		    "it)" : o->no_dns ? "from /etc/resolv.conf, blocked by "
		    "--no-dns" : "from /etc/resolv.conf (--no-dns to block it)");
	}
	policy_free(&p);
}

/* --allow-domain: what the forwarder will let each answer open. */
static void dry_domains(const struct dns_names *nm)
{
	size_t i;

	for (i = 0; nm && i < nm->n; i++)
		printf("allow-domain %s%s  # its DNS answers' addresses, for "
		    "TTL + %d s\n", nm->v[i].wildcard ? "*." : "",
		    nm->v[i].name, DNS_GRACE_S);
	if (nm)
		printf("# port 53 (UDP, TCP, any address): jail-ai's DNS "
		    "forwarder; other names: REFUSED\n");
}

static int run_dry(int argc, char **argv, const struct run_opts *o)
{
	struct dry d = { NULL, 0, 0 };
	struct prot_opts po;
	struct hostip *h;
	char err[256] = "";
	size_t n, i;
	int r;

	fs_plan_print(&o->plan);
	if (!o->prot.block_host) {
		printf("# --block-host is off: no network policy; CMD would "
		    "run in a cgroup jail\n");
		return fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL;
	}
	printf("# jail-ai run --dry-run: the policy --block-host would attach "
	    "(an allow wins over a deny); nothing was started\n");
	if (arg_src && arg_src[1] && !strcmp(argv[1], "--block-host") &&
	    arg_src[1][0])
		printf("# --block-host from %s\n", arg_src[1]);
	printf("# mode: %s\n", policy_mode_word(&o->prot));
	r = hostips_discover(&h, &n, err, sizeof(err));
	if (r < 0)
		die(EXIT_SYSFAIL, "run: host addresses: %s", err[0] ? err :
		    strerror(-r));
	po = o->prot;
	if ((r = policy_add_modes(&po, &h, &n, 1)) < 0)
		die(EXIT_SYSFAIL, "run: policy: %s", strerror(-r));
	for (i = 0; i < n; i++)
		dry_deny(&d, &h[i], hostip_source_name(h[i].source),
		    h[i].why);
	free(h);
	dry_rules(&d, argc, argv);
	dry_resolvers(&d, &o->prot);
	dry_domains(o->prot.domains);
	free(d.h);
	return fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL;
}

/*
 * The watch opens before prot_build reads the addresses: a change after
 * that read is queued, not missed.  No watch, no jail.
 */
static void start_refresh(struct prot_opts *o)
{
	int r;

#ifdef JAIL_FAULT_INJECTION
	/* Only in jail-ai-fault: the old path, no refresh (tests' control). */
	if (getenv("JAIL_AI_FAULT") && !strcmp(getenv("JAIL_AI_FAULT"),
	    "norefresh")) {
		refresh.nl = -1;
		return;
	}
#endif
	if ((r = refresh_open(&refresh)) < 0)
		die(EXIT_SYSFAIL, "run: --block-host: watch the host's "
		    "addresses (rtnetlink socket): %s; nothing was started",
		    strerror(-r));
	o->want_kept = 1;
}

/* With the watch: the child hands the map fds over, and jail-ai turns
 * non-dumpable while it holds them (no /proc/PID/fd, no pidfd_getfd). */
static int attach_run(struct prot_opts *o, const struct jail_cgroup *cg,
    struct policy *p)
{
	int maps[JAIL_NMAPS], r;

	if (refresh.nl < 0)
		return protect("run", cg, p);
	dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) > 0;
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if ((r = protect_fds("run", cg, p, maps)) < 0)
		return r;
	if ((r = refresh_start(&refresh, o, p, maps)) < 0)
		warnx("run: --block-host: address refresh: update the jail's "
		    "maps without capabilities: %s (kernels before 5.19 refuse "
		    "it while kernel.unprivileged_bpf_disabled is set); nothing "
		    "was started", strerror(-r));
	return r;
}

/* --name: NAME's control socket, before anything is started. */
static int listen_named(const char *name)
{
	char err[4200] = "";
	int fd;

	if (refresh.nl < 0)
		die(EXIT_USAGE, "run: --name %s needs the address refresh, which "
		    "holds the jail's maps (it is off here); nothing was "
		    "started", name);
	fd = control_listen(name, err, sizeof(err));
	/* root's sockets are the keepers' too (/run/jail-ai/ctl) */
	if (fd == -EADDRINUSE && geteuid() == 0 && keeper_pid(name, NULL,
	    0) > 0)
		die(EXIT_USAGE, "run: --name %s: the protected podman jail %s "
		    "holds that name (its keeper serves jail-ai policy %s); "
		    "choose another --name; nothing was started", name, name,
		    name);
	if (fd == -EADDRINUSE)
		die(EXIT_USAGE, "run: --name %s: a run jail of that name is "
		    "running already for this user (jail-ai policy %s --show); "
		    "nothing was started", name, name);
	if (fd < 0)
		die(EXIT_SYSFAIL, "run: --name %s: control socket %s: %s; "
		    "nothing was started", name, err, strerror(-fd));
	return fd;
}

/*
 * Every run jail's CMD: the control sockets' directory out of sight, so
 * that no CMD reaches another jail's control by path either.  Made here
 * when missing: a jail started before the first `run --name` would
 * otherwise see the directory a later named jail makes.  If it cannot be
 * made, no later jail of this user can make it at that path either.
 */
static void hide_control(void)
{
	static char dir[4096];
	int fd = control_dir(dir, sizeof(dir), 1);

	if (fd >= 0) {
		close(fd);
		confine_hide(dir);
	}
}

/* --events FILE: opened (appended to) before anything starts, so that a
 * bad path is refused with nothing run; close-on-exec, never CMD's. */
static void open_events(const char *path)
{
	if (strcmp(path, "-") == 0)
		events_out = fcntl(2, F_DUPFD_CLOEXEC, 3);
	else
		events_out = open(path, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC | O_NOCTTY, 0600);
	if (events_out < 0)
		die(EXIT_SYSFAIL, "run: --events %s: %s; nothing was started",
		    path, strerror(errno));
}

/* --allow-domain, before the attach: the forwarder's port goes into the
 * request (the programs redirect port 53 there from the first packet). */
static void open_domains(struct prot_opts *o, struct policy *p)
{
	char err[256] = "";
	int r;

	if (refresh.nl < 0)	/* jail-ai-fault's norefresh: no map fds */
		die(EXIT_SYSFAIL, "run: --allow-domain needs the jail's maps, "
		    "which only the address refresh holds; nothing was started");
	if ((r = domains_open(&domains, o->domains, err, sizeof(err))) < 0)
		die(EXIT_SYSFAIL, "run: --allow-domain: DNS forwarder: %s: %s; "
		    "nothing was started", err, strerror(-r));
	if (!(p->req->flags & JAIL_REQ_F_HOSTNET))
		die(EXIT_SYSFAIL, "run: --allow-domain: the jail is not in this "
		    "network namespace; nothing was started");
	p->req->flags |= JAIL_REQ_F_DOMAINS;
	p->req->dns_port = domains.fwd.port;
}

/* After the attach: the ring is read from now on. */
static int start_events(const struct jail_cgroup *cg, int logged)
{
	static struct events_log backlog;	/* --name: events NAME */
	const char *name = strrchr(cg->path, '/');
	char err[128] = "";
	int r;

	if (refresh.nl < 0) {	/* jail-ai-fault's norefresh: no fds */
		warnx("run: --events: no map fds without the address refresh");
		return -ENOTSUP;
	}
	r = refresh_events(&refresh, &events, events_out, name ? name + 1 :
	    cg->path, err, sizeof(err));
	if (r < 0)
		warnx("run: --events: %s: %s (kernels before 5.19 refuse it "
		    "without capabilities); nothing was started", err,
		    strerror(-r));
	if (r == 0 && logged)
		events_log_init(&events, &backlog);
	return r;
}

static int cmd_run(int argc, char **argv)
{
	struct jail_cgroup cg;
	struct tty_saved ts;
	struct run_opts o;
	struct policy p;
	char err[512] = "";
	int r, code, ctl = -1;
	pid_t pid, self = getpid();

	parse_run(argc, argv, &o);
	if (o.dry_run) {
		code = run_dry(argc, argv, &o);
		fs_plan_free(&o.plan);
		return code;
	}
	if ((r = jail_cgroup_preflight(err, sizeof(err))) < 0)
		die(EXIT_SYSFAIL, "run: cgroup: %s: %s", err, strerror(-r));
	memset(&p, 0, sizeof(p));
	if (o.events)
		open_events(o.events);
	if (o.prot.block_host)
		start_refresh(&o.prot);
	if (o.name)
		ctl = listen_named(o.name);
	hide_control();
	if (o.prot.block_host)
		prot_build(&o.prot, &p);
	/* a ring worth reading (request.h); --name: `jail-ai events NAME` */
	if (o.events || ctl >= 0)
		p.req->flags |= JAIL_REQ_F_EVENTS;
	if (o.prot.domains)
		open_domains(&o.prot, &p);
	r = jail_cgroup_create(&cg, o.prot.block_host ?
	    policy_mode_word(&o.prot) : NULL, err, sizeof(err));
	if (r < 0)
		die(EXIT_SYSFAIL, "run: cgroup: %s: %s", err, strerror(-r));
	if (o.prot.block_host && attach_run(&o.prot, &cg, &p) < 0) {
		jail_cgroup_remove(&cg);
		exit(EXIT_SYSFAIL);
	}
	if (ctl >= 0 && (r = control_guard(cg.mount, cg.path)) < 0)
		die(EXIT_SYSFAIL, "run: --name: %s: %s; nothing was started",
		    cg.path, strerror(-r));
	refresh.ctl = ctl;
	refresh.on_ctl = ctl >= 0 ? control_handle : NULL;
	if (o.prot.domains) {
		domains_start(&domains, refresh.maps[JAIL_MAP_DNS4],
		    refresh.maps[JAIL_MAP_DNS6]);
		refresh.dom = &domains;
	}
	if ((o.events || ctl >= 0) && start_events(&cg, ctl >= 0) < 0) {
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
	if (o.events && (r = events_summary(&events)) < 0)
		warnx("run: --events: read the counters: %s", strerror(-r));
	if ((r = jail_cgroup_remove(&cg)) < 0)
		warnx("run: remove %s: %s", cg.path, strerror(-r));
	if (ctl >= 0)
		close(ctl);
	control_close();
	events_close(&events);
	if (events_out >= 0)
		close(events_out);
	if (o.prot.domains)
		domains_close(&domains);
	refresh_close(&refresh);
	free(o.prot.kept);
	free(o.prot.domains);
	policy_free(&p);
	fs_plan_free(&o.plan);
	return code;
}

/* ---- the command line ---- */

/*
 * --opt=VALUE becomes --opt VALUE for every option that takes a value,
 * among the command's own options: up to "--", and for run, exec and the
 * agents up to CMD (whose arguments are never touched).  A flag given a
 * value is refused; anything else is left for the command to judge.
 */
static char **volatile kept_argv;	/* reachable: for LeakSanitizer */

static char **split_values(int argc, char **argv, int *out_argc)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int exec = strcmp(cmd, "exec") == 0, named = 0, i, n = 0;
	int stop = exec || strcmp(cmd, "run") == 0 || agent_find(cmd);
	char **v = calloc((size_t)argc * 2 + 1, sizeof(*v)), *eq;

	if (!(kept_argv = v))
		die(EXIT_SYSFAIL, "out of memory");
	v[n++] = argv[0];
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (stop && i > 1 && argv[i][0] != '-') {
			if (!exec || named++)
				break;	/* CMD */
			v[n++] = argv[i];	/* exec's NAME */
			continue;
		}
		eq = strncmp(argv[i], "--", 2) == 0 ? strchr(argv[i], '=') :
		    NULL;
		if (eq && config_opt_flag(argv[i], (size_t)(eq - argv[i])))
			die(EXIT_USAGE, "%.*s takes no value", (int)(eq -
			    argv[i]), argv[i]);
		if (eq) {
			*eq = '\0';
			if (config_opt_valued(argv[i])) {
				v[n++] = argv[i];
				v[n++] = eq + 1;
				continue;
			}
			*eq = '=';
		}
		v[n++] = argv[i];
		if (config_opt_valued(argv[i]) && i + 1 < argc)
			v[n++] = argv[++i];
	}
	for (; i < argc; i++)
		v[n++] = argv[i];
	*out_argc = n;
	return v;
}

/* The jail options, from the config files and the command line. */
static char **with_config(const char *cmd, int *argc, char **argv)
{
	return config_apply(cmd, *argc, argv, argc, &arg_src);
}

/* Nothing serves NAME: say which kind of jail it is and why (125). */
__attribute__((noreturn))
static void no_control(const char *cmd, const char *name, int r)
{
	char *pod;

	if (r != -ESRCH)
		die(EXIT_SYSFAIL, "%s: %s: %s", cmd, name, strerror(-r));
	pod = podman_init() < 0 ? NULL : container_inspect(name, "{{index "
	    ".Config.Labels \"jail-ai.block-host\"}}");
	if (pod && getuid() != 0)
		die(EXIT_USAGE, "%s: %s is a rootless podman jail: live policy "
		    "and events need the rootful fast path (jail-ai as root, "
		    "podman's cgroupfs manager), where a keeper holds the "
		    "jail's maps; rootless jails have none", cmd, name);
	if (pod)
		die(EXIT_USAGE, "%s: %s is a podman jail with no live keeper "
		    "(%s; see jail-ai status %s)", cmd, name,
		    strcmp(pod, "1") ? "not protected: create it with "
		    "--block-host" : "stopped, made before the fast path, or "
		    "its keeper is gone", name);
	die(EXIT_USAGE, "%s: no live jail named %s for this user (start one "
	    "with jail-ai run --name %s --block-host ..., or create a "
	    "protected podman jail as root)", cmd, name, name);
}

/* jail-ai events NAME [--follow]: the jail's denial events, JSON lines */
static int cmd_events(int argc, char **argv)
{
	struct control_req rq;
	int32_t status;
	char *text, buf[4096];
	int fd = -1, r, follow = argc == 3 && !strcmp(argv[2], "--follow");
	ssize_t n;

	if (argc != 2 && !follow)
		die(EXIT_USAGE, "usage: jail-ai events NAME [--follow]");
	if (!control_name_ok(argv[1]))
		die(EXIT_USAGE, "events: %s: not a valid jail name", argv[1]);
	memset(&rq, 0, sizeof(rq));
	rq.magic = CONTROL_MAGIC;
	rq.version = CONTROL_VERSION;
	rq.op = CONTROL_EVENTS;
	rq.flags = follow ? CONTROL_F_FOLLOW : 0;
	r = control_call_fd(argv[1], &rq, &status, &text, follow ? &fd : NULL);
	if (r < 0)
		no_control("events", argv[1], r);
	if (status < 0)
		die(EXIT_USAGE, "events: %s: %s", argv[1], text);
	fputs(text, stdout);
	free(text);
	if (fflush(stdout) != 0)
		return EXIT_SYSFAIL;
	/* --follow: each line as it comes, until the jail ends */
	while (fd >= 0 && ((n = read(fd, buf, sizeof(buf))) > 0 ||
	    (n < 0 && errno == EINTR)))
		if (n > 0 && write(1, buf, (size_t)n) != n)
			return EXIT_SYSFAIL;
	return 0;
}

/* jail-ai policy NAME --allow RULE | --deny RULE | --remove RULE | --show */
static int cmd_policy(int argc, char **argv)
{
	static const char *const ops[] = { NULL, "--allow", "--deny",
	    "--remove", "--show" };
	struct control_req rq;
	int32_t status;
	char *text;
	int op = 0, i, r;

	memset(&rq, 0, sizeof(rq));
	for (i = 1; argc == 3 || argc == 4 ? i < 5 : 0; i++)
		if (strcmp(argv[2], ops[i]) == 0)
			op = i;
	if (!op || (op == CONTROL_SHOW) != (argc == 3))
		die(EXIT_USAGE, "usage: jail-ai policy NAME --allow RULE | "
		    "--deny RULE | --remove RULE | --show");
	if (!control_name_ok(argv[1]))
		die(EXIT_USAGE, "policy: %s: not a valid jail name", argv[1]);
	if (argc == 4 && strlen(argv[3]) > JAIL_MAX_RULE_LEN)
		die(EXIT_USAGE, "policy: %s %.40s...: more than %d characters",
		    argv[2], argv[3], JAIL_MAX_RULE_LEN);
	rq.magic = CONTROL_MAGIC;
	rq.version = CONTROL_VERSION;
	rq.op = (uint16_t)op;
	if (argc == 4)
		snprintf(rq.rule, sizeof(rq.rule), "%s", argv[3]);
	r = control_call(argv[1], &rq, &status, &text);
	if (r < 0)
		no_control("policy", argv[1], r);
	if (status < 0) {
		warnx("policy: %s: %s", argv[1], text);
		free(text);
		return EXIT_USAGE;
	}
	fputs(text, stdout);
	if (op != CONTROL_SHOW)
		putchar('\n');
	free(text);
	return fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL;
}

static int dispatch(int argc, char **argv)
{
	const char *c = argv[0];
	int r;

	if (strcmp(c, "help") == 0)
		return cmd_help(argc, argv);
	if (strcmp(c, "version") == 0 || strcmp(c, "--version") == 0 ||
	    strcmp(c, "-V") == 0) {
		if (argc > 1 && is_help(argv[1]))
			return cmd_help(2, (char *[]){ "help", "version", NULL });
		printf("jail-ai %s\n", JAIL_VERSION);
		return fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL;
	}
	if (strcmp(c, "run") == 0) {
		argv = with_config("run", &argc, argv);
		return cmd_run(argc, argv);
	}
	if (strcmp(c, "images") == 0)
		return help_asked(argc, argv) ? cmd_help(2, (char *[]){ "help",
		    "images", NULL }) : images_main(argc, argv);
	if (agent_find(c)) {
		argv = with_config("agent", &argc, argv);
		return agent_main(argc, argv);
	}
	if (help_asked(argc, argv) && usage_of(c)) {
		fputs(usage_of(c), stdout);
		return 0;
	}
	if (strcmp(c, "create") == 0)
		argv = with_config("create", &argc, argv);
	if ((r = cmd_container(argc, argv)) >= 0)
		return r;
	if (strcmp(c, "hostips") == 0)
		return cmd_hostips(argc, argv);
	if (strcmp(c, "check") == 0)
		return cmd_check(argc, argv);
	if (strcmp(c, "clean") == 0)
		return cmd_clean(argc, argv);
	if (strcmp(c, "upgrade") == 0)
		return images_upgrade(argc, argv);
	if (strcmp(c, "policy") == 0)
		return cmd_policy(argc, argv);
	if (strcmp(c, "events") == 0)
		return cmd_events(argc, argv);
	die(EXIT_USAGE, "unknown command %s (see jail-ai --help)", c);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], JAIL_CHILD_ARG) == 0)
		loader_main();	/* never returns */
	keeper_title_area(argc, argv);
	drop_start_privileges();
	if (privsep_init() < 0)
		die(EXIT_SYSFAIL, "open /proc/self/exe: %s", strerror(errno));
	if (argc > 1 && (is_help(argv[1]) || strcmp(argv[1], "help") == 0))
		return cmd_help(argc - 1, argv + 1);
	argv = split_values(argc, argv, &argc);
	if (argc < 2 || (argv[1][0] == '-' && strcmp(argv[1], "-V") != 0 &&
	    strcmp(argv[1], "--version") != 0)) {
		/* The bare project jail: the options are create's. */
		int i;

		for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
			if (is_help(argv[i]))
				return cmd_help(1, argv);
		argv[0] = "jail-ai";
		argv = with_config("project", &argc, argv);
		return cmd_project_shell(argc, argv);
	}
	return dispatch(argc - 1, argv + 1);
}
