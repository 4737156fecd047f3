/*
 * container.c - podman jails: create, start, stop, rm, exec, shell, list,
 * status, and the protected start that every start of a --block-host jail
 * goes through: podman init (cgroup and init process exist, the image's
 * command has not run) -> the container's cgroup v2 -> the privileged
 * child attaches -> canary -> podman start.  Any failure: the container is
 * not left running, the exit status is non-zero, the message names the step.
 *
 * No privilege.  Untrusted input: the command line (names, mounts, ports,
 * env), podman's output (read only through --format templates), labels of
 * existing containers (re-checked like command-line options).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "images.h"
#include "jail.h"

#define MAX_ARGS	120	/* podman arguments we build */
#define DEFAULT_IMAGE	"localhost/jail-ai-base:latest"
#define MAIN_LOOP	"trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"

static const char create_usage[] =
"usage: jail-ai create NAME [OPTIONS] [-- CMD...]\n"
"\n"
"Makes a podman container for the project (the git root of the current\n"
"directory, or the directory) mounted at /workspace, and starts it.\n"
"\n"
"  --image IMG            image (default: $JAIL_AI_IMAGE or\n"
"                         " DEFAULT_IMAGE ")\n"
"  --workspace DIR        the project directory (default: the current one)\n"
"  -m, --mount SRC:DST[:ro]  bind mount; sensitive sources (~/.ssh, ~/.gnupg,\n"
"                         ~/.aws, container engine sockets, /, $HOME, /etc)\n"
"                         are refused unless --force-mount\n"
"  -p, --port HOST:CTR[/udp] publish CTR on 127.0.0.1:HOST\n"
"  -e, --env K=V          set a variable (TERM and TZ are passed through)\n"
"  --ssh-agent            pass the SSH agent socket ($SSH_AUTH_SOCK)\n"
"  --network none|private|host   (default: private)\n"
"  --memory SIZE, --cpus N       limits\n"
"  --block-host, --allow RULE, --deny PREFIX, --deny-file FILE, --no-dns\n"
"                         as in `jail-ai run --help`; every start of the\n"
"                         jail attaches and checks the programs first\n"
"\n"
"Every jail: all capabilities dropped but CHOWN, DAC_OVERRIDE, FOWNER,\n"
"FSETID, SETGID, SETUID, KILL, NET_BIND_SERVICE, SYS_CHROOT (never NET_RAW),\n"
"no-new-privileges, labels jail-ai=1, jail-ai.block-host, jail-ai.workspace.\n"
"\n"
"Other commands: start NAME, stop NAME, rm [-f] NAME,\n"
"exec NAME [-i] [-t] -- CMD..., shell NAME, list, status NAME\n";

struct args {
	const char *v[MAX_ARGS + 1];
	size_t n;
	char *owned[MAX_ARGS];	/* strings we made, freed with the args */
	size_t nowned;
};

static void add(struct args *a, const char *s)
{
	if (a->n == MAX_ARGS)
		die(EXIT_USAGE, "too many options");
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

__attribute__((format(printf, 2, 3)))
static void addf(struct args *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die(EXIT_SYSFAIL, "out of memory");
	va_end(ap);
	if (a->nowned == MAX_ARGS)
		die(EXIT_USAGE, "too many options");
	a->owned[a->nowned++] = s;
	add(a, s);
}

static void args_free(struct args *a)
{
	while (a->nowned)
		free(a->owned[--a->nowned]);
	a->n = 0;
}

static void need_podman(const char *who)
{
	if (podman_init() < 0)
		die(EXIT_SYSFAIL, "%s: podman not found in /usr/bin, /bin, "
		    "/usr/local/bin or $JAIL_AI_PODMAN: install podman (and "
		    "runc) or use `jail-ai run`", who);
}

/*
 * podman ARGS... (NULL-terminated); 0 when it exits 0.  Its stdout (ids
 * and names it echoes) is dropped; its stderr (the reasons) is not.
 */
static int pm(const char *first, ...)
{
	struct podman_status ps;
	struct args a = { .n = 0 };
	const char *s;
	char *out;
	va_list ap;
	int r;

	va_start(ap, first);
	for (s = first; s; s = va_arg(ap, const char *))
		add(&a, s);
	va_end(ap);
	r = podman_capture(a.v, 0, &out, &ps);
	free(out);
	return r;
}

static char *inspect(const char *name, const char *fmt)
{
	return podman_inspect("container", name, fmt);
}

/* ---- checks of the command line ---- */

static int valid_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '-' || s[0] == '.' || s[0] == '_')
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
		    "TUVWXYZ0123456789_.-", s[i]))
			return 0;
	return 1;
}

/* A jail-ai jail that exists; dies otherwise. */
static void need_jail(const char *who, const char *name)
{
	char *label;

	if (!valid_name(name))
		die(EXIT_USAGE, "%s: %s: not a valid jail name", who, name);
	label = inspect(name, "{{index .Config.Labels \"jail-ai\"}}");
	if (!label)
		die(EXIT_USAGE, "%s: %s: no such jail (jail-ai list)", who,
		    name);
	if (strcmp(label, "1") != 0)
		die(EXIT_USAGE, "%s: %s is a container, but not a jail-ai "
		    "jail", who, name);
	free(label);
}

