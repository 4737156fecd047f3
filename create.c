/*
 * create.c - what `create` asks podman for: create's options parsed and
 * checked (names, mount sources, ports, variables, limits, the workspace),
 * the jail's user and home, the labels every later start reads back (the
 * --block-host policy, the options the jail was made with), and the podman
 * create command line built from them.
 *
 * No privilege.  Untrusted input: the command line, the environment
 * (HOME, SUDO_UID, SSH_AUTH_SOCK, ...), labels of existing containers.
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

#include "cgroup.h"
#include "control.h"
#include "create.h"
#include "dns.h"
#include "images.h"
#include "jailenv.h"
#include "podman.h"
#include "protect.h"
#include "seccomp.h"
#include "text.h"
#include "util.h"

#define JAIL_HOME	"/home/jail"
#define MAIN_LOOP	"trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"

/* ---- checks of the command line ---- */

/* A jail-ai jail that exists; dies otherwise. */
void need_jail(const char *who, const char *name)
{
	char *label;

	if (!control_name_ok(name))
		die(EXIT_USAGE, "%s: %s: not a valid jail name", who, name);
	label = container_inspect(name, "{{index .Config.Labels \"jail-ai\"}}");
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

/* One mountinfo line's device, root (the place in its filesystem) and
 * mount point, octal escapes (\040) undone; 0, or -1 if malformed. */
struct mline {
	char dev[32], root[PATH_MAX], mp[PATH_MAX];
};

static void unoctal(char *s)
{
	char *d = s;

	for (; *s; s++, d++)
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    s[3] - '0');
			s += 3;
		} else
			*d = *s;
	*d = '\0';
}

/* Field i (0: the mount id) of the line l..l+n into out; 0 or -1.
 * Not sscanf: scanf alone costs 4-10 KiB of the binary. */
static int mfield(const char *l, size_t n, int i, char *out, size_t len)
{
	const char *e = l + n, *f;

	for (; i > 0 && l < e; i--) {
		while (l < e && *l != ' ')
			l++;
		while (l < e && *l == ' ')
			l++;
	}
	for (f = l; f < e && *f != ' '; f++)
		;
	if (i || f == l || (size_t)(f - l) >= len)
		return -1;
	memcpy(out, l, (size_t)(f - l));
	out[f - l] = '\0';
	return 0;
}

static int mline_parse(const char *l, size_t n, struct mline *m)
{
	if (mfield(l, n, 2, m->dev, sizeof(m->dev)) < 0 ||
	    mfield(l, n, 3, m->root, sizeof(m->root)) < 0 ||
	    mfield(l, n, 4, m->mp, sizeof(m->mp)) < 0)
		return -1;
	unoctal(m->root);
	unoctal(m->mp);
	return 0;
}

/* The place of path in its filesystem: the last, longest mount point of
 * mi (mountinfo) holding it, its device and root, and the rest. */
static int fs_place(const char *mi, const char *path, struct mline *out)
{
	struct mline m;
	const char *l, *e;
	size_t best = 0, n;

	out->dev[0] = '\0';
	for (l = mi; *l; l = *e ? e + 1 : e) {
		e = strchr(l, '\n');
		if (!e)
			e = l + strlen(l);
		if (mline_parse(l, (size_t)(e - l), &m) < 0 ||
		    !below(path, m.mp) || (n = strlen(m.mp)) < best)
			continue;
		best = n;
		snprintf(out->dev, sizeof(out->dev), "%s", m.dev);
		snprintf(out->root, sizeof(out->root), "%s%s",
		    strcmp(m.root, "/") ? m.root : "", n > 1 ? path + n : path);
		if (!out->root[0])
			snprintf(out->root, sizeof(out->root), "/");
	}
	return out->dev[0] ? 0 : -ENOENT;
}

/*
 * /run/jail-ai by another name: the source, or a mount below it (podman
 * binds recursively), shows a place of /run/jail-ai's filesystem that is,
 * holds or lies in /run/jail-ai there (mountinfo's root field: a bind
 * mount of /run, of / recursively, of /run/jail-ai/ctl...).  1, 0, or
 * -errno.  Its limit: mounts made after create are not seen.
 */
