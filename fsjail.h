/*
 * fsjail.h - `run`'s file rules (fsjail.c): what CMD may write, what it
 * cannot see at all, through CMD's mount namespace and Landlock.
 */
#ifndef JAIL_FSJAIL_H
#define JAIL_FSJAIL_H

#include <stddef.h>

#define FS_MAX_OPT	32	/* --rw, --hide, --unhide, --exec-only: each */
#define FS_MAX_HIDE	256	/* every hidden path, defaults included */
#define FS_LANDLOCK_MIN	3	/* TRUNCATE: else a read-only file can be cut */
#define FS_LANDLOCK_SCOPES	6	/* abstract unix sockets, signals */

struct fs_opts {
	int host;		/* --fs host: none of this */
	int nested;		/* --nested-sandbox: mount rules only */
	const char *workspace;	/* --workspace DIR, NULL: the current one */
	const char *rw[FS_MAX_OPT], *hide[FS_MAX_OPT], *unhide[FS_MAX_OPT];
	const char *exec[FS_MAX_OPT];	/* --exec-only */
	size_t nrw, nhide, nunhide, nexec;
};

struct fs_path {
	char path[4096];	/* absolute, symlinks resolved */
	const char *why;	/* "secret", "local IPC", "--hide", ... */
	int isdir;
};

/* What CMD's namespace and Landlock domain are made of; built by the
 * parent (where errors can still be said), applied in the CMD process. */
struct fs_plan {
	int on;			/* 0: --fs host */
	int nested;
	int abi;		/* Landlock ABI, < 0: -errno */
	struct fs_path ws;	/* ws.path[0] == 0: no workspace */
	const char *ws_note;	/* why there is none, or NULL */
	struct fs_path *rw, *exec;	/* FS_MAX_OPT each, in hide's block */
	size_t nrw, nexec;
	struct fs_path *hide;	/* malloc'd, FS_MAX_HIDE (+ rw, exec): the
				 * plan itself stays small, cheap to zero */
	size_t nhide;
	char canon_dir[4096];	/* the last parent realpath'd ... */
	int canon_ok;		/* ... names itself */
};

/* 1: argv[*i] (and its value) was one of the file options; 0: not. */
int fs_parse_opt(struct fs_opts *o, int argc, char **argv, int *i);
/* Resolve every path, the defaults included; 0 or -errno, what in err. */
int fs_plan_build(const struct fs_opts *o, struct fs_plan *p, char *err,
    size_t errlen);
void fs_plan_free(struct fs_plan *p);
/* The running kernel's Landlock ABI, or -errno (ENOSYS, EOPNOTSUPP). */
int fs_landlock_abi(void);
/* keeper.c: no file write, exec or TCP from now on (Landlock), but files
 * made, written, renamed or removed right in directory wdir (>= 0), and
 * TCP connect to port 53 with dns_tcp; 0 or -errno, -ENOSYS without
 * Landlock. */
int fs_landlock_readonly(int wdir, int dns_tcp);
/* The name of a known nested sandbox (bwrap, ...) when cmd is one and p
 * puts CMD under a Landlock file domain, where its mount() fails; NULL. */
const char *fs_nested_tool(const struct fs_plan *p, const char *cmd);
/* run --dry-run: the file rules, one a line. */
void fs_plan_print(const struct fs_plan *p);

/* In CMD's new mount namespace (made private): hidden paths, a private
 * /tmp and /dev, read-only mounts for --nested-sandbox.  0 or -errno,
 * the path in bad. */
int fs_mounts(const struct fs_plan *p, char *bad, size_t badlen);
/* After no_new_privs: the Landlock domain of CMD.  0 or -errno. */
int fs_landlock(const struct fs_plan *p, char *bad, size_t badlen);

#endif
