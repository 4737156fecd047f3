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
#include "seccomp.h"

#define MAX_ARGS	120	/* podman arguments we build */
#define JAIL_HOME	"/home/jail"
#define MAIN_LOOP	"trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"

static const char create_usage[] =
"usage: jail-ai create NAME [OPTIONS] [-- CMD...]\n"
"\n"
"Makes a podman container for the project (the git root of the current\n"
"directory, or the directory) mounted at /workspace, and starts it.\n"
"\n"
"  --image IMG            image (default: $JAIL_AI_IMAGE, else the project's\n"
"                         layered image, built when missing or stale: see\n"
"                         jail-ai images --help; --layers, --base-image,\n"
"                         --isolated, --rebuild as there)\n"
"  --workspace DIR        the project directory (default: the current one)\n"
"  -m, --mount SRC:DST[:ro]  bind mount; sensitive sources (~/.ssh, ~/.gnupg,\n"
"                         ~/.aws, container engine sockets, /, $HOME, /etc)\n"
"                         are refused unless --force-mount\n"
"  -p, --port HOST:CTR[/udp] publish CTR on 127.0.0.1:HOST\n"
"  -e, --env K=V          set a variable (TERM and TZ are passed through)\n"
"  --ssh-agent            pass the SSH agent socket ($SSH_AUTH_SOCK)\n"
"  --network none|private|host   (default: private)\n"
"  --memory SIZE, --cpus N       limits\n"
"  --root                 run as root in the jail (default: a user whose uid\n"
"                         and gid are the caller's; root: $SUDO_UID:$SUDO_GID,\n"
"                         else the workspace's owner, else 1000:1000)\n"
"  --recreate             remove an existing jail NAME's container first (its\n"
"                         home volume, the workspace and mounts stay)\n"
"  --block-host, --allow RULE, --deny PREFIX, --deny-file FILE, --no-dns,\n"
"  --deny-all, --block-private,\n"
"  --force                as in `jail-ai run --help`; every start of the\n"
"                         jail attaches and checks the programs first\n"
"  --no-block-host        no --block-host, even when a config file or the\n"
"                         default (the bare project jail) asks for it\n"
"  --dry-run              print the podman command line; make nothing\n"
"\n"
"Every jail: all capabilities dropped but CHOWN, DAC_OVERRIDE, FOWNER,\n"
"FSETID, SETGID, SETUID, KILL, NET_BIND_SERVICE, SYS_CHROOT (never NET_RAW),\n"
"no-new-privileges, labels jail-ai=1, jail-ai.block-host, jail-ai.workspace,\n"
"jail-ai.user, jail-ai.options; HOME is " JAIL_HOME ", the volume NAME-home.\n"
"\n"
"Other commands: start NAME, stop NAME, rm [-f] NAME (and its home volume),\n"
"exec [-i] [-t] [-d] [-e K=V] [-w DIR] [-u USER] NAME [--] CMD...,\n"
"shell NAME, list [--json], status [--json] NAME\n";

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

/*
 * podman binds recursively: a proc or sysfs mount inside a source would
 * be in the container, where a root process may write host knobs through
 * it or mount a fresh one (see kernel_knobs_ro).  No --force-mount.
 */
