/*
 * cgroup.c - finding cgroup v2 and making, joining and removing the
 * cgroup of a `jail-ai run` jail.  A run holds flock(LOCK_EX) on its
 * cgroup's cgroup.procs for as long as jail-ai lives (the directory's own
 * lock is the privileged child's, across its query and attach): a run-* cgroup whose lock
 * can be taken is stale (its jail-ai was killed) and the next run in the
 * same parent removes it; `list` shows the locked ones.
 *
 * Also: read-only kernel knobs for a root CMD (the mount side), and for a
 * user whose cgroup is not its own, the re-launch in a systemd scope.
 *
 * No privilege beyond the caller's.  Inputs: /proc/self/mountinfo and
 * /proc/PID/cgroup (kernel-written, but parsed as untrusted: pure
 * functions over a buffer, fuzzed); for the re-launch the caller's own
 * environment (DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR, PATH) and
 * /proc/self/cmdline, used with the caller's privilege only.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup.h"
#include "util.h"

/* Next line of buf[*pos..len) without its '\n'; 0 at the end. */
static int next_line(const char *buf, size_t len, size_t *pos,
    const char **line, size_t *llen)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	*line = buf + *pos;
	nl = memchr(*line, '\n', len - *pos);
	*llen = nl ? (size_t)(nl - *line) : len - *pos;
	*pos += *llen + 1;
	return 1;
}

