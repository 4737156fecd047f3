/*
 * config.c - defaults for the jail options: the user's config file and the
 * project's .jail-ai/config, which may only tighten (a cloned repository
 * must not be able to open the host), merged with the command line.
 *
 * No privilege.  Untrusted input: both files (the project's comes with
 * whatever repository the user cloned): read without following a final
 * symlink, at most CONFIG_FILE_MAX bytes, parsed by a pure function with
 * fixed limits (fuzz/fuzz_config.c).  The values become command-line
 * options, which the commands check again as they check their own.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/magic.h>

#include "config.h"
#include "policy.h"
#include "util.h"

enum kind { K_FLAG, K_WORD, K_PATH, K_TEXT, K_ALLOW, K_DENY, K_SIZE, K_CPUS,
    K_PROXY };

static const struct key {
	const char *key, *opt;	/* opt NULL: read by images.c itself */
	unsigned char kind, project;	/* project: may tighten */
} keys[] = {
	{ "block-host", "--block-host", K_FLAG, 1 },
	{ "deny-all", "--deny-all", K_FLAG, 1 },
	{ "block-private", "--block-private", K_FLAG, 1 },
	{ "deny", "--deny", K_DENY, 1 },
	{ "deny-file", "--deny-file", K_PATH, 1 },
	{ "hide", "--hide", K_PATH, 1 },
	{ "memory", "--memory", K_SIZE, 1 },
	{ "cpus", "--cpus", K_CPUS, 1 },
	{ "no-block-host", "--no-block-host", K_FLAG, 0 },
	{ "no-dns", "--no-dns", K_FLAG, 0 },
	{ "allow-dns", "--allow-dns", K_FLAG, 0 },
	{ "allow", "--allow", K_ALLOW, 0 },
	{ "allow-domain", "--allow-domain", K_WORD, 0 },
	{ "proxy", "--proxy", K_PROXY, 0 },
	{ "mount", "--mount", K_PATH, 0 },
	{ "port", "--port", K_WORD, 0 },
	{ "env", "--env", K_TEXT, 0 },
	{ "ssh-agent", "--ssh-agent", K_FLAG, 0 },
	{ "git-gpg", "--git-gpg", K_FLAG, 0 },
	{ "network", "--network", K_WORD, 0 },
	{ "image", "--image", K_WORD, 0 },
	{ "layers", "--layers", K_WORD, 0 },
	{ "base-image", NULL, K_WORD, 0 },
	{ "ca-certs", NULL, K_PATH, 0 },
	{ "rw", "--rw", K_PATH, 0 },
	{ "unhide", "--unhide", K_PATH, 0 },
	{ "fs", "--fs", K_WORD, 0 },
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static const struct key *key_find(const char *k, size_t n)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strlen(keys[i].key) == n && memcmp(keys[i].key, k, n) == 0)
			return &keys[i];
	return NULL;
}

int config_key_known(const char *key)
{
	return key_find(key, strlen(key)) != NULL;
}

int config_size(const char *s, unsigned long long *out)
{
	unsigned long long v = 0, mul = 1;
	size_t i, n = strlen(s);

	if (n > 0 && strchr("bkmgBKMG", s[n - 1])) {
		switch (s[n - 1] | 0x20) {
		case 'k': mul = 1ULL << 10; break;
		case 'm': mul = 1ULL << 20; break;
		case 'g': mul = 1ULL << 30; break;
		}
		n--;
	}
	if (n == 0 || n > 12)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	if (v == 0)
		return -EINVAL;
	*out = v * mul;		/* < 10^12 * 2^30 < 2^64 */
	return 0;
}

int config_cpus(const char *s, unsigned long *milli)
{
	unsigned long whole = 0, frac = 0, scale = 100;
	size_t i = 0;

	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	for (; s[i] >= '0' && s[i] <= '9' && i < 4; i++)
		whole = whole * 10 + (unsigned long)(s[i] - '0');
	if (s[i] == '.')
		for (i++; s[i] >= '0' && s[i] <= '9' && scale > 0; i++) {
			frac += (unsigned long)(s[i] - '0') * scale;
			scale /= 10;
		}
	if (s[i] != '\0' || whole * 1000 + frac == 0)
		return -EINVAL;
	*milli = whole * 1000 + frac;
	return 0;
}