static void no_knob_mounts(const char *what, const char *src)
{
	char bad[512];
	int r = knobs_under(src, bad, sizeof(bad));

	if (r < 0)
		die(EXIT_SYSFAIL, "create: %s %s: read /proc/self/mountinfo: "
		    "%s", what, src, strerror(-r));
	if (r > 0)
		die(EXIT_USAGE, "create: %s %s: it is, holds or lies in a "
		    "kernel filesystem mount (%s); a jailed root could write "
		    "host kernel settings through it. Unmount it, or mount a "
		    "directory that holds none", what, src, bad);
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
	no_knob_mounts("--mount", src);
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

/* NAME=VALUE with NAME a shell variable name; dies otherwise. */
static void check_env(const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t i;

	for (i = 0; eq && kv + i < eq; i++)
		if (!(kv[i] == '_' || (kv[i] >= 'A' && kv[i] <= 'Z') ||
		    (kv[i] >= 'a' && kv[i] <= 'z') ||
		    (i > 0 && kv[i] >= '0' && kv[i] <= '9')))
			break;
	if (!eq || eq == kv || kv + i != eq)
		die(EXIT_USAGE, "--env %s: not NAME=VALUE", kv);
}

static void add_env(struct args *a, const char *kv)
{
	check_env(kv);
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
	int force_mount, ssh_agent, root, recreate, dry_run;
	struct img_opts img;		/* the image when no --image */
	const char *mounts[32], *ports[32], *envs[64];
	size_t nmounts, nports, nenvs;
	char **cmd;
	int argc;			/* the command line, for the options */
	char **argv;			/* label */
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
	o->argc = argc;
	o->argv = argv;
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
		} else if (strcmp(a, "--root") == 0) {
			o->root = 1;
		} else if (strcmp(a, "--recreate") == 0) {
			o->recreate = 1;
		} else if (strcmp(a, "--dry-run") == 0) {
			o->dry_run = 1;
		} else if (images_parse_opt(&o->img, argc, argv, &i)) {
			continue;
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
	size_t i, n;

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
	buf[0] = '\0';
	for (i = 0; i < p->ndeny_file; i++) {	/* space-separated */
		if (!realpath(p->deny_file[i], dfile))
			die(EXIT_USAGE, "create: --deny-file %s: %s",
			    p->deny_file[i], strerror(errno));
		if (strpbrk(dfile, " \t\n"))
			die(EXIT_USAGE, "create: --deny-file %s: a path with "
			    "white space cannot go into the jail's label",
			    dfile);
		n = strlen(buf);
		if (n + strlen(dfile) + 2 > sizeof(buf))
			die(EXIT_USAGE, "create: --deny-file: the paths are "
			    "too long for the jail's label");
		if (n)
			buf[n++] = ' ';
		memcpy(buf + n, dfile, strlen(dfile) + 1);
	}
	addf(a, "--label=jail-ai.deny-file=%s", buf);
	addf(a, "--label=jail-ai.no-dns=%d", p->no_dns);
	addf(a, "--label=jail-ai.mode=%s", policy_mode_word(p));
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

/* ---- the user in the jail, and its home ---- */

struct jail_user {
	unsigned long uid, gid;
	int keep_id;		/* rootless podman: --userns=keep-id */
	int root;		/* --root: uid 0 in the jail */
};

/* A uid or gid of digits, not 0 (root is never chosen from input). */
static int id_of(const char *s, unsigned long *v)
{
	char *end;

	if (!s || s[0] < '1' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return *end || errno || *v >= 0x7fffffffUL ? -EINVAL : 0;
}

/*
 * Whose files the jail writes: a normal user's (rootless podman maps the
 * caller's uid into the container as itself); for root, the user sudo
 * was run by, else the workspace's owner, else 1000:1000.
 */
static void jail_user(const struct create_opts *o, const char *ws,
    struct jail_user *u)
{
	struct stat st;

	memset(u, 0, sizeof(*u));
	u->root = o->root;
	if (getuid() != 0) {
		u->uid = getuid();
		u->gid = getgid();
		u->keep_id = 1;
	} else if (id_of(getenv("SUDO_UID"), &u->uid) < 0 ||
	    id_of(getenv("SUDO_GID"), &u->gid) < 0) {
		if (stat(ws, &st) == 0 && st.st_uid != 0) {
			u->uid = st.st_uid;
			u->gid = st.st_gid;
		} else {
			u->uid = u->gid = 1000;
		}
	}
}

/* The user, podman's passwd entry for it, and the per-jail home volume;
 * the image is shared and stays as it is. */
static void add_user(struct args *a, const struct jail_user *u,
    const char *name)
{
	addf(a, "--volume=%s-home:" JAIL_HOME, name);
	add(a, "--env=HOME=" JAIL_HOME);
	if (u->root) {
		add(a, "--label=jail-ai.user=root");
		return;
	}
	if (u->keep_id)
		add(a, "--userns=keep-id");
	else
		addf(a, "--user=%lu:%lu", u->uid, u->gid);
	addf(a, "--passwd-entry=jail:*:%lu:%lu:jail-ai:" JAIL_HOME ":/bin/sh",
	    u->uid, u->gid);
	addf(a, "--label=jail-ai.user=%lu:%lu", u->uid, u->gid);
}

/* PATH is a mount's destination or lies inside one (the host's files). */
static int in_mount(const struct create_opts *o, const char *path)
{
	char dst[PATH_MAX];
	const char *c;
	size_t i;

	for (i = 0; i < o->nmounts; i++) {
		if (!(c = strchr(o->mounts[i], ':')))
			continue;
		snprintf(dst, sizeof(dst), "%.*s", (int)strcspn(c + 1, ":"),
		    c + 1);
		if (below(path, dst))
			return 1;
	}
	return 0;
}

/*
 * runc makes the directories on the way to a mount below the home as
 * root: give them (and the home) to the jail's user, so that the agent
 * can write next to its mounted config.  Never a mount or anything in
 * one (those are the host's files).  Not fatal: said, not died of.
 */
static void fix_home(const struct create_opts *o, const struct jail_user *u)
{
	struct args a = { .n = 0 };
	struct podman_status ps;
	char dir[PATH_MAX], *c, *p, *out;
	size_t i;

	if (u->root)
		return;
	add(&a, "exec");
	add(&a, "--user=0:0");
	add(&a, o->name);
	add(&a, "chown");
	addf(&a, "%lu:%lu", u->uid, u->gid);
	add(&a, JAIL_HOME);
	for (i = 0; i < o->nmounts; i++) {
		if (!(c = strchr(o->mounts[i], ':')))
			continue;
		snprintf(dir, sizeof(dir), "%.*s", (int)strcspn(c + 1, ":"),
		    c + 1);
		if (!below(dir, JAIL_HOME))
			continue;
		while ((p = strrchr(dir, '/')) &&
		    (size_t)(p - dir) > strlen(JAIL_HOME)) {
			*p = '\0';
			if (!in_mount(o, dir))
				addf(&a, "%s", dir);
		}
	}
	if (podman_capture(a.v, 0, &out, &ps) < 0)
		warnx("create: %s: could not give " JAIL_HOME " to %lu:%lu "
		    "(chown in the jail failed)", o->name, u->uid, u->gid);
	free(out);
	args_free(&a);
}

/* ---- the options a jail was made with (label jail-ai.options) ---- */

#define OPT_TOKENS	256

/* The options that shape a container; the others (--image, --workspace,
 * image options, --force-mount, --recreate) do not count. */
static const struct {
	const char *opt, *alias;
	int valued;
} shaping[] = {
	{ "--block-host", NULL, 0 }, { "--no-dns", NULL, 0 },
	{ "--deny-all", NULL, 0 }, { "--block-private", NULL, 0 },
	{ "--ssh-agent", NULL, 0 }, { "--root", NULL, 0 },
	{ "--allow", NULL, 1 }, { "--deny", NULL, 1 },
	{ "--deny-file", NULL, 1 }, { "--mount", "-m", 1 },
	{ "--port", "-p", 1 }, { "--env", "-e", 1 }, { "--network", NULL, 1 },
	{ "--memory", NULL, 1 }, { "--cpus", NULL, 1 },
	{ "--image", NULL, 2 }, { "--workspace", NULL, 2 },
	{ "--layers", NULL, 2 }, { "--base-image", NULL, 2 },
};

/* "--opt=value", the value's bytes <= ' ', '%' and DEL as %XX, so a
 * token never holds a space; a mount's source and a deny-file resolved. */
static char *token(const char *opt, const char *val)
{
	char buf[PATH_MAX * 3 + 64], path[PATH_MAX], *src;
	const char *c;
	size_t n, i;

	n = (size_t)snprintf(buf, sizeof(buf), "%s%s", opt, val ? "=" : "");
	if (val && strcmp(opt, "--deny-file") == 0 && realpath(val, path))
		val = path;
	if (val && strcmp(opt, "--mount") == 0 && (c = strchr(val, ':')) &&
	    (src = strndup(val, (size_t)(c - val)))) {
		if (realpath(src, path) && strlen(path) + strlen(c) < PATH_MAX) {
			strcat(path, c);
			val = path;
		}
		free(src);
	}
	for (i = 0; val && val[i] && n + 4 < sizeof(buf); i++) {
		unsigned char ch = (unsigned char)val[i];

		if (ch <= ' ' || ch == '%' || ch == 0x7f)
			n += (size_t)snprintf(buf + n, 4, "%%%02X", ch);
		else
			buf[n++] = (char)ch;
	}
	buf[n] = '\0';
	return strdup(buf);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The shaping options of a create command line, sorted; how many. */
static size_t opt_tokens(int argc, char **argv, char **tok)
{
	size_t n = 0, k;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		for (k = 0; k < sizeof(shaping) / sizeof(shaping[0]); k++)
			if (strcmp(argv[i], shaping[k].opt) == 0 ||
			    (shaping[k].alias &&
			    strcmp(argv[i], shaping[k].alias) == 0))
				break;
		if (k == sizeof(shaping) / sizeof(shaping[0]))
			continue;
		if (shaping[k].valued && i + 1 >= argc)
			break;
		if (shaping[k].valued)
			i++;
		if (shaping[k].valued == 2 || (strcmp(shaping[k].opt,
		    "--network") == 0 && strcmp(argv[i], "private") == 0))
			continue;
		if (n == OPT_TOKENS)
			die(EXIT_USAGE, "create: more than %d options",
			    OPT_TOKENS);
		if (!(tok[n++] = token(shaping[k].opt, shaping[k].valued ?
		    argv[i] : NULL)))
			die(EXIT_SYSFAIL, "out of memory");
	}
	qsort(tok, n, sizeof(tok[0]), cmp_str);
	return n;
}

/* "v1 TOKEN TOKEN...": the label never is empty, so a jail made before
 * the label existed (empty) is told apart. */
static void add_options_label(struct args *a, const struct create_opts *o)
{
	char *tok[OPT_TOKENS], buf[8192] = "v1";
	size_t n = opt_tokens(o->argc, o->argv, tok), i;

	for (i = 0; i < n; i++) {
		if (strlen(buf) + strlen(tok[i]) + 2 > sizeof(buf))
			die(EXIT_USAGE, "create: the options are too long");
		strcat(buf, " ");
		strcat(buf, tok[i]);
		free(tok[i]);
	}
	addf(a, "--label=jail-ai.options=%s", buf);
}

/* A token in LIST[0..n) not yet matched (a multiset compare); 1 if so. */
static int take(char **list, size_t n, const char *t)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] && strcmp(list[i], t) == 0) {
			list[i] = NULL;
			return 1;
		}
	return 0;
}

