/*
 * podman.c - the podman driver: podman's absolute path resolved once, run
 * through posix_spawn with an explicit small environment and no shell;
 * output read only through --format templates the caller chooses.
 *
 * No privilege (the parent's, which holds no capability).  Untrusted
 * input: podman's output (bounded in size; the callers parse it as plain
 * lines) and the environment we take the few variables from.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "podman.h"
#include "util.h"

#define PODMAN_OUT_MAX	(1 << 20)	/* more output than this is an error */
#define PODMAN_ARGS_MAX	128

/* What podman needs from our environment, and nothing else. */
static const char *const env_keep[] = {
	"HOME", "USER", "LOGNAME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME",
	"XDG_DATA_HOME", "CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF",
	"CONTAINERS_REGISTRIES_CONF", "CONTAINER_HOST", "TMPDIR", "TERM",
	"LANG", "TZ", "DBUS_SESSION_BUS_ADDRESS",
};
#define ENV_MAX (sizeof(env_keep) / sizeof(env_keep[0]) + 2)

static char podman_path[512];
static char *podman_env[ENV_MAX];

static int executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0;
}

/* JAIL_AI_PODMAN, else the first podman in a fixed system PATH. */
int podman_init(void)
{
	static const char *const dirs[] = {
		"/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin",
		"/usr/sbin", "/sbin",
	};
	const char *p = getenv("JAIL_AI_PODMAN");
	char *v;
	size_t i, n = 0;

	if (podman_path[0])
		return 0;
	if (p && p[0] == '/' && executable(p))
		snprintf(podman_path, sizeof(podman_path), "%s", p);
	for (i = 0; !podman_path[0] && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(podman_path, sizeof(podman_path), "%s/podman", dirs[i]);
		if (!executable(podman_path))
			podman_path[0] = '\0';
	}
	if (!podman_path[0])
		return -ENOENT;
	podman_env[n++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
	    "/usr/bin:/sbin:/bin";
	for (i = 0; i < sizeof(env_keep) / sizeof(env_keep[0]); i++) {
		size_t klen = strlen(env_keep[i]);
		char **e;

		for (e = environ; (v = *e) != NULL; e++)
			if (strncmp(v, env_keep[i], klen) == 0 && v[klen] == '=')
				break;
		if (v)
			podman_env[n++] = v;
	}
	podman_env[n] = NULL;
	return 0;
}

static int status_of(int st, struct podman_status *ps)
{
	memset(ps, 0, sizeof(*ps));
	if (WIFEXITED(st)) {
		ps->exited = 1;
		ps->code = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st)) {
		ps->signo = WTERMSIG(st);
	}
	return ps->exited && ps->code == 0 ? 0 : -ECHILD;
}

/* argv without "podman"; out_fd >= 0: podman's stdout goes there. */
static int spawn(const char *const *args, int out_fd, int quiet, pid_t *pid)
{
	char *argv[PODMAN_ARGS_MAX + 2];
	posix_spawn_file_actions_t fa;
	size_t n;
	int r;

	argv[0] = "podman";
	for (n = 0; args[n]; n++) {
		if (n == PODMAN_ARGS_MAX)
			return -E2BIG;
		/* posix_spawn's argv is char *const[]; it does not write. */
		memcpy(&argv[n + 1], &args[n], sizeof(argv[0]));
	}
	argv[n + 1] = NULL;
	if ((r = posix_spawn_file_actions_init(&fa)) != 0)
		return -r;
	if (out_fd >= 0)
		r = posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	if (r == 0 && quiet)
		r = posix_spawn_file_actions_addopen(&fa, 2, "/dev/null",
		    O_WRONLY, 0);
	if (r == 0)
		r = posix_spawn(pid, podman_path, &fa, NULL, argv, podman_env);
	posix_spawn_file_actions_destroy(&fa);
	return -r;
}

static int wait_status(pid_t pid, struct podman_status *ps)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return status_of(st, ps);
}

/* stdio inherited (interactive use, build output); 0 when podman exit 0. */
int podman_run(const char *const *args, struct podman_status *ps)
{
	pid_t pid;
	int r;

	memset(ps, 0, sizeof(*ps));
	if ((r = spawn(args, -1, 0, &pid)) < 0)
		return r;
	return wait_status(pid, ps);
}

