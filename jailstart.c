/*
 * jailstart.c - the protected start of a podman jail, and the check before
 * exec.  As root (the fast path): <cgroup2>/jail-ai/pod-NAME made afresh
 * -> the privileged child attaches there (handing over the map fds) ->
 * canary in a leaf below it -> one podman call (create's `run --detach
 * --cgroup-parent`, or `start`) -> the jail's address-refresh keeper
 * (keeper.c), holding the map fds, in place of the last start's.
 * Rootless, and jails made before the fast path: podman init (cgroup and
 * init process exist, the image's command has not run) -> the container's
 * cgroup v2 -> attach -> canary -> podman start.  The check counts the
 * programs in effect (an ancestor's too).  Any failure: the container is
 * not left running (an atexit undo stops it, or removes what create made),
 * the status is non-zero, the message names the step.
 *
 * No privilege.  Untrusted input: podman's output (read only through
 * --format templates), the labels of the jail (re-checked like command-line
 * options), the pids in the container's cgroup.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "ctlparse.h"
#include "dns.h"
#include "jailstart.h"
#include "keeper.h"
#include "podman.h"
#include "protect.h"
#include "spawn.h"
#include "util.h"

/* What the fast path reads from a jail besides its policy labels. */
struct pod_labels {
	const char *network;		/* jail-ai.network */
	char *gateways;			/* jail-ai.gateways, space-separated */
	const char *cgroup_parent;	/* podman's, "" for its default */
};

/* Rebuild a jail's --block-host options from its labels, checked anew. */
static int load_prot(const char *who, const char *name, struct prot_opts *o,
    char **store, struct pod_labels *pl)
{
	static char *argv[2 * JAIL_MAX_ALLOW + 2 * JAIL_MAX_DENY_FILES +
	    2 * DNS_MAX_NAMES + 10];
	char *lab, *tok, *save = NULL, *f[11];
	int argc = 0, i, k;

	lab = container_inspect(name,
	    "{{index .Config.Labels \"jail-ai.block-host\"}}\t"
	    "{{index .Config.Labels \"jail-ai.allow\"}}\t"
	    "{{index .Config.Labels \"jail-ai.deny\"}}\t"
	    "{{index .Config.Labels \"jail-ai.deny-file\"}}\t"
	    "{{index .Config.Labels \"jail-ai.no-dns\"}}\t"
	    "{{index .Config.Labels \"jail-ai.mode\"}}\t"
	    "{{index .Config.Labels \"jail-ai.network\"}}\t"
	    "{{index .Config.Labels \"jail-ai.gateways\"}}\t"
	    "{{.HostConfig.CgroupParent}}\t"
	    "{{index .Config.Labels \"jail-ai.proxy\"}}\t"
	    "{{index .Config.Labels \"jail-ai.allow-domain\"}}");
	if (!lab)
		die(EXIT_SYSFAIL, "%s: %s: podman inspect failed", who, name);
	*store = lab;
	for (k = 0, f[0] = lab; k < 10 && f[k]; k++) {
		f[k + 1] = strchr(f[k], '\t');
		if (f[k + 1])
			*f[k + 1]++ = '\0';
	}
	if (k < 10 || !f[10])
		die(EXIT_SYSFAIL, "%s: %s: unreadable jail-ai labels", who, name);
	memset(o, 0, sizeof(*o));
	o->who = who;
	pl->network = f[6];
	pl->gateways = f[7];
	pl->cgroup_parent = f[8];
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
	/* its allow and deny-all again; DNS as jail-ai.no-dns says (an
	 * empty label: a jail made before --proxy existed) */
	if (f[9][0]) {
		argv[argc++] = "--proxy";
		argv[argc++] = f[9];
	}
	/* "" or "<no value>": made before --allow-domain reached podman */
	if (strcmp(f[10], "<no value>") == 0)
		f[10][0] = '\0';
	for (tok = strtok_r(f[10], " ", &save); tok && argc <
	    (int)(sizeof(argv) / sizeof(argv[0])) - 1;
	    tok = strtok_r(NULL, " ", &save)) {
		argv[argc++] = "--allow-domain";
		argv[argc++] = tok;
	}
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
	char *s = container_inspect(name, "{{.State.Pid}} "
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
		    "so --block-host cannot hold it alone: rootless podman "
		    "makes no cgroups on a hybrid host (its controllers are "
		    "cgroup v1), nor under cgroupfs without a delegated cgroup, "
		    "so the container shares its caller's. Putting podman itself "
		    "in a protected cgroup of yours is not done: it needs a "
		    "cgroup v2 subtree delegated to you with your processes "
		    "already in it (without systemd nothing delegates one, and "
		    "a process cannot leave cgroup v2's root without root), and "
		    "a later podman start from your shell would run it "
		    "unprotected. Use rootful podman, or a pure cgroup v2 host "
		    "(systemd.unified_cgroup_hierarchy=1) with a delegated user "
		    "cgroup", who, name, path);
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
	if (undo.created && pod_fast())
		pod_parent_remove(undo.name);
}