/* path equals dir or lies below it */
static int below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/' || n == 1);
}

/*
 * A mount source is sensitive when it is, or holds, or lies inside one of
 * these: keys, credentials, container engines (a socket is root on the host).
 */
static const char *sensitive(const char *src)
{
	static const char *const home_rel[] = { ".ssh", ".gnupg", ".aws",
	    ".kube", ".docker", ".config/gcloud", ".netrc",
	    ".local/share/containers", ".password-store" };
	static const char *const abs[] = { "/etc", "/boot",
	    "/var/run/docker.sock", "/run/docker.sock", "/run/podman",
	    "/var/run/podman", "/run/containerd", "/proc", "/sys", "/dev" };
	static char buf[PATH_MAX + 64];
	const char *home = getenv("HOME"), *xdg = getenv("XDG_RUNTIME_DIR");
	size_t i;

	if (strcmp(src, "/") == 0 || (home && strcmp(src, home) == 0))
		return src;
	for (i = 0; home && i < sizeof(home_rel) / sizeof(home_rel[0]); i++) {
		snprintf(buf, sizeof(buf), "%s/%s", home, home_rel[i]);
		if (below(src, buf) || below(buf, src))
			return buf;
	}
	for (i = 0; i < sizeof(abs) / sizeof(abs[0]); i++)
		if (below(src, abs[i]) || below(abs[i], src))
			return abs[i];
	if (xdg) {
		snprintf(buf, sizeof(buf), "%s/podman", xdg);
		if (below(src, buf) || below(buf, src))
			return buf;
	}
	return NULL;
}

static void add_mount(struct args *a, const char *spec, int force)
{
	char src[PATH_MAX], *copy = strdup(spec), *dst, *mode;
	const char *bad;

	if (!copy)
		die(EXIT_SYSFAIL, "out of memory");
	dst = strchr(copy, ':');
	mode = dst ? strchr(dst + 1, ':') : NULL;
	if (dst)
		*dst++ = '\0';
	if (mode)
		*mode++ = '\0';
	if (!dst || dst[0] != '/' || (mode && strcmp(mode, "ro") != 0 &&
	    strcmp(mode, "rw") != 0) || strchr(dst, ','))
		die(EXIT_USAGE, "create: --mount %s: not SRC:DST[:ro] with an "
		    "absolute DST", spec);
	if (!realpath(copy, src))
		die(EXIT_USAGE, "create: --mount %s: %s: %s", spec, copy,
		    strerror(errno));
	if (!force && (bad = sensitive(src)))
		die(EXIT_USAGE, "create: --mount %s: %s is or holds %s, which "
		    "the jail should not see (--force-mount if you mean it)",
		    spec, src, bad);
	add(a, "--volume");
	addf(a, "%s:%s%s", src, dst, mode && strcmp(mode, "ro") == 0 ?
	    ":ro" : "");
	free(copy);
}

static int port_number(const char *s, size_t n)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5 || s[0] == '0')
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v >= 1 && v <= 65535 ? (int)v : -1;
}

/* HOST:CTR[/udp], published on 127.0.0.1 only: the jail is not a server. */
static void add_port(struct args *a, const char *spec)
{
	const char *colon = strchr(spec, ':'), *slash;
	int host, ctr, udp = 0;

	slash = colon ? strchr(colon, '/') : NULL;
	if (slash && strcmp(slash, "/udp") != 0 && strcmp(slash, "/tcp") != 0)
		colon = NULL;
	udp = slash && strcmp(slash, "/udp") == 0;
	host = colon ? port_number(spec, (size_t)(colon - spec)) : -1;
	ctr = colon ? port_number(colon + 1, slash ? (size_t)(slash - colon -
	    1) : strlen(colon + 1)) : -1;
	if (host < 0 || ctr < 0)
		die(EXIT_USAGE, "create: --port %s: not HOST:CTR[/udp] with "
		    "ports 1-65535", spec);
	add(a, "--publish");
	addf(a, "127.0.0.1:%d:%d%s", host, ctr, udp ? "/udp" : "");
}

static void add_env(struct args *a, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t i;

	for (i = 0; eq && kv + i < eq; i++)
		if (!(kv[i] == '_' || (kv[i] >= 'A' && kv[i] <= 'Z') ||
		    (kv[i] >= 'a' && kv[i] <= 'z') ||
		    (i > 0 && kv[i] >= '0' && kv[i] <= '9')))
			break;
	if (!eq || eq == kv || kv + i != eq)
		die(EXIT_USAGE, "create: --env %s: not NAME=VALUE", kv);
	add(a, "--env");
	add(a, kv);
}

/*
 * The git root above arg (default: the current directory), else arg
 * itself; refused when it would expose too much.  out holds PATH_MAX.
 */