/* Mounts below the jail's home are the agent's config, checked apart. */
static int home_mount(const char *t)
{
	const char *c = strchr(t, ':');

	return strncmp(t, "--mount=", 8) == 0 && c &&
	    strncmp(c + 1, JAIL_HOME "/", strlen(JAIL_HOME) + 1) == 0;
}

/*
 * Options given now (create's ARGV) against those jail NAME was made
 * with: the differences said one a line; how many (0 also when the jail
 * predates the label).
 */
int jail_options_differ(const char *who, const char *name, int argc,
    char **argv)
{
	char *lab = inspect(name, "{{index .Config.Labels "
	    "\"jail-ai.options\"}}"), *had[OPT_TOKENS], *now[OPT_TOKENS];
	char *save = NULL, *t;
	size_t nh = 0, nn, i;
	int diff = 0;

	if (!lab || strncmp(lab, "v1", 2) != 0) {
		free(lab);
		return 0;
	}
	for (t = strtok_r(lab + 2, " ", &save); t && nh < OPT_TOKENS;
	    t = strtok_r(NULL, " ", &save))
		had[nh++] = t;
	nn = opt_tokens(argc, argv, now);
	for (i = 0; i < nn; i++) {
		if (home_mount(now[i]) || take(had, nh, now[i]))
			continue;
		if (!diff++)
			warnx("%s: the jail %s was made with other options than "
			    "this run's:", who, name);
		fprintf(stderr, "  asked now, not in the jail: %s\n", now[i]);
	}
	for (i = 0; i < nh; i++) {
		if (!had[i] || home_mount(had[i]))
			continue;
		if (!diff++)
			warnx("%s: the jail %s was made with other options than "
			    "this run's:", who, name);
		fprintf(stderr, "  in the jail, not asked now: %s\n", had[i]);
	}
	for (i = 0; i < nn; i++)
		free(now[i]);
	free(lab);
	return diff;
}