/* One value for KEY: "" when fine, else why not. */
static const char *check_value(const struct key *k, const char *v)
{
	struct allow_rule a;
	unsigned long long sz;
	unsigned long cpu;
	unsigned int line;
	struct hostip h;
	size_t i, n = 0;

	for (i = 0; v[i]; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return "a control character in the value";
	switch (k->kind) {
	case K_WORD:
		return strpbrk(v, " \t") ? "no spaces in this value" : "";
	case K_PROXY:
		return policy_parse_proxy(v, &a) < 0 ? "not http://IPV4:PORT "
		    "or http://[IPV6]:PORT (jail-ai run --proxy says why)" : "";
	case K_ALLOW:
		return policy_parse_allow(v, &a) < 0 ? "not ADDR, ADDR/LEN, "
		    "ADDR[/LEN]:PORT or [IPV6[/LEN]]:PORT" : "";
	case K_DENY:
		return strchr(v, '#') || policy_parse_deny_file(v, strlen(v),
		    &h, 1, &n, &line) < 0 || n != 1 ?
		    "not ADDR or ADDR/LEN (host bits zero)" : "";
	case K_SIZE:
		return config_size(v, &sz) < 0 ? "not a size like 512m or "
		    "4g" : "";
	case K_CPUS:
		return config_cpus(v, &cpu) < 0 ? "not a number like 2 or "
		    "1.5" : "";
	default:
		return "";
	}
}

static const char *trim(const char *s, const char *e, const char **end)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*end = e;
	return s;
}

/* One line [s, e): 0 (an item added, or nothing), else -errno. */
static int parse_line(const char *s, const char *e, enum config_scope scope,
    struct jail_config *c, unsigned int no, const char **why)
{
	const char *eq, *ke, *v, *ve, *bad;
	const struct key *k;
	struct config_item *it;

	s = trim(s, e, &e);
	if (s == e || *s == '#')
		return 0;
	eq = memchr(s, '=', (size_t)(e - s));
	s = trim(s, eq ? eq : e, &ke);
	if (!(k = key_find(s, (size_t)(ke - s))))
		return *why = "unknown key", -EINVAL;
	if (scope == CONFIG_PROJECT && !k->project) {
		snprintf(c->why, sizeof(c->why), "%s is not allowed in a "
		    "project config, which may only tighten (block-host, deny, "
		    "deny-file, hide, memory, cpus)", k->key);
		return *why = c->why, -EPERM;
	}
	if ((k->kind == K_FLAG) != !eq)
		return *why = eq ? "a flag: the key alone, no value" :
		    "not KEY = VALUE", -EINVAL;
	if (c->n == CONFIG_MAX_ITEMS)
		return *why = "more than 128 settings", -E2BIG;
	it = &c->item[c->n];
	it->key = k->key;
	it->opt = k->opt;
	it->line = no;
	it->val = NULL;
	if (eq) {
		v = trim(eq + 1, e, &ve);
		if (v == ve)
			return *why = "an empty value", -EINVAL;
		if (c->pool_len + (size_t)(ve - v) + 1 > sizeof(c->pool))
			return *why = "values too long", -E2BIG;
		it->val = c->pool + c->pool_len;
		memcpy(c->pool + c->pool_len, v, (size_t)(ve - v));
		c->pool_len += (size_t)(ve - v);
		c->pool[c->pool_len++] = '\0';
		if (*(bad = check_value(k, it->val)))
			return *why = bad, -EINVAL;
	}
	c->n++;
	return 0;
}

int config_parse(const char *buf, size_t len, enum config_scope scope,
    struct jail_config *c, unsigned int *errline, const char **why)
{
	const char *nl;
	size_t pos = 0, n;
	unsigned int no = 0;
	int r;