void workspace(const char *arg, char *out)
{
	char dir[PATH_MAX], probe[PATH_MAX + 8];
	const char *bad, *home = getenv("HOME");
	struct stat st;
	size_t n;

	if (!realpath(arg ? arg : ".", dir))
		die(EXIT_USAGE, "create: workspace %s: %s", arg ? arg : ".",
		    strerror(errno));
	snprintf(out, PATH_MAX, "%s", dir);
	for (n = strlen(dir); n > 0; ) {
		snprintf(probe, sizeof(probe), "%.*s/.git", (int)n, dir);
		if (lstat(probe, &st) == 0) {
			snprintf(out, PATH_MAX, "%.*s", (int)n, dir);
			break;
		}
		while (n > 0 && dir[n - 1] != '/')
			n--;
		if (n > 0)
			n--;	/* drop the '/' */
	}
	bad = sensitive(out);
	if (bad || strcmp(out, "/usr") == 0 || strcmp(out, "/var") == 0 ||
	    strcmp(out, "/opt") == 0 || strcmp(out, "/home") == 0 ||
	    (home && below(home, out)))
		die(EXIT_USAGE, "create: %s as the workspace would give the "
		    "jail %s: run jail-ai in a project directory, or pass "
		    "--workspace", out, bad ? bad : "a system or home directory");
}

struct create_opts {
	struct prot_opts prot;
	const char *name, *image, *ws_arg, *network, *memory, *cpus;
	int force_mount, ssh_agent;
	const char *mounts[32], *ports[32], *envs[64];
	size_t nmounts, nports, nenvs;
	char **cmd;
};

static const char *value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc)
		die(EXIT_USAGE, "create: %s needs a value", argv[*i]);
	return argv[++*i];
}

static void push(const char **list, size_t *n, size_t max, const char *v,
    const char *what)
{
	if (*n == max)
		die(EXIT_USAGE, "create: more than %zu %s", max, what);
	list[(*n)++] = v;
}

static void parse_create(int argc, char **argv, struct create_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->prot.who = "create";
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			o->cmd = argv + i + 1;
			break;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(create_usage, stdout);
			exit(0);
		} else if (prot_parse_opt(&o->prot, argc, argv, &i)) {
			continue;
		} else if (strcmp(a, "--image") == 0) {
			o->image = value(argc, argv, &i);
		} else if (strcmp(a, "--workspace") == 0) {
			o->ws_arg = value(argc, argv, &i);
		} else if (strcmp(a, "-m") == 0 || strcmp(a, "--mount") == 0) {
			push(o->mounts, &o->nmounts, 32,
			    value(argc, argv, &i), "mounts");
		} else if (strcmp(a, "-p") == 0 || strcmp(a, "--port") == 0) {
			push(o->ports, &o->nports, 32, value(argc, argv, &i),
			    "ports");
		} else if (strcmp(a, "-e") == 0 || strcmp(a, "--env") == 0) {
			push(o->envs, &o->nenvs, 64, value(argc, argv, &i),
			    "variables");
		} else if (strcmp(a, "--network") == 0) {
			o->network = value(argc, argv, &i);
		} else if (strcmp(a, "--memory") == 0) {
			o->memory = value(argc, argv, &i);
		} else if (strcmp(a, "--cpus") == 0) {
			o->cpus = value(argc, argv, &i);
		} else if (strcmp(a, "--force-mount") == 0) {
			o->force_mount = 1;
		} else if (strcmp(a, "--ssh-agent") == 0) {
			o->ssh_agent = 1;
		} else if (a[0] == '-' || o->name) {
			die(EXIT_USAGE, "create: unexpected %s (see jail-ai "
			    "create --help)", a);
		} else {
			o->name = a;
		}
	}
	if (!o->name || !valid_name(o->name))
		die(EXIT_USAGE, "create: a NAME of letters, digits, '_', '.' "
		    "and '-' is needed (see jail-ai create --help)");
	prot_check(&o->prot);
}

static int all_digits(const char *s, const char *extra)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!(s[i] >= '0' && s[i] <= '9') && !strchr(extra, s[i]))
			return 0;
	return i > 0 && s[0] >= '0' && s[0] <= '9';
}

static void add_limits(struct args *a, const struct create_opts *o)
{
	const char *net = o->network ? o->network : "private";
	size_t n;

	if (strcmp(net, "none") == 0 || strcmp(net, "host") == 0) {
		add(a, "--network");
		add(a, net);
	} else if (strcmp(net, "private") != 0) {
		die(EXIT_USAGE, "create: --network %s: none, private or host",
		    net);
	}
	n = o->memory ? strlen(o->memory) : 0;
	if (o->memory && !(all_digits(o->memory, "") || (n > 1 &&
	    strchr("bkmgBKMG", o->memory[n - 1]) && o->memory[n - 2] >= '0' &&
	    o->memory[n - 2] <= '9' && all_digits(o->memory, "bkmgBKMG"))))
		die(EXIT_USAGE, "create: --memory %s: a size like 512m or 4g",
		    o->memory);
	if (o->memory) {
		add(a, "--memory");
		add(a, o->memory);
	}
	if (o->cpus && (!all_digits(o->cpus, ".") || strtod(o->cpus, NULL) <=
	    0 || strchr(o->cpus, '.') != strrchr(o->cpus, '.')))
		die(EXIT_USAGE, "create: --cpus %s: a number like 2 or 1.5",
		    o->cpus);
	if (o->cpus) {
		add(a, "--cpus");
		add(a, o->cpus);
	}
}