void undo_arm(const char *name, int created)
{
	static int registered;

	if (!registered && atexit(undo_at_exit) == 0)
		registered = 1;
	snprintf(undo.name, sizeof(undo.name), "%s", name);
	undo.created |= created;
	undo.initialized = 1;
}

void undo_disarm(void)
{
	memset(&undo, 0, sizeof(undo));
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

/* ---- the fast path: rootful, programs on a parent made first ---- */

/*
 * <cgroup2>/jail-ai/pod-NAME: rootful podman jails with --block-host are
 * created with --cgroup-parent pointing here, so the container's cgroup is
 * made below programs attached beforehand (protected from its first
 * instruction), and a `podman start` or `restart` behind our back lands
 * below them too, as long as the parent exists.  Only `run-*` is ever
 * taken for stale below jail-ai (cgroup.c), never `pod-*`.
 */
int pod_parent(const char *name, struct jail_cgroup *cg)
{
	int r;

	memset(cg, 0, sizeof(*cg));
	cg->dirfd = cg->procs_fd = -1;
	if ((r = cgroup2_mount(cg->mount, sizeof(cg->mount))) < 0)
		return r;
	snprintf(cg->rel, sizeof(cg->rel), "jail-ai/pod-%s", name);
	snprintf(cg->path, sizeof(cg->path), "%s/%s", cg->mount, cg->rel);
	return 0;
}

/* 1: NAME is protected on the fast path (rootful, the parent ours). */
int pod_on_fast_path(const char *name)
{
	char want[96], *lab;
	int r;

	if (!pod_fast())
		return 0;
	lab = container_inspect(name, "{{index .Config.Labels "
	    "\"jail-ai.block-host\"}}\t{{.HostConfig.CgroupParent}}");
	snprintf(want, sizeof(want), "1\t/jail-ai/pod-%s", name);
	r = lab && strcmp(lab, want) == 0;
	free(lab);
	return r;
}

/* Rootful only: rootless podman keeps the init/attach/start path. */
int pod_fast(void)
{
	return getuid() == 0;
}

/*
 * rmdir path and the empty cgroups below it (conmon's, a canary's or a
 * container's left by a crash), depth first; 0 when gone.  A cgroup that
 * still holds a process stays: -EBUSY.
 */
static int remove_tree(const char *path, int depth)
{
	char sub[1200];
	struct dirent *de;
	DIR *d;

	if (rmdir(path) == 0 || errno == ENOENT)
		return 0;
	if (errno != EBUSY || depth > 3 || !(d = opendir(path)))
		return -errno;
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR && de->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			remove_tree(sub, depth + 1);
		}
	closedir(d);
	return rmdir(path) == 0 || errno == ENOENT ? 0 : -errno;
}

/* The parent, and what podman made for it in cgroup v1 hierarchies;
 * -EBUSY while one still holds a process. */
static int parent_remove_once(const char *name)
{
	struct jail_cgroup cg;
	char p[1200];
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (pod_parent(name, &cg) == 0)
		r = remove_tree(cg.path, 0);
	if (strcmp(cg.mount, "/sys/fs/cgroup") == 0 ||
	    !(d = opendir("/sys/fs/cgroup")))
		return r;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(p, sizeof(p), "/sys/fs/cgroup/%s/jail-ai/pod-%s",
			    de->d_name, name);
			if (remove_tree(p, 0) == -EBUSY)
				r = -EBUSY;
		}
	closedir(d);
	return r;
}

/* rm: conmon may outlive the container by a moment: 1 s at most. */
void pod_parent_remove(const char *name)
{
	int i;

	for (i = 0; parent_remove_once(name) == -EBUSY && i < 50; i++)
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
}