/* Capabilities a development container needs; never NET_RAW. */
static const char *const keep_caps =
    "CHOWN,DAC_OVERRIDE,FOWNER,FSETID,SETGID,SETUID,KILL,NET_BIND_SERVICE,"
    "SYS_CHROOT";

static void build_create(struct args *a, const struct create_opts *o,
    const char *ws, const struct jail_user *u, const char *image)
{
	const char *term = getenv("TERM"), *tz = getenv("TZ");
	const char *sock = getenv("SSH_AUTH_SOCK"), *what;
	char prof[4200];
	size_t i;
	int r;

	add(a, "create");
	addf(a, "--name=%s", o->name);
	add(a, "--label=jail-ai=1");
	addf(a, "--label=jail-ai.workspace=%s", ws);
	addf(a, "--label=jail-ai.network=%s", o->network ? o->network :
	    "private");
	add_policy_labels(a, &o->prot);
	add_options_label(a, o);
	add_user(a, u, o->name);
	add(a, "--cap-drop=all");
	addf(a, "--cap-add=%s", keep_caps);
	add(a, "--security-opt=no-new-privileges");
	if ((r = seccomp_podman_profile(prof, sizeof(prof), &what)) < 0)
		die(EXIT_SYSFAIL, "create: seccomp profile %s: %s (a jail gets "
		    "podman's default profile narrowed to the native ABI; "
		    "podman's package installs it)", what, strerror(-r));
	addf(a, "--security-opt=seccomp=%s", prof);
	add(a, "--hostname=jail-ai");
	add_cgroup_parent(a);
	no_knob_mounts("workspace", ws);
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
	add(a, image);
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
	static char *argv[2 * JAIL_MAX_ALLOW + 2 * JAIL_MAX_DENY_FILES + 8];
	char *lab, *tok, *save = NULL, *f[6];
	int argc = 0, i, k;

	lab = inspect(name, "{{index .Config.Labels \"jail-ai.block-host\"}}\t"
	    "{{index .Config.Labels \"jail-ai.allow\"}}\t"
	    "{{index .Config.Labels \"jail-ai.deny\"}}\t"
	    "{{index .Config.Labels \"jail-ai.deny-file\"}}\t"
	    "{{index .Config.Labels \"jail-ai.no-dns\"}}\t"
	    "{{index .Config.Labels \"jail-ai.mode\"}}");
	if (!lab)
		die(EXIT_SYSFAIL, "%s: %s: podman inspect failed", who, name);
	*store = lab;
	for (k = 0, f[0] = lab; k < 5 && f[k]; k++) {
		f[k + 1] = strchr(f[k], '\t');
		if (f[k + 1])
			*f[k + 1]++ = '\0';
	}
	if (k < 5 || !f[5])
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
	for (tok = strtok_r(f[3], " ", &save); tok && argc < 2 *
	    JAIL_MAX_ALLOW + 2 * JAIL_MAX_DENY_FILES + 4;
	    tok = strtok_r(NULL, " ", &save)) {
		argv[argc++] = "--deny-file";
		argv[argc++] = tok;
	}
	if (strcmp(f[4], "1") == 0)
		argv[argc++] = "--no-dns";
	/* a mode of a later version: refused, never dropped */
	if ((k = policy_mode_parse(f[5])) < 0 && f[5][0])
		die(EXIT_SYSFAIL, "%s: %s: jail-ai.mode %s is not one this "
		    "jail-ai knows; nothing was started", who, name, f[5]);
	if (k == 2 || k == 4)
		argv[argc++] = "--deny-all";
	if (k >= 3)
		argv[argc++] = "--block-private";
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
		    "jail-ai programs (was it started with podman start or "
		    "restart?); refusing. Restart it protected: jail-ai start "
		    "%s", who, name, name);
	return -EPERM;
}

/* What is attached now, whatever the label asks for. */
enum { PS_OFF, PS_ATTACHED, PS_MISSING, PS_ON_START, PS_UNKNOWN };
static const char *const prot_word[] = { "off", "attached", "not-attached",
    "on-start", "unknown" };

static int prot_state(const char *who, const char *name, const char *state,
    const char *bh_label, struct jail_reply *rep)
{
	int r;

	memset(rep, 0, sizeof(*rep));
	if (strcmp(bh_label, "1") != 0)
		return PS_OFF;
	if (strcmp(state, "running") != 0)
		return PS_ON_START;
	r = is_protected(who, name, rep);
	return r == 1 ? PS_ATTACHED : r == 0 ? PS_MISSING : PS_UNKNOWN;
}

static int prot_state_of(const char *who, const char *name,
    struct jail_reply *rep)
{
	char *state = state_of(name), *lab = inspect(name, "{{index "
	    ".Config.Labels \"jail-ai.block-host\"}}");
	int ps = prot_state(who, name, state, lab ? lab : "", rep);

	free(state);
	free(lab);
	return ps;
}

/* JSON string of S (bytes >= 0x80 passed as they are: UTF-8 in, out). */
static void json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* ---- the commands ---- */