/* The --block-host policy goes into labels so every start rebuilds it. */
static void add_policy_labels(struct args *a, const struct prot_opts *p)
{
	char buf[4096] = "", dfile[PATH_MAX];
	size_t i;

	addf(a, "--label=jail-ai.block-host=%d", p->block_host);
	for (i = 0; i < p->nallow; i++)
		if (p->allow_text[i])
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
			    "%s%s", buf[0] ? " " : "", p->allow_text[i]);
	addf(a, "--label=jail-ai.allow=%s", buf);
	buf[0] = '\0';
	for (i = 0; i < p->ndeny; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
		    buf[0] ? " " : "", p->deny[i]);
	addf(a, "--label=jail-ai.deny=%s", buf);
	if (p->deny_file && !realpath(p->deny_file, dfile))
		die(EXIT_USAGE, "create: --deny-file %s: %s", p->deny_file,
		    strerror(errno));
	addf(a, "--label=jail-ai.deny-file=%s", p->deny_file ? dfile : "");
	addf(a, "--label=jail-ai.no-dns=%d", p->no_dns);
}

/*
 * Rootless podman with the cgroupfs manager leaves a container in its
 * caller's cgroup unless told a parent; below our own delegated cgroup it
 * gets one of its own, which --block-host needs.  (With systemd, podman
 * makes a scope; on a hybrid host our cgroup is "/" and create refuses
 * later with the reason.)
 */
static void add_cgroup_parent(struct args *a)
{
	const char *args[] = { "info", "--format", "{{.Host.CgroupManager}}",
	    NULL };
	char own[JAIL_CGROUP_PATH_MAX], *mgr;
	struct podman_status ps;

	if (getuid() == 0 || cgroup_of_pid(getpid(), own, sizeof(own)) < 0 ||
	    strcmp(own, "/") == 0)
		return;
	if (podman_capture(args, 1, &mgr, &ps) == 0 &&
	    strcmp(mgr, "cgroupfs") == 0)
		addf(a, "--cgroup-parent=%s", own);
	free(mgr);
}

/* Capabilities a development container needs; never NET_RAW. */
static const char *const keep_caps =
    "CHOWN,DAC_OVERRIDE,FOWNER,FSETID,SETGID,SETUID,KILL,NET_BIND_SERVICE,"
    "SYS_CHROOT";

static void build_create(struct args *a, const struct create_opts *o,
    const char *ws)
{
	const char *term = getenv("TERM"), *tz = getenv("TZ");
	const char *sock = getenv("SSH_AUTH_SOCK");
	size_t i;

	add(a, "create");
	addf(a, "--name=%s", o->name);
	add(a, "--label=jail-ai=1");
	addf(a, "--label=jail-ai.workspace=%s", ws);
	addf(a, "--label=jail-ai.network=%s", o->network ? o->network :
	    "private");
	add_policy_labels(a, &o->prot);
	add(a, "--cap-drop=all");
	addf(a, "--cap-add=%s", keep_caps);
	add(a, "--security-opt=no-new-privileges");
	add(a, "--hostname=jail-ai");
	add_cgroup_parent(a);
	addf(a, "--volume=%s:/workspace", ws);
	add(a, "--workdir=/workspace");
	if (term)
		addf(a, "--env=TERM=%s", term);
	if (tz)
		addf(a, "--env=TZ=%s", tz);
	if (o->ssh_agent && (!sock || sock[0] != '/'))
		die(EXIT_USAGE, "create: --ssh-agent: SSH_AUTH_SOCK is not set");
	if (o->ssh_agent) {
		addf(a, "--volume=%s:/run/ssh-agent.sock", sock);
		add(a, "--env=SSH_AUTH_SOCK=/run/ssh-agent.sock");
	}
	for (i = 0; i < o->nmounts; i++)
		add_mount(a, o->mounts[i], o->force_mount);
	for (i = 0; i < o->nports; i++)
		add_port(a, o->ports[i]);
	for (i = 0; i < o->nenvs; i++)
		add_env(a, o->envs[i]);
	add_limits(a, o);
	add(a, o->image ? o->image : getenv("JAIL_AI_IMAGE") ?
	    getenv("JAIL_AI_IMAGE") : DEFAULT_IMAGE);
	if (o->cmd && o->cmd[0]) {
		for (i = 0; o->cmd[i]; i++)
			add(a, o->cmd[i]);
	} else {
		add(a, "/bin/sh");
		add(a, "-c");
		add(a, MAIN_LOOP);
	}
}

/* ---- protection ---- */