static int jail_ai_alias(const char *src)
{
	struct mline ja, sp, m;
	const char *l, *e;
	char *mi;
	size_t len;
	int r = read_file("/proc/self/mountinfo", &mi, &len);

	if (r < 0)
		return r;
	if (fs_place(mi, "/run/jail-ai", &ja) < 0 || fs_place(mi, src,
	    &sp) < 0) {
		free(mi);
		return -ENOENT;
	}
	r = !strcmp(sp.dev, ja.dev) && (below(sp.root, ja.root) ||
	    below(ja.root, sp.root));
	for (l = mi; !r && *l; l = *e ? e + 1 : e) {
		e = strchr(l, '\n');
		if (!e)
			e = l + strlen(l);
		r = mline_parse(l, (size_t)(e - l), &m) == 0 &&
		    below(m.mp, src) && !strcmp(m.dev, ja.dev) &&
		    (below(m.root, ja.root) || below(ja.root, m.root));
	}
	free(mi);
	return r;
}

/*
 * podman binds recursively: a proc or sysfs mount inside a source would
 * be in the container, where a root process may write host knobs through
 * it or mount a fresh one (see kernel_knobs_ro).  No --force-mount.
 */
static void no_knob_mounts(const char *what, const char *src)
{
	char bad[512];
	int r = knobs_under(src, bad, sizeof(bad)), a;

	/* The keepers' control sockets and files: a jail that sees them could
	 * ask its own keeper (refused by cgroup and PID namespace, but not
	 * offered).  No --force-mount. */
	if (below(src, "/run/jail-ai") || below("/run/jail-ai", src) ||
	    below(src, "/var/run/jail-ai") || below("/var/run/jail-ai", src))
		die(EXIT_USAGE, "create: %s %s: is or holds /run/jail-ai, the "
		    "keepers' control sockets, which no jail may see", what,
		    src);
	if ((a = jail_ai_alias(src)) < 0)
		die(EXIT_SYSFAIL, "create: %s %s: read /proc/self/mountinfo: "
		    "%s", what, src, strerror(-a));
	if (a > 0)
		die(EXIT_USAGE, "create: %s %s: it is, holds or lies in "
		    "/run/jail-ai under another name (a bind mount), the "
		    "keepers' control sockets, which no jail may see", what,
		    src);
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
	args_add(a, "--volume");
	args_addf(a, "%s:%s%s", src, dst, mode && strcmp(mode, "ro") == 0 ?
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
	args_add(a, "--publish");
	args_addf(a, "127.0.0.1:%d:%d%s", host, ctr, udp ? "/udp" : "");
}

/* NAME=VALUE with NAME a shell variable name; dies otherwise. */
void check_env(const char *kv)
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

void add_env(struct args *a, const char *kv)
{
	check_env(kv);
	args_add(a, "--env");
	args_add(a, kv);
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

static void opt_token(struct create_opts *o, const char *opt,
    const char *val);

static const char *value(const struct create_opts *o, int argc, char **argv,
    int *i)
{
	if (*i + 1 >= argc)
		die(EXIT_USAGE, "%s: %s needs a value", o->prot.who, argv[*i]);
	return argv[++*i];
}

static void push(const struct create_opts *o, const char **list, size_t *n,
    size_t max, const char *v, const char *what)
{
	if (*n == max)
		die(EXIT_USAGE, "%s: more than %zu %s", o->prot.who, max, what);
	list[(*n)++] = v;
}

void create_opts_init(struct create_opts *o, const char *who)
{
	memset(o, 0, sizeof(*o));
	o->prot.who = who;
}

void create_opts_free(struct create_opts *o)
{
	while (o->ntok)
		free(o->tok[--o->ntok]);
	free(o->prot.domains);	/* --allow-domain's names */
	o->prot.domains = NULL;
}

void create_add_mount(struct create_opts *o, const char *spec)
{
	push(o, o->mounts, &o->nmounts, 32, spec, "mounts");
	opt_token(o, "--mount", spec);
}

static int is(const char *a, const char *opt, const char *alias)
{
	return strcmp(a, opt) == 0 || (alias && strcmp(a, alias) == 0);
}

int create_jail_opt(struct create_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v;
	int at = *i;

	if (prot_parse_opt(&o->prot, argc, argv, i)) {
		opt_token(o, a, *i > at ? argv[*i] : NULL);
	} else if (is(a, "--mount", "-m")) {
		create_add_mount(o, value(o, argc, argv, i));
	} else if (is(a, "--port", "-p")) {
		push(o, o->ports, &o->nports, 32, v = value(o, argc, argv, i),
		    "ports");
		opt_token(o, "--port", v);
	} else if (is(a, "--env", "-e")) {
		push(o, o->envs, &o->nenvs, 64, v = value(o, argc, argv, i),
		    "variables");
		opt_token(o, "--env", v);
	} else if (is(a, "--network", NULL)) {
		opt_token(o, a, o->network = value(o, argc, argv, i));
	} else if (is(a, "--memory", NULL)) {
		opt_token(o, a, o->memory = value(o, argc, argv, i));
	} else if (is(a, "--cpus", NULL)) {
		opt_token(o, a, o->cpus = value(o, argc, argv, i));
	} else if (is(a, "--force-mount", NULL)) {
		o->force_mount = 1;
	} else if (is(a, "--ssh-agent", NULL)) {
		o->ssh_agent = 1;
		opt_token(o, a, NULL);
	} else if (is(a, "--no-nix", NULL)) {
		o->no_nix = 1;
		opt_token(o, a, NULL);
	} else {
		return 0;
	}
	return 1;
}

void create_check(struct create_opts *o)
{
	if (!o->name || !control_name_ok(o->name))
		die(EXIT_USAGE, "%s: a NAME of letters, digits, '_', '.' "
		    "and '-' is needed (see jail-ai create --help)",
		    o->prot.who);
	prot_check(&o->prot);
}

/*
 * --restart: podman's policy, as long as nothing asks for protection.  A
 * protected jail's programs sit on a cgroup jail-ai makes before each
 * start; after a reboot that cgroup is gone, and a start podman makes on
 * its own (a restart policy, podman-restart.service, a unit from `podman
 * generate systemd`) recreates it without them: the jail would run
 * unprotected until jail-ai next touches it.
 */
static void check_restart(const struct create_opts *o)
{
	const char *r = o->restart, *n;

	if (!r)
		return;
	if (o->prot.block_host && strcmp(r, "no") != 0)
		die(EXIT_USAGE, "create: --restart %s with --block-host (or a "
		    "policy): refused. After a reboot a start that jail-ai does "
		    "not make (a restart policy, podman-restart.service, a "
		    "unit from podman generate systemd) recreates the jail's "
		    "cgroup without its programs and runs it unprotected; start "
		    "protected jails with jail-ai start", r);
	n = strncmp(r, "on-failure:", 11) == 0 ? r + 11 : "1";
	if ((strcmp(r, "no") && strcmp(r, "always") && strcmp(r,
	    "unless-stopped") && strcmp(r, "on-failure") &&
	    strncmp(r, "on-failure:", 11)) || !n[0] || strspn(n,
	    "0123456789") != strlen(n) || strlen(n) > 6)
		die(EXIT_USAGE, "create: --restart %s: no, on-failure[:N], "
		    "always or unless-stopped", r);
}

void parse_create(int argc, char **argv, struct create_opts *o)
{
	int i;

	create_opts_init(o, "create");
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			o->cmd = argv + i + 1;
			break;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(text_get("create"), stdout);
			exit(0);
		} else if (create_jail_opt(o, argc, argv, &i)) {
			continue;
		} else if (strcmp(a, "--image") == 0) {
			o->image = value(o, argc, argv, &i);
		} else if (strcmp(a, "--workspace") == 0) {
			o->ws_arg = value(o, argc, argv, &i);
		} else if (strcmp(a, "--no-workspace") == 0) {
			o->no_ws = 1;
		} else if (strcmp(a, "--restart") == 0) {
			opt_token(o, a, o->restart = value(o, argc, argv, &i));
		} else if (strcmp(a, "--root") == 0) {
			o->root = 1;
			opt_token(o, a, NULL);
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
	create_check(o);
	check_restart(o);
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
		args_add(a, "--network");
		args_add(a, net);
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
		args_add(a, "--memory");
		args_add(a, o->memory);
	}
	if (o->cpus && (!all_digits(o->cpus, ".") || !strpbrk(o->cpus,
	    "123456789") || strchr(o->cpus, '.') != strrchr(o->cpus, '.')))
		die(EXIT_USAGE, "create: --cpus %s: a number like 2 or 1.5",
		    o->cpus);
	if (o->cpus) {
		args_add(a, "--cpus");
		args_add(a, o->cpus);
	}
	if (o->restart)
		args_addf(a, "--restart=%s", o->restart);
}

/* The --block-host policy goes into labels so every start rebuilds it. */
static void add_policy_labels(struct args *a, const struct prot_opts *p)
{
	char buf[4096] = "", dfile[PATH_MAX];
	size_t i, n;

	args_addf(a, "--label=jail-ai.block-host=%d", p->block_host);
	for (i = 0; i < p->nallow; i++)
		if (p->allow_text[i])
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
			    "%s%s", buf[0] ? " " : "", p->allow_text[i]);
	args_addf(a, "--label=jail-ai.allow=%s", buf);
	buf[0] = '\0';
	for (i = 0; i < p->ndeny; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
		    buf[0] ? " " : "", p->deny[i]);
	args_addf(a, "--label=jail-ai.deny=%s", buf);
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
	args_addf(a, "--label=jail-ai.deny-file=%s", buf);
	args_addf(a, "--label=jail-ai.no-dns=%d", p->no_dns);
	/* checked at parse: no white space, at most 127 bytes */
	args_addf(a, "--label=jail-ai.proxy=%s", p->proxy ? p->proxy : "");
	args_addf(a, "--label=jail-ai.mode=%s", policy_mode_word(p));
	/* names are checked (no white space); 64 of 255 bytes fit */
	buf[0] = '\0';
	for (i = 0; p->domains && i < p->domains->n; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
		    "%s%s%s", buf[0] ? " " : "", p->domains->v[i].wildcard ?
		    "*." : "", p->domains->v[i].name);
	if (strlen(buf) + 1 >= sizeof(buf))
		die(EXIT_USAGE, "create: --allow-domain: the names are too "
		    "long for the jail's label (4 KiB)");
	args_addf(a, "--label=jail-ai.allow-domain=%s", buf);
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
	/* --cgroups=enabled over containers.conf's [containers] cgroups:
	 * podman refuses "split" and "disabled" with a parent (split would
	 * put the payload beside us, disabled in our own cgroup) */
	if (podman_capture(args, 1, &mgr, &ps) == 0 &&
	    strcmp(mgr, "cgroupfs") == 0) {
		args_add(a, "--cgroups=enabled");
		args_addf(a, "--cgroup-parent=%s", own);
	}
	free(mgr);
}

