/*
 * fsjail.c - `run`'s file rules: CMD writes only its workspace, a private
 * /tmp and --rw paths; secrets and local IPC sockets are not there at all;
 * /dev holds only the nodes programs need.
 *
 * Two mechanisms, each where it holds:
 *   - CMD's mount namespace hides: an empty read-only tmpfs over each
 *     hidden directory, a read-only /dev/null over each hidden file or
 *     socket, a private /tmp and /dev.  Hiding by mount also covers what
 *     Landlock cannot: connect() to a pathname unix socket, and a root
 *     CMD's CAP_DAC_OVERRIDE reads of block devices.  CMD cannot undo a
 *     mount: it has no CAP_SYS_ADMIN where the mounts were made, and in a
 *     namespace of its own they are locked.
 *   - a Landlock domain makes every other tree read-only: it handles the
 *     write rights and grants them on the writable trees alone; with ABI 6
 *     it also scopes abstract unix sockets and signals to the jail.
 * --nested-sandbox swaps Landlock's file part for read-only mounts (any
 * Landlock file domain makes mount() fail in a nested namespace).
 *
 * No privilege: the mounts are made by the relay, which holds
 * CAP_SYS_ADMIN in CMD's namespaces only (its own user namespace unless
 * the caller is root); the domain by init after no_new_privs.  Never in
 * loader.c.  Untrusted input: none beyond the caller's own options and
 * environment ($HOME, $SSH_AUTH_SOCK, $GNUPGHOME), which only add
 * paths to hide or say where the caller's home is.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"
#include "fsjail.h"
#include "lockdown.h"
#include "policy.h"
#include "util.h"

/* <linux/landlock.h> of the build (Debian 12: 6.1) lacks the later
 * fields; the layout and values are the kernel's ABI. */
struct ll_path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

#define LL_RULE_PATH_BENEATH	1
#define LL_CREATE_VERSION	1U
#define LL_EXECUTE	(1ULL << 0)
#define LL_WRITE_FILE	(1ULL << 1)
#define LL_READ_FILE	(1ULL << 2)
#define LL_REMOVE_FILE	(1ULL << 5)
#define LL_MAKE_REG	(1ULL << 8)
#define LL_REFER	(1ULL << 13)	/* ABI 2 */
#define LL_TRUNCATE	(1ULL << 14)	/* ABI 3 */
#define LL_IOCTL_DEV	(1ULL << 15)	/* ABI 5 */
/* ABI 1's write rights: WRITE_FILE, REMOVE_DIR .. MAKE_SYM (bits 4-12) */
#define LL_WRITE_V1	(LL_WRITE_FILE | (((1ULL << 13) - 1) & ~0xfULL))
#define LL_FILE_RIGHTS	(LL_EXECUTE | LL_WRITE_FILE | LL_READ_FILE | \
			 LL_TRUNCATE | LL_IOCTL_DEV)
#define LL_SCOPE_ABSTRACT_UNIX	(1ULL << 0)	/* ABI 6 */
#define LL_SCOPE_SIGNAL		(1ULL << 1)	/* ABI 6 */

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset	444
#define __NR_landlock_add_rule		445
#define __NR_landlock_restrict_self	446
#endif

/* The new mount API (5.2; mount_setattr 5.12), defined here: glibc's
 * <sys/mount.h> and <linux/mount.h> clash. */
#ifndef __NR_open_tree
#define __NR_open_tree		428
#define __NR_move_mount		429
#endif
#ifndef __NR_mount_setattr
#define __NR_mount_setattr	442
#endif
#define FS_OPEN_TREE_CLONE	1U
#define FS_AT_RECURSIVE		0x8000
#define FS_MOVE_F_EMPTY_PATH	0x4U
#define FS_ATTR_RDONLY		0x1ULL

struct fs_mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

/* Below every home directory: credentials, keys, browser profiles. */
static const char *const home_secrets[] = {
	".ssh", ".gnupg", ".aws", ".azure", ".config/gcloud", ".kube",
	".docker", ".netrc", ".git-credentials", ".config/git/credentials",
	".password-store", ".local/share/keyrings", ".pki", ".pypirc",
	".cargo/credentials", ".cargo/credentials.toml", ".vault-token",
	".mozilla", ".thunderbird", ".config/google-chrome",
	".config/chromium", ".config/BraveSoftware", ".config/microsoft-edge",
	".config/vivaldi", ".config/opera",
};

/* Below /etc. */
static const char *const system_secrets[] = {
	"shadow", "shadow-", "gshadow", "gshadow-", "security/opasswd",
	"ssl/private", "krb5.keytab",
};

/* Sockets that start processes outside the jail or sign for the user:
 * below /run, and /var/run/docker.sock (where /var/run is no link). */
static const char *const ipc_paths[] = {
	"dbus", "systemd/private", "docker.sock", "docker", "podman",
	"containerd", "crio", "buildkit", "snapd.socket", "snapd-snap.socket",
};

/* No workspace here by default: a write there outlives the jail in a way
 * that matters (a home's dotfiles, the system). */
static const char *const not_workspace[] = {
	"/", "/etc", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/boot",
	"/dev", "/proc", "/sys", "/run", "/var", "/root", "/home", "/tmp",
};