/* --image, else $JAIL_AI_IMAGE, else the project's layered image, built
 * now when missing or stale (on first use: the base layer from the
 * configured base image, podman's output streamed). */
static const char *create_image(struct create_opts *o, const char *ws)
{
	static struct stack s;
	const char *env = getenv("JAIL_AI_IMAGE");

	if (o->image)
		return o->image;
	if (env && env[0])
		return env;
	images_ensure(&o->img, ws, NULL, &s, 1);
	return s.l[s.n - 1].tag;
}

/* create --dry-run: the podman command line, quoted for sh; nothing made. */
static int create_dry_run(const struct create_opts *o)
{
	struct args a = { .n = 0 };
	struct jail_user u;
	char ws[PATH_MAX];
	const char *p, *env = getenv("JAIL_AI_IMAGE");
	size_t i;

	workspace(o->ws_arg, ws);
	jail_user(o, ws, &u);
	/* Nothing is built: the project's image is named, not made. */
	build_create(&a, o, ws, &u, o->image ? o->image : env && env[0] ? env :
	    "<this project's layered image, built on first use>");
	fputs("podman", stdout);
	for (i = 0; i < a.n; i++) {
		if (a.v[i][0] && strspn(a.v[i], "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-=+/.:,@%") ==
		    strlen(a.v[i])) {
			printf(" %s", a.v[i]);
			continue;
		}
		fputs(" '", stdout);
		for (p = a.v[i]; *p; p++)
			fputs(*p == '\'' ? "'\\''" : (char[]){ *p, 0 }, stdout);
		putchar('\'');
	}
	printf("\n# %s; nothing was made (--dry-run)\n", o->prot.block_host ?
	    "--block-host: every start attaches the policy of `jail-ai run "
	    "--block-host --dry-run` with the same rules, plus the podman "
	    "network's gateways" : "no --block-host");
	args_free(&a);
	return fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL;
}

static int cmd_create(int argc, char **argv)
{
	struct create_opts o;
	struct args a = { .n = 0 };
	struct podman_status ps;
	struct jail_user u;
	char ws[PATH_MAX], *exists;
	const char *image;
	int had;

	parse_create(argc, argv, &o);
	if (o.dry_run)
		return create_dry_run(&o);
	if (o.prot.block_host)
		prot_need_caps("create");
	need_podman("create");
	workspace(o.ws_arg, ws);
	exists = inspect(o.name, "{{.Name}}");
	had = exists != NULL;
	free(exists);
	if (had && !o.recreate)
		die(EXIT_USAGE, "create: a container named %s exists already "
		    "(jail-ai list; jail-ai rm %s, or --recreate)", o.name,
		    o.name);
	if (had)
		need_jail("create", o.name);
	/* Every option checked (mount sources, ports, ...) before an image
	 * is built for a create that would be refused anyway. */
	jail_user(&o, ws, &u);
	build_create(&a, &o, ws, &u, "checked-before-build");
	args_free(&a);
	image = create_image(&o, ws);
	/* --recreate: the container only; its home volume stays. */
	if (had && pm("rm", "--force", "--time", "0", o.name, NULL) < 0)
		die(EXIT_SYSFAIL, "create: --recreate: podman rm %s failed",
		    o.name);
	jail_user(&o, ws, &u);
	build_create(&a, &o, ws, &u, image);
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
	fix_home(&o, &u);
	return 0;
}

static int cmd_start(int argc, char **argv)
{
	struct jail_reply rep;
	char *state;
	int running;

	if (argc != 2)
		die(EXIT_USAGE, "usage: jail-ai start NAME");
	need_podman("start");
	need_jail("start", argv[1]);
	if (prot_state_of("start", argv[1], &rep) == PS_MISSING) {
		warnx("start: %s runs without its protection (started with "
		    "podman start or restart): stopping it, then starting it "
		    "protected", argv[1]);
		if (pm("stop", "--time", "5", argv[1], NULL) < 0)
			die(EXIT_SYSFAIL, "start: podman stop %s failed",
			    argv[1]);
	}
	if (ensure_running("start", argv[1]) == 0)
		return 0;
	state = state_of(argv[1]);
	running = strcmp(state, "running") == 0;
	free(state);
	if (running)
		die(EXIT_SYSFAIL, "start: %s runs, but its protection could "
		    "not be confirmed (see above)", argv[1]);
	die(EXIT_SYSFAIL, "start: %s is not running", argv[1]);
}

static int cmd_stop(int argc, char **argv)
{
	if (argc != 2)
		die(EXIT_USAGE, "usage: jail-ai stop NAME");
	need_podman("stop");
	need_jail("stop", argv[1]);
	return pm("stop", "--time", "5", argv[1], NULL) < 0 ? EXIT_SYSFAIL : 0;
}

/* The jail's home volume, quietly: it may never have been made. */
static void remove_home(const char *name)
{
	struct podman_status ps;
	char vol[96], *out;
	const char *args[] = { "volume", "rm", "--force", vol, NULL };

	snprintf(vol, sizeof(vol), "%s-home", name);
	podman_capture(args, 1, &out, &ps);
	free(out);
}

static int cmd_rm(int argc, char **argv)
{
	int force = argc == 3 && strcmp(argv[1], "-f") == 0;
	const char *name = argv[argc - 1];
	int r;

	if (argc != 2 + force)
		die(EXIT_USAGE, "usage: jail-ai rm [-f] NAME");
	need_podman("rm");
	need_jail("rm", name);
	if (force)
		r = pm("rm", "--force", "--time", "0", name, NULL);
	else
		r = pm("rm", name, NULL);
	if (r < 0)
		return EXIT_SYSFAIL;
	remove_home(name);	/* --recreate keeps it; rm does not */
	return 0;
}