/* ---- the user in the jail, and its home ---- */

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
void jail_user(const struct create_opts *o, const char *ws,
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
	args_addf(a, "--volume=%s-home:" JAIL_HOME, name);
	args_add(a, "--env=HOME=" JAIL_HOME);
	if (u->root) {
		args_add(a, "--label=jail-ai.user=root");
		return;
	}
	if (u->keep_id)
		args_add(a, "--userns=keep-id");
	else
		args_addf(a, "--user=%lu:%lu", u->uid, u->gid);
	args_addf(a, "--passwd-entry=jail:*:%lu:%lu:jail-ai:" JAIL_HOME ":/bin/sh",
	    u->uid, u->gid);
	args_addf(a, "--label=jail-ai.user=%lu:%lu", u->uid, u->gid);
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
void fix_home(const struct create_opts *o, const struct jail_user *u)
{
	struct args a = { .n = 0 };
	struct podman_status ps;
	char dir[PATH_MAX], *c, *p, *out;
	size_t i;

	if (u->root)
		return;
	args_add(&a, "exec");
	args_add(&a, "--user=0:0");
	args_add(&a, o->name);
	args_add(&a, "chown");
	args_addf(&a, "%lu:%lu", u->uid, u->gid);
	args_add(&a, JAIL_HOME);
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
				args_addf(&a, "%s", dir);
		}
	}
	if (podman_capture(a.v, 0, &out, &ps) < 0)
		warnx("create: %s: could not give " JAIL_HOME " to %lu:%lu "
		    "(chown in the jail failed)", o->name, u->uid, u->gid);
	free(out);
	args_free(&a);
}