/* The nodes of CMD's /dev, bound from the host's. */
static const char *const dev_nodes[] = {
	"null", "zero", "full", "random", "urandom", "tty",
};

#define N(a)	(sizeof(a) / sizeof((a)[0]))

int fs_landlock_abi(void)
{
	long abi = syscall(__NR_landlock_create_ruleset, NULL, 0,
	    LL_CREATE_VERSION);

#ifdef JAIL_FAULT_INJECTION
	/* Only in the test build jail-ai-fault: an older kernel's ABI. */
	const char *f = getenv("JAIL_AI_FAULT");

	if (abi >= 0 && f && strncmp(f, "landlock-abi=", 13) == 0)
		return atoi(f + 13) < (int)abi ? atoi(f + 13) : (int)abi;
#endif
	return abi < 0 ? -errno : (int)abi;
}

/* Programs that sandbox with mounts in a user + mount namespace of their
 * own: under any Landlock file domain their mount() fails (EPERM). */
static const char *const nested_tools[] = {
	"bwrap", "bubblewrap", "firejail", "flatpak", "nsjail", "unshare",
	"minijail0", "systemd-nspawn", "podman", "buildah", "apptainer",
	"singularity",
};

const char *fs_nested_tool(const struct fs_plan *p, const char *cmd)
{
	const char *b = cmd ? strrchr(cmd, '/') : NULL;
	size_t i;

	if (!p->on || p->nested || !cmd)
		return NULL;
	b = b ? b + 1 : cmd;
	for (i = 0; i < N(nested_tools); i++)
		if (strcmp(b, nested_tools[i]) == 0)
			return nested_tools[i];
	return NULL;
}

/* ---- options ---- */

static int add_opt(const char **list, size_t *n, const char *opt,
    const char *v)
{
	if (*n >= FS_MAX_OPT)
		die(EXIT_USAGE, "run: more than %d %s", FS_MAX_OPT, opt);
	list[(*n)++] = v;
	return 1;
}

int fs_parse_opt(struct fs_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;

	if (strcmp(a, "--nested-sandbox") == 0)
		return o->nested = 1;
	if (strcmp(a, "--fs") && strcmp(a, "--workspace") &&
	    strcmp(a, "--rw") && strcmp(a, "--hide") &&
	    strcmp(a, "--unhide") && strcmp(a, "--exec-only"))
		return 0;
	if (!v || !v[0])
		die(EXIT_USAGE, "run: %s needs a value (see jail-ai run "
		    "--help)", a);
	(*i)++;
	if (strcmp(a, "--fs") == 0) {
		if (strcmp(v, "host") && strcmp(v, "jail"))
			die(EXIT_USAGE, "run: --fs %s: host or jail", v);
		o->host = strcmp(v, "host") == 0;
		return 1;
	}
	if (strcmp(a, "--workspace") == 0)
		return !!(o->workspace = v);
	if (strcmp(a, "--rw") == 0)
		return add_opt(o->rw, &o->nrw, a, v);
	if (strcmp(a, "--hide") == 0)
		return add_opt(o->hide, &o->nhide, a, v);
	if (strcmp(a, "--unhide") == 0)
		return add_opt(o->unhide, &o->nunhide, a, v);
	return add_opt(o->exec, &o->nexec, a, v);
}

/* ---- the plan ---- */