/* exec's options, as podman exec's. */
struct exec_opts {
	int interactive, tty, detach;
	const char *workdir, *user;
	const char *envs[64];
	size_t nenvs;
};

/* exec [OPTIONS] NAME [--] CMD...: CMD's exit status. */
static int exec_in(const char *who, const char *name,
    const struct exec_opts *x, char **cmd)
{
	struct args a = { .n = 0 };
	struct podman_status ps;
	size_t i;

	if (ensure_running(who, name) < 0)
		die(EXIT_SYSFAIL, "%s: %s: nothing was run", who, name);
	add(&a, "exec");
	if (x->interactive)
		add(&a, "--interactive");
	if (x->tty)
		add(&a, "--tty");
	if (x->detach)
		add(&a, "--detach");
	if (x->workdir)
		addf(&a, "--workdir=%s", x->workdir);
	if (x->user)
		addf(&a, "--user=%s", x->user);
	for (i = 0; i < x->nenvs; i++)
		add_env(&a, x->envs[i]);
	add(&a, name);
	for (i = 0; cmd[i]; i++)
		add(&a, cmd[i]);
	podman_run(a.v, &ps);
	args_free(&a);
	if (ps.signo)
		return 128 + ps.signo;
	return ps.exited ? ps.code : EXIT_SYSFAIL;
}

static const char exec_usage[] =
"usage: jail-ai exec [OPTIONS] NAME [--] CMD...\n"
"  -i, --interactive     keep stdin open\n"
"  -t, --tty             a terminal (-it: both)\n"
"  -d, --detach          run CMD in the background; prints its session id\n"
"  -e, --env K=V         set a variable for CMD\n"
"  -w, --workdir DIR     CMD's working directory (absolute)\n"
"  -u, --user USER[:GROUP]  run CMD as USER (default: the jail's user;\n"
"                        -u 0 for root, with the jail's capabilities)\n";

/* USER[:GROUP], names or ids, in podman's alphabet. */
static int valid_user(const char *s)
{
	size_t i;

	if (!s[0] || s[0] == '-' || s[0] == ':' || strlen(s) > 64)
		return 0;
	for (i = 0; s[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_.-:", s[i]))
			return 0;
	return strchr(s, ':') == strrchr(s, ':');
}

/* One exec option at argv[*i]; 1 when it was one. */
static int exec_opt(struct exec_opts *x, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v;

	if (!strcmp(a, "-i") || !strcmp(a, "--interactive"))
		return x->interactive = 1;
	if (!strcmp(a, "-t") || !strcmp(a, "--tty"))
		return x->tty = 1;
	if (!strcmp(a, "-it") || !strcmp(a, "-ti"))
		return x->interactive = x->tty = 1;
	if (!strcmp(a, "-d") || !strcmp(a, "--detach"))
		return x->detach = 1;
	if (strcmp(a, "-e") && strcmp(a, "--env") && strcmp(a, "-w") &&
	    strcmp(a, "--workdir") && strcmp(a, "-u") && strcmp(a, "--user"))
		return 0;
	if (*i + 1 >= argc)
		die(EXIT_USAGE, "exec: %s needs a value", a);
	v = argv[++*i];
	if (a[1] == 'e' || a[2] == 'e') {
		if (x->nenvs == 64)
			die(EXIT_USAGE, "exec: more than 64 variables");
		check_env(v);
		x->envs[x->nenvs++] = v;
	} else if (a[1] == 'w' || a[2] == 'w') {
		if (v[0] != '/' || strchr(v, '\n'))
			die(EXIT_USAGE, "exec: %s %s: an absolute path", a, v);
		x->workdir = v;
	} else {
		if (!valid_user(v))
			die(EXIT_USAGE, "exec: %s %s: USER[:GROUP], names or "
			    "ids", a, v);
		x->user = v;
	}
	return 1;
}

static int cmd_exec(int argc, char **argv)
{
	struct exec_opts x;
	const char *name = NULL;
	int i;

	memset(&x, 0, sizeof(x));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			fputs(exec_usage, stdout);
			exit(0);
		}
		if (exec_opt(&x, argc, argv, &i))
			continue;
		if (argv[i][0] == '-')
			die(EXIT_USAGE, "exec: unknown option %s (jail-ai exec "
			    "--help)", argv[i]);
		if (name)
			break;
		name = argv[i];
	}
	if (!name || i >= argc)
		die(EXIT_USAGE, "usage: jail-ai exec [-i] [-t] [-d] [-e K=V] "
		    "[-w DIR] [-u USER] NAME [--] CMD...");
	need_podman("exec");
	need_jail("exec", name);
	return exec_in("exec", name, &x, argv + i);
}

static int shell_in(const char *name)
{
	static char *sh[] = { "/bin/sh", "-c",
	    "command -v bash >/dev/null 2>&1 && exec bash -l; exec sh -l",
	    NULL };
	struct exec_opts x;

	memset(&x, 0, sizeof(x));
	x.interactive = 1;
	x.tty = isatty(0) && isatty(1);
	return exec_in("shell", name, &x, sh);
}

static int cmd_shell(int argc, char **argv)
{
	if (argc != 2)
		die(EXIT_USAGE, "usage: jail-ai shell NAME");
	need_podman("shell");
	need_jail("shell", argv[1]);
	return shell_in(argv[1]);
}