/* <cgroup2>/jail-ai, locked: one protected start at a time. */
static int lock_jail_ai(const struct jail_cgroup *parent)
{
	char dir[300];
	int fd;

	snprintf(dir, sizeof(dir), "%s/jail-ai", parent->mount);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* The same lock for rm and clean: they remove NAME's parent only under
 * it, so never one that a create of the same name has just made. */
int pod_lock(const char *name)
{
	struct jail_cgroup cg;
	int r;

	if ((r = pod_parent(name, &cg)) < 0)
		return r;
	return lock_jail_ai(&cg);
}

/* keeper-NAME.live/rules, the live rules `jail-ai policy` gave the
 * jail's last keeper: read (none: lv empty) or the start refused, fail
 * closed: a live --deny must not vanish in silence. */
static void live_load(const char *who, const char *name,
    struct control_live *lv)
{
	char path[300], *buf = NULL;
	size_t len = 0;
	unsigned int line = 0;
	int r = keeper_live_read(name, &buf, &len, path, sizeof(path));

	lv->nallow = lv->ndeny = 0;
	if (r > 0 && (r = control_live_parse(buf, len, lv, &line)) < 0)
		die(EXIT_SYSFAIL, "%s: %s: live rules %s line %u: damaged "
		    "(%s); nothing was started.  It holds the rules `jail-ai "
		    "policy %s` added (allow RULE, deny ADDR[/LEN]); repair "
		    "it, or remove it to start from the jail's own rules "
		    "alone, its live --deny rules gone", who, name, path,
		    line, r == -E2BIG ? "too many rules" : "not a rule",
		    name);
	free(buf);
	if (r < 0)
		die(EXIT_SYSFAIL, "%s: %s: live rules %s: %s; nothing was "
		    "started.  It should be root's, 0600, a regular file "
		    "of at most %d bytes: repair it, or remove it to start "
		    "from the jail's own rules alone, its live --deny rules "
		    "gone", who, name, path, r == -EFBIG ? "too long" :
		    strerror(-r), CONTROL_LIVE_MAX);
}

/* lv made live in o, and in the maps: -errno after saying why. */
static int live_again(const char *who, const char *name,
    struct prot_opts *o, struct refresh *rf, const struct control_live *lv)
{
	char err[300] = "";
	int r;

	if ((r = control_live_adopt(o, lv, err, sizeof(err))) < 0) {
		warnx("%s: %s: live rules " CONTROL_LIVE_DIR "/keeper-%s.live/"
		    "rules: %s; nothing was started (remove the file to "
		    "start from the jail's own rules alone)", who, name, name,
		    err);
		return r;
	}
	if ((r = refresh_apply(rf, err, sizeof(err))) < 0)
		warnx("%s: %s: live rules: %s: %s; nothing was started", who,
		    name, err, strerror(-r));
	return r;
}

/*
 * A fresh parent (the old one, with the programs of an earlier start,
 * removed: each start attaches the policy built now), the programs on
 * it, the canary in a leaf below it, the leaf removed.
 */
static int protect_parent(const char *who, const char *name,
    const struct jail_cgroup *par, struct prot_opts *o, struct refresh *rf,
    const struct control_live *lv, ino_t *ino)
{
	struct jail_cgroup pc, leaf;
	struct stat st;
	struct policy p;
	char err[256] = "", rel[JAIL_CGROUP_PATH_MAX], leafp[1200];
	int r, i, maps[JAIL_NMAPS] = { -1, -1 };

	/* conmon may outlive `podman stop` by a moment: 1 s at most */
	for (i = 0; (r = remove_tree(par->path, 0)) == -EBUSY && i < 50; i++)
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	if (r < 0) {
		warnx("%s: %s: cgroup %s still holds processes: %s", who,
		    name, par->path, strerror(-r));
		return r;
	}
	if (mkdir(par->path, 0755) < 0) {
		r = -errno;
		warnx("%s: mkdir %s: %s", who, par->path, strerror(errno));
		return r;
	}
	if (snprintf(rel, sizeof(rel), "%s/canary-%d", par->rel,
	    (int)getpid()) >= (int)sizeof(rel)) {
		warnx("%s: %s: cgroup path too long", who, name);
		return -ENAMETOOLONG;
	}
	snprintf(leafp, sizeof(leafp), "%s/%s", par->mount, rel);
	if ((r = jail_cgroup_open(&pc, par->rel, err, sizeof(err))) < 0) {
		warnx("%s: %s: %s: %s", who, name, err, strerror(-r));
		return r;
	}
	/* The one the programs go on: podman's start is checked against it. */
	if (fstat(pc.dirfd, &st) < 0) {
		r = -errno;
		warnx("%s: stat %s: %s", who, par->path, strerror(errno));
		jail_cgroup_close(&pc);
		return r;
	}
	*ino = st.st_ino;
	if (mkdir(leafp, 0755) < 0) {
		r = -errno;
		warnx("%s: mkdir %s: %s", who, leafp, strerror(errno));
		jail_cgroup_close(&pc);
		return r;
	}
	if ((r = jail_cgroup_open(&leaf, rel, err, sizeof(err))) < 0) {
		warnx("%s: %s: %s: %s", who, name, err, strerror(-r));
		rmdir(leafp);
		jail_cgroup_close(&pc);
		return r;
	}
	o->want_kept = 1;	/* for the keeper's rebuilds */
	prot_build(o, &p);
	/* the ring the keeper reads (`jail-ai events NAME`, status) */
	p.req->flags |= JAIL_REQ_F_EVENTS;
	/* --allow-domain: port 0 until the keeper's listeners exist in the
	 * container's namespace (dns_listen_in) */
	if (o->domains)
		p.req->flags |= JAIL_REQ_F_DOMAINS;
	r = protect_at_fds(who, &pc, &leaf, &p, maps);
	/* The keeper's maps: proven updatable by fd here, or nothing runs. */
	if (r == 0 && (r = refresh_start(rf, o, &p, maps)) < 0)
		warnx("%s: %s: address refresh: the jail's maps cannot be "
		    "updated by fd here (%s; kernel 5.19 or later needed); "
		    "nothing was started", who, name, strerror(-r));
	/* The live rules of its last run, live again before it starts. */
	if (r == 0 && lv->nallow + lv->ndeny)
		r = live_again(who, name, o, rf, lv);
	policy_free(&p);
	jail_cgroup_close(&pc);
	jail_cgroup_remove(&leaf);
	return r;
}

#ifdef JAIL_FAULT_INJECTION
/* Only in jail-ai-fault: JAIL_AI_FAULT=reparent replaces the protected
 * parent by an empty one before podman runs (a removal at the wrong
 * moment); reparent-nocheck also skips parent_kept (the control). */
static int fault_reparent(const struct jail_cgroup *par, ino_t *ino)
{
	const char *f = getenv("JAIL_AI_FAULT");
	struct stat st;

	if (!f || strncmp(f, "reparent", 8))
		return 0;
	if (rmdir(par->path) < 0 || mkdir(par->path, 0755) < 0)
		return -errno;
	if (strcmp(f, "reparent-nocheck") == 0 && stat(par->path, &st) == 0)
		*ino = st.st_ino;
	return 0;
}
#endif

/* After podman run or start: the parent at its path is still the one
 * protect_parent attached the programs to (inode ino).  The container's
 * cgroup, once made, pins the parent it is in, so a parent removed before
 * that and made again by podman's cgroupfs manager (no programs) shows
 * here as another inode: fail closed (the caller's undo stops it). */
static int parent_kept(const char *who, const char *name,
    const struct jail_cgroup *par, ino_t ino)
{
	struct stat st;

	if (stat(par->path, &st) == 0 && st.st_ino == ino)
		return 0;
	warnx("%s: %s: cgroup %s is not the one protected before podman "
	    "ran (removed and made again meanwhile: a jail-ai rm or clean "
	    "of this name from an older jail-ai, or by hand?): the "
	    "container would run without the programs; it is stopped. "
	    "Start it again", who, name, par->path);
	return -ESTALE;
}

/*
 * Before anything is made: the fast path puts the container below a parent
 * that podman's cgroupfs manager takes as a path.  With systemd's it would
 * have to be a slice, which systemd may remove with the programs on it
 * (untested here: no systemd).
 */
void need_cgroupfs(const char *who, const char *name)
{
	int r = podman_systemd_cgroups();

	if (r < 0)
		die(EXIT_USAGE, "%s: %s: containers.conf: [engine] "
		    "cgroup_manager: cannot read it as podman would (%s): "
		    "write it as cgroup_manager = \"cgroupfs\"; protected "
		    "jails need to know", who, name, conf_why(r));
	if (r)
		die(EXIT_USAGE, "%s: %s: podman's cgroup manager is systemd "
		    "(containers.conf, or its default under systemd): protected "
		    "jails need cgroupfs (cgroup_manager = \"cgroupfs\" in "
		    "[engine] of containers.conf); with systemd's, the parent "
		    "holding the programs would be a slice that systemd may "
		    "remove (not supported)", who, name);
}

/* 1 while the process of pidfd runs (POLLIN: it exited). */
static int pidfd_alive(int pidfd)
{
	struct pollfd pf = { .fd = pidfd, .events = POLLIN };

	return poll(&pf, 1, 0) == 0;
}

/* pid, as `podman inspect` gave it, still the container's: its cgroup
 * (the unified line of /proc/PID/cgroup) lies below the jail's parent,
 * and its network namespace is not jail-ai's own.  A pidfd of it, or
 * -errno with why (a pid reused meanwhile is caught by the cgroup). */
static int container_pidfd(const struct jail_cgroup *par, pid_t pid,
    char *why, size_t wl)
{
	char p[64], *buf = NULL, *l, want[JAIL_CGROUP_PATH_MAX + 8];
	struct stat a, b;
	size_t len, n;
	int fd, ok = 0;

	if ((fd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0) {
		snprintf(why, wl, "pidfd_open %d: %s", (int)pid,
		    strerror(errno));
		return -ESRCH;
	}
	snprintf(want, sizeof(want), "0::/%s/", par->rel);
	n = strlen(want);
	snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
	if (read_file(p, &buf, &len) == 0)
		for (l = buf; l && !ok; l = strchr(l, '\n') ? strchr(l,
		    '\n') + 1 : NULL)
			ok = strncmp(l, want, n) == 0;
	free(buf);
	if (!ok)
		snprintf(why, wl, "process %d is not in a cgroup below /%s",
		    (int)pid, par->rel);
	snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)pid);
	if (ok && (stat(p, &a) < 0 || stat("/proc/self/ns/net", &b) < 0 ||
	    (a.st_ino == b.st_ino && a.st_dev == b.st_dev))) {
		snprintf(why, wl, "process %d is in jail-ai's own network "
		    "namespace, or gone", (int)pid);
		ok = 0;
	}
	if (ok && !pidfd_alive(fd)) {
		snprintf(why, wl, "process %d exited", (int)pid);
		ok = 0;
	}
	if (!ok)
		close(fd);
	return ok ? fd : -ESRCH;
}