int create_wants_nix(const struct create_opts *o, const char *ws)
{
	char path[PATH_MAX + 16];
	struct stat st;

	if (o->no_nix || o->no_ws || !ws[0])
		return 0;
	snprintf(path, sizeof(path), "%s/flake.nix", ws);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * Debian's nix as a single-user store: the jail's user owns /nix and
 * nix makes the rest below /nix/var/nix itself.  Without /nix/var/nix
 * it would fall back to a store in the home (a chroot store, whose
 * builds need the sandbox that cannot start here).  Not recursive: after
 * --recreate what is inside is the user's already.
 */
void fix_nix(const struct create_opts *o, const struct jail_user *u)
{
	struct args a = { .n = 0 };
	struct podman_status ps;
	char *out;

	args_add(&a, "exec");
	args_add(&a, "--user=0:0");
	args_add(&a, o->name);
	args_add(&a, "/bin/sh");
	args_add(&a, "-c");
	args_addf(&a, "mkdir -p /nix/store /nix/var/nix && chown %lu:%lu "
	    "/nix /nix/store /nix/var /nix/var/nix", u->root ? 0 : u->uid,
	    u->root ? 0 : u->gid);
	if (podman_capture(a.v, 0, &out, &ps) < 0)
		warnx("create: %s: could not give /nix to the jail's user (the "
		    "dev shell will fail: jail-ai rm -f %s, then again)",
		    o->name, o->name);
	free(out);
	args_free(&a);
}

/* ---- the options a jail was made with (label jail-ai.options) ---- */

/* The options that shape a container; the others (--image, --workspace,
 * image options, --force-mount, --force, --recreate) do not count. */
static const struct {
	const char *opt;
	int valued;
} shaping[] = {
	{ "--block-host", 0 }, { "--no-dns", 0 }, { "--deny-all", 0 },
	{ "--block-private", 0 }, { "--ssh-agent", 0 }, { "--root", 0 },
	{ "--proxy", 1 }, { "--allow-dns", 0 }, { "--allow-domain", 1 },
	{ "--allow", 1 }, { "--deny", 1 }, { "--deny-file", 1 },
	{ "--mount", 1 }, { "--port", 1 }, { "--env", 1 }, { "--network", 1 },
	{ "--memory", 1 }, { "--cpus", 1 }, { "--restart", 1 },
	{ "--no-nix", 0 },
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

/* OPT (its long name) and VAL into o's tokens, when OPT shapes the jail
 * (--network private is the default: no token). */
static void opt_token(struct create_opts *o, const char *opt,
    const char *val)
{
	size_t k;

	for (k = 0; k < sizeof(shaping) / sizeof(shaping[0]); k++)
		if (strcmp(opt, shaping[k].opt) == 0)
			break;
	if (k == sizeof(shaping) / sizeof(shaping[0]) ||
	    (strcmp(opt, "--network") == 0 && strcmp(val, "private") == 0))
		return;
	if (o->ntok == CREATE_MAX_TOKENS)
		die(EXIT_USAGE, "%s: more than %d options", o->prot.who,
		    CREATE_MAX_TOKENS);
	if (!(o->tok[o->ntok++] = token(opt, shaping[k].valued ? val : NULL)))
		die(EXIT_SYSFAIL, "out of memory");
}

/* "v1 TOKEN TOKEN...", sorted: the label never is empty, so a jail made
 * before the label existed (empty) is told apart. */
static void add_options_label(struct args *a, const struct create_opts *o)
{
	char *tok[CREATE_MAX_TOKENS], buf[8192] = "v1";
	size_t i;

	memcpy(tok, o->tok, o->ntok * sizeof(tok[0]));
	qsort(tok, o->ntok, sizeof(tok[0]), cmp_str);
	for (i = 0; i < o->ntok; i++) {
		if (strlen(buf) + strlen(tok[i]) + 2 > sizeof(buf))
			die(EXIT_USAGE, "%s: the options are too long",
			    o->prot.who);
		strcat(buf, " ");
		strcat(buf, tok[i]);
	}
	args_addf(a, "--label=jail-ai.options=%s", buf);
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
 * Options given now (o's tokens) against those jail NAME was made
 * with: the differences said one a line; how many (0 also when the jail
 * predates the label).
 */
int jail_options_differ(const char *who, const char *name,
    const struct create_opts *o)
{
	char *lab = container_inspect(name, "{{index .Config.Labels "
	    "\"jail-ai.options\"}}"), *had[CREATE_MAX_TOKENS];
	char *const *now = o->tok;
	char *save = NULL, *t;
	size_t nh = 0, nn = o->ntok, i;
	int diff = 0;

	if (!lab || strncmp(lab, "v1", 2) != 0) {
		free(lab);
		return 0;
	}
	for (t = strtok_r(lab + 2, " ", &save); t && nh < CREATE_MAX_TOKENS;
	    t = strtok_r(NULL, " ", &save))
		had[nh++] = t;
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
	free(lab);
	return diff;
}

/*
 * Every capability but the few a development container's root needs
 * (CHOWN, DAC_OVERRIDE, FOWNER, FSETID, SETGID, SETUID, KILL,
 * NET_BIND_SERVICE, SYS_CHROOT; never NET_RAW), dropped by name.  Not
 * `--cap-drop=all --cap-add=...`: podman gives the capabilities named by
 * --cap-add to a non-root --user in every set, ambient included (seen with
 * podman 4.3: CapEff and CapAmb 0x404fb for uid 4321, in the container's
 * processes and in every exec), so the jail's "non-root" user held
 * DAC_OVERRIDE over the host's files in its mounts and SETUID to become
 * root.  Kept by not dropping, they stay in the bounding set for root
 * (`exec -u 0`) and reach no other user.  A capability podman's default
 * set lacks is not added back.
 */
static const char *const drop_caps =
    "AUDIT_CONTROL,AUDIT_READ,AUDIT_WRITE,BLOCK_SUSPEND,BPF,"
    "CHECKPOINT_RESTORE,DAC_READ_SEARCH,IPC_LOCK,IPC_OWNER,LEASE,"
    "LINUX_IMMUTABLE,MAC_ADMIN,MAC_OVERRIDE,MKNOD,NET_ADMIN,NET_BROADCAST,"
    "NET_RAW,PERFMON,SETFCAP,SETPCAP,SYS_ADMIN,SYS_BOOT,SYS_MODULE,"
    "SYS_NICE,SYS_PACCT,SYS_PTRACE,SYS_RAWIO,SYS_RESOURCE,SYS_TIME,"
    "SYS_TTY_CONFIG,SYSLOG,WAKE_ALARM";

/* --proxy: the variables that send HTTP(S) clients to it (before the
 * user's --env, which podman lets win). */
static void add_proxy_env(struct args *a, const struct prot_opts *p)
{
	static const char *const vars[] = PROT_PROXY_VARS;
	size_t i;

	if (!p->proxy)
		return;
	for (i = 0; vars[i]; i++)
		args_addf(a, "--env=%s=%s", vars[i], p->proxy);
	args_add(a, "--env=NO_PROXY=" PROT_NO_PROXY);
	args_add(a, "--env=no_proxy=" PROT_NO_PROXY);
}

size_t build_create(struct args *a, const struct create_opts *o,
    const char *ws, const struct jail_user *u, const char *image)
{
	const char *term = getenv("TERM"), *tz = getenv("TZ");
	const char *sock = getenv("SSH_AUTH_SOCK"), *what;
	const char *const *gm;
	char prof[4200], why[PATH_MAX + 128];
	size_t i, img;
	int r;

	if (o->fast) {
		/* one podman call below the parent protected beforehand
		 * (jailstart.c); --cgroups=enabled: the container's own,
		 * whatever containers.conf's [containers] cgroups says
		 * ("split" would put it below podman's caller, "disabled"
		 * in it; podman refuses both with a parent).  conmon is not
		 * below the parent: it stays in its caller's cgroup v2 (seen
		 * here, both layouts); podman's supervisor, no jail code */
		args_add(a, "run");
		args_add(a, "--detach");
		args_add(a, "--cgroups=enabled");
		args_addf(a, "--cgroup-parent=/jail-ai/pod-%s", o->name);
		args_addf(a, "--label=jail-ai.gateways=%s", o->gateways ?
		    o->gateways : "");
	} else {
		args_add(a, "create");
	}
	args_addf(a, "--name=%s", o->name);
	args_add(a, "--label=jail-ai=1");
	args_addf(a, "--label=jail-ai.workspace=%s", ws);
	args_addf(a, "--label=jail-ai.network=%s", o->network ? o->network :
	    "private");
	add_policy_labels(a, &o->prot);
	add_options_label(a, o);
	add_user(a, u, o->name);
	/* The store lives with the jail (kept by --recreate, removed by
	 * rm), not shared between jails: a store one jail can write is
	 * code every jail using it runs. */
	if (o->nix) {
		args_add(a, "--label=jail-ai.nix=1");
		args_addf(a, "--volume=%s-nix:/nix", o->name);
	}
	args_addf(a, "--cap-drop=%s", drop_caps);
	args_add(a, "--security-opt=no-new-privileges");
	if ((r = seccomp_podman_profile(prof, sizeof(prof), &what)) < 0)
		die(EXIT_SYSFAIL, "create: seccomp profile %s: %s (a jail gets "
		    "podman's default profile narrowed to the native ABI; "
		    "podman's package installs it)", what, strerror(-r));
	args_addf(a, "--security-opt=seccomp=%s", prof);
	args_add(a, "--hostname=jail-ai");
	add_cgroup_parent(a);
	args_add(a, "--workdir=/workspace");
	if (!o->no_ws)
		no_knob_mounts("workspace", ws);
	if (!o->no_ws)
		args_addf(a, "--volume=%s:/workspace", ws);
	if (!o->no_ws && (r = git_mounts(ws, &gm, why, sizeof(why))) < 0)
		die(EXIT_USAGE, "create: git mounts for %s: %s (%s); repair "
		    "it (git worktree repair) or remove it", ws, why,
		    strerror(-r));
	while (!o->no_ws && *gm)
		args_add(a, *gm++);
	if (term)
		args_addf(a, "--env=TERM=%s", term);
	if (tz)
		args_addf(a, "--env=TZ=%s", tz);
	if (o->ssh_agent && (!sock || sock[0] != '/'))
		die(EXIT_USAGE, "create: --ssh-agent: SSH_AUTH_SOCK is not set");
	if (o->ssh_agent) {
		args_addf(a, "--volume=%s:/run/ssh-agent.sock", sock);
		args_add(a, "--env=SSH_AUTH_SOCK=/run/ssh-agent.sock");
	}
	for (i = 0; i < o->nmounts; i++)
		add_mount(a, o->mounts[i], o->force_mount);
	for (i = 0; i < o->nports; i++)
		add_port(a, o->ports[i]);
	add_proxy_env(a, &o->prot);
	for (i = 0; i < o->nenvs; i++)
		add_env(a, o->envs[i]);
	add_limits(a, o);
	img = a->n;
	args_add(a, image);
	if (o->cmd && o->cmd[0]) {
		for (i = 0; o->cmd[i]; i++)
			args_add(a, o->cmd[i]);
	} else {
		args_add(a, "/bin/sh");
		args_add(a, "-c");
		args_add(a, MAIN_LOOP);
	}
	return img;
}