static int read_all(int fd, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap), *nb;
	ssize_t r;

	if (!b)
		return -ENOMEM;
	for (;;) {
		if (n + 1 == cap) {
			if (cap >= PODMAN_OUT_MAX || !(nb = realloc(b, cap * 2))) {
				free(b);
				return -E2BIG;
			}
			b = nb;
			cap *= 2;
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(b);
			return -errno;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

/*
 * stdout captured into *out (NUL-terminated, malloc'd), stderr inherited
 * unless quiet.  Returns 0 when podman exited 0; *out is set either way
 * unless the spawn itself failed.
 */
int podman_capture(const char *const *args, int quiet, char **out,
    struct podman_status *ps)
{
	int p[2], r, rr;
	size_t len = 0;
	pid_t pid;

	*out = NULL;
	memset(ps, 0, sizeof(*ps));
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	r = spawn(args, p[1], quiet, &pid);
	close(p[1]);
	if (r < 0) {
		close(p[0]);
		return r;
	}
	rr = read_all(p[0], out, &len);
	close(p[0]);
	r = wait_status(pid, ps);
	if (rr < 0) {
		free(*out);
		*out = NULL;
		return rr;
	}
	/* A template's answer is one line; drop its newline. */
	while (len > 0 && (*out)[len - 1] == '\n')
		(*out)[--len] = '\0';
	return r;
}

/* One --format answer about a container or image; NULL when podman failed. */
char *podman_inspect(const char *kind, const char *name, const char *fmt)
{
	const char *args[] = { kind, "inspect", "--format", fmt, name, NULL };
	struct podman_status ps;
	char *out;

	if (podman_capture(args, 1, &out, &ps) < 0) {
		free(out);
		return NULL;
	}
	return out;
}

void args_add(struct args *a, const char *s)
{
	if (a->n == MAX_ARGS)
		die(EXIT_USAGE, "too many options");
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

__attribute__((format(printf, 2, 3)))
void args_addf(struct args *a, const char *fmt, ...)
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
	args_add(a, s);
}

void args_free(struct args *a)
{
	while (a->nowned)
		free(a->owned[--a->nowned]);
	a->n = 0;
}

void need_podman(const char *who)
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
int podman_do(const char *first, ...)
{
	struct podman_status ps;
	struct args a = { .n = 0 };
	const char *s;
	char *out;
	va_list ap;
	int r;

	va_start(ap, first);
	for (s = first; s; s = va_arg(ap, const char *))
		args_add(&a, s);
	va_end(ap);
	r = podman_capture(a.v, 0, &out, &ps);
	free(out);
	return r;
}

char *container_inspect(const char *name, const char *fmt)
{
	return podman_inspect("container", name, fmt);
}

/* ---- containers.conf, read the way podman reads it ---- */

static const char *skip_ws(const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

/* NAME, bare or quoted, at s: past it, or NULL when it is not there. */
static const char *name_at(const char *s, const char *e, const char *name)
{
	size_t n = strlen(name);
	char q = s < e && (*s == '"' || *s == '\'') ? *s : 0;

	s += q != 0;
	if ((size_t)(e - s) < n + (q != 0) || memcmp(s, name, n) != 0)
		return NULL;
	s += n;
	if (q)
		return *s == q ? s + 1 : NULL;
	return s < e && (*s == '_' || *s == '-' || (*s >= '0' && *s <= '9') ||
	    ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z')) ? NULL : s;
}

/* 1 when the header line at s is [TABLE] (spaces allowed inside). */
static int header_is(const char *s, const char *e, const char *table)
{
	if (e - s < 2 || s[1] == '[')
		return 0;	/* [[array of tables]] */
	if (!(s = name_at(skip_ws(s + 1, e), e, table)))
		return 0;
	s = skip_ws(s, e);
	return s < e && *s == ']';
}

/*
 * The string value at s (after the '='): 1 with out set, 0 for no string,
 * -EINVAL for one we cannot read (escapes, a string across lines).
 */
static int string_at(const char *s, const char *e, char *out, size_t outsz)
{
	const char *q;
	size_t ql = 1;

	if (s >= e || (*s != '"' && *s != '\''))
		return 0;
	if (e - s >= 3 && s[1] == s[0] && s[2] == s[0])
		ql = 3;		/* a """triple""" string, on one line */
	if (!(q = memchr(s + ql, *s, (size_t)(e - s) - ql)) ||
	    (ql == 3 && (e - q < 3 || q[1] != *s || q[2] != *s)))
		return -EINVAL;
	if (*s == '"' && memchr(s + ql, '\\', (size_t)(q - s) - ql))
		return -EINVAL;
	if ((size_t)(q - s) - ql >= outsz)
		return -E2BIG;
	memcpy(out, s + ql, (size_t)(q - s) - ql);
	out[(size_t)(q - s) - ql] = '\0';
	return 1;
}

/*
 * The value of KEY in [TABLE] of a containers.conf held in (buf, len), as
 * podman's TOML reader sees it in the forms such files use: the last
 * `KEY = "value"` ('value', """value""", '''value''', the KEY quoted) in a
 * [TABLE] (or `[ TABLE ]`), or `TABLE.KEY = ...` before any table.  1 with
 * out set, 0 when not there, -E2BIG when the value does not fit, -EINVAL
 * for a value we cannot read (a basic string with escapes, a string across
 * lines, an inline table `TABLE = { KEY = ... }`), which the caller
 * refuses rather than guess.  Pure (no files), for the tests.
 */
int conf_value(const char *buf, size_t len, const char *table,
    const char *key, char *out, size_t outsz)
{
	const char *s = buf, *e = buf + len, *nl, *k;
	int in = 0, root = 1, found = 0, r;

	for (; s < e; s = nl + 1) {
		if (!(nl = memchr(s, '\n', (size_t)(e - s))))
			nl = e;
		s = skip_ws(s, nl);
		if (s < nl && *s == '[') {
			in = header_is(s, nl, table);
			root = 0;
			continue;
		}
		k = s;
		if (root) {
			/* TABLE.KEY, dotted, in the root table */
			if ((k = name_at(s, nl, table)))
				k = skip_ws(k, nl);
			/* TABLE = { ... KEY ... }: an inline table */
			if (k && k < nl && *k == '=' &&
			    memmem(k, (size_t)(nl - k), key, strlen(key)))
				return -EINVAL;
			k = k && k < nl && *k == '.' ? skip_ws(k + 1, nl) :
			    NULL;
		} else if (!in) {
			continue;
		}
		if (!k || !(k = name_at(k, nl, key)))
			continue;
		k = skip_ws(k, nl);
		if (k >= nl || *k != '=')
			continue;
		if ((r = string_at(skip_ws(k + 1, nl), nl, out, outsz)) < 0)
			return r;
		found |= r;
	}
	return found;
}

/*
 * One file's say on [TABLE] KEY: 1 when it sets it (out overwritten), 0
 * when not (or no file), conf_value's error, or -EFBIG for a file larger
 * than we read (podman would read all of it).
 */
static int conf_file(const char *path, const char *table, const char *key,
    char *out, size_t outsz)
{
	char buf[64 * 1024];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n == (ssize_t)sizeof(buf))
		return -EFBIG;
	if (n <= 0)
		return 0;
	return conf_value(buf, (size_t)n, table, key, out, outsz);
}

/* podman takes every name ending in .conf, dot files too. */
static int conf_dot_d(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return n >= 5 && strcmp(de->d_name + n - 5, ".conf") == 0;
}

/* Two files' says in turn: the first error, else whether either set it. */
static int conf_and(int r, int next)
{
	return r < 0 ? r : next < 0 ? next : r | next;
}

/* FILE, then FILE.d/\*.conf in sorted order, as containers/common does. */
static int conf_with_d(const char *file, const char *table, const char *key,
    char *out, size_t outsz)
{
	char d[600], p[900];
	struct dirent **l;
	int i, n, r = conf_file(file, table, key, out, outsz);

	snprintf(d, sizeof(d), "%s.d", file);
	if ((n = scandir(d, &l, conf_dot_d, alphasort)) < 0)
		return r;
	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/%s", d, l[i]->d_name);
		if (r >= 0)
			r = conf_and(r, conf_file(p, table, key, out, outsz));
		free(l[i]);
	}
	free(l);
	return r;
}

/*
 * [TABLE] KEY as podman 4.x (containers/common) sees it: $CONTAINERS_CONF
 * alone when set (podman gets it from us; CONTAINERS_CONF_OVERRIDE does
 * not reach it), else /usr/share/containers/containers.conf, then
 * /etc/containers/containers.conf and its .d, then for a user
 * $XDG_CONFIG_HOME (~/.config)/containers/containers.conf and its .d; a
 * later file wins (tests/57-containers-conf.t compares with podman, as
 * root: only the rootful fast path asks; the user files are read as
 * rootless podman 4.3 reads them, untested).  1 with out set, 0 when no
 * file sets it, < 0 when a file cannot be read as podman would
 * (conf_file): refuse, do not guess.
 */
int podman_conf(const char *table, const char *key, char *out, size_t outsz)
{
	const char *env = getenv("CONTAINERS_CONF");
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char user[600];
	int r;

	if (env && env[0])
		return conf_file(env, table, key, out, outsz);
	r = conf_file("/usr/share/containers/containers.conf", table, key, out,
	    outsz);
	if (r >= 0)
		r = conf_and(r, conf_with_d("/etc/containers/containers.conf",
		    table, key, out, outsz));
	if (r < 0 || getuid() == 0)
		return r;
	if (xdg && xdg[0])
		snprintf(user, sizeof(user), "%s/containers/containers.conf",
		    xdg);
	else if (home && home[0])
		snprintf(user, sizeof(user),
		    "%s/.config/containers/containers.conf", home);
	else
		return r;
	return conf_and(r, conf_with_d(user, table, key, out, outsz));
}

/*
 * 1 when podman's cgroup manager is systemd: containers.conf says so, or
 * says nothing and PID 1 is systemd (podman's own default); < 0 when
 * containers.conf cannot be read (podman_conf).  Read, not asked: a
 * `podman info` would cost every create 25-60 ms.
 */
int podman_systemd_cgroups(void)
{
	char v[32], comm[32] = "";
	ssize_t n;
	int fd, r;

	if ((r = podman_conf("engine", "cgroup_manager", v, sizeof(v))) < 0)
		return r;
	if (r > 0)
		return strcmp(v, "systemd") == 0;
	if ((fd = open("/proc/1/comm", O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	return n > 0 && strncmp(comm, "systemd\n", 8) == 0;
}

/* What podman_conf's error means, for the message. */
const char *conf_why(int r)
{
	return r == -EINVAL ? "an inline table, or a string with escapes "
	    "or across lines" :
	    r == -E2BIG ? "a value too long" : r == -EFBIG ?
	    "a file over 64 KiB" : strerror(-r);
}