#ifdef JAIL_FAULT_INJECTION
/* Only in jail-ai-fault: JAIL_AI_FAULT=dnspid-self (-1) as the pid podman
 * gave: jail-ai's own, or the host's init. */
static pid_t fault_dns_pid(pid_t pid)
{
	const char *f = getenv("JAIL_AI_FAULT");

	if (f && strcmp(f, "dnspid-self") == 0)
		return getpid();
	if (f && strcmp(f, "dnspid-1") == 0)
		return 1;
	return pid;
}
#endif

/*
 * --allow-domain: the forwarder's listeners (dns.h), made in the running
 * container's network namespace (a socket keeps the namespace it was made
 * in) and handed to the keeper, which forwards from the host's.  Root's
 * step: setns needs CAP_SYS_ADMIN; this thread comes back to its own
 * namespace before anything else is done, or jail-ai stops.
 */
static int dns_listen_in(const char *who, const char *name,
    const struct jail_cgroup *par, int lfd[4])
{
	char why[600] = "";
	pid_t pid = jail_pid(name, NULL);
	int self = -1, there = -1, r, i;
	uint16_t port;

#ifdef JAIL_FAULT_INJECTION
	pid = fault_dns_pid(pid);
#endif
	lfd[0] = lfd[1] = lfd[2] = lfd[3] = -1;
	if (pid <= 0 || (self = open("/proc/self/ns/net", O_RDONLY |
	    O_CLOEXEC)) < 0 || (there = container_pidfd(par, pid, why,
	    sizeof(why))) < 0) {
		r = pid <= 0 ? -ESRCH : there < 0 ? there : -errno;
		warnx("%s: %s: --allow-domain: the container's network "
		    "namespace (pid %d): %s; no DNS listeners, nothing "
		    "runs", who, name, (int)pid, why[0] ? why : strerror(-r));
		goto out;
	}
	if (setns(there, CLONE_NEWNET) < 0) {
		r = -errno;
		warnx("%s: %s: --allow-domain: setns to pid %d's network "
		    "namespace (pidfd, kernel 5.8 or later): %s", who, name,
		    (int)pid, strerror(errno));
		goto out;
	}
	r = dns_fwd_listeners(lfd, &port);
	if (setns(self, CLONE_NEWNET) < 0)
		die(EXIT_SYSFAIL, "%s: %s: setns back to jail-ai's own network "
		    "namespace: %s", who, name, strerror(errno));
	if (r < 0)
		warnx("%s: %s: --allow-domain: DNS listeners on 127.0.0.1 in "
		    "the container: %s", who, name, strerror(-r));
	/* Still the process checked, so the namespace was its. */
	if (r == 0 && !pidfd_alive(there)) {
		warnx("%s: %s: --allow-domain: the container's process %d "
		    "exited while its DNS listeners were made; no listeners, "
		    "nothing runs", who, name, (int)pid);
		for (i = 0; i < 4; i++)
			if (lfd[i] >= 0) {
				close(lfd[i]);
				lfd[i] = -1;
			}
		r = -ESRCH;
	}
out:
	if (self >= 0)
		close(self);
	if (there >= 0)
		close(there);
	return r;
}