/* A `jail-ai run` jail, in list's table or as a JSON object. */
static void print_run_jail(const char *name, const char *path, void *arg)
{
	int json = *(const int *)arg, k;
	const char *m = name;	/* run-PID-TIME-N[-MODE] */

	for (k = 0; k < 4 && m; k++)
		m = strchr(m + 1, '-');
	if (!json) {
		printf("%-24s %-10s %-40s %s\n", name, "running", path,
		    m ? m + 1 : "-");
		return;
	}
	printf("{\"name\":");
	json_str(name);
	printf(",\"kind\":\"run\",\"state\":\"running\",\"cgroup\":");
	json_str(path);
	printf(",\"block_host\":%s,\"mode\":\"%s\"}\n", m ? "true" : "false",
	    m ? m + 1 : "off");
}

/* "--json" alone, or nothing; dies otherwise. */
static int json_flag(int argc, char **argv, int want, const char *usage)
{
	int json = argc > 1 && strcmp(argv[1], "--json") == 0;

	if (argc != want + json)
		die(EXIT_USAGE, "%s", usage);
	return json;
}

/* Splits S at the \x1f separators into N fields; 0, or -EINVAL. */
static int fields(char *s, char **f, int n)
{
	int k;

	for (k = 0, f[0] = s; k < n - 1; k++) {
		if (!f[k] || !(f[k + 1] = strchr(f[k], '\x1f')))
			return -EINVAL;
		*f[k + 1]++ = '\0';
	}
	return strchr(f[n - 1], '\x1f') ? -EINVAL : 0;
}

static const char *const prot_text[] = { "-", "block-host",
    "block-host NOT attached", "block-host (attached on start)",
    "block-host (could not query)" };

/* state, image, workspace, block-host label, user */
#define LIST_FMT "{{.State.Status}}\x1f{{.ImageName}}\x1f" \
	"{{index .Config.Labels \"jail-ai.workspace\"}}\x1f" \
	"{{index .Config.Labels \"jail-ai.block-host\"}}\x1f" \
	"{{index .Config.Labels \"jail-ai.user\"}}"

#define MODE_FMT "\x1f{{index .Config.Labels \"jail-ai.mode\"}}"
/* The mode label's word, when the jail is protected ("" from older jails). */
#define MODE_OF(ps, m) (!(ps) ? "off" : (m)[0] ? (m) : "block-host")

static void list_one(const char *name, int json)
{
	struct jail_reply rep;
	char *info = inspect(name, LIST_FMT MODE_FMT), *f[6];
	int ps;

	if (!info || fields(info, f, 6) < 0) {
		free(info);	/* removed meanwhile */
		return;
	}
	ps = prot_state("list", name, f[0], f[3], &rep);
	if (!json) {
		printf("%-24s %-10s %-40s %s%s%s\n", name, f[0], f[1],
		    prot_text[ps], strcmp(MODE_OF(ps, f[5]), "block-host") &&
		    ps ? ", " : "", ps && strcmp(MODE_OF(ps, f[5]),
		    "block-host") ? f[5] : "");
	} else {
		printf("{\"name\":");
		json_str(name);
		printf(",\"kind\":\"podman\",\"state\":");
		json_str(f[0]);
		printf(",\"image\":");
		json_str(f[1]);
		printf(",\"workspace\":");
		json_str(f[2]);
		printf(",\"user\":");
		json_str(f[4]);
		printf(",\"block_host\":%s,\"protection\":\"%s\","
		    "\"mode\":\"%s\"}\n", strcmp(f[3], "1") == 0 ? "true" :
		    "false", prot_word[ps], MODE_OF(ps, f[5]));
	}
	free(info);
}

/* list [--json]: each jail-ai jail with its protection as attached now
 * (JSON: one object a line). */
static int cmd_list(int argc, char **argv)
{
	const char *args[] = { "ps", "--all", "--filter", "label=jail-ai=1",
	    "--format", "{{.Names}}", NULL };
	struct podman_status ps;
	char *out, *line, *save = NULL;
	int json = json_flag(argc, argv, 1, "usage: jail-ai list [--json]");

	if (!json)
		printf("%-24s %-10s %-40s %s\n", "NAME", "STATE", "IMAGE",
		    "PROTECTION");
	jail_run_list(print_run_jail, &json);	/* `jail-ai run` jails */
	if (podman_init() < 0)
		return fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL;
	if (podman_capture(args, 0, &out, &ps) < 0)
		die(EXIT_SYSFAIL, "list: podman ps failed");
	for (line = strtok_r(out, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save))
		list_one(line, json);
	free(out);
	return fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL;
}

static void print_protection(int ps, const struct jail_reply *rep)
{
	unsigned int i;

	if (ps == PS_OFF) {
		printf("protection: off (created without --block-host)\n");
	} else if (ps == PS_ON_START) {
		printf("protection: attached on every start (not running)\n");
	} else if (ps == PS_ATTACHED) {
		printf("protection: attached (programs per hook:");
		for (i = 0; i < JAIL_NPROG_SLOTS; i++)
			printf(" %u", rep->attached[i]);
		printf("; first ids:");
		for (i = 0; i < JAIL_NPROG_SLOTS; i++)
			printf(" %u", rep->prog_ids[i]);
		printf(")\n");
	} else {
		printf("protection: NOT attached%s\n", ps == PS_UNKNOWN ?
		    " (could not query)" : ": restart it with jail-ai start");
	}
}