/* Rebuild a jail's --block-host options from its labels, checked anew. */
static int load_prot(const char *who, const char *name, struct prot_opts *o,
    char **store)
{
	static char *argv[2 * JAIL_MAX_ALLOW + 8];
	char *lab, *tok, *save = NULL, *f[5];
	int argc = 0, i, k;

	lab = inspect(name, "{{index .Config.Labels \"jail-ai.block-host\"}}\t"
	    "{{index .Config.Labels \"jail-ai.allow\"}}\t"
	    "{{index .Config.Labels \"jail-ai.deny\"}}\t"
	    "{{index .Config.Labels \"jail-ai.deny-file\"}}\t"
	    "{{index .Config.Labels \"jail-ai.no-dns\"}}");
	if (!lab)
		die(EXIT_SYSFAIL, "%s: %s: podman inspect failed", who, name);
	*store = lab;
	for (k = 0, f[0] = lab; k < 4 && f[k]; k++) {
		f[k + 1] = strchr(f[k], '\t');
		if (f[k + 1])
			*f[k + 1]++ = '\0';
	}
	if (k < 4 || !f[4])
		die(EXIT_SYSFAIL, "%s: %s: unreadable jail-ai labels", who, name);
	memset(o, 0, sizeof(*o));
	o->who = who;
	if (strcmp(f[0], "1") != 0)
		return 0;
	argv[argc++] = "--block-host";
	for (k = 1; k <= 2; k++)
		for (tok = strtok_r(f[k], " ", &save); tok && argc < 2 *
		    JAIL_MAX_ALLOW + 4; tok = strtok_r(NULL, " ", &save)) {
			argv[argc++] = k == 1 ? "--allow" : "--deny";
			argv[argc++] = tok;
		}
	if (f[3][0]) {
		argv[argc++] = "--deny-file";
		argv[argc++] = f[3];
	}
	if (strcmp(f[4], "1") == 0)
		argv[argc++] = "--no-dns";
	for (i = 0; i < argc; i++)
		if (!prot_parse_opt(o, argc, argv, &i))
			die(EXIT_SYSFAIL, "%s: %s: bad label value %s", who,
			    name, argv[i]);
	return 1;
}

/*
 * The container's init pid, after podman init or while it runs, and in
 * *gw (when asked; malloc'd) its networks' gateways, space-separated: a
 * rootful bridge's gateway is a host address.  One podman call for both.
 */
static pid_t jail_pid(const char *name, char **gw)
{
	char *s = inspect(name, "{{.State.Pid}} "
	    "{{range .NetworkSettings.Networks}}{{.Gateway}} {{end}}"), *end;
	long v = s ? strtol(s, &end, 10) : 0;

	if (!s || (*end && *end != ' ') || v <= 0 || v > INT_MAX)
		v = 0;
	if (gw && v > 0 && (*gw = strdup(end)) == NULL)
		v = 0;
	free(s);
	return (pid_t)v;
}

static int same_pidns(pid_t a, pid_t b)
{
	char pa[64], pb[64];
	struct stat sa, sb;

	snprintf(pa, sizeof(pa), "/proc/%d/ns/pid", (int)a);
	snprintf(pb, sizeof(pb), "/proc/%d/ns/pid", (int)b);
	return stat(pa, &sa) == 0 && stat(pb, &sb) == 0 &&
	    sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

/* Every process in the cgroup is in the container's pid namespace. */
static int only_container(const char *who, const char *name,
    const struct jail_cgroup *cg, pid_t pid)
{
	char procs[1200], *buf, *p, *end;
	size_t len;
	int r;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg->path);
	if ((r = read_file(procs, &buf, &len)) < 0) {
		warnx("%s: read %s: %s", who, procs, strerror(-r));
		return r;
	}
	for (p = buf; *p && r == 0; p = end) {
		long q = strtol(p, &end, 10);

		if (end == p)
			break;
		if (q > 0 && !same_pidns(pid, (pid_t)q)) {
			warnx("%s: %s: cgroup %s also holds pid %ld from "
			    "outside the container", who, name, cg->rel, q);
			r = -EPERM;
		}
	}
	free(buf);
	return r;
}

/*
 * The container's own cgroup: not the root, not ours (a rootless container
 * on a hybrid host stays in its caller's), no process from elsewhere.
 */
static int container_cgroup(const char *who, const char *name, pid_t pid,
    struct jail_cgroup *cg)
{
	char path[JAIL_CGROUP_PATH_MAX], mine[JAIL_CGROUP_PATH_MAX], err[256];
	int r;

	if (pid <= 0) {
		warnx("%s: %s: podman reports no init process", who, name);
		return -ESRCH;
	}
	if ((r = cgroup_of_pid(pid, path, sizeof(path))) < 0 ||
	    (r = cgroup_of_pid(getpid(), mine, sizeof(mine))) < 0) {
		warnx("%s: %s: cgroup of pid %d: %s", who, name, (int)pid,
		    strerror(-r));
		return r;
	}
	if (strcmp(path, "/") == 0 || strcmp(path, mine) == 0) {
		warnx("%s: %s: the container has no cgroup v2 of its own (%s), "
		    "so --block-host cannot hold it alone. Rootless podman gets "
		    "one only on a pure cgroup v2 host "
		    "(systemd.unified_cgroup_hierarchy=1) with a delegated user "
		    "cgroup; or use rootful podman", who, name, path);
		return -EPERM;
	}
	if ((r = jail_cgroup_open(cg, path, err, sizeof(err))) < 0) {
		warnx("%s: %s: %s: %s", who, name, err, strerror(-r));
		return r;
	}
	if ((r = only_container(who, name, cg, pid)) < 0)
		jail_cgroup_close(cg);
	return r;
}