/*
 * The fast start: lock, protect the parent, then ONE podman call (create's
 * `podman run --detach`, or `podman start`).  gw: the network's gateways.
 */
static int fast_start(const char *who, const char *name,
    struct prot_opts *o, const char *network, char *gw,
    const char *const *podman_args)
{
	static struct control_live lv;	/* 16 KiB */
	struct jail_cgroup par;
	struct podman_status ps;
	struct refresh rf;
	char *out = NULL;
	int lk, r, i, lfd[4] = { -1, -1, -1, -1 };
	ino_t ino = 0;

	o->own_netns = strcmp(network, "host") != 0;
	if (o->domains && !o->own_netns) {
		warnx("%s: %s: --allow-domain with --network host: the "
		    "forwarder would listen in the host's namespace; use "
		    "`jail-ai run` for that, or a private network", who, name);
		return -EINVAL;
	}
	if (gw)
		add_gateway_denies(o, gw);
	if ((r = pod_parent(name, &par)) < 0 ||
	    (r = lk = lock_jail_ai(&par)) < 0) {
		warnx("%s: %s: lock <cgroup2>/jail-ai: %s", who, name,
		    strerror(-r));
		return r;
	}
	keeper_stop(name);	/* its parent is about to be replaced */
	live_load(who, name, &lv);	/* what it left: before anything */
	/* Watching before the addresses are read: no change is missed. */
	if ((r = refresh_open(&rf)) < 0) {
		warnx("%s: %s: address refresh: rtnetlink socket: %s; nothing "
		    "was started", who, name, strerror(-r));
		close(lk);
		return r;
	}
	rf.own_netns = o->own_netns;
	r = protect_parent(who, name, &par, o, &rf, &lv, &ino);
#ifdef JAIL_FAULT_INJECTION
	if (r == 0)
		r = fault_reparent(&par, &ino);
#endif
	if (r == 0 && podman_capture(podman_args, 0, &out, &ps) < 0) {
		warnx("%s: podman %s %s failed (exit %d)%s", who,
		    podman_args[0], name, ps.code, ps.exited && ps.code == 125 ?
		    ". If podman asked for a systemd slice as cgroup parent: "
		    "protected jails need its cgroupfs cgroup manager "
		    "(cgroup_manager = \"cgroupfs\" in containers.conf); with "
		    "systemd's, the parent would be a slice that systemd may "
		    "remove with its programs (not supported)" : "");
		r = -EIO;
	}
	if (r == 0)
		r = parent_kept(who, name, &par, ino);
	if (r == 0 && o->domains)
		r = dns_listen_in(who, name, &par, lfd);
	/* Events since the read wait in the socket for the keeper. */
	if (r == 0)
		r = keeper_start(who, name, &par, ino, &rf, o->domains ? lfd :
		    NULL, o->domains);
	for (i = 0; i < 4; i++)
		if (lfd[i] >= 0)
			close(lfd[i]);
	refresh_close(&rf);
	free(o->kept);
	o->kept = NULL;
	free(out);
	close(lk);
	return r;
}

