/*
 * jailenv.c - what a podman jail takes from its caller: the terminal,
 * locale and timezone at every exec (not frozen at create), and the git
 * mounts of its workspace (a linked worktree's repository, and the
 * read-only hooks/ and config that git on the host runs and reads).
 *
 * No privilege (it runs as the caller; as root it may make a missing
 * hooks/ or config and gives it to the repository's owner).  Untrusted
 * inputs: the environment (values passed to podman as arguments, never
 * through a shell), /etc/localtime (only its last line is used, checked
 * character by character), and the workspace's .git file and the
 * repository it names (a workspace may come from anyone: the repository
 * must look like one, and a worktree's must point back at it).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "create.h"
#include "jailenv.h"
#include "util.h"

#define ENV_VALUE_MAX	256
#define SMALL_MAX	(256 * 1024)	/* /etc/localtime, .git files */
#define GIT_MOUNTS_MAX	48
#define GIT_SUBS_MAX	16		/* worktrees, modules looked at */

/* ---- pure parsers (tests/unit_jailenv.c) ---- */

int tzif_rule(const char *buf, size_t len, char *out, size_t outlen)
{
	size_t end, start, i;

	if (len < 45 || memcmp(buf, "TZif", 4) != 0 || buf[4] < '2' ||
	    buf[len - 1] != '\n')
		return -EINVAL;
	end = len - 1;
	for (start = end; start > 44 && buf[start - 1] != '\n'; start--)
		;
	if (start <= 44 || start == end || end - start >= outlen)
		return -EINVAL;
	for (i = start; i < end; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789<>+-,.:/", buf[i]))
			return -EINVAL;
	memcpy(out, buf + start, end - start);
	out[end - start] = '\0';
	return 0;
}

int gitfile_parse(const char *buf, size_t len, char *out, size_t outlen)
{
	size_t n;

	if (len < 9 || memcmp(buf, "gitdir: ", 8) != 0 ||
	    memchr(buf, '\0', len))
		return -EINVAL;
	buf += 8;
	len -= 8;
	n = 0;
	while (n < len && buf[n] != '\n' && buf[n] != '\r')
		n++;
	if (n == 0 || n >= outlen || (n < len && strspn(buf + n, "\r\n") !=
	    len - n))
		return -EINVAL;
	memcpy(out, buf, n);
	out[n] = '\0';
	return 0;
}

/* ---- command level: the environment, files, podman arguments ---- */
#ifndef JAILENV_PURE

static const char *const passed[] = { "TERM", "COLORTERM", "LANG",
    "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "LC_TIME",
    "LC_COLLATE", "LC_MONETARY", "LC_MESSAGES", "LC_PAPER", "LC_NAME",
    "LC_ADDRESS", "LC_TELEPHONE", "LC_MEASUREMENT", "LC_IDENTIFICATION" };

/* A regular file of at most MAX bytes (not NUL-terminated); 0 or -errno. */
static int read_small(const char *path, int flags, char **out, size_t *len)
{
	struct stat st;
	size_t n = 0;
	ssize_t r;
	char *b;
	int fd = open(path, O_RDONLY | O_CLOEXEC | flags);

	*out = NULL;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > SMALL_MAX || !(b = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return -EINVAL;
	}
	while (n < (size_t)st.st_size) {
		r = read(fd, b + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

/* The caller's TZ, else the rule the host's libc uses now (UTC0 when
 * /etc/localtime is missing, as for the host's libc). */
static int tz_arg(char **arg)
{
	const char *tz = getenv("TZ");
	char rule[ENV_VALUE_MAX], *buf;
	size_t len;
	int r;

	if (tz && tz[0] && strlen(tz) < ENV_VALUE_MAX)
		return asprintf(arg, "--env=TZ=%s", tz) < 0 ? -ENOMEM : 0;
	r = read_small("/etc/localtime", 0, &buf, &len);
	if (r == -ENOENT)
		return asprintf(arg, "--env=TZ=UTC0") < 0 ? -ENOMEM : 0;
	if (r < 0)
		return r;
	r = tzif_rule(buf, len, rule, sizeof(rule));
	free(buf);
	if (r < 0)
		return r;
	return asprintf(arg, "--env=TZ=%s", rule) < 0 ? -ENOMEM : 0;
}

const char *const *caller_env(void)
{
	static char *list[sizeof(passed) / sizeof(passed[0]) + 2];
	static int done;
	size_t i, n = 0;
	const char *v;

	if (done)
		return (const char *const *)list;
	done = 1;
	for (i = 0; i < sizeof(passed) / sizeof(passed[0]); i++) {
		v = getenv(passed[i]);
		if (!v || !v[0] || strlen(v) >= ENV_VALUE_MAX)
			continue;
		if (asprintf(&list[n], "--env=%s=%s", passed[i], v) < 0)
			die(EXIT_SYSFAIL, "out of memory");
		n++;
	}
	/* Not fatal: the jail keeps the TZ it was made with. */
	if (tz_arg(&list[n]) == 0)
		n++;
	list[n] = NULL;
	return (const char *const *)list;
}

void no_workspace(int no_ws, const char *arg, char *out)
{
	if (no_ws && arg)
		die(EXIT_USAGE, "create: --workspace %s or --no-workspace, not "
		    "both", arg);
	if (no_ws)
		out[0] = '\0';
	else
		workspace(arg, out);
}

/* ---- git ---- */

struct gm {
	const char *list[GIT_MOUNTS_MAX + 1];
	size_t n;
	char *why;
	size_t whylen;
};

static int gm_add(struct gm *g, const char *src, const char *dst, int ro)
{
	char *s;

	if (strchr(src, ':') || strchr(dst, ':') || strchr(src, ',') ||
	    strchr(dst, ',')) {
		snprintf(g->why, g->whylen, "%s: a path with ':' or ','", src);
		return -EINVAL;
	}
	if (g->n == GIT_MOUNTS_MAX) {
		snprintf(g->why, g->whylen, "%s: too many mounts", src);
		return -E2BIG;
	}
	if (asprintf(&s, "--volume=%s:%s%s", src, dst, ro ? ":ro" : "") < 0)
		return -ENOMEM;
	g->list[g->n++] = s;
	return 0;
}

static int is_dir(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* A git directory: HEAD, objects/, refs/ (what git itself checks). */
static int git_dir_shape(const char *d)
{
	char p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s/HEAD", d);
	if (!is_file(p))
		return 0;
	snprintf(p, sizeof(p), "%s/objects", d);
	if (!is_dir(p))
		return 0;
	snprintf(p, sizeof(p), "%s/refs", d);
	return is_dir(p);
}

/*
 * DIR/NAME must exist to be mounted read-only (else the agent could make
 * it in the writable repository): made when missing, empty, and given to
 * the owner of DIR.
 */
static int need_entry(const char *dir, const char *name, int want_dir)
{
	char p[PATH_MAX + 32];
	struct stat st, ds;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (lstat(p, &st) == 0)
		return (want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)) ?
		    0 : -EINVAL;
	if (errno != ENOENT || stat(dir, &ds) < 0)
		return -errno;
	if (want_dir && mkdir(p, 0755) < 0)
		return -errno;
	if (!want_dir) {
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
		    O_NOFOLLOW, 0644);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	if (getuid() == 0 && lchown(p, ds.st_uid, ds.st_gid) < 0)
		return -errno;
	return 0;
}

/* SRC/NAME read-only at DST/NAME (made when missing when MAKE). */
static int gm_ro(struct gm *g, const char *src, const char *dst,
    const char *name, int want_dir, int make)
{
	char s[PATH_MAX + 64], d[PATH_MAX + 64];
	int r;

	snprintf(s, sizeof(s), "%s/%s", src, name);
	snprintf(d, sizeof(d), "%s/%s", dst, name);
	if (!make && !(want_dir ? is_dir(s) : is_file(s)))
		return 0;
	if (make && (r = need_entry(src, name, want_dir)) < 0) {
		snprintf(g->why, g->whylen, "%s: %s", s, strerror(-r));
		return r;
	}
	return gm_add(g, s, d, 1);
}

/* What git on the host runs or reads in repository SRC (mounted at DST):
 * hooks/, config, and those of its worktrees and submodules. */
static int gm_protect(struct gm *g, const char *src, const char *dst,
    int depth)
{
	static const char *const subs[] = { "worktrees", "modules" };
	char s[PATH_MAX + 64], d[PATH_MAX + 64];
	struct dirent *e;
	size_t k, seen;
	DIR *dir;
	int r = 0;

	if ((r = gm_ro(g, src, dst, "hooks", 1, depth == 0)) < 0 ||
	    (r = gm_ro(g, src, dst, "config", 0, depth == 0)) < 0 ||
	    (r = gm_ro(g, src, dst, "config.worktree", 0, 0)) < 0)
		return r;
	for (k = 0; depth < 2 && k < 2; k++) {
		snprintf(s, sizeof(s), "%s/%s", src, subs[k]);
		if (!(dir = opendir(s)))
			continue;
		for (seen = 0; (e = readdir(dir)) && seen < GIT_SUBS_MAX; ) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(s, sizeof(s), "%s/%s/%s", src, subs[k],
			    e->d_name);
			snprintf(d, sizeof(d), "%s/%s/%s", dst, subs[k],
			    e->d_name);
			seen++;
			if (is_dir(s) && (r = gm_protect(g, s, d, depth + 1)) <
			    0)
				break;
		}
		closedir(dir);
		if (r < 0)
			return r;
	}
	return 0;
}

/* PATH (relative: to BASE) resolved; 0 or -errno. */
static int resolve(const char *base, const char *path, char *out)
{
	char p[2 * PATH_MAX + 2];

	if (path[0] == '/')
		snprintf(p, sizeof(p), "%s", path);
	else
		snprintf(p, sizeof(p), "%s/%s", base, path);
	return realpath(p, out) ? 0 : -errno;
}

/* The first line of DIR/NAME resolved against DIR; 0 or -errno. */
static int read_link_file(const char *dir, const char *name, int gitfile,
    char *out)
{
	char p[PATH_MAX + 32], line[PATH_MAX], *buf;
	size_t len;
	int r;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if ((r = read_small(p, O_NOFOLLOW, &buf, &len)) < 0)
		return r;
	if (gitfile) {
		r = gitfile_parse(buf, len, line, sizeof(line));
	} else {
		len = strcspn(buf, "\r\n");
		r = len == 0 || len >= sizeof(line) ? -EINVAL : 0;
		snprintf(line, sizeof(line), "%.*s", (int)len, buf);
	}
	free(buf);
	return r < 0 ? r : resolve(dir, line, out);
}

/*
 * WS/.git is a file: a linked worktree (gitdir COMMON/worktrees/NAME,
 * whose gitdir file points back at WS/.git) or a submodule's checkout
 * (no commondir).  The repository is mounted at its own path, where the
 * .git file says it is; the .git file itself read-only.
 */
static int gm_worktree(struct gm *g, const char *ws)
{
	char gd[PATH_MAX], common[PATH_MAX], back[PATH_MAX], self[PATH_MAX];
	char up[2 * PATH_MAX + 16];
	const char *home = getenv("HOME");
	int r;

	snprintf(self, sizeof(self), "%s/.git", ws);
	if ((r = read_link_file(ws, ".git", 1, gd)) < 0) {
		snprintf(g->why, g->whylen, "%s: not \"gitdir: PATH\" naming "
		    "a directory here", self);
		return r;
	}
	r = read_link_file(gd, "commondir", 0, common);
	if (r == -ENOENT)
		snprintf(common, sizeof(common), "%s", gd);
	else if (r == 0) {
		snprintf(up, sizeof(up), "%s/worktrees/%s", common,
		    strrchr(gd, '/') + 1);
		if (strcmp(up, gd) != 0 || read_link_file(gd, "gitdir", 0,
		    back) < 0 || strcmp(back, self) != 0) {
			snprintf(g->why, g->whylen, "%s: %s is not a worktree "
			    "of %s that points back at it", self, gd, common);
			return -EINVAL;
		}
	}
	if (r < 0 && r != -ENOENT) {
		snprintf(g->why, g->whylen, "%s/commondir: %s", gd,
		    strerror(-r));
		return r;
	}
	if (!git_dir_shape(common) || strcmp(common, "/") == 0 ||
	    (home && strcmp(common, home) == 0)) {
		snprintf(g->why, g->whylen, "%s names %s, which is not a git "
		    "repository", self, common);
		return -EINVAL;
	}
	if (knobs_under(common, up, sizeof(up)) != 0) {
		snprintf(g->why, g->whylen, "%s holds a kernel filesystem "
		    "mount", common);
		return -EPERM;
	}
	if ((r = gm_add(g, common, common, 0)) < 0 ||
	    (r = gm_protect(g, common, common, 0)) < 0)
		return r;
	return gm_add(g, self, "/workspace/.git", 1);
}

int git_mounts(const char *ws, const char *const **out, char *why,
    size_t whylen)
{
	static struct gm g;
	char git[PATH_MAX + 8];
	struct stat st;
	int r;

	while (g.n > 0)		/* create asks twice (check, then make) */
		free((char *)(uintptr_t)g.list[--g.n]);
	memset(&g, 0, sizeof(g));
	g.why = why;
	g.whylen = whylen;
	*out = g.list;
	snprintf(git, sizeof(git), "%s/.git", ws);
	if (lstat(git, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISREG(st.st_mode))
		return gm_worktree(&g, ws);
	if (!S_ISDIR(st.st_mode) || !git_dir_shape(git))
		return 0;
	/* Its own mount, so the agent cannot rename it away and leave a
	 * .git of its own making for the host's git. */
	if ((r = gm_add(&g, git, "/workspace/.git", 0)) < 0)
		return r;
	return gm_protect(&g, git, "/workspace/.git", 0);
}
#endif /* JAILENV_PURE */