/*
 * What an exit on the way must undo, whatever path it takes (die() on a
 * bad label or deny-file included): a container this run created is
 * removed; one it initialised is stopped, so nothing runs unprotected.
 */
static struct {
	char name[64];
	int created, initialized;
} undo;

static void undo_at_exit(void)
{
	const char *rm[] = { "rm", "--force", "--time", "0", undo.name, NULL };
	const char *stop[] = { "stop", "--time", "0", undo.name, NULL };
	struct podman_status ps;
	char *out;

	if (!undo.created && !undo.initialized)
		return;
	podman_capture(undo.created ? rm : stop, 1, &out, &ps);
	free(out);
}

static void undo_arm(const char *name, int created)
{
	static int registered;

	if (!registered && atexit(undo_at_exit) == 0)
		registered = 1;
	snprintf(undo.name, sizeof(undo.name), "%s", name);
	undo.created |= created;
	undo.initialized = 1;
}

/* Deny the gateways too (podman's list; checked like a --deny). */
static void add_gateway_denies(struct prot_opts *o, char *gw)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(gw, " ", &save); tok && o->ndeny < JAIL_MAX_ALLOW;
	    tok = strtok_r(NULL, " ", &save)) {
		int i = 0;
		char *argv[] = { "--deny", tok };

		prot_parse_opt(o, 2, argv, &i);
	}
}

/*
 * After podman init: the pid, the cgroup, the policy (built now, so that
 * the bridge podman just made is among the host addresses, and with the
 * gateways), the child's attach and the canary.
 */
static int attach_initialised(const char *who, const char *name,
    struct prot_opts *o)
{
	struct jail_cgroup cg;
	struct policy p;
	char *gw = NULL;
	pid_t pid = jail_pid(name, &gw);
	int r;

	if (gw)
		add_gateway_denies(o, gw);
	o->net_pid = pid;	/* prot_build: the host's netns or its own */
	if ((r = container_cgroup(who, name, pid, &cg)) == 0) {
		prot_build(o, &p);
		r = protect(who, &cg, &p);
		jail_cgroup_close(&cg);
		policy_free(&p);
	}
	free(gw);
	return r;
}

/*
 * Every start of a jail: for a protected one init, attach, canary, start.
 * given: the options (create knows them), else read from the labels.
 * 0, or < 0 with the reason said; the exit undo stops the container.
 */
static int protected_start(const char *who, const char *name,
    const struct prot_opts *given)
{
	char *labels = NULL;
	struct prot_opts o;
	int r;

	if (given)
		o = *given;
	if (given ? !o.block_host : !load_prot(who, name, &o, &labels)) {
		free(labels);
		if (pm("start", name, NULL) == 0)
			return 0;
		warnx("%s: podman start %s failed", who, name);
		return -EIO;
	}
	prot_need_caps(who);
	undo_arm(name, 0);
	if (pm("init", name, NULL) < 0) {
		warnx("%s: podman init %s failed", who, name);
		r = -EIO;
	} else if ((r = attach_initialised(who, name, &o)) == 0 &&
	    pm("start", name, NULL) < 0) {
		warnx("%s: podman start %s failed", who, name);
		r = -EIO;
	}
	if (r == 0)
		undo.initialized = 0;	/* started, and protected */
	free(labels);
	return r;
}

/* QUERY through the privileged child: how many programs per hook. */
static int query(const struct jail_cgroup *cg, struct jail_reply *rep)
{
	struct jail_req_hdr h;

	memset(&h, 0, sizeof(h));
	h.magic = JAIL_REQ_MAGIC;
	h.version = JAIL_REQ_VERSION;
	h.op = JAIL_OP_QUERY;
	snprintf(h.cgroup, sizeof(h.cgroup), "%s", cg->rel);
	return privsep_call(&h, sizeof(h), rep);
}

/* 1: every hook has a program, 0: not, < 0: could not tell. */
static int is_protected(const char *who, const char *name,
    struct jail_reply *rep)
{
	struct jail_cgroup cg;
	unsigned int i;
	pid_t pid = jail_pid(name, NULL);
	int r, hostnet = prot_same_netns(pid) != 0;	/* unknown: need all */

	if ((r = container_cgroup(who, name, pid, &cg)) < 0)
		return r;
	r = query(&cg, rep);
	jail_cgroup_close(&cg);
	if (r < 0) {
		warnx("%s: query %s: %s %s: %s", who, name,
		    privsep_step_name(rep->step), rep->what, strerror(-r));
		return r;
	}
	/* the last, jail_egress, only in the host's network namespace */
	for (i = 0; i < JAIL_NPROG_SLOTS - !hostnet; i++)
		if (rep->attached[i] == 0)
			return 0;
	return 1;
}