/* create: podman run ARGS (a --cgroup-parent=/jail-ai/pod-NAME line). */
int fast_create(const char *name, const struct prot_opts *given,
    const char *network, const char *gateways, const char *const *args)
{
	struct prot_opts o = *given;
	char *gw = strdup(gateways ? gateways : "");
	int r;

	if (!gw)
		return -ENOMEM;
	prot_need_caps("create");
	keeper_forget(name);	/* a new jail: no earlier one's live rules */
	r = fast_start("create", name, &o, network, gw, args);
	free(gw);
	return r;
}

/*
 * Every start of a jail: for a protected one init, attach, canary, start
 * (rootless, or a jail made before the fast path), or the fast path.
 * given: the options (create knows them), else read from the labels.
 * 0, or < 0 with the reason said; the exit undo stops the container.
 */
int protected_start(const char *who, const char *name,
    const struct prot_opts *given)
{
	const char *start[] = { "start", name, NULL };
	char *labels = NULL, want[96];
	struct pod_labels pl = { "", NULL, "" };
	struct prot_opts o;
	int r;

	if (given)
		o = *given;
	if (given ? !o.block_host : !load_prot(who, name, &o, &labels, &pl)) {
		free(labels);	/* no label parsed: o.domains is NULL */
		if (podman_do("start", name, NULL) == 0)
			return 0;
		warnx("%s: podman start %s failed", who, name);
		return -EIO;
	}
	snprintf(want, sizeof(want), "/jail-ai/pod-%s", name);
	if (!given && strcmp(pl.cgroup_parent, want) == 0)
		need_cgroupfs(who, name);	/* before anything is done */
	prot_need_caps(who);
	undo_arm(name, 0);
	if (!given && strcmp(pl.cgroup_parent, want) == 0) {
		r = fast_start(who, name, &o, pl.network, pl.gateways,
		    start);
	} else if (podman_do("init", name, NULL) < 0) {
		warnx("%s: podman init %s failed", who, name);
		r = -EIO;
	} else if ((r = attach_initialised(who, name, &o)) == 0 &&
	    podman_do("start", name, NULL) < 0) {
		warnx("%s: podman start %s failed", who, name);
		r = -EIO;
	}
	if (r == 0)
		undo.initialized = 0;	/* started, and protected */
	if (!given)
		free(o.domains);	/* load_prot's, from the label */
	free(labels);
	return r;
}