/* A space-separated label as a JSON array of strings. */
static void json_words(const char *key, char *s)
{
	char *save = NULL, *t;
	int n = 0;

	printf(",\"%s\":[", key);
	for (t = strtok_r(s, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (n++)
			putchar(',');
		json_str(t);
	}
	putchar(']');
}

#define STATUS_FMT LIST_FMT "\x1f{{.Name}}\x1f" \
	"{{index .Config.Labels \"jail-ai.network\"}}\x1f" \
	"{{index .Config.Labels \"jail-ai.allow\"}}\x1f" \
	"{{index .Config.Labels \"jail-ai.deny\"}}\x1f" \
	"{{index .Config.Labels \"jail-ai.options\"}}\x1f" \
	"{{range .Mounts}}{{.Source}}\x1e{{.Destination}}\x1d{{end}}" MODE_FMT

static void status_json(char **f, int ps, const struct jail_reply *rep)
{
	static const char *const k[] = { "state", "image", "workspace",
	    "block_host", "user", "name", "network" };
	char *m, *save = NULL, *dst;
	unsigned int i;

	printf("{");
	for (i = 0; i < 7; i++) {
		printf("%s\"%s\":", i ? "," : "", k[i]);
		if (i == 3)
			printf("%s", strcmp(f[3], "1") == 0 ? "true" : "false");
		else
			json_str(f[i]);
	}
	printf(",\"protection\":\"%s\",\"mode\":\"%s\"", prot_word[ps],
	    MODE_OF(ps, f[11]));
	json_words("allow", f[7]);
	json_words("deny", f[8]);
	json_words("options", strncmp(f[9], "v1", 2) == 0 ? f[9] + 2 : f[9]);
	printf(",\"mounts\":[");
	for (i = 0, m = strtok_r(f[10], "\x1d", &save); m;
	    m = strtok_r(NULL, "\x1d", &save), i++) {
		if ((dst = strchr(m, '\x1e')))
			*dst++ = '\0';
		printf("%s{\"source\":", i ? "," : "");
		json_str(m);
		printf(",\"destination\":");
		json_str(dst ? dst : "");
		putchar('}');
	}
	printf("],\"programs\":[");
	for (i = 0; i < JAIL_NPROG_SLOTS; i++)
		printf("%s%u", i ? "," : "", rep->attached[i]);
	printf("],\"program_ids\":[");
	for (i = 0; i < JAIL_NPROG_SLOTS; i++)
		printf("%s%u", i ? "," : "", rep->prog_ids[i]);
	printf("]}\n");
}

/* " SRC:DST" for each "SRC\x1eDST\x1d" */
static void print_mounts(char *s)
{
	char *save = NULL, *m, *d;

	for (m = strtok_r(s, "\x1d", &save); m; m = strtok_r(NULL, "\x1d",
	    &save)) {
		if ((d = strchr(m, '\x1e')))
			*d++ = '\0';
		printf(" %s:%s", m, d ? d : "");
	}
}

/* status [--json] NAME */
static int cmd_status(int argc, char **argv)
{
	struct jail_reply rep;
	char *info, *f[12];
	int json = json_flag(argc, argv, 2,
	    "usage: jail-ai status [--json] NAME"), ps;
	const char *name = argv[argc - 1];

	need_podman("status");
	need_jail("status", name);
	info = inspect(name, STATUS_FMT);
	if (!info || fields(info, f, 12) < 0)
		die(EXIT_SYSFAIL, "status: podman inspect %s failed", name);
	ps = prot_state("status", name, f[0], f[3], &rep);
	if (json) {
		status_json(f, ps, &rep);
	} else {
		printf("name: %s\nstate: %s\nimage: %s\nworkspace: %s\n"
		    "network: %s\nuser: %s\nmounts:", f[5], f[0], f[1], f[2],
		    f[6], f[4][0] ? f[4] : "root");
		print_mounts(f[10]);
		printf("\nallow: %s\nmode: %s\n", f[7], MODE_OF(ps, f[11]));
		print_protection(ps, &rep);
	}
	free(info);
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

/*
 * `jail-ai [JAIL-OPTIONS]`: a shell in this project's jail, made on first
 * use with the options (argv[1..], create's; config.c added the defaults).
 */
int cmd_project_shell(int argc, char **argv)
{
	char ws[PATH_MAX], name[64], h[9], *base, *exists = NULL;
	size_t i;
	int dry = 0;

	for (i = 1; i < (size_t)argc && strcmp(argv[i], "--") != 0; i++)
		dry |= strcmp(argv[i], "--dry-run") == 0;
	if (!dry)
		need_podman("jail-ai");
	workspace(NULL, ws);
	images_wshash(ws, h);
	base = strrchr(ws, '/') + 1;
	snprintf(name, sizeof(name), "jail-ai-%.24s-%s", base, h);
	for (i = 0; name[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_.-", name[i]))
			name[i] = '_';
	if (dry || (exists = inspect(name, "{{.Name}}")) == NULL) {
		char **cv = calloc((size_t)argc + 2, sizeof(*cv));

		if (!cv)
			die(EXIT_SYSFAIL, "out of memory");
		cv[0] = "create";
		cv[1] = name;
		for (i = 1; i < (size_t)argc; i++)
			cv[i + 1] = argv[i];
		if (!dry)
			fprintf(stderr, "jail-ai: making %s for %s\n", name,
			    ws);
		i = (size_t)cmd_create(argc + 1, cv);
		free(cv);
		if (dry)
			return (int)i;
	}
	free(exists);
	need_jail("jail-ai", name);
	return shell_in(name);
}