static char *state_of(const char *name)
{
	char *s = inspect(name, "{{.State.Status}}");

	return s ? s : strdup("unknown");
}

/* Running and, when the jail asks for it, protected; else refuse. */
static int ensure_running(const char *who, const char *name)
{
	struct jail_reply rep;
	char *state = state_of(name), *lab;
	int running = strcmp(state, "running") == 0, prot, r;

	free(state);
	if (!running)
		return protected_start(who, name, NULL);
	lab = inspect(name, "{{index .Config.Labels \"jail-ai.block-host\"}}");
	prot = lab && strcmp(lab, "1") == 0;
	free(lab);
	if (!prot)
		return 0;
	if ((r = is_protected(who, name, &rep)) == 1)
		return 0;
	if (r == 0)
		warnx("%s: %s asks for --block-host but its cgroup has no "
		    "jail-ai programs (was it started with podman start?); "
		    "refusing. Restart it through jail-ai: jail-ai stop %s && "
		    "jail-ai start %s", who, name, name, name);
	return -EPERM;
}

/* ---- the commands ---- */

static int cmd_create(int argc, char **argv)
{
	struct create_opts o;
	struct args a = { .n = 0 };
	struct podman_status ps;
	char ws[PATH_MAX], *exists;

	parse_create(argc, argv, &o);
	if (o.prot.block_host)
		prot_need_caps("create");
	need_podman("create");
	workspace(o.ws_arg, ws);
	if ((exists = inspect(o.name, "{{.Name}}")) != NULL)
		die(EXIT_USAGE, "create: a container named %s exists already "
		    "(jail-ai list; jail-ai rm %s)", o.name, o.name);
	build_create(&a, &o, ws);
	if (podman_capture(a.v, 0, &exists, &ps) < 0) {
		args_free(&a);
		die(EXIT_SYSFAIL, "create: podman create %s failed (exit %d)",
		    o.name, ps.code);
	}
	free(exists);
	args_free(&a);
	undo_arm(o.name, 1);
	if (protected_start("create", o.name, &o.prot) < 0)
		die(EXIT_SYSFAIL, "create: %s was not started; removing it",
		    o.name);
	memset(&undo, 0, sizeof(undo));
	return 0;
}

static int cmd_start(int argc, char **argv)
{
	if (argc != 2)
		die(EXIT_USAGE, "usage: jail-ai start NAME");
	need_podman("start");
	need_jail("start", argv[1]);
	if (ensure_running("start", argv[1]) < 0)
		die(EXIT_SYSFAIL, "start: %s is not running", argv[1]);
	return 0;
}

static int cmd_stop(int argc, char **argv)
{
	if (argc != 2)
		die(EXIT_USAGE, "usage: jail-ai stop NAME");
	need_podman("stop");
	need_jail("stop", argv[1]);
	return pm("stop", "--time", "5", argv[1], NULL) < 0 ? EXIT_SYSFAIL : 0;
}

static int cmd_rm(int argc, char **argv)
{
	int force = argc == 3 && strcmp(argv[1], "-f") == 0;
	const char *name = argv[argc - 1];

	if (argc != 2 + force)
		die(EXIT_USAGE, "usage: jail-ai rm [-f] NAME");
	need_podman("rm");
	need_jail("rm", name);
	if (force)
		return pm("rm", "--force", "--time", "0", name, NULL) < 0 ?
		    EXIT_SYSFAIL : 0;
	return pm("rm", name, NULL) < 0 ? EXIT_SYSFAIL : 0;
}

/* exec NAME [-i] [-t] -- CMD...: CMD's exit status. */
static int exec_in(const char *who, const char *name, int interactive,
    int tty, char **cmd)
{
	struct args a = { .n = 0 };
	struct podman_status ps;
	size_t i;

	if (ensure_running(who, name) < 0)
		die(EXIT_SYSFAIL, "%s: %s: nothing was run", who, name);
	add(&a, "exec");
	if (interactive)
		add(&a, "--interactive");
	if (tty)
		add(&a, "--tty");
	add(&a, name);
	for (i = 0; cmd[i]; i++)
		add(&a, cmd[i]);
	podman_run(a.v, &ps);
	args_free(&a);
	if (ps.signo)
		return 128 + ps.signo;
	return ps.exited ? ps.code : EXIT_SYSFAIL;
}

static int cmd_exec(int argc, char **argv)
{
	int i, interactive = 0, tty = 0;

	if (argc < 2)
		die(EXIT_USAGE, "usage: jail-ai exec NAME [-i] [-t] -- CMD...");
	for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "-i") == 0)
			interactive = 1;
		else if (strcmp(argv[i], "-t") == 0)
			tty = 1;
		else if (strcmp(argv[i], "-it") == 0 || strcmp(argv[i], "-ti") == 0)
			interactive = tty = 1;
		else
			break;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc)
		die(EXIT_USAGE, "usage: jail-ai exec NAME [-i] [-t] -- CMD...");
	need_podman("exec");
	need_jail("exec", argv[1]);
	return exec_in("exec", argv[1], interactive, tty, argv + i);
}