/* Field i (space separated) of a line. */
static int field(const char *l, size_t n, unsigned int i, const char **f,
    size_t *flen)
{
	size_t p = 0, s;

	for (;;) {
		while (p < n && l[p] == ' ')
			p++;
		if (p == n)
			return -EINVAL;
		s = p;
		while (p < n && l[p] != ' ')
			p++;
		if (i-- == 0) {
			*f = l + s;
			*flen = p - s;
			return 0;
		}
	}
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static int unescape(const char *s, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\') {
			if (i + 3 >= n)
				return -EINVAL;
			if (s[i + 1] < '0' || s[i + 1] > '3' ||
			    s[i + 2] < '0' || s[i + 2] > '7' ||
			    s[i + 3] < '0' || s[i + 3] > '7')
				return -EINVAL;
			c = (char)((s[i + 1] - '0') << 6 |
			    (s[i + 2] - '0') << 3 | (s[i + 3] - '0'));
			i += 3;
		}
		if (o + 1 >= outlen || c == '\0')
			return -EINVAL;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* The idx-th mount point of a filesystem type (NULL: any) in mountinfo. */
int mountinfo_point(const char *buf, size_t len, unsigned int idx,
    const char *fstype, char *out, size_t outlen)
{
	const char *l, *f, *sep;
	size_t pos = 0, n, fl;

	while (next_line(buf, len, &pos, &l, &n)) {
		if (n == 0)
			continue;
		/* optional fields end at " - "; fstype follows */
		sep = memmem(l, n, " - ", 3);
		if (!sep)
			return -EINVAL;
		if (field(sep + 3, n - (size_t)(sep + 3 - l), 0, &f, &fl) < 0)
			return -EINVAL;
		if (fstype && (fl != strlen(fstype) || memcmp(f, fstype, fl)))
			continue;
		if (idx-- > 0)
			continue;
		if (field(l, (size_t)(sep - l), 4, &f, &fl) < 0)
			return -EINVAL;
		return unescape(f, fl, out, outlen);
	}
	return -ENOENT;
}

int cgroup_parse_mountinfo(const char *buf, size_t len, unsigned int idx,
    char *out, size_t outlen)
{
	return mountinfo_point(buf, len, idx, "cgroup2", out, outlen);
}

int cgroup_parse_proc(const char *buf, size_t len, char *out, size_t outlen)
{
	const char *l;
	size_t pos = 0, n;

	while (next_line(buf, len, &pos, &l, &n)) {
		if (n < 3 || memcmp(l, "0::", 3) != 0)
			continue;
		if (n - 3 == 0 || l[3] != '/' || n - 3 >= outlen ||
		    memchr(l + 3, '\0', n - 3))
			return -EINVAL;
		memcpy(out, l + 3, n - 3);
		out[n - 3] = '\0';
		return 0;
	}
	return -ENOENT;
}

/*
 * The last cgroup2 mount that is still visible: a later mount over the
 * same place (a bind of the v2 hierarchy onto /sys/fs/cgroup) hides an
 * earlier one, whose path then no longer names a cgroup2 root.
 */
int cgroup2_mount(char *out, size_t outlen)
{
	char mnt[512], *buf;
	struct statfs sfs;
	unsigned int i;
	size_t len;
	int r = read_file("/proc/self/mountinfo", &buf, &len), found = 0;

	if (r < 0)
		return r;
	for (i = 0; (r = cgroup_parse_mountinfo(buf, len, i, mnt,
	    sizeof(mnt))) == 0; i++) {
		if (statfs(mnt, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC ||
		    strlen(mnt) >= outlen)
			continue;
		snprintf(out, outlen, "%s", mnt);
		found = 1;
	}
	free(buf);
	return found ? 0 : r == -ENOENT ? -ENOENT : r;
}

int cgroup_of_pid(pid_t pid, char *out, size_t outlen)
{
	char path[64], *buf;
	size_t len;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	r = read_file(path, &buf, &len);
	if (r < 0)
		return r;
	r = cgroup_parse_proc(buf, len, out, outlen);
	free(buf);
	return r;
}

/*
 * In a private mount namespace, every cgroup2 mount read-only: a root
 * process without CAP_SYS_ADMIN can then neither migrate itself nor make
 * cgroups, and cannot remount.  The caller has unshared CLONE_NEWNS.
 */
/* Every mount of fstype (NULL: any) at or below under, read-only. */
static int remount_ro(const char *buf, size_t len, const char *fstype,
    const char *under)
{
	size_t ul = strlen(under);
	char mnt[512];
	unsigned int i;
	int r = 0, seen = 0;

	for (i = 0; r == 0; i++) {
		r = mountinfo_point(buf, len, i, fstype, mnt, sizeof(mnt));
		if (r < 0 || strncmp(mnt, under, ul) != 0 ||
		    (mnt[ul] != '\0' && mnt[ul] != '/' && ul > 1))
			continue;
		seen++;
		if (mount(NULL, mnt, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY |
		    MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 &&
		    errno != ENOENT)	/* hidden by a later mount */
			r = -errno;
	}
	return r == -ENOENT && seen ? 0 : r;
}

int cgroup_remount_ro_all(void)
{
	char *buf;
	size_t len;
	int r;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	if ((r = read_file("/proc/self/mountinfo", &buf, &len)) < 0)
		return r;
	r = remount_ro(buf, len, "cgroup2", "/");
	free(buf);
	return r;
}

/* ---- kernel knobs: what a root CMD must not be able to write ---- */

/*
 * Filesystems whose files are kernel settings, writable by uid 0 by file
 * mode alone (no capability): every mount of one in CMD's namespace goes
 * read-only.  proc and sysfs matter twice: the kernel lets a process in a
 * nested user + mount namespace mount a fresh one whenever some mount of
 * it in its namespace is "fully visible" (fs/namespace.c,
 * mnt_already_visible: mounted at the filesystem's root, no locked child
 * over a non-empty directory), read-write unless that mount is read-only.
 */
static const char *const knob_fs[] = {
	"proc", "sysfs", "debugfs", "tracefs", "securityfs", "configfs",
	"binfmt_misc", "bpf", "pstore", "efivarfs", "fusectl", "cgroup",
	"cgroup2",
};

/* Below CMD's own /proc, bound read-only onto themselves (runc's list,
 * and what else a root file mode opens there: irq affinity, ACPI wakeup). */
static const char *const proc_ro[] = {
	"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus",
	"/proc/fs", "/proc/acpi", "/proc/scsi", "/proc/latency_stats",
	"/proc/mtrr", "/proc/driver",
};

/* path equals dir or lies below it */
static int path_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/' || n == 1);
}

static int knob_type(const char *f, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(knob_fs) / sizeof(knob_fs[0]); i++)
		if (strlen(knob_fs[i]) == n && memcmp(knob_fs[i], f, n) == 0)
			return 1 + (i < 2);	/* 2: proc, sysfs */
	return 0;
}

static int parse_ulong(const char *f, size_t n, char end, unsigned long *v,
    size_t *used)
{
	size_t i = 0;

	*v = 0;
	while (i < n && f[i] >= '0' && f[i] <= '9' && *v < 1UL << 40)
		*v = *v * 10 + (unsigned long)(f[i++] - '0');
	if (i == 0 || (i < n && f[i] != end) || (i == n && end))
		return -EINVAL;
	*used = i;
	return 0;
}

/* One mountinfo line; knob 0 for a filesystem that is no knob. */
static int mi_line(const char *l, size_t n, struct knob_mount *k)
{
	const char *sep = memmem(l, n, " - ", 3), *f;
	size_t fl, u, hl;
	unsigned long maj, min;
	int r;

	memset(k, 0, sizeof(*k));
	if (!sep)
		return -EINVAL;
	hl = (size_t)(sep - l);
	if (field(sep + 3, n - hl - 3, 0, &f, &fl) < 0)
		return -EINVAL;
	k->knob = knob_type(f, fl);
	if ((r = field(l, hl, 0, &f, &fl)) < 0 ||
	    (r = parse_ulong(f, fl, 0, &k->id, &u)) < 0 ||
	    (r = field(l, hl, 1, &f, &fl)) < 0 ||
	    (r = parse_ulong(f, fl, 0, &k->parent, &u)) < 0 ||
	    (r = field(l, hl, 2, &f, &fl)) < 0 ||
	    (r = parse_ulong(f, fl, ':', &maj, &u)) < 0 ||
	    (r = parse_ulong(f + u + 1, fl - u - 1, 0, &min, &u)) < 0)
		return -EINVAL;
	k->dev = makedev(maj, min);
	if (field(l, hl, 3, &f, &fl) < 0)
		return -EINVAL;
	k->fsroot = fl == 1 && f[0] == '/';
	if (field(l, hl, 5, &f, &fl) < 0)
		return -EINVAL;
	k->ro = fl >= 2 && memcmp(f, "ro", 2) == 0 && (fl == 2 || f[2] == ',');
	if (field(l, hl, 4, &f, &fl) < 0)
		return -EINVAL;
	return unescape(f, fl, k->point, sizeof(k->point));
}

/* Is there a mount whose parent is id, at point (exact)?  ro: and is it
 * read-only?  Returns 1 for a match. */
static int child_at(const char *buf, size_t len, unsigned long id,
    const char *point, int want_ro)
{
	struct knob_mount c;
	const char *l;
	size_t pos = 0, n;

	while (next_line(buf, len, &pos, &l, &n))
		if (n && mi_line(l, n, &c) == 0 && c.parent == id &&
		    c.id != id && strcmp(c.point, point) == 0 &&
		    (!want_ro || c.ro))
			return 1;
	return 0;
}

int mountinfo_knob(const char *buf, size_t len, unsigned int idx,
    struct knob_mount *k)
{
	const char *l;
	size_t pos = 0, n;

	while (next_line(buf, len, &pos, &l, &n)) {
		if (n == 0)
			continue;
		if (mi_line(l, n, k) < 0)
			return -EINVAL;
		if (!k->knob || idx-- > 0)
			continue;
		/* another mount over the same place hides this one's root */
		k->covered = child_at(buf, len, k->id, k->point, 0);
		return 0;
	}
	return -ENOENT;
}

/*
 * Every line of a mountinfo buffer parsed once (the knob checks used to
 * parse it again for each knob and each "covered" question: milliseconds
 * for a root CMD with many mounts).  The walks below keep
 * mountinfo_knob()'s answers: knobs in order up to the first line that
 * does not parse (then -EINVAL), "covered" judged by every line that does.
 */
struct mi_table {
	struct knob_mount *m;
	size_t n;		/* lines that parse, in order */
	size_t bad;		/* lines before the first that does not, or
				 * SIZE_MAX when all do */
};

static int mi_table(const char *buf, size_t len, struct mi_table *t)
{
	const char *l;
	size_t pos = 0, n, lines = 0;

	t->m = NULL;
	t->n = 0;
	while (next_line(buf, len, &pos, &l, &n))
		lines++;
	if (lines && !(t->m = calloc(lines, sizeof(*t->m))))
		return -ENOMEM;
	t->bad = SIZE_MAX;
	pos = 0;
	while (next_line(buf, len, &pos, &l, &n)) {
		if (n == 0)
			continue;
		if (mi_line(l, n, &t->m[t->n]) == 0)
			t->n++;
		else if (t->bad == SIZE_MAX)
			t->bad = t->n;
	}
	return 0;
}

/* A mount whose parent is id at point (exact), read-only if want_ro. */
static int mi_child_at(const struct mi_table *t, unsigned long id,
    const char *point, int want_ro)
{
	size_t j;

	for (j = 0; j < t->n; j++)
		if (t->m[j].parent == id && t->m[j].id != id &&
		    strcmp(t->m[j].point, point) == 0 &&
		    (!want_ro || t->m[j].ro))
			return 1;
	return 0;
}

/* The next knob mount from *i on, "covered" set: 1; 0 at the end;
 * -EINVAL at a line that did not parse. */
static int mi_next_knob(const struct mi_table *t, size_t *i,
    struct knob_mount **k)
{
	for (; *i < t->n; (*i)++) {
		if (*i >= t->bad)
			return -EINVAL;
		if (!t->m[*i].knob)
			continue;
		*k = &t->m[(*i)++];
		(*k)->covered = mi_child_at(t, (*k)->id, (*k)->point, 0);
		return 1;
	}
	return t->bad != SIZE_MAX ? -EINVAL : 0;
}

/*
 * A proc or sysfs mount that would let a fresh, writable one be mounted
 * in a nested namespace, or that is itself writable: one not read-only,
 * not covered at its root, and not CMD's /proc (which must hold a
 * read-only /proc/sys, a locked child over a non-empty directory in any
 * nested namespace).  1 with its mount point in out, 0 if none.
 */
static int mi_exposed(const struct mi_table *t, const char *own_proc,
    char *out, size_t outlen)
{
	struct knob_mount *k;
	char sys[600];
	size_t i = 0;
	int r;

	while ((r = mi_next_knob(t, &i, &k)) == 1) {
		if (k->knob != 2 || k->ro || k->covered)
			continue;
		snprintf(sys, sizeof(sys), "%s/sys", k->point);
		if (own_proc && strcmp(k->point, own_proc) == 0 && k->fsroot &&
		    mi_child_at(t, k->id, sys, 1))
			continue;
		snprintf(out, outlen, "%s", k->point);
		return 1;
	}
	return r;
}

int knobs_exposed(const char *buf, size_t len, const char *own_proc,
    char *out, size_t outlen)
{
	struct mi_table t;
	int r = mi_table(buf, len, &t);

	if (r == 0)
		r = mi_exposed(&t, own_proc, out, outlen);
	free(t.m);
	return r;
}

/* A knob filesystem mounted at or below dir, or dir inside one: 1 with
 * its mount point in out, 0 if none.  For podman sources (binds are
 * recursive, so such a mount would come along into the container). */
int knobs_within(const char *buf, size_t len, const char *dir, char *out,
    size_t outlen)
{
	struct knob_mount *k;
	struct mi_table t;
	size_t i = 0;
	int r = mi_table(buf, len, &t);

	while (r == 0 && (r = mi_next_knob(&t, &i, &k)) == 1) {
		r = 0;
		if (path_below(k->point, dir) || path_below(dir, k->point)) {
			snprintf(out, outlen, "%s", k->point);
			r = 1;
			break;
		}
	}
	free(t.m);
	return r;
}

/* Every knob mount that its path reaches (st_dev says so), read-only. */
static int knob_mounts_ro(const struct mi_table *t)
{
	struct knob_mount *k;
	struct stat st;
	size_t i = 0;
	int r;

	while ((r = mi_next_knob(t, &i, &k)) == 1) {
		if (k->ro || k->covered || stat(k->point, &st) < 0 ||
		    st.st_dev != k->dev)
			continue;	/* hidden: knobs_exposed judges it */
		if (strcmp(k->point, "/proc") == 0 && k->knob == 2)
			continue;	/* CMD's own, made safe by proc_ro */
		if (mount(NULL, k->point, NULL, MS_REMOUNT | MS_BIND |
		    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			return -errno;
	}
	return r;
}

/* Every mount at or below /sys not read-only yet, read-only (what
 * remount_ro(buf, len, NULL, "/sys") did, from the table). */
static int sys_ro(const struct mi_table *t)
{
	size_t i, seen = 0;

	for (i = 0; i < t->n && i < t->bad; i++) {
		if (!path_below(t->m[i].point, "/sys"))
			continue;
		seen++;
		if (mount(NULL, t->m[i].point, NULL, MS_REMOUNT | MS_BIND |
		    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 &&
		    errno != ENOENT)	/* hidden by a later mount */
			return -errno;
	}
	if (t->bad != SIZE_MAX)
		return -EINVAL;
	return seen ? 0 : -ENOENT;	/* as remount_ro: no /sys at all */
}

static int proc_binds_ro(char *bad, size_t badlen)
{
	size_t i;

	for (i = 0; i < sizeof(proc_ro) / sizeof(proc_ro[0]); i++) {
		if (mount(proc_ro[i], proc_ro[i], NULL, MS_BIND, NULL) < 0) {
			if (errno == ENOENT)	/* e.g. no CONFIG_MAGIC_SYSRQ */
				continue;
			snprintf(bad, badlen, "%s", proc_ro[i]);
			return -errno;
		}
		if (mount(NULL, proc_ro[i], NULL, MS_REMOUNT | MS_BIND |
		    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
			snprintf(bad, badlen, "%s", proc_ro[i]);
			return -errno;
		}
	}
	return 0;
}

/*
 * For a root CMD, in its own mount namespace after its /proc is mounted:
 * the knobs below /proc bound read-only, every other knob mount
 * read-only, then checked from mountinfo anew.  -EPERM with the mount
 * point in bad when a proc or sysfs mount stays writable (hidden below
 * another mount, where no remount reaches it).  mountinfo is read twice,
 * before and after, and each time parsed once.
 */
int kernel_knobs_ro(char *bad, size_t badlen)
{
	struct mi_table t = { NULL, 0, 0 };
	char *buf;
	size_t len;
	int r;

	if ((r = proc_binds_ro(bad, badlen)) < 0)
		return r;
	if ((r = read_file("/proc/self/mountinfo", &buf, &len)) < 0)
		return r;
	if ((r = mi_table(buf, len, &t)) == 0)
		r = knob_mounts_ro(&t);
	if (r == 0)	/* and whatever else lies below /sys */
		r = sys_ro(&t);
	free(t.m);
	free(buf);
	if (r == 0 && (r = read_file("/proc/self/mountinfo", &buf, &len)) == 0) {
		r = knobs_exposed(buf, len, "/proc", bad, badlen);
		free(buf);
		r = r > 0 ? -EPERM : r;
	}
	return r;
}

int knob_list_read(struct knob_list *l)
{
	struct mi_table t;
	struct knob_mount *k;
	size_t i = 0;
	char *buf;
	size_t len;
	int r;

	l->m = NULL;
	l->n = 0;
	if ((r = read_file("/proc/self/mountinfo", &buf, &len)) < 0)
		return r;
	r = mi_table(buf, len, &t);
	free(buf);
	if (r < 0)
		return r;
	/* the knob mounts up to a line that does not parse, in place */
	while (mi_next_knob(&t, &i, &k) == 1)
		t.m[l->n++] = *k;
	l->m = t.m;
	return 0;
}

/* A knob mount at, below or above path, in this process's namespace. */
int knobs_under(const char *path, char *out, size_t outlen)
{
	char *buf;
	size_t len;
	int r = read_file("/proc/self/mountinfo", &buf, &len);

	if (r < 0)
		return r;
	r = knobs_within(buf, len, path, out, outlen);
	free(buf);
	return r;
}

static int owned_dir(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid())
		return -EACCES;
	return access(path, W_OK) < 0 ? -errno : 0;
}

/* The directory and its cgroup.procs, for joining; cg->path is set. */
static int open_fds(struct jail_cgroup *cg, char *err, size_t errlen)
{
	int e;

	cg->dirfd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cg->procs_fd = cg->dirfd < 0 ? -1 :
	    openat(cg->dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (cg->procs_fd >= 0)
		return 0;
	e = errno;
	snprintf(err, errlen, "open %s/cgroup.procs", cg->path);
	return -e;
}

/* ---- a user without a delegated cgroup ---- */

/* A systemd user manager to ask for a scope: its bus or its socket. */
static int user_manager(void)
{
	const char *bus = getenv("DBUS_SESSION_BUS_ADDRESS");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char p[PATH_MAX];
	struct stat st;

	if (bus && *bus)
		return 1;
	if (!xdg || xdg[0] != '/' || strlen(xdg) > PATH_MAX - 20)
		return 0;
	snprintf(p, sizeof(p), "%s/systemd/private", xdg);
	return stat(p, &st) == 0 && S_ISSOCK(st.st_mode);
}

static int in_path(const char *name, char *out, size_t outlen)
{
	const char *p = getenv("PATH"), *e;

	for (; p && *p; p = *e ? e + 1 : e) {
		e = strchrnul(p, ':');
		if (p[0] != '/' || (size_t)(e - p) + strlen(name) + 2 > outlen)
			continue;
		snprintf(out, outlen, "%.*s/%s", (int)(e - p), p, name);
		if (access(out, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

/*
 * exec systemd-run --user --scope -p Delegate=yes --quiet SELF ARGS...,
 * our own arguments read back from /proc/self/cmdline; JAIL_AI_IN_SCOPE
 * marks the second start so that it never loops.  Returns on failure.
 */
static int relaunch_in_scope(const char *own)
{
	static char pre[][16] = { "--user", "--scope", "-p", "Delegate=yes",
	    "--quiet" };
	char sd[PATH_MAX], self[PATH_MAX], *args, **argv, *p;
	size_t len, n = 0, i, k = 0;
	ssize_t sl;
	int r;

	if (in_path("systemd-run", sd, sizeof(sd)) < 0)
		return -ENOENT;
	if ((sl = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return -errno;
	self[sl] = '\0';
	if ((r = read_file("/proc/self/cmdline", &args, &len)) < 0)
		return r;
	for (i = 0; i < len; i++)
		n += args[i] == '\0';
	if (!(argv = calloc(n + 8, sizeof(*argv)))) {
		free(args);
		return -ENOMEM;
	}
	argv[k++] = sd;
	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		argv[k++] = pre[i];
	argv[k++] = self;
	for (p = args + strlen(args) + 1; p < args + len; p += strlen(p) + 1)
		argv[k++] = p;	/* argv[1...] */
	setenv("JAIL_AI_IN_SCOPE", "1", 1);
	fprintf(stderr, "jail-ai: your cgroup %s is not yours to subdivide; "
	    "re-launching in a transient systemd scope (systemd-run --user "
	    "--scope -p Delegate=yes)\n", own);
	execv(sd, argv);
	r = -errno;
	free(argv);
	free(args);
	return r;
}

/*
 * The caller's cgroup is not its own.  With a user manager (and not on
 * the second start), re-launch in a delegated scope; otherwise err says
 * what an administrator must set up.
 */
static int no_delegation(const char *mnt, const char *own, char *err,
    size_t errlen)
{
	int again = getenv("JAIL_AI_IN_SCOPE") != NULL, mgr = user_manager();

	if (!again && mgr)
		relaunch_in_scope(own);	/* returns only on failure */
	snprintf(err, errlen, "your cgroup %s is not yours to subdivide%s. "
	    "An administrator can delegate one, as root: D=%s/user-%u; "
	    "mkdir $D; chown %u:%u $D $D/cgroup.procs $D/cgroup.threads "
	    "$D/cgroup.subtree_control; echo PID >$D/cgroup.procs with PID "
	    "your login shell's ($$ in it); then run jail-ai from that shell",
	    own, again ? " even in the systemd scope" : mgr ? " and "
	    "systemd-run is not on PATH" : " and no systemd user manager "
	    "runs to delegate one", mnt, (unsigned)getuid(),
	    (unsigned)getuid(), (unsigned)getgid());
	return -EACCES;
}

/*
 * Before any other work: a user whose cgroup is not its own re-launches
 * now (no --deny-file pipe read twice, no warning said twice) or learns
 * what to set up.  Other failures are left to jail_cgroup_create.
 */
int jail_cgroup_preflight(char *err, size_t errlen)
{
	char mnt[256], own[JAIL_CGROUP_PATH_MAX], path[1024];

	if (getuid() == 0 || cgroup2_mount(mnt, sizeof(mnt)) < 0 ||
	    cgroup_of_pid(getpid(), own, sizeof(own)) < 0)
		return 0;
	snprintf(path, sizeof(path), "%s%s", mnt, strcmp(own, "/") == 0 ? "" :
	    own);
	if (strcmp(own, "/") != 0 && owned_dir(path) == 0)
		return 0;
	return no_delegation(mnt, own, err, errlen);
}

/* root: <cgroup2>/jail-ai/run-PID; a user: below a cgroup it owns. */
static int pick_parent(struct jail_cgroup *cg, char *err, size_t errlen)
{
	char own[JAIL_CGROUP_PATH_MAX];
	int r;

	if (getuid() == 0) {
		snprintf(cg->rel, sizeof(cg->rel), "jail-ai");
		snprintf(cg->path, sizeof(cg->path), "%s/jail-ai", cg->mount);
		if (mkdir(cg->path, 0755) < 0 && errno != EEXIST)
			return -errno;
		return 0;
	}
	r = cgroup_of_pid(getpid(), own, sizeof(own));
	if (r < 0)
		return r;
	snprintf(cg->path, sizeof(cg->path), "%s%s", cg->mount,
	    strcmp(own, "/") == 0 ? "" : own);
	if (strcmp(own, "/") == 0 || owned_dir(cg->path) < 0)
		return no_delegation(cg->mount, own, err, errlen);
	snprintf(cg->rel, sizeof(cg->rel), "%s", own + 1);
	return 0;
}

/*
 * Kill what is left in the cgroup at dirfd: cgroup.kill, or before 5.14
 * SIGKILL to each pid listed.
 */
static void kill_in(int dirfd)
{
	char path[64], *buf, *p, *end;
	size_t len;
	int fd = openat(dirfd, "cgroup.kill", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		(void)!write(fd, "1", 1);
		close(fd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d/cgroup.procs", dirfd);
	if (read_file(path, &buf, &len) < 0)
		return;
	for (p = buf; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid > 0)
			kill((pid_t)pid, SIGKILL);
	}
	free(buf);
}

/* rmdir name below parentfd, killing what keeps it busy; 0 or -errno. */
static int remove_busy(int parentfd, const char *name, int dirfd)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i, r = 0;

	for (i = 0; i < 300; i++) {
		if (unlinkat(parentfd, name, AT_REMOVEDIR) == 0 ||
		    errno == ENOENT)
			return 0;
		r = -errno;
		if (r != -EBUSY)
			break;
		kill_in(dirfd);
		nanosleep(&ts, NULL);
	}
	return r;
}

/*
 * run-PID-TIME-N[-MODE] (policy_mode_word: block-host, deny-all, ...), as
 * jail_cgroup_create makes them.  Older versions named theirs run-PID-TIME
 * and took no lock: those are never taken for stale.
 */
static int is_run_name(const char *name)
{
	const char *p = name + 4;
	int i;

	if (strncmp(name, "run-", 4) != 0)
		return 0;
	for (i = 0; i < 3; i++) {
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
		while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))
			p++;
		if (i < 2 && *p++ != '-')
			return 0;
	}
	/* the mode: -block-host, -deny-all, -deny-all+block-private, ... */
	return *p == '\0' || (*p == '-' && p[1] &&
	    p[strspn(p, "-+abcdefghijklmnopqrstuvwxyz")] == '\0');
}

/*
 * Each run-* directly below parent: fn(name, live, arg), live when another
 * jail-ai holds its lock.  A lock taken here is held during fn.
 */
static int each_run(const char *parent, void (*fn)(int pfd, const char *name,
    int dirfd, int live, void *arg), void *arg)
{
	struct dirent *de;
	DIR *d;
	int pfd, fd, lfd;

	if ((pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	if (!(d = fdopendir(dup(pfd)))) {
		close(pfd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || !is_run_name(de->d_name))
			continue;
		fd = openat(pfd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* The run's lock is on its cgroup.procs: the directory's
		 * own lock belongs to the privileged child's attach. */
		lfd = openat(fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
		fn(pfd, de->d_name, fd, lfd < 0 ||
		    flock(lfd, LOCK_EX | LOCK_NB) < 0, arg);
		if (lfd >= 0)
			close(lfd);
		close(fd);
	}
	closedir(d);
	close(pfd);
	return 0;
}

static void remove_if_stale(int pfd, const char *name, int dirfd, int live,
    void *arg)
{
	(void)arg;
	if (!live)
		remove_busy(pfd, name, dirfd);
}

/* After flock: is cg->path still the directory we opened?  A concurrent
 * run may have taken it for stale between our mkdir and our lock. */
static int still_ours(const struct jail_cgroup *cg)
{
	struct stat a, b;

	if (fstat(cg->dirfd, &a) < 0 || stat(cg->path, &b) < 0)
		return 0;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* mkdir, open, lock; -EAGAIN when a concurrent run removed it first. */
static int make_locked(struct jail_cgroup *cg, char *err, size_t errlen)
{
	if (mkdir(cg->path, 0755) < 0) {
		snprintf(err, errlen, "mkdir %s", cg->path);
		return -errno;
	}
	if (open_fds(cg, err, errlen) < 0) {
		jail_cgroup_close(cg);
		return errno == ENOENT ? -EAGAIN : -errno;
	}
	if (flock(cg->procs_fd, LOCK_EX) < 0) {
		snprintf(err, errlen, "flock %s", cg->path);
		return -errno;
	}
	if (!still_ours(cg)) {
		jail_cgroup_close(cg);
		return -EAGAIN;
	}
	return 0;
}

int jail_cgroup_create(struct jail_cgroup *cg, const char *mode, char *err,
    size_t errlen)
{
	char name[80], parent[sizeof(cg->path)], prel[sizeof(cg->rel)];
	int r, i;

	cg->dirfd = cg->procs_fd = -1;
	r = cgroup2_mount(cg->mount, sizeof(cg->mount));
	if (r < 0) {
		snprintf(err, errlen, "no cgroup2 mount in /proc/self/mountinfo");
		return r;
	}
	r = pick_parent(cg, err, errlen);
	if (r < 0) {
		if (!*err)
			snprintf(err, errlen, "%s", cg->path);
		return r;
	}
	memcpy(parent, cg->path, sizeof(parent));
	memcpy(prel, cg->rel, sizeof(prel));
	each_run(parent, remove_if_stale, NULL);
	for (i = 0, r = -EAGAIN; r == -EAGAIN && i < 5; i++) {
		snprintf(name, sizeof(name), "run-%d-%lx-%d%s%s", (int)getpid(),
		    (unsigned long)time(NULL), i, mode ? "-" : "",
		    mode ? mode : "");
		if (snprintf(cg->rel, sizeof(cg->rel), "%s/%s", prel, name) >=
		    (int)sizeof(cg->rel) || snprintf(cg->path,
		    sizeof(cg->path), "%s/%s", parent, name) >=
		    (int)sizeof(cg->path))
			return -ENAMETOOLONG;
		r = make_locked(cg, err, errlen);
	}
	if (r < 0 && cg->dirfd >= 0)
		jail_cgroup_remove(cg);
	return r;
}

struct list_arg {
	void (*fn)(const char *name, const char *path, void *arg);
	const char *parent;
	void *arg;
};

static void list_live(int pfd, const char *name, int dirfd, int live,
    void *arg)
{
	const struct list_arg *la = arg;
	char path[1200];

	(void)pfd;
	(void)dirfd;
	if (!live)
		return;
	snprintf(path, sizeof(path), "%s/%s", la->parent, name);
	la->fn(name, path, la->arg);
}

/* The live `run` jails where this caller's would be made. */
int jail_run_list(void (*fn)(const char *name, const char *path, void *arg),
    void *arg)
{
	char mnt[256], own[JAIL_CGROUP_PATH_MAX], parent[1024];
	struct list_arg la = { fn, parent, arg };
	int r;

	if ((r = cgroup2_mount(mnt, sizeof(mnt))) < 0)
		return r;
	if (getuid() == 0) {
		snprintf(parent, sizeof(parent), "%s/jail-ai", mnt);
	} else {
		if ((r = cgroup_of_pid(getpid(), own, sizeof(own))) < 0)
			return r;
		snprintf(parent, sizeof(parent), "%s%s", mnt,
		    strcmp(own, "/") == 0 ? "" : own);
	}
	r = each_run(parent, list_live, &la);
	return r == -ENOENT ? 0 : r;
}

/* The calling process moves itself in ("0" is the writer). */
int jail_cgroup_join(const struct jail_cgroup *cg)
{
	return write(cg->procs_fd, "0", 1) == 1 ? 0 : -errno;
}

/* Kill what CMD left behind, then remove the directory. */
int jail_cgroup_remove(struct jail_cgroup *cg)
{
	int r = 0;

	if (cg->dirfd >= 0)
		r = remove_busy(AT_FDCWD, cg->path, cg->dirfd);
	jail_cgroup_close(cg);
	return r;
}

/*
 * An existing cgroup (a container's), from its "0::" path.  The root is
 * refused: attaching there would filter the whole machine.
 */
int jail_cgroup_open(struct jail_cgroup *cg, const char *path, char *err,
    size_t errlen)
{
	int r;

	memset(cg, 0, sizeof(*cg));
	cg->dirfd = cg->procs_fd = -1;
	while (*path == '/')
		path++;
	if (!*path) {
		snprintf(err, errlen, "the root cgroup");
		return -EPERM;
	}
	if ((r = cgroup2_mount(cg->mount, sizeof(cg->mount))) < 0) {
		snprintf(err, errlen, "no cgroup2 mount in /proc/self/mountinfo");
		return r;
	}
	if (strlen(path) >= sizeof(cg->rel))
		return -ENAMETOOLONG;
	snprintf(cg->rel, sizeof(cg->rel), "%s", path);
	snprintf(cg->path, sizeof(cg->path), "%s/%s", cg->mount, cg->rel);
	if ((r = open_fds(cg, err, errlen)) < 0)
		jail_cgroup_close(cg);
	return r;
}

void jail_cgroup_close(struct jail_cgroup *cg)
{
	if (cg->dirfd >= 0)
		close(cg->dirfd);
	if (cg->procs_fd >= 0)
		close(cg->procs_fd);
	cg->dirfd = cg->procs_fd = -1;
}