/* QUERY_EFFECTIVE (op) through the privileged child: how many programs
 * per hook run for the cgroup, an ancestor's included (the fast path's
 * are on the parent); QUERY: those attached to it. */
static int query(const char *rel, int op, struct jail_reply *rep)
{
	struct jail_req_hdr h;

	memset(&h, 0, sizeof(h));
	h.magic = JAIL_REQ_MAGIC;
	h.version = JAIL_REQ_VERSION;
	h.op = (__u16)op;
	snprintf(h.cgroup, sizeof(h.cgroup), "%s", rel);
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
	r = query(cg.rel, JAIL_OP_QUERY_EFFECTIVE, rep);
	jail_cgroup_close(&cg);
	if (r < 0) {
		warnx("%s: query %s: %s %s: %s", who, name,
		    privsep_step_name(rep->step), rep->what, strerror(-r));
		return r;
	}
	/* jail_egress only in the host's network namespace; the recvmsg and
	 * getpeername hooks only with --allow-domain (loader.c wanted()),
	 * not asked for here: without them an answer is dropped by the
	 * resolver (fail closed) */
	for (i = 0; i < JAIL_NPROG_SLOTS; i++)
		if (rep->attached[i] == 0 && (i == JAIL_PROG_EGRESS ? hostnet :
		    i < JAIL_PROG_DNS_FIRST || i > JAIL_PROG_DNS_LAST))
			return 0;
	return 1;
}

char *state_of(const char *name)
{
	char *s = container_inspect(name, "{{.State.Status}}");

	return s ? s : strdup("unknown");
}