static int shell_in(const char *name)
{
	static char *sh[] = { "/bin/sh", "-c",
	    "command -v bash >/dev/null 2>&1 && exec bash -l; exec sh -l",
	    NULL };
	int tty = isatty(0) && isatty(1);

	return exec_in("shell", name, 1, tty, sh);
}

static int cmd_shell(int argc, char **argv)
{
	if (argc != 2)
		die(EXIT_USAGE, "usage: jail-ai shell NAME");
	need_podman("shell");
	need_jail("shell", argv[1]);
	return shell_in(argv[1]);
}

static int cmd_list(int argc, char **argv)
{
	const char *args[] = { "ps", "--all", "--filter", "label=jail-ai=1",
	    "--format", "{{.Names}}\t{{.Image}}\t"
	    "{{index .Labels \"jail-ai.block-host\"}}", NULL };
	struct podman_status ps;
	char *out, *line, *save = NULL, *bh, *state;

	(void)argv;
	if (argc != 1)
		die(EXIT_USAGE, "usage: jail-ai list");
	need_podman("list");
	if (podman_capture(args, 0, &out, &ps) < 0)
		die(EXIT_SYSFAIL, "list: podman ps failed");
	printf("%-24s %-10s %-40s %s\n", "NAME", "STATE", "IMAGE", "POLICY");
	for (line = strtok_r(out, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		char *f[3] = { line, NULL, NULL };
		int k;

		for (k = 0; k < 2 && f[k]; k++)
			if ((f[k + 1] = strchr(f[k], '\t')))
				*f[k + 1]++ = '\0';
		bh = f[2] && strcmp(f[2], "1") == 0 ? "block-host" : "-";
		state = state_of(f[0]);
		printf("%-24s %-10s %-40s %s\n", f[0], state,
		    f[1] ? f[1] : "?", bh);
		free(state);
	}
	free(out);
	return fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL;
}

static void print_protection(const char *name, const char *state)
{
	struct jail_reply rep;
	char *lab = inspect(name, "{{index .Config.Labels \"jail-ai.block-host\"}}");
	unsigned int i;
	int r;

	if (!lab || strcmp(lab, "1") != 0) {
		printf("protection: off (created without --block-host)\n");
	} else if (strcmp(state, "running") != 0) {
		printf("protection: attached on every start (not running)\n");
	} else if ((r = is_protected("status", name, &rep)) == 1) {
		printf("protection: attached (programs per hook:");
		for (i = 0; i < JAIL_NPROG_SLOTS; i++)
			printf(" %u", rep.attached[i]);
		printf("; first ids:");
		for (i = 0; i < JAIL_NPROG_SLOTS; i++)
			printf(" %u", rep.prog_ids[i]);
		printf(")\n");
	} else {
		printf("protection: NOT attached%s\n", r < 0 ?
		    " (could not query)" : ": restart it with jail-ai");
	}
	free(lab);
}

static int cmd_status(int argc, char **argv)
{
	char *info, *state;

	if (argc != 2)
		die(EXIT_USAGE, "usage: jail-ai status NAME");
	need_podman("status");
	need_jail("status", argv[1]);
	info = inspect(argv[1], "name: {{.Name}}\nstate: {{.State.Status}}\n"
	    "image: {{.ImageName}}\nworkspace: "
	    "{{index .Config.Labels \"jail-ai.workspace\"}}\nnetwork: "
	    "{{index .Config.Labels \"jail-ai.network\"}}\nmounts:"
	    "{{range .Mounts}} {{.Source}}:{{.Destination}}{{end}}\n"
	    "allow: {{index .Config.Labels \"jail-ai.allow\"}}");
	state = state_of(argv[1]);
	if (!info)
		die(EXIT_SYSFAIL, "status: podman inspect %s failed", argv[1]);
	printf("%s\n", info);
	print_protection(argv[1], state);
	free(info);
	free(state);
	return fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL;
}

int cmd_container(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "create", cmd_create }, { "start", cmd_start },
		{ "stop", cmd_stop }, { "rm", cmd_rm }, { "exec", cmd_exec },
		{ "shell", cmd_shell }, { "list", cmd_list },
		{ "status", cmd_status },
	};
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[0], cmds[i].name) == 0)
			return cmds[i].fn(argc, argv);
	return -1;
}

/* `jail-ai` alone: a shell in this project's jail, made on first use. */
int cmd_project_shell(void)
{
	char ws[PATH_MAX], name[64], h[9], *base, *exists;
	size_t i;

	need_podman("jail-ai");
	workspace(NULL, ws);
	images_wshash(ws, h);
	base = strrchr(ws, '/') + 1;
	snprintf(name, sizeof(name), "jail-ai-%.24s-%s", base, h);
	for (i = 0; name[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_.-", name[i]))
			name[i] = '_';
	if ((exists = inspect(name, "{{.Name}}")) == NULL) {
		char *argv[] = { "create", name, NULL };

		fprintf(stderr, "jail-ai: making %s for %s\n", name, ws);
		cmd_create(2, argv);
	}
	free(exists);
	need_jail("jail-ai", name);
	return shell_in(name);
}