	c->n = 0;
	c->pool_len = 0;
	*errline = 0;
	*why = NULL;
	if (len > CONFIG_FILE_MAX)
		return *why = "larger than 64 KiB", -E2BIG;
	while (pos < len) {
		no++;
		nl = memchr(buf + pos, '\n', len - pos);
		n = nl ? (size_t)(nl - buf) - pos : len - pos;
		if (n >= CONFIG_LINE_MAX)
			r = (*why = "line longer than 1023 bytes", -EINVAL);
		else if (memchr(buf + pos, '\0', n))
			r = (*why = "a NUL byte", -EINVAL);
		else
			r = parse_line(buf + pos, buf + pos + n, scope, c, no,
			    why);
		if (r < 0) {
			*errline = no;
			return r;
		}
		pos += n + 1;
	}
	return 0;
}

#ifndef CONFIG_PURE
/* ---- command level: the files, merged with the command line ---- */

int config_read(const char *path, size_t max, char **buf, size_t *len)
{
	struct stat st;
	size_t n = 0;
	ssize_t r;
	char *b = NULL;
	int fd, err = 0;

	*buf = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	else if ((size_t)st.st_size > max)
		err = -EFBIG;
	else if (!(b = malloc(max + 1)))
		err = -ENOMEM;
	if (err) {
		close(fd);
		return err;
	}
	/* Read to the end, not to st_size: the file may grow meanwhile. */
	while ((r = read(fd, b + n, max + 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (n += (size_t)r) > max) {
			err = r < 0 ? -errno : -EFBIG;
			break;
		}
	}
	close(fd);
	if (err) {
		free(b);
		return err;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* Options that take a value, in every command: --opt=value is split. */
static const char *const valued[] = { "--allow", "--deny", "--deny-file",
    "--image", "--workspace", "-m", "--mount", "-p", "--port", "-e",
    "--env", "--network", "--memory", "--cpus", "--layers", "--base-image",
    "--allow-domain", "--proxy", "--hide", "--rw", "--unhide", "--fs",
    "--exec-only", "--name",
    "-w", "--workdir", "-u", "--user", NULL };
static const char *const flags[] = { "--block-host", "--no-block-host",
    "--no-dns", "--ssh-agent", "--force-mount", "--git-gpg", "--shell",
    "--no-nix",
    "--auth", "--agent-configs", "--isolated", "--rebuild", "--dry-run",
    "--json", "--force", "--detach", "--unsafe-keep-privileges",
    "--deny-all", "--block-private", "--allow-dns", NULL };

static int in(const char *const *list, const char *s, size_t n)
{
	for (; *list; list++)
		if (strlen(*list) == n && strncmp(*list, s, n) == 0)
			return 1;
	return 0;
}

int config_opt_valued(const char *opt)
{
	return in(valued, opt, strlen(opt));
}

int config_opt_flag(const char *opt, size_t n)
{
	return in(flags, opt, n);
}

/* What each command takes from a config file. */
#define JAIL_OPTS "--block-host", "--no-block-host", "--allow", "--deny", \
	"--deny-file", "--no-dns", "--deny-all", "--block-private", \
	"--proxy", "--allow-dns"
#define PODMAN_OPTS "--memory", "--cpus", "--mount", "--port", "--env", \
	"--ssh-agent", "--network"
static const char *const run_opts[] = { JAIL_OPTS, NULL };
static const char *const create_opts[] = { JAIL_OPTS, PODMAN_OPTS,
    "--image", NULL };
static const char *const agent_opts[] = { JAIL_OPTS, PODMAN_OPTS,
    "--git-gpg", "--layers", NULL };

static int supported(const char *opt)
{
	return in(run_opts, opt, strlen(opt)) ||
	    in(create_opts, opt, strlen(opt)) ||
	    in(agent_opts, opt, strlen(opt));
}

/* Where the options of argv end: "--", or for run and agents the CMD. */
static int options_end(const char *cmd, int argc, char **argv)
{
	int i, stop = strcmp(cmd, "run") == 0 || strcmp(cmd, "agent") == 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (config_opt_valued(argv[i]))
			i++;
		else if (stop && argv[i][0] != '-')
			break;
	}
	return i < argc ? i : argc;
}

static void user_path(char *out, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	out[0] = '\0';
	if (xdg && xdg[0] == '/')
		snprintf(out, len, "%s/jail-ai/config", xdg);
	else if (home && home[0] == '/')
		snprintf(out, len, "%s/.config/jail-ai/config", home);
}

/* As create.c's workspace(): the git root above dir, else dir. */
static int project_root(const char *dir, char *out)
{
	char probe[PATH_MAX + 8];
	struct stat st;
	size_t n;

	if (!realpath(dir ? dir : ".", out))
		return -errno;
	for (n = strlen(out); n > 1; ) {
		snprintf(probe, sizeof(probe), "%.*s/.git", (int)n, out);
		if (lstat(probe, &st) == 0) {
			out[n] = '\0';
			return 0;
		}
		while (n > 0 && out[n - 1] != '/')
			n--;
		n -= n > 1;
	}
	return 0;
}

/* 1 when PATH was read and parsed, 0 when it does not exist; dies. */
static int load(const char *path, enum config_scope scope,
    struct jail_config *c)
{
	unsigned int line;
	const char *why;
	char *buf;
	size_t len;
	int r;

	c->n = 0;
	if (!path[0] || (r = config_read(path, CONFIG_FILE_MAX, &buf, &len)) ==
	    -ENOENT)
		return 0;
	if (r == -ELOOP)
		die(EXIT_USAGE, "config %s: a symbolic link; refused (make it "
		    "a regular file)", path);
	/* $HOME of another user (sudo -u, setpriv): theirs, not ours. */
	if (r == -EACCES && scope == CONFIG_USER) {
		warnx("config %s: %s; its defaults are not applied (set "
		    "XDG_CONFIG_HOME or HOME)", path, strerror(-r));
		return 0;
	}
	if (r == -EFBIG)
		die(EXIT_USAGE, "config %s: larger than %d KiB", path,
		    CONFIG_FILE_MAX / 1024);
	if (r < 0)
		die(EXIT_USAGE, "config %s: %s", path, strerror(-r));
	r = config_parse(buf, len, scope, c, &line, &why);
	free(buf);
	if (r < 0)
		die(EXIT_USAGE, "config %s:%u: %s", path, line, why);
	return 1;
}

struct vec {
	char **v;
	const char **src;
	int n;
};

static void vpush(struct vec *x, const char *s, const char *src)
{
	x->v[x->n] = (char *)(uintptr_t)s;
	x->src[x->n++] = src;
	x->v[x->n] = NULL;
}

/* "PATH:LINE"; each one kept, reachable, for the life of the process. */
static const char *at(const char *path, unsigned int line)
{
	static char *volatile made[4 * CONFIG_MAX_ITEMS + 8];
	static size_t n;
	char *s;

	if (n == sizeof(made) / sizeof(made[0]) ||
	    asprintf(&s, "%s:%u", path, line) < 0)
		die(EXIT_SYSFAIL, "out of memory");
	return made[n++] = s;
}

/*
 * A path from a config file: relative ones from ROOT (the project, or
 * the user config's directory); a project's must stay inside it.
 */
static const char *config_path(const char *v, const char *root, int inside,
    const char *where)
{
	char joined[PATH_MAX * 2], *real;
	size_t n = strlen(root);

	snprintf(joined, sizeof(joined), "%s%s%s", v[0] == '/' ? "" : root,
	    v[0] == '/' ? "" : "/", v);
	if (!(real = realpath(joined, NULL)))
		die(EXIT_USAGE, "config %s: %s: %s", where, v, strerror(errno));
	if (inside && (strncmp(real, root, n) != 0 || (real[n] != '/' &&
	    real[n] != '\0')))
		die(EXIT_USAGE, "config %s: %s is outside the project %s; a "
		    "project config may name files inside it only", where, v,
		    root);
	return real;
}

/* The kernel programs need CAP_BPF and CAP_NET_ADMIN: root, or this
 * binary's file capabilities (as prot_need_caps, without dying). */
static int have_bpf_caps(void)
{
	struct vfs_cap_data d;
	__u64 prm = 0, need = 1ULL << CAP_NET_ADMIN;

	if (getuid() == 0)
		return 1;
	memset(&d, 0, sizeof(d));
	if (getxattr("/proc/self/exe", "security.capability", &d,
	    sizeof(d)) >= (ssize_t)XATTR_CAPS_SZ_2)
		prm = d.data[0].permitted | (__u64)d.data[1].permitted << 32;
	need |= 1ULL << (prctl(PR_CAPBSET_READ, CAP_BPF, 0, 0, 0) >= 0 ?
	    CAP_BPF : CAP_SYS_ADMIN);
	return (prm & need) == need;
}

/* Rootless podman on a host whose cgroup2 is not at /sys/fs/cgroup
 * gives a container no cgroup v2 of its own (DESIGN.md). */
static int rootless_hybrid(void)
{
	struct statfs sf;

	return getuid() != 0 && (statfs("/sys/fs/cgroup", &sf) < 0 ||
	    sf.f_type != CGROUP2_SUPER_MAGIC);
}

/*
 * --block-host on by default or from a config file, but impossible here:
 * refuse, naming both ways out; never fall back silently.
 */
static void default_protection_possible(const char *cmd, const char *src)
{
	char self[512];
	ssize_t n;

	if (!have_bpf_caps()) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		self[n > 0 ? n : 0] = '\0';
		die(EXIT_SYSFAIL, "%s: --block-host is on (%s) but cannot be "
		    "established: it needs CAP_BPF and CAP_NET_ADMIN, which "
		    "this binary does not have. Either, once as root: setcap "
		    "cap_bpf,cap_net_admin+p %s; or run without the protection: "
		    "--no-block-host. Nothing was started", cmd,
		    src[0] ? src : "the default", n > 0 ? self : "jail-ai");
	}
	if (strcmp(cmd, "run") != 0 && rootless_hybrid())
		die(EXIT_SYSFAIL, "%s: --block-host is on (%s) but cannot be "
		    "established: rootless podman on this host (cgroup v2 not "
		    "at /sys/fs/cgroup: a hybrid layout) makes no cgroups, so "
		    "the container would have no cgroup of its own; nor can "
		    "podman be started in a protected cgroup v2 of yours: that "
		    "needs a cgroup v2 subtree delegated to you with your "
		    "processes in it (nothing delegates one without systemd), "
		    "and a later podman start from your shell would run it "
		    "unprotected (README: Rootless on a hybrid host). Either "
		    "use rootful podman (run jail-ai "
		    "as root) or a pure cgroup v2 host "
		    "(systemd.unified_cgroup_hierarchy=1) with a delegated user "
		    "cgroup; or run without the protection: --no-block-host. "
		    "Nothing was started", cmd, src[0] ? src : "the default");
}

struct bh {
	int on;
	const char *src;	/* why on: "" for the command line */
	const char *off;	/* what turned it off, or NULL */
};

/* deny-all, block-private, proxy: stronger forms of block-host (imply it). */
static int strong(const char *key)
{
	return strcmp(key, "deny-all") == 0 ||
	    strcmp(key, "block-private") == 0 || strcmp(key, "proxy") == 0;
}

/* block-host, and the keys that only mean something with it. */
static int refines(const char *key)
{
	return strcmp(key, "block-host") == 0 || strcmp(key, "deny") == 0 ||
	    strcmp(key, "deny-file") == 0 || strcmp(key, "allow") == 0 ||
	    strcmp(key, "no-dns") == 0 || strcmp(key, "allow-dns") == 0 ||
	    strong(key);
}

static int default_on(const char *cmd)
{
	return strcmp(cmd, "agent") == 0 || strcmp(cmd, "project") == 0;
}

/* --block-host: default, the user's file, the command line, then the
 * project's, which can only turn it on. */
static void resolve_block_host(const char *cmd, struct bh *b,
    const struct jail_config *u, const char *upath,
    const struct jail_config *p, const char *ppath, char **argv, int end)
{
	const char *given = NULL;	/* --deny-all, --block-private, --proxy */
	int i, seen_on;
	size_t k;

	b->on = seen_on = default_on(cmd);
	b->src = "the default for this jail";
	b->off = NULL;
	for (k = 0; k < u->n; k++)
		if (strcmp(u->item[k].key, "block-host") == 0 ||
		    strong(u->item[k].key))
			b->on = seen_on = 1, b->src = at(upath, u->item[k].line);
		else if (strcmp(u->item[k].key, "no-block-host") == 0)
			b->on = 0, b->off = at(upath, u->item[k].line);
	for (i = 1; i < end; i++)
		if (strncmp(argv[i], "--", 2) == 0 && strong(argv[i] + 2))
			b->on = seen_on = 1, b->src = "", given = argv[i],
			    i += config_opt_valued(argv[i]);	/* its URL */
		else if (strcmp(argv[i], "--block-host") == 0)
			b->on = seen_on = 1, b->src = "";
		else if (strcmp(argv[i], "--no-block-host") == 0)
			b->on = 0, b->off = "--no-block-host";
		else if (config_opt_valued(argv[i]))
			i++;
	if (!b->on && given)
		die(EXIT_USAGE, "%s: %s asks for protection that %s then turns "
		    "off; keep one of them", cmd, given, b->off);
	for (k = 0; k < p->n; k++) {
		if (!refines(p->item[k].key) || b->on)
			continue;
		if (b->off && b->off[0] == '-')
			die(EXIT_USAGE, "config %s:%u asks for block-host "
			    "(%s); "
			    "--no-block-host cannot turn a project's protection "
			    "off (edit that file if you mean it)", ppath,
			    p->item[k].line, p->item[k].key);
		b->on = 1;
		b->src = at(ppath, p->item[k].line);
	}
	if (!b->on && b->off && seen_on)
		warnx("%s: --block-host is off (%s): the jail can reach this "
		    "host's addresses", cmd, b->off);
}

static const char *const *opts_of(const char *cmd)
{
	if (strcmp(cmd, "run") == 0)
		return run_opts;
	return strcmp(cmd, "agent") == 0 ? agent_opts : create_opts;
}

/* The value of the last OPT among the items and argv[1..end), or NULL. */
static const char *last_value(const char *opt, const struct jail_config *u,
    char **argv, int end)
{
	const char *v = NULL;
	size_t k;
	int i;

	for (k = 0; k < u->n; k++)
		if (u->item[k].opt && strcmp(u->item[k].opt, opt) == 0)
			v = u->item[k].val;
	for (i = 1; i + 1 < end; i++)
		if (strcmp(argv[i], opt) == 0)
			v = argv[++i];
		else if (config_opt_valued(argv[i]))
			i++;
	return v;
}

/* A project's memory or cpus: a ceiling on the user's value. */
static int lowers(const char *key, const char *proj, const char *user)
{
	unsigned long long a, b;
	unsigned long c, d;

	if (!user)
		return 1;
	if (strcmp(key, "memory") == 0)
		return config_size(proj, &a) == 0 && (config_size(user, &b) <
		    0 || a < b);
	return config_cpus(proj, &c) == 0 && (config_cpus(user, &d) < 0 ||
	    c < d);
}

/* One file's items that CMD takes; a project's that it cannot is fatal. */
static void push_items(struct vec *x, const char *cmd,
    const struct jail_config *c, const char *path, const char *root,
    int project, int on, const struct jail_config *u, char **argv, int end)
{
	const char *const *opts = opts_of(cmd), *v, *w;
	size_t k;

	for (k = 0; k < c->n; k++) {
		const struct config_item *it = &c->item[k];

		if (!it->opt || strstr(it->opt, "block-host") ||
		    (!on && refines(it->key)))
			continue;	/* images.c's, resolved apart, or moot */
		w = at(path, it->line);
		if (!in(opts, it->opt, strlen(it->opt))) {
			if (!project && !supported(it->opt))
				warnx("config %s: %s: no command of this "
				    "jail-ai takes it; ignored", w, it->key);
			if (project && strcmp(it->key, "memory") != 0 &&
			    strcmp(it->key, "cpus") != 0)
				die(EXIT_USAGE, "config %s: %s cannot be "
				    "enforced by `jail-ai %s`; nothing was "
				    "started (remove it from %s)", w, it->key,
				    cmd, path);
			continue;
		}
		v = it->val;
		if (project && (strcmp(it->key, "memory") == 0 ||
		    strcmp(it->key, "cpus") == 0) && !lowers(it->key, v,
		    last_value(it->opt, u, argv, end)))
			continue;
		if (strcmp(it->key, "deny-file") == 0)
			v = config_path(v, root, project, w);
		vpush(x, it->opt, w);
		if (v)
			vpush(x, v, w);
	}
}

/* The vectors made, reachable for LeakSanitizer when a die() exits. */
static char **volatile kept;
static const char **volatile kept_src;

char **config_apply(const char *cmd, int argc, char **argv, int *out_argc,
    const char ***source_of)
{
	static struct jail_config u, p;
	char upath[PATH_MAX], ppath[PATH_MAX + 32], root[PATH_MAX];
	char udir[PATH_MAX], *slash;
	int end = options_end(cmd, argc, argv), i, dry = 0;
	static struct jail_config none;	/* empty; bss, not rodata */
	const char *ws = last_value("--workspace", &none, argv, end);
	struct vec x;
	struct bh b;

	user_path(upath, sizeof(upath));
	load(upath, CONFIG_USER, &u);
	if (project_root(ws, root) < 0)
		die(EXIT_USAGE, "%s: project %s: %s", cmd, ws ? ws : ".",
		    strerror(errno));
	snprintf(ppath, sizeof(ppath), "%s/.jail-ai/config", root);
	load(ppath, CONFIG_PROJECT, &p);
	snprintf(udir, sizeof(udir), "%s", upath);
	if ((slash = strrchr(udir, '/')))
		*slash = '\0';
	x.n = 0;
	x.v = calloc((size_t)argc + 4 * (u.n + p.n) + 4, sizeof(*x.v));
	x.src = calloc((size_t)argc + 4 * (u.n + p.n) + 4, sizeof(*x.src));
	kept = x.v;
	kept_src = x.src;
	if (!x.v || !x.src)
		die(EXIT_SYSFAIL, "out of memory");
	resolve_block_host(cmd, &b, &u, upath, &p, ppath, argv, end);
	vpush(&x, argv[0], "");
	if (b.on)
		vpush(&x, "--block-host", b.src);
	push_items(&x, cmd, &u, upath, udir, 0, b.on, &u, argv, end);
	for (i = 1; i < end; i++) {
		dry |= strcmp(argv[i], "--dry-run") == 0 ||
		    strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
		if (strcmp(argv[i], "--block-host") == 0 ||
		    strcmp(argv[i], "--no-block-host") == 0)
			continue;
		vpush(&x, argv[i], "");
		if (config_opt_valued(argv[i]) && i + 1 < end)
			vpush(&x, argv[++i], "");
	}
	push_items(&x, cmd, &p, ppath, root, 1, b.on, &u, argv, end);
	for (i = end; i < argc; i++)
		vpush(&x, argv[i], "");
	if (b.on && b.src[0] && !dry)
		default_protection_possible(cmd, b.src);
	/* Asked for on the command line: the hybrid refusal comes before a
	 * first-use image build too, not minutes later. */
	else if (b.on && !dry && strcmp(cmd, "run") != 0 && rootless_hybrid())
		default_protection_possible(cmd, "asked for");
	*out_argc = x.n;
	*source_of = x.src;
	return x.v;
}
#endif /* CONFIG_PURE */