/* a is p or one of its ancestors. */
static int path_within(const char *p, const char *a)
{
	size_t n = strlen(a);

	if (strcmp(a, "/") == 0)
		return 1;
	return strncmp(p, a, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* realpath of in, and whether it is a directory; -errno. */
static int resolve(const char *in, struct fs_path *out, const char *why)
{
	char *r = realpath(in, NULL);
	struct stat st;

	if (!r)
		return -errno;
	if (strlen(r) >= sizeof(out->path) || stat(r, &st) < 0) {
		free(r);
		return -ENAMETOOLONG;
	}
	snprintf(out->path, sizeof(out->path), "%s", r);
	free(r);
	out->why = why;
	out->isdir = S_ISDIR(st.st_mode);
	return 0;
}

/* dir/base names itself: dir is canonical (realpath, cached in p), base
 * is one plain component, and st (lstat) says it is no symlink.  Spares
 * realpath's readlink of every component and a stat. */
static int canonical_below(struct fs_plan *p, const char *path,
    const struct stat *st)
{
	const char *slash = strrchr(path, '/'), *b = slash ? slash + 1 : "";
	char dir[4096], *r;
	size_t n;

	if (!slash || S_ISLNK(st->st_mode) || !b[0] || strcmp(b, ".") == 0 ||
	    strcmp(b, "..") == 0 || (n = (size_t)(slash - path)) >= sizeof(dir))
		return 0;
	memcpy(dir, path, n);
	dir[n] = '\0';
	if (n == 0)
		return 1;	/* "/base" */
	if (strcmp(dir, p->canon_dir) == 0)
		return p->canon_ok;
	if (!(r = realpath(dir, NULL)))
		return 0;
	snprintf(p->canon_dir, sizeof(p->canon_dir), "%s", dir);
	p->canon_ok = strcmp(r, dir) == 0;
	free(r);
	return p->canon_ok;
}

/* One more hidden path, when it exists and is new. */
static int hide_add(struct fs_plan *p, const char *path, const char *why)
{
	struct fs_path f;
	struct stat st;
	size_t i;

	/* most are missing: lstat first, realpath (a readlink per
	 * component in musl) only for what exists and may not be named
	 * by its own path */
	if (lstat(path, &st) < 0)
		return 0;
	if (canonical_below(p, path, &st) && strlen(path) < sizeof(f.path)) {
		snprintf(f.path, sizeof(f.path), "%s", path);
		f.why = why;
		f.isdir = S_ISDIR(st.st_mode);
	} else if (resolve(path, &f, why) < 0)
		return 0;
	for (i = 0; i < p->nhide; i++)
		if (strcmp(p->hide[i].path, f.path) == 0)
			return 0;
	if (p->nhide >= FS_MAX_HIDE)
		return -E2BIG;
	p->hide[p->nhide++] = f;
	return 0;
}

/* A directory's entries straight from getdents64: musl's opendir costs
 * an fcntl and an mmap + munmap more per directory and reads 2 KiB at a
 * time.  Same entries in the same order as readdir. */
struct dir_rd {
	int fd;
	long n, off;
	char buf[8192] __attribute__((aligned(8)));
};

static int dr_open(struct dir_rd *d, const char *path)
{
	d->fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC);
	d->n = d->off = 0;
	return d->fd < 0 ? -errno : 0;
}

static const struct dirent *dr_next(struct dir_rd *d)
{
	const struct dirent *e;

	if (d->off >= d->n) {
		d->n = syscall(SYS_getdents64, d->fd, d->buf, sizeof(d->buf));
		d->off = 0;
		if (d->n <= 0)
			return NULL;
	}
	e = (const struct dirent *)(void *)(d->buf + d->off);
	d->off += e->d_reclen;
	return e;
}

/* names[] below dir that may exist: those whose first component is an
 * entry of dir (one getdents instead of an lstat per name, most of them
 * missing).  An unreadable dir: every name may (lstat decides). */
static uint64_t dir_has(const char *dir, const char *const *names, size_t n)
{
	uint64_t may = 0;
	const struct dirent *e;
	struct dir_rd d;
	size_t i, l;

	if (dr_open(&d, dir) < 0)
		return n >= 64 ? ~0ULL : (1ULL << n) - 1;
	while ((e = dr_next(&d)))
		for (i = 0; i < n && i < 64; i++) {
			l = strcspn(names[i], "/");
			if (strlen(e->d_name) == l &&
			    memcmp(e->d_name, names[i], l) == 0)
				may |= 1ULL << i;
		}
	close(d.fd);
	return may;
}

/* Each of names[] below dir that exists, in the order of names[]. */
static int hide_names(struct fs_plan *p, const char *dir,
    const char *const *names, size_t n, const char *why)
{
	uint64_t may = dir_has(dir, names, n);
	char path[4096];
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		if (i < 64 && !(may & (1ULL << i)))
			continue;
		snprintf(path, sizeof(path), "%s%s%s", dir,
		    dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
		r = hide_add(p, path, why);
	}
	return r;
}

static int hide_home(struct fs_plan *p, const char *home)
{
	if (!home || home[0] != '/')
		return 0;
	return hide_names(p, home, home_secrets, N(home_secrets), "secret");
}

/* Each entry of dir (every home below /home, every /run/user/UID). */
static int hide_each(struct fs_plan *p, const char *dir, int homes)
{
	char path[4096];
	const struct dirent *e;
	struct dir_rd d;
	int r = 0;

	if (dr_open(&d, dir) < 0)
		return 0;
	while (r == 0 && (e = dr_next(&d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		r = homes ? hide_home(p, path) : hide_add(p, path,
		    "local IPC");
	}
	close(d.fd);
	return r;
}

/* /etc/ssh/ssh_host_*_key: the host's private keys. */
static int hide_host_keys(struct fs_plan *p)
{
	char path[4096];
	const struct dirent *e;
	struct dir_rd d;
	size_t n;
	int r = 0;

	if (dr_open(&d, "/etc/ssh") < 0)
		return 0;
	while (r == 0 && (e = dr_next(&d))) {
		n = strlen(e->d_name);
		if (strncmp(e->d_name, "ssh_host_", 9) || n < 4 ||
		    strcmp(e->d_name + n - 4, "_key"))
			continue;
		snprintf(path, sizeof(path), "/etc/ssh/%s", e->d_name);
		r = hide_add(p, path, "secret");
	}
	close(d.fd);
	return r;
}

/* $SSH_AUTH_SOCK's directory, or the socket alone where its directory
 * is one that must stay (/tmp, /run, a home). */
static int hide_agent(struct fs_plan *p, const char *const *homes)
{
	const char *s = getenv("SSH_AUTH_SOCK");
	struct fs_path f;
	char *slash;
	size_t i;
	int alone = 0;

	if (!s || s[0] != '/' || resolve(s, &f, "local IPC") < 0)
		return 0;
	slash = strrchr(f.path, '/');
	*slash = '\0';
	alone = slash == f.path;
	for (i = 0; i < N(not_workspace); i++)
		alone |= strcmp(f.path, not_workspace[i]) == 0;
	for (i = 0; homes[i]; i++)
		alone |= path_within(homes[i], f.path);
	alone |= p->ws.path[0] && path_within(p->ws.path, f.path);
	if (alone)
		*slash = '/';
	return hide_add(p, f.path, "local IPC");
}

static int hide_defaults(struct fs_plan *p, const struct passwd *pw)
{
	const char *homes[3] = { NULL, NULL, NULL }, *h = getenv("HOME");
	char path[64];
	size_t i, n = 0;
	int r = 0;

	if (h && h[0] == '/')
		homes[n++] = h;
	if (pw && pw->pw_dir && pw->pw_dir[0] == '/' &&
	    (!n || strcmp(homes[0], pw->pw_dir)))
		homes[n++] = pw->pw_dir;
	for (i = 0; i < n && r == 0; i++)
		r = hide_home(p, homes[i]);
	if (r == 0 && getuid() == 0)	/* DAC_OVERRIDE: every user's */
		r = hide_each(p, "/home", 1);
	for (i = 0; i < n && strcmp(homes[i], "/root"); i++)
		;
	if (r == 0 && getuid() == 0 && i == n)
		r = hide_home(p, "/root");
	if (r == 0)
		r = hide_names(p, "/etc", system_secrets, N(system_secrets),
		    "secret");
	if (r == 0)
		r = hide_host_keys(p);
	snprintf(path, sizeof(path), "/run/user/%u", (unsigned)getuid());
	if (r == 0)
		r = getuid() == 0 ? hide_each(p, "/run/user", 0) :
		    hide_add(p, path, "local IPC");
	if (r == 0 && getenv("GNUPGHOME"))
		r = hide_add(p, getenv("GNUPGHOME"), "local IPC");
	if (r == 0)
		r = hide_names(p, "/run", ipc_paths, N(ipc_paths),
		    "local IPC");
	if (r == 0)
		r = hide_add(p, "/var/run/docker.sock", "local IPC");
	return r ? r : hide_agent(p, homes);
}

/* The workspace: --workspace DIR, else the current directory unless it
 * is one of not_workspace or a home (then none, and a note). */
static int plan_workspace(const struct fs_opts *o, struct fs_plan *p,
    const struct passwd *pw, char *err, size_t errlen)
{
	const char *home = getenv("HOME");
	size_t i;
	int r, bad = 0;

	r = resolve(o->workspace ? o->workspace : ".", &p->ws, o->workspace ?
	    "--workspace" : "workspace (the current directory)");
	if (r < 0 || !p->ws.isdir) {
		snprintf(err, errlen, "workspace %s: %s", o->workspace ?
		    o->workspace : ".", r < 0 ? strerror(-r) :
		    "not a directory");
		return r < 0 ? r : -ENOTDIR;
	}
	for (i = 0; i < N(not_workspace); i++)
		bad |= strcmp(p->ws.path, not_workspace[i]) == 0;
	bad |= home && path_within(home, p->ws.path);
	bad |= pw && path_within(pw->pw_dir, p->ws.path);
	if (bad && o->workspace) {
		snprintf(err, errlen, "--workspace %s: a system directory, a "
		    "home directory or above one (give the project directory; "
		    "--rw PATH for more)", p->ws.path);
		return -EINVAL;
	}
	if (bad) {
		p->ws_note = "the current directory is a system or home "
		    "directory: no workspace is writable (--workspace DIR)";
		p->ws.path[0] = '\0';
	}
	return 0;
}

static int plan_paths(const struct fs_opts *o, struct fs_plan *p, char *err,
    size_t errlen)
{
	size_t i;
	int r;

	for (i = 0; i < o->nrw; i++) {
		r = resolve(o->rw[i], &p->rw[p->nrw], "--rw");
		if (r == 0 && (strcmp(p->rw[p->nrw].path, "/") == 0 ||
		    path_within(p->rw[p->nrw].path, "/dev") ||
		    path_within(p->rw[p->nrw].path, "/proc") ||
		    path_within(p->rw[p->nrw].path, "/sys")))
			r = -EPERM;
		if (r < 0) {
			snprintf(err, errlen, "--rw %s: %s", o->rw[i], r ==
			    -EPERM ? "not /, nor below /dev, /proc or /sys" :
			    strerror(-r));
			return r;
		}
		p->nrw++;
	}
	for (i = 0; i < o->nexec; i++) {
		if ((r = resolve(o->exec[i], &p->exec[p->nexec], "--exec-only"))
		    < 0) {
			snprintf(err, errlen, "--exec-only %s: %s", o->exec[i],
			    strerror(-r));
			return r;
		}
		p->nexec++;
	}
	return 0;
}

/* --hide adds (it must exist); --unhide takes one off. */
static int plan_hide_opts(const struct fs_opts *o, struct fs_plan *p,
    char *err, size_t errlen)
{
	struct fs_path f;
	size_t i, j;
	int r;

	for (i = 0; i < o->nhide; i++) {
		if ((r = resolve(o->hide[i], &f, "--hide")) < 0 ||
		    (r = hide_add(p, f.path, "--hide")) < 0) {
			snprintf(err, errlen, "--hide %s: %s", o->hide[i],
			    strerror(-r));
			return r;
		}
	}
	for (i = 0; i < o->nunhide; i++) {
		r = resolve(o->unhide[i], &f, "--unhide");
		for (j = 0; r == 0 && j < p->nhide; j++)
			if (strcmp(p->hide[j].path, f.path) == 0)
				break;
		if (r < 0 || j == p->nhide) {
			snprintf(err, errlen, "--unhide %s: %s", o->unhide[i],
			    r < 0 ? strerror(-r) : "not a hidden path (jail-ai "
			    "run --dry-run lists them)");
			return r < 0 ? r : -ENOENT;
		}
		p->hide[j] = p->hide[--p->nhide];
	}
	return 0;
}

/* A hidden path above a writable one would hide it: refused.  A hidden
 * path below another hidden one is dropped (its mount point is gone). */
static int plan_conflicts(struct fs_plan *p, char *err, size_t errlen)
{
	size_t i, j;

	for (i = 0; i < p->nhide; i++) {
		const char *h = p->hide[i].path, *w = NULL;

		if (p->ws.path[0] && path_within(p->ws.path, h))
			w = p->ws.path;
		for (j = 0; !w && j < p->nrw; j++)
			if (path_within(p->rw[j].path, h))
				w = p->rw[j].path;
		if (w) {
			snprintf(err, errlen, "%s is inside the hidden %s: "
			    "--unhide %s to make it visible", w, h, h);
			return -EINVAL;
		}
	}
	for (i = 0; i < p->nhide; i++)
		for (j = 0; j < p->nhide; j++)
			if (i != j && path_within(p->hide[i].path,
			    p->hide[j].path)) {
				p->hide[i--] = p->hide[--p->nhide];
				break;
			}
	return 0;
}

/* Landlock present and new enough, unless the mounts do it all. */
static int plan_abi(const struct fs_opts *o, struct fs_plan *p, char *err,
    size_t errlen)
{
	p->abi = fs_landlock_abi();
	if (o->nested && o->nexec) {
		snprintf(err, errlen, "--exec-only needs a Landlock file "
		    "domain, which --nested-sandbox leaves out");
		return -EINVAL;
	}
	if (o->nested)
		return 0;
	if (p->abi < 0) {
		snprintf(err, errlen, "Landlock is %s, and CMD's read-only "
		    "filesystem needs it: --nested-sandbox makes it read-only "
		    "by mounts alone, --fs host runs CMD without file rules",
		    p->abi == -ENOSYS ? "not built into this kernel" :
		    "not enabled (boot with lsm=...,landlock)");
		return p->abi;
	}
	if (p->abi < FS_LANDLOCK_MIN) {
		snprintf(err, errlen, "Landlock ABI %d lacks "
		    "LANDLOCK_ACCESS_FS_TRUNCATE (ABI 3, Linux 6.2): CMD could "
		    "truncate read-only files.  --nested-sandbox makes the "
		    "filesystem read-only by mounts alone, --fs host runs CMD "
		    "without file rules", p->abi);
		return -EOPNOTSUPP;
	}
	return 0;
}

int fs_plan_build(const struct fs_opts *o, struct fs_plan *p, char *err,
    size_t errlen)
{
	struct passwd *pw;
	int r;

	memset(p, 0, sizeof(*p));
	if (o->host) {
		if (o->workspace || o->nrw || o->nhide || o->nunhide ||
		    o->nexec || o->nested) {
			snprintf(err, errlen, "--fs host has no file rules: "
			    "--workspace, --rw, --hide, --unhide, --exec-only "
			    "and --nested-sandbox need --fs jail");
			return -EINVAL;
		}
		return 0;
	}
	p->on = 1;
	p->nested = o->nested;
	if (!(p->hide = calloc(FS_MAX_HIDE + 2 * FS_MAX_OPT,
	    sizeof(*p->hide)))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->rw = p->hide + FS_MAX_HIDE;
	p->exec = p->rw + FS_MAX_OPT;
	pw = getpwuid(getuid());	/* once: musl reads /etc/passwd */
	if ((r = plan_abi(o, p, err, errlen)) < 0 ||
	    (r = plan_workspace(o, p, pw, err, errlen)) < 0 ||
	    (r = plan_paths(o, p, err, errlen)) < 0)
		return r;
	if ((r = hide_defaults(p, pw)) < 0) {
		snprintf(err, errlen, "more than %d paths to hide",
		    FS_MAX_HIDE);
		return r;
	}
	if ((r = plan_hide_opts(o, p, err, errlen)) < 0)
		return r;
	return plan_conflicts(p, err, errlen);
}

void fs_plan_free(struct fs_plan *p)
{
	free(p->hide);
	p->hide = p->rw = p->exec = NULL;
}

void fs_plan_print(const struct fs_plan *p)
{
	size_t i;

	if (!p->on) {
		printf("# --fs host: no file rules; CMD writes and reads what "
		    "its caller can, and reaches every local socket\n");
		return;
	}
	printf("# file rules: %s; Landlock ABI %d\n", p->nested ?
	    "read-only and hidden by CMD's mount namespace (--nested-sandbox)"
	    : "hidden by CMD's mount namespace, read-only by Landlock",
	    p->abi);
	if (p->ws.path[0])
		printf("write\t%s\t%s\n", p->ws.path, p->ws.why);
	else
		printf("# %s\n", p->ws_note);
	for (i = 0; i < p->nrw; i++)
		printf("write\t%s\t--rw\n", p->rw[i].path);
	printf("write\t/tmp\tprivate (empty tmpfs)\n");
	printf("write\t/dev\tprivate: null zero full random urandom tty ptmx "
	    "pts shm; no other device\n");
	printf("read\t/\teverything else, read-only\n");
	for (i = 0; i < p->nhide; i++)
		printf("hide\t%s\t%s\n", p->hide[i].path, p->hide[i].why);
	for (i = 0; i < p->nexec; i++)
		printf("exec\t%s\t--exec-only\n", p->exec[i].path);
	if (!p->nested)
		printf("# nested sandboxes (bubblewrap, firejail, unshare -m, "
		    "podman, ...) cannot mount() under this Landlock file "
		    "domain: --nested-sandbox keeps them working\n");
	if (p->abi >= FS_LANDLOCK_SCOPES)
		printf("scope\tabstract unix sockets, signals\tonly within "
		    "the jail (Landlock ABI %d)\n", p->abi);
	else
		printf("# no Landlock scopes (ABI 6, Linux 6.12): CMD can "
		    "reach abstract unix sockets and signal outside\n");
}

/* ---- in CMD's mount namespace (the relay) ---- */

static int open_tree_clone(const char *path, int recursive)
{
	long fd = syscall(__NR_open_tree, AT_FDCWD, path, FS_OPEN_TREE_CLONE |
	    O_CLOEXEC | (recursive ? FS_AT_RECURSIVE : 0));

	return fd < 0 ? -errno : (int)fd;
}

static int move_to(int fd, const char *path)
{
	return syscall(__NR_move_mount, fd, "", AT_FDCWD, path,
	    FS_MOVE_F_EMPTY_PATH) < 0 ? -errno : 0;
}

/* Read-only, changing no other flag (a user namespace may not clear the
 * locked nosuid or nodev of the mount it binds). */
static int set_ro(const char *path, int recursive)
{
	struct fs_mount_attr a = { FS_ATTR_RDONLY, 0, 0, 0 };

	return syscall(__NR_mount_setattr, AT_FDCWD, path, recursive ?
	    FS_AT_RECURSIVE : 0, &a, sizeof(a)) < 0 ? -errno : 0;
}

/*
 * A root CMD's namespace: the kernel-knob mounts below dir go before dir
 * is covered.  Covered, they would stay in the namespace, where a proc or
 * sysfs one lets nested namespaces mount a writable fresh one (cgroup.c
 * refuses to start then).  A user's CMD cannot unmount its locked mounts,
 * nor needs to (the kernel checks its global uid before a knob write).
 */
static int detach_below(const struct knob_list *l, const char *dir)
{
	size_t i;

	if (getuid() != 0)
		return 0;
	for (i = 0; i < l->n; i++)
		if (strcmp(l->m[i].point, dir) && path_within(l->m[i].point,
		    dir) && umount2(l->m[i].point, MNT_DETACH) < 0 &&
		    errno != EINVAL && errno != ENOENT)
			return -errno;
	return 0;
}

static int hide_one(const struct knob_list *l, const struct fs_path *h)
{
	int r;

	if (h->isdir && (r = detach_below(l, h->path)) < 0)
		return r;
	if (h->isdir)
		return mount("jail-ai", h->path, "tmpfs", MS_RDONLY |
		    MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=000,size=4k") < 0 ?
		    -errno : 0;
	if (mount("/dev/null", h->path, NULL, MS_BIND, NULL) < 0)
		return -errno;
	return set_ro(h->path, 0);
}

/* An empty file to mount on (one mknod, not open + fcntl + close). */
static int make_file(const char *path)
{
	return mknod(path, S_IFREG | 0600, 0) < 0 && errno != EEXIST ?
	    -errno : 0;
}

/* A mount point for path in the private /tmp: its directories, and an
 * empty file when it is one. */
static int make_point(const char *path, int isdir)
{
	char buf[4096];
	char *s;

	snprintf(buf, sizeof(buf), "%s", path);
	for (s = strchr(buf + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (isdir)
		return mkdir(buf, 0755) < 0 && errno != EEXIST ? -errno : 0;
	return make_file(buf);
}

static int dev_link(const char *name, const char *to)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/%s", name);
	return symlink(to, path) < 0 ? -errno : 0;
}

/* pty.c mounts a devpts of CMD's own on /dev/pts and binds its ptmx. */
static int dev_rest(void)
{
	int r;

	/* /dev is CMD's fresh tmpfs: no parent to make */
	if (mkdir("/dev/pts", 0755) < 0 || mkdir("/dev/shm", 0755) < 0)
		return -errno;
	if ((r = make_file("/dev/ptmx")) < 0)
		return r;
	if (mount("jail-ai", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
	    "mode=1777") < 0)
		return -errno;
	if ((r = dev_link("fd", "/proc/self/fd")) < 0 ||
	    (r = dev_link("stdin", "/proc/self/fd/0")) < 0 ||
	    (r = dev_link("stdout", "/proc/self/fd/1")) < 0)
		return r;
	return dev_link("stderr", "/proc/self/fd/2");
}

/* A tmpfs /dev holding the host's harmless nodes (no disk, no memory, no
 * console), /dev/pts and /dev/ptmx for pty.c, a private /dev/shm. */
static int private_dev(const struct knob_list *l, char *bad, size_t badlen)
{
	int fds[N(dev_nodes)], r = 0;
	char path[64];
	size_t i;

	for (i = 0; i < N(dev_nodes); i++) {
		snprintf(path, sizeof(path), "/dev/%s", dev_nodes[i]);
		fds[i] = open_tree_clone(path, 0);
		if (fds[i] < 0 && fds[i] != -ENOENT && r == 0) {
			snprintf(bad, badlen, "%s", path);
			r = fds[i];
		}
	}
	if (r == 0) {
		snprintf(bad, badlen, "/dev");
		r = detach_below(l, "/dev");
	}
	if (r == 0 && mount("jail-ai", "/dev", "tmpfs", MS_NOSUID | MS_NODEV |
	    MS_NOEXEC, "mode=755,size=64k") < 0)
		r = -errno;
	for (i = 0; r == 0 && i < N(dev_nodes); i++) {
		if (fds[i] < 0)
			continue;	/* not on the host either */
		snprintf(path, sizeof(path), "/dev/%s", dev_nodes[i]);
		snprintf(bad, badlen, "%s", path);
		if ((r = make_file(path)) == 0)
			r = move_to(fds[i], path);
	}
	if (r == 0) {
		snprintf(bad, badlen, "/dev/pts, /dev/ptmx, /dev/shm");
		r = dev_rest();
	}
	for (i = 0; i < N(dev_nodes); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return r;
}

/* The workspace and --rw paths that the private /tmp (or, nested, the
 * read-only remount) would cover: a detached copy of each, put back. */
struct fs_keep {
	int fd[FS_MAX_OPT + 1];
	const struct fs_path *f[FS_MAX_OPT + 1];
	size_t n;
	int tmp_is_rw;		/* --rw /tmp: no private one */
	struct knob_list knobs;	/* a root CMD's: read once, before any
				 * mount of ours */
};

static int keep_take(const struct fs_plan *p, const struct fs_path *f,
    struct fs_keep *k)
{
	int fd;

	if (strcmp(f->path, "/tmp") == 0)
		k->tmp_is_rw = 1;
	if (!p->nested && !path_within(f->path, "/tmp"))
		return 0;
	if ((fd = open_tree_clone(f->path, 1)) < 0)
		return fd;
	k->f[k->n] = f;
	k->fd[k->n++] = fd;
	return 0;
}

static int keep_put(struct fs_keep *k, char *bad, size_t badlen)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < k->n; i++) {
		snprintf(bad, badlen, "%s", k->f[i]->path);
		if (path_within(k->f[i]->path, "/tmp"))
			r = make_point(k->f[i]->path, k->f[i]->isdir);
		if (r == 0)
			r = move_to(k->fd[i], k->f[i]->path);
	}
	return r;
}

static int fs_mounts_keep(const struct fs_plan *p, struct fs_keep *k,
    char *bad, size_t badlen)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < p->nrw + 1; i++) {
		const struct fs_path *f = i < p->nrw ? &p->rw[i] : &p->ws;

		snprintf(bad, badlen, "%s", f->path);
		if (f->path[0])
			r = keep_take(p, f, k);
	}
	snprintf(bad, badlen, "/ (read-only, recursively)");
	if (r == 0 && p->nested)
		r = set_ro("/", 1);
	snprintf(bad, badlen, "/tmp");
	if (r == 0 && !k->tmp_is_rw && (r = detach_below(&k->knobs, "/tmp")) == 0 &&
	    mount("jail-ai", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
	    "mode=1777") < 0)
		r = -errno;
	if (r == 0)
		r = keep_put(k, bad, badlen);
	if (r == 0)
		r = private_dev(&k->knobs, bad, badlen);
	return r;
}

int fs_mounts(const struct fs_plan *p, char *bad, size_t badlen)
{
	struct fs_keep k;
	size_t i;
	int r = 0;

	if (!p->on)
		return 0;
	memset(&k, 0, sizeof(k));
	snprintf(bad, badlen, "read /proc/self/mountinfo");
	if (getuid() == 0)
		r = knob_list_read(&k.knobs);
	for (i = 0; r == 0 && i < p->nhide; i++) {
		snprintf(bad, badlen, "hide %s", p->hide[i].path);
		r = hide_one(&k.knobs, &p->hide[i]);
	}
	if (r == 0)
		r = fs_mounts_keep(p, &k, bad, badlen);
	for (i = 0; i < k.n; i++)
		close(k.fd[i]);
	free(k.knobs.m);
	return r;
}

/* ---- CMD's Landlock domain (init, after no_new_privs) ---- */

static int ll_allow(int ruleset, const char *path, uint64_t access)
{
	struct ll_path_beneath pb;
	struct stat st;
	int fd = open(path, O_PATH | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	memset(&pb, 0, sizeof(pb));
	pb.parent_fd = fd;
	pb.allowed_access = S_ISDIR(st.st_mode) ? access :
	    access & LL_FILE_RIGHTS;
	if (r == 0 && syscall(__NR_landlock_add_rule, ruleset,
	    LL_RULE_PATH_BENEATH, &pb, 0U) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Write where CMD may write; execute (--exec-only) where it may. */
static int ll_rules(const struct fs_plan *p, int fd, uint64_t w, char *bad,
    size_t badlen)
{
	static const char *const priv[] = { "/tmp", "/dev" };
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < p->nrw + 1; i++) {
		const char *path = i < p->nrw ? p->rw[i].path : p->ws.path;

		snprintf(bad, badlen, "%s", path);
		if (path[0])
			r = ll_allow(fd, path, w);
	}
	for (i = 0; r == 0 && i < N(priv); i++) {
		snprintf(bad, badlen, "%s", priv[i]);
		r = ll_allow(fd, priv[i], w);
	}
	snprintf(bad, badlen, "/proc");	/* CMD's own: /proc/self/... */
	if (r == 0)
		r = ll_allow(fd, "/proc", w & (LL_WRITE_FILE | LL_TRUNCATE));
	for (i = 0; r == 0 && i < p->nexec; i++) {
		snprintf(bad, badlen, "%s", p->exec[i].path);
		r = ll_allow(fd, p->exec[i].path, LL_EXECUTE);
	}
	return r;
}

int fs_landlock(const struct fs_plan *p, char *bad, size_t badlen)
{
	struct ll_ruleset_attr attr;
	size_t size = sizeof(uint64_t);	/* ABI 1-3: handled_access_fs */
	uint64_t w;
	int fd, r = 0;

	if (!p->on)
		return 0;
	memset(&attr, 0, sizeof(attr));
	w = LL_WRITE_V1 | (p->abi >= 2 ? LL_REFER : 0) |
	    (p->abi >= 3 ? LL_TRUNCATE : 0);
	if (!p->nested)
		attr.handled_access_fs = w | (p->nexec ? LL_EXECUTE : 0);
	if (p->abi >= FS_LANDLOCK_SCOPES) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		size = sizeof(attr);
	}
	if (!attr.handled_access_fs && !attr.scoped)
		return 0;	/* nested, before ABI 6: nothing to add */
	snprintf(bad, badlen, "create a ruleset");
	fd = (int)syscall(__NR_landlock_create_ruleset, &attr, size, 0U);
	if (fd < 0)
		return -errno;
	if (attr.handled_access_fs)
		r = ll_rules(p, fd, w, bad, badlen);
	if (r == 0) {
		snprintf(bad, badlen, "restrict CMD");
		if (syscall(__NR_landlock_restrict_self, fd, 0U) < 0)
			r = -errno;
	}
	close(fd);
	return r;
}

/*
 * The address-refresh keeper's (keeper.c): from now on no file written,
 * made, removed or executed, no TCP bind or connect (ABI 4; with
 * dns_tcp, connect to port 53 stays: its forwarder's upstream TCP), no
 * abstract unix socket or signal out of its domain (ABI 6); reads, and
 * the fds already open, keep working.  With wdir >= 0 (a directory),
 * files may still be made, written, renamed and removed right inside it:
 * the keeper's live rules (nothing else, no directory, no link).  0, or
 * -errno (-ENOSYS: no Landlock).
 */
int fs_landlock_readonly(int wdir, int dns_tcp)
{
	struct ll_ruleset_attr attr;
	struct ll_path_beneath pb;
	struct {
		__u64 allowed_access, port;
	} __attribute__((packed)) np = { 2, 53 };	/* CONNECT_TCP */
	size_t size = sizeof(uint64_t);	/* ABI 1-3: handled_access_fs */
	int abi = fs_landlock_abi(), fd, r = 0;

	if (abi < 1)
		return -ENOSYS;
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = LL_EXECUTE | LL_WRITE_V1 |
	    (abi >= 2 ? LL_REFER : 0) | (abi >= 3 ? LL_TRUNCATE : 0) |
	    (abi >= 5 ? LL_IOCTL_DEV : 0);
	if (abi >= 4) {
		attr.handled_access_net = 3;	/* BIND_TCP, CONNECT_TCP */
		size = 2 * sizeof(uint64_t);
	}
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_SIGNAL | LL_SCOPE_ABSTRACT_UNIX;
		size = sizeof(attr);
	}
	if (wdir < 0 && (!dns_tcp || abi < 4))
		return lockdown_ruleset(&attr, size);	/* the child's, no rule */
	fd = (int)syscall(__NR_landlock_create_ruleset, &attr, size, 0U);
	if (fd < 0)
		return -errno;
	if (wdir >= 0) {
		memset(&pb, 0, sizeof(pb));
		pb.parent_fd = wdir;
		pb.allowed_access = LL_WRITE_FILE | LL_REMOVE_FILE |
		    LL_MAKE_REG | (abi >= 3 ? LL_TRUNCATE : 0);
		if (syscall(__NR_landlock_add_rule, fd, LL_RULE_PATH_BENEATH,
		    &pb, 0U) < 0)
			r = -errno;
	}
	/* LANDLOCK_RULE_NET_PORT (2): connect to 53 only */
	if (r == 0 && dns_tcp && abi >= 4 &&
	    syscall(__NR_landlock_add_rule, fd, 2, &np, 0U) < 0)
		r = -errno;
	if (r == 0 && syscall(__NR_landlock_restrict_self, fd, 0U) < 0)
		r = -errno;
	close(fd);
	return r;
}