/* Running and, when the jail asks for it, protected; else refuse. */
int ensure_running(const char *who, const char *name)
{
	struct jail_reply rep;
	char *state = state_of(name), *lab, want[96];
	int running = strcmp(state, "running") == 0, prot, fast, r;

	free(state);
	if (!running)
		return protected_start(who, name, NULL);
	/* one podman call: the label, and whether the fast path (and so a
	 * keeper) applies, as pod_on_fast_path says */
	lab = container_inspect(name, "{{index .Config.Labels "
	    "\"jail-ai.block-host\"}}\t{{.HostConfig.CgroupParent}}");
	prot = lab && strncmp(lab, "1\t", 2) == 0;
	snprintf(want, sizeof(want), "1\t/jail-ai/pod-%s", name);
	fast = prot && pod_fast() && strcmp(lab, want) == 0;
	free(lab);
	if (!prot)
		return 0;
	if ((r = is_protected(who, name, &rep)) == 1 &&
	    (!fast || keeper_pid(name, NULL, 0) > 0))
		return 0;
	if (r < 0)
		return -EPERM;
	if (r == 1) {
		/* Nothing without CAP_SYS_ADMIN reopens the maps by id, and
		 * the child offers no such op: a new keeper needs a new
		 * attach, so the same stop, start. */
		warnx("%s: %s: its address-refresh keeper is not running "
		    "(killed, or failed: see jail-ai status): stopping it, "
		    "then starting it protected with a new keeper", who, name);
	} else {
		/* Re-protect before anything of ours runs in it. */
		warnx("%s: %s asks for --block-host but no jail-ai programs "
		    "are in effect on its cgroup (started by podman behind "
		    "jail-ai's back, its parent cgroup gone?): stopping it, "
		    "then starting it protected", who, name);
	}
	if (podman_do("stop", "--time", "5", name, NULL) < 0) {
		warnx("%s: podman stop %s failed; refusing", who, name);
		return -EPERM;
	}
	return protected_start(who, name, NULL);
}

int prot_state(const char *who, const char *name, const char *state,
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

int prot_state_of(const char *who, const char *name,
    struct jail_reply *rep)
{
	char *state = state_of(name), *lab = container_inspect(name, "{{index "
	    ".Config.Labels \"jail-ai.block-host\"}}");
	int ps = prot_state(who, name, state, lab ? lab : "", rep);

	free(state);
	free(lab);
	return ps;
}

/*
 * The cgroup holding a running jail's programs (into holder): the fast
 * path's parent when the container's cgroup (into cgp) is below it, else
 * that cgroup itself.  -ESRCH when not running.
 */
int prot_holder(const char *name, char *holder, size_t len, char *cgp,
    size_t cgplen)
{
	char want[JAIL_CGROUP_PATH_MAX + 8];
	size_t plen;
	pid_t pid = jail_pid(name, NULL);

	if (pid <= 0 || cgroup_of_pid(pid, cgp, cgplen) < 0)
		return -ESRCH;
	plen = (size_t)snprintf(want, sizeof(want), "/jail-ai/pod-%s/", name);
	if (strncmp(cgp, want, plen) != 0) {
		snprintf(holder, len, "%s", cgp);
		return 0;
	}
	want[plen - 1] = '\0';	/* the parent, without the slash */
	snprintf(holder, len, "%s", want);
	return 0;
}

/*
 * For status: which cgroup holds the programs, their ids, and whether the
 * running container's cgroup is below it.  One line into out.
 */

void prot_where(const char *who, const char *name, char *out, size_t len)
{
	char cgp[JAIL_CGROUP_PATH_MAX], holder[JAIL_CGROUP_PATH_MAX + 8];
	struct jail_reply rep;
	size_t n;
	unsigned int i;

	snprintf(out, len, "programs: unknown (no running container)");
	if (prot_holder(name, holder, sizeof(holder), cgp, sizeof(cgp)) < 0)
		return;
	if (query(holder + 1, JAIL_OP_QUERY, &rep) < 0) {
		snprintf(out, len, "programs: %s could not be queried (%s)",
		    holder, who);
		return;
	}
	n = (size_t)snprintf(out, len, "programs: attached at %s (ids:",
	    holder);
	for (i = 0; i < JAIL_NPROG_SLOTS && n < len; i++)
		n += (size_t)snprintf(out + n, len - n, " %u", rep.prog_ids[i]);
	if (n < len)
		snprintf(out + n, len - n, "); the container's cgroup %s %s",
		    cgp, strcmp(holder, cgp) == 0 ? "itself (rootless or an "
		    "older jail: attached after podman init on each start)" :
		    "is below it");
}
