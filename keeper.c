/*
 * keeper.c - the address refresh, live policy and denial events of
 * protected rootful podman jails: one small process per jail (as conmon is
 * per container) that holds the jail's map fds, its event ring and a
 * NETLINK_ROUTE watch, keeps the deny maps in step with the host's
 * addresses (refresh.c, as for `run`), and serves `jail-ai policy|events
 * NAME` and status's counters on /run/jail-ai/ctl/NAME/sock (control.c, as
 * `run --name` does), to no process of the container: the guard is the pod
 * cgroup, and the container's PID namespace is not the keeper's.
 *
 * The programs live on <cgroup2>/jail-ai/pod-NAME, which outlives the
 * container (podman restart and stop/start land below it again), so the
 * keeper lives as long as that cgroup: it ends when the cgroup is removed
 * or replaced (checked each second: its inode is the cgroup's id), not
 * with the container.  Each protected start replaces the parent, and the
 * keeper with it: the old one is stopped first, under the same lock.
 *
 * Privilege: made by root jail-ai (the fast path is root's), it drops
 * every capability (effective, permitted, inheritable, bounding, ambient),
 * sets no_new_privs, is not dumpable, leaves the session, keeps only its
 * fds (netlink, two maps, the ring and counters, the control socket, its
 * pidfile lock and state file; and until it is ready a pipe to the
 * starter), stdio /dev/null, and
 * checks all of that in /proc/self/status; then Landlock, and last a
 * seccomp filter (seccomp.c: no unix socket, exec, ptrace, signal or
 * link: Landlock does not fence connect() to podman's or other jails'
 * sockets), before it says it is ready.  It stays uid 0 (AUDIT.md §14).
 * Its pidfile is written by the middle child and held O_RDONLY.  A
 * map update by fd needs no capability (5.19+; tests/39-mapfd.t).
 * With --allow-domain it also serves the jail's DNS (domains.c, dns.c)
 * on listeners root jail-ai made in the container's network namespace,
 * asking upstream from the host's, and fails closed when the container is
 * restarted behind jail-ai's back (its new namespace lacks them).
 * Untrusted input: the netlink messages (refresh.c), the control clients
 * and their requests (control.c), the ring's records (events.c), the
 * pidfile's text (stop_pid signals only a jail-ai-keeper), the state
 * file's (status prints its control characters as '?'), the container's
 * DNS queries and the upstream answers.
 *
 * Fail closed: it cannot stop the container (no capability, another pid
 * namespace), so when a change cannot be applied it denies everything in
 * the maps it holds (refresh_deny_all), writes why to its state file, and
 * exits; `status` then says the keeper is missing and why, and jail-ai
 * exec, shell and start restart the jail with a new one.
 *
 * Files, root's, in /run/jail-ai (0700): keeper-NAME.pid (the keeper's
 * pid and the podman storage it was made for, flock'ed by it for as long
 * as it runs: a lock that can be taken means no keeper), keeper-NAME.state
 * (why the last one failed), ctl/NAME/sock, and keeper-NAME.live/rules:
 * the live rules, rewritten (rules.tmp, renamed) after each change, read
 * back by the jail's next start (jailstart.c) and removed by rm/clean
 * (keeper_forget); its directory is the only place Landlock lets the
 * keeper write.  /run is a tmpfs: a reboot forgets them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include "confine.h"
#include "control.h"
#include "ctlparse.h"
#include "domains.h"
#include "fsjail.h"
#include "keeper.h"
#include "seccomp.h"
#include "util.h"

#define KEEPER_DIR	"/run/jail-ai"

/* The poll set: host address changes, `jail-ai policy|events|status`
 * clients (control.c), the jail's denial events (events.c). */
enum { KP_NETLINK, KP_CONTROL, KP_EVENTS, KP_NFDS };

struct keeper {
	char name[64];		/* a copy: the title overwrites argv */
	char cgroup[1100];	/* <cgroup2>/jail-ai/pod-NAME */
	ino_t cg_ino;		/* its cgroup id: a new parent has another */
	int lock;		/* the pidfile, flock'ed, O_RDONLY */
	int wpid;		/* the pidfile, to write: the middle child's */
	int state;		/* the state file, -1 until opened */
	int ready;		/* to the starter: 'k', then closed */
	char store[600];	/* which podman storage: keeper_orphans */
	int ctl;		/* the control socket, listening */
	int live;		/* keeper-NAME.live: the live rules' */
	char mount[256];	/* the cgroup2 mount, for control_guard */
	struct refresh *rf;
	struct events ev;	/* the ring, read into log */
	struct events_log log;
	/* --allow-domain: the listeners root made in the container's
	 * network namespace (dom's once opened), the names, the forwarder,
	 * and a mark of the container's cgroups (a restart makes new ones,
	 * and a new network namespace the listeners are not in) */
	int dlfd[4];
	const struct dns_names *names;
	struct domains *dom;
	unsigned long long ctr_mark;
	uint64_t next_mark_ms;
};

static struct domains keeper_dom;	/* ~600 KiB: not on a stack */

static void path_of(char *buf, size_t len, const char *name, const char *ext)
{
	snprintf(buf, len, KEEPER_DIR "/keeper-%s.%s", name, ext);
}

/* /run/jail-ai: a directory of root's that no one else may write to. */
static int keeper_dir(void)
{
	struct stat st;

	if (mkdir(KEEPER_DIR, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(KEEPER_DIR, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))
		return -EPERM;
	return 0;
}

/* main's argument area (keeper_title_area), rewritten by the keeper so
 * that ps shows "jail-ai-keeper NAME", not the command that forked it. */
static char *title_lo, *title_hi;

void keeper_title_area(int argc, char **argv)
{
	if (argc < 1 || !argv[0])
		return;
	title_lo = argv[0];
	title_hi = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
}

static void set_title(const char *name)
{
	size_t room = title_lo ? (size_t)(title_hi - title_lo) : 0;

	if (room < 2)
		return;
	memset(title_lo, 0, room);
	snprintf(title_lo, room, "jail-ai-keeper %s", name);
}

/* Which podman storage this jail-ai talks to, as the environment picks
 * it: a keeper whose container is gone from another storage is not this
 * one's orphan (a second storage's jail may just be stopped).  Each value
 * length-prefixed ("-" unset), so a space or newline in one cannot make
 * two storages' tags equal; too long: "store2 ?", which no fitting tag
 * is, so such a keeper is nobody's orphan (never reaped by clean).  An
 * older jail-ai's "store A B" never matches: kept, not reaped. */
static void store_tag(char *buf, size_t len)
{
	static const char *const var[] = { "CONTAINERS_STORAGE_CONF",
	    "CONTAINERS_CONF", "CONTAINERS_CONF_OVERRIDE" };
	size_t i, n = 0;
	const char *v;
	int w;

	w = snprintf(buf, len, "store2");
	for (i = 0; w >= 0 && (size_t)w < len - n && i < 3; i++) {
		n += (size_t)w;
		v = getenv(var[i]);
		w = v && v[0] ? snprintf(buf + n, len - n, " %zu:%s",
		    strlen(v), v) : snprintf(buf + n, len - n, " -");
	}
	if (w < 0 || (size_t)w >= len - n)
		snprintf(buf, len, "store2 ?");
}

/* 1: keeper-NAME.pid names this storage (store_tag); its keeper may
 * have been killed (the file stays, and so does the pod cgroup). */
int keeper_of_store(const char *name)
{
	char tag[600], buf[700], p[300], *nl;
	ssize_t got;
	int fd;

	store_tag(tag, sizeof(tag));
	if (strcmp(tag, "store2 ?") == 0)
		return 0;
	path_of(p, sizeof(p), name, "pid");
	if ((fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return 0;
	got = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (got <= 0)
		return 0;
	buf[got] = '\0';
	return (nl = strchr(buf, '\n')) && strncmp(nl + 1, tag,
	    strlen(tag)) == 0 && nl[1 + strlen(tag)] == '\n';
}

/* The state file: why the keeper failed.  Opened before Landlock takes
 * file writes away, written at most once. */
static int open_state(const char *name)
{
	char p[300];

	path_of(p, sizeof(p), name, "state");
	return open(p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
}

static void write_state(const struct keeper *k, const char *text)
{
	int fd = k->state >= 0 ? k->state : open_state(k->name);

	/* a failed write: nothing else to tell it to */
	if (fd >= 0)
		(void)!pwrite(fd, text, strlen(text), 0);
}

/* keeper-NAME.live, root's, 0700, made if missing: an fd of it. */
static int open_live(const char *name)
{
	char p[300];
	struct stat st;
	int fd;

	path_of(p, sizeof(p), name, "live");
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 077)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* Can no longer keep the maps true: deny everything, say why, end. */
__attribute__((noreturn))
static void fail_closed(struct keeper *k, const char *what, int err)
{
	char msg[512];
	int r = refresh_deny_all(k->rf);

	/* no DNS allow outlives the keeper's failure either */
	if (k->dom && (domains_set_port(k->rf->maps[JAIL_MAP_DCFG], 0) < 0 ||
	    domains_revoke(k->dom) < 0) && r == 0)
		r = -EIO;

	snprintf(msg, sizeof(msg), "%s: %s; %s\n", what, strerror(-err),
	    r == 0 ? "every destination is denied now (0.0.0.0/0 and ::/0, "
	    "and every entry of the maps)" : "denying every destination "
	    "failed too");
	write_state(k, msg);
	_exit(1);
}

/* 1 while the cgroup the programs are on is still the one we watch. */
static int same_cgroup(const struct keeper *k)
{
	struct stat st;

	return stat(k->cgroup, &st) == 0 && st.st_ino == k->cg_ino;
}

/* The container's cgroups below the parent, by inode: podman restart
 * (or stop and start) behind jail-ai's back makes new ones. */
static unsigned long long children_mark(const char *cgroup)
{
	unsigned long long m = 0;
	struct dirent *d;
	DIR *dir = opendir(cgroup);

	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		if (d->d_type == DT_DIR && d->d_name[0] != '.')
			m += (unsigned long long)d->d_ino * 0x9e3779b97f4a7c15ULL;
	closedir(dir);
	return m;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --allow-domain: the forwarder's fds after the keeper's own, a sweep
 * when due, and once a second: is the container the one whose network
 * namespace holds the listeners?  Not: fail closed (a new keeper, made
 * by jail-ai start or exec, listens in the new one). */
static void dns_step(struct keeper *k, struct pollfd *pf, int nd)
{
	char err[256] = "";
	int r;

	if ((r = domains_handle(k->dom, pf, nd, err, sizeof(err))) < 0)
		fail_closed(k, err[0] ? err : "the DNS forwarder", r);
	if (mono_ms() < k->next_mark_ms)
		return;
	k->next_mark_ms = mono_ms() + 1000;
	if (children_mark(k->cgroup) != k->ctr_mark)
		fail_closed(k, "--allow-domain: the container was restarted "
		    "behind jail-ai's back, in a new network namespace that "
		    "the DNS listeners are not in (jail-ai start or exec "
		    "starts it again with a new keeper)", -ESTALE);
}

static void keeper_loop(struct keeper *k)
{
	struct pollfd pf[KP_NFDS + DNS_POLLFDS];
	char err[256];
	int n, r, nd = 0, t;

	memset(pf, 0, sizeof(pf));
	pf[KP_NETLINK].fd = k->rf->nl;
	pf[KP_NETLINK].events = POLLIN;
	pf[KP_CONTROL].fd = k->ctl;
	pf[KP_CONTROL].events = POLLIN;
	pf[KP_EVENTS].fd = events_fd(&k->ev);	/* -1 (none): poll skips it */
	pf[KP_EVENTS].events = POLLIN;
	for (;;) {
		/* Each second at least: is the cgroup still ours? */
		t = 1000;
		if (k->dom) {	/* its set changes as clients come */
			nd = domains_pollfds(k->dom, pf + KP_NFDS,
			    DNS_POLLFDS);
			if ((r = domains_timeout_ms(k->dom)) < t)
				t = r;
		}
		n = poll(pf, (nfds_t)(KP_NFDS + nd), t);
		if (n < 0 && errno != EINTR)
			fail_closed(k, "poll", -errno);
		if (pf[KP_NETLINK].revents & POLLNVAL)
			fail_closed(k, "the rtnetlink socket", -EBADF);
		/* POLLERR too: lost events (ENOBUFS) are read as a rebuild */
		if (n > 0 && (pf[KP_NETLINK].revents & (POLLIN | POLLERR))) {
			err[0] = '\0';
			if ((r = refresh_step(k->rf, err, sizeof(err))) < 0)
				fail_closed(k, err[0] ? err : "refresh", r);
		}
		if ((pf[KP_CONTROL].revents | pf[KP_EVENTS].revents) &
		    POLLNVAL)
			fail_closed(k, "the control socket or the event ring",
			    -EBADF);
		/* before a client asks for them: the events there are now */
		if (n > 0 && pf[KP_EVENTS].revents)
			events_drain(&k->ev);
		if (n > 0 && pf[KP_CONTROL].revents) {
			err[0] = '\0';
			if ((r = control_handle(k->rf, k->ctl, err,
			    sizeof(err))) < 0)
				fail_closed(k, err[0] ? err : "live policy",
				    r);
		}
		if (!same_cgroup(k))
			_exit(0);	/* the protection ended or was replaced */
		if (k->dom)
			dns_step(k, pf + KP_NFDS, n > 0 ? nd : 0);
	}
}

/* close_range(lo, hi); before 5.9 a loop (fds past 65536: none here). */
static int close_from(unsigned int lo, unsigned int hi)
{
	unsigned int fd;

	if (syscall(SYS_close_range, lo, hi, 0) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	for (fd = lo; fd <= hi && fd < 65536; fd++)
		close((int)fd);
	return 0;
}

/* A kept fd out of 0..2 (jail-ai may have been started with stdio
 * closed), so that /dev/null can go there. */
static int lift(int *fd)
{
	int nfd;

	if (*fd > 2)
		return 0;
	if ((nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 3)) < 0)
		return -errno;
	close(*fd);
	*fd = nfd;
	return 0;
}

/* Every fd but the kept ones closed; stdio on /dev/null. */
static int keep_fds(struct keeper *k)
{
	int *kept[] = { &k->rf->nl, &k->rf->maps[JAIL_MAP_V4],
	    &k->rf->maps[JAIL_MAP_V6], &k->lock, &k->ready, &k->state,
	    &k->ctl, &k->ev.ring, &k->ev.cnt, &k->live, &k->dlfd[0],
	    &k->dlfd[1], &k->dlfd[2], &k->dlfd[3],
	    &k->rf->maps[JAIL_MAP_DNS4], &k->rf->maps[JAIL_MAP_DNS6],
	    &k->rf->maps[JAIL_MAP_DCFG] };
	enum { NK = sizeof(kept) / sizeof(kept[0]) };
	int keep[NK], i, j, t, lo = 3, nul;

	/* The child's ring and counters are ev's now (refresh_events), or
	 * not made: rf names them nowhere. */
	k->rf->maps[JAIL_MAP_EV] = k->rf->maps[JAIL_MAP_CNT] = -1;
	/* --allow-domain's maps: the answers' two and the port's, when the
	 * jail has names; the socket map is the programs' alone. */
	for (i = JAIL_MAP_DNS4; i < JAIL_NMAPS; i++)
		if (!k->names || i == JAIL_MAP_DSK)
			k->rf->maps[i] = -1;
	for (i = 0; i < NK; i++) {
		if (*kept[i] >= 0 && (t = lift(kept[i])) < 0)
			return t;
		keep[i] = *kept[i];
	}
	if ((nul = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		return -errno;
	for (i = 0; i < 3; i++)
		if (dup2(nul, i) < 0)
			return -errno;
	if (nul > 2)
		close(nul);
	for (i = 0; i < NK; i++)	/* sorted, for the gaps between */
		for (j = i + 1; j < NK; j++)
			if (keep[j] < keep[i]) {
				t = keep[i];
				keep[i] = keep[j];
				keep[j] = t;
			}
	for (i = 0; i < NK; i++) {
		if (keep[i] < 0)
			continue;	/* none (no ring) */
		if (keep[i] > lo && close_from(lo, keep[i] - 1) < 0)
			return -errno;
		if (keep[i] >= lo)
			lo = keep[i] + 1;
	}
	return close_from(lo, ~0U);
}

/*
 * The control socket (control.c, as `run --name` serves it) and the event
 * ring, made while files may still be written.  Clients are refused when
 * in another PID namespace (every container's) or in the pod cgroup or
 * below it (every process of the container, `podman exec` included), so
 * that the jail cannot reach its own policy even with the socket in view.
 */
static int serve_setup(struct keeper *k, char *err, size_t errlen)
{
	int r;

	if ((r = k->ctl = control_listen(k->name, err, errlen)) < 0) {
		if (r == -EADDRINUSE)
			snprintf(err, errlen, "control socket: a `run --name "
			    "%s` jail of root's serves that name", k->name);
		return r;
	}
	if ((r = control_guard(k->mount, k->cgroup)) < 0) {
		snprintf(err, errlen, "control socket: its guard %.200s",
		    k->cgroup);
		return r;
	}
	control_detach();	/* only the listening socket is kept */
	k->rf->ctl = k->ctl;
	k->rf->on_ctl = control_handle;
	if (k->rf->maps[JAIL_MAP_EV] < 0)
		return 0;	/* no ring was made: events say so */
	if ((r = refresh_events(k->rf, &k->ev, -1, k->name, err,
	    errlen)) < 0)
		return r;
	events_log_init(&k->ev, &k->log);
	return 0;
}

/* Every capability gone from every set, for good. */
static int drop_all_caps(void)
{
	int r;

	if ((r = caps_drop_except(0)) < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

/* What /proc/self/status says: no capability in any set, no_new_privs. */
static int verify_confined(void)
{
	static const char *const want[] = { "CapInh:\t0000000000000000",
	    "CapPrm:\t0000000000000000", "CapEff:\t0000000000000000",
	    "CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000",
	    "NoNewPrivs:\t1" };
	char buf[4096];
	ssize_t n;
	size_t i;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(buf, want[i]))
			return -EPERM;
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return -EPERM;
	return 0;
}

#ifdef JAIL_FAULT_INJECTION
/* Only in jail-ai-fault (JAIL_AI_FAULT=keeperwrite): can the keeper still
 * make a file?  The answer in /run/jail-ai/keeper-NAME.try-WHEN. */
static void fault_try_write(const struct keeper *k, const char *when)
{
	char p[300], res[64];
	int fd, e;

	if (!getenv("JAIL_AI_FAULT") || strcmp(getenv("JAIL_AI_FAULT"),
	    "keeperwrite"))
		return;
	snprintf(p, sizeof(p), KEEPER_DIR "/keeper-%s.try-%s", k->name, when);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	e = errno;
	snprintf(res, sizeof(res), "%s\n", fd >= 0 ? "created" : strerror(e));
	if (fd >= 0) {
		(void)!write(fd, res, strlen(res));
		close(fd);
	} else {
		write_state(k, res);	/* the test reads it there */
	}
}

static int fault_knob(const char *want)
{
	return getenv("JAIL_AI_FAULT") && !strcmp(getenv("JAIL_AI_FAULT"),
	    want);
}

/* Only in jail-ai-fault (JAIL_AI_FAULT=keeperescape, or
 * keeperescape-nofilter: the control without the seccomp filter): can the
 * ready keeper connect to a unix socket (keeper-NAME.try-sock, the
 * test's) or reach execve?  The errnos in the state file. */
static void fault_try_escape(const struct keeper *k)
{
	struct sockaddr_un sa;
	char res[128];
	int fd, eu, ee;

	if (!fault_knob("keeperescape") && !fault_knob("keeperescape-nofilter"))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), KEEPER_DIR
	    "/keeper-%s.try-sock", k->name);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	eu = fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ?
	    errno : 0;
	if (fd >= 0)
		close(fd);
	/* a missing file: ENOENT when execve is reached, EPERM when not */
	execve("/nonexistent-jail-ai-keeper", (char *const[]){ NULL },
	    (char *const[]){ NULL });
	ee = errno;
	snprintf(res, sizeof(res), "unix %s; execve %s\n", eu ? strerror(eu) :
	    "connected", strerror(ee));
	write_state(k, res);
}
#else
static void fault_try_write(const struct keeper *k, const char *when)
{
	(void)k;
	(void)when;
}

static int fault_knob(const char *want)
{
	(void)want;
	return 0;
}

static void fault_try_escape(const struct keeper *k)
{
	(void)k;
}
#endif

/* --allow-domain: the forwarder on root's listeners, upstream the
 * host's /etc/resolv.conf (read now, before Landlock). */
static int dns_open(struct keeper *k, char *err, size_t errlen)
{
	int r, i;

	r = domains_open_fds(&keeper_dom, k->dlfd, k->names, err, errlen);
	for (i = 0; i < 4; i++)
		k->dlfd[i] = -1;	/* the forwarder's now, or closed */
	if (r < 0)
		return r;
	k->dom = &keeper_dom;
	k->rf->dom = k->dom;	/* status's counters (control.c) */
	domains_start(k->dom, k->rf->maps[JAIL_MAP_DNS4],
	    k->rf->maps[JAIL_MAP_DNS6]);
	k->next_mark_ms = mono_ms() + 1000;
	return 0;
}

/* The keeper itself, in the grandchild: never returns. */
__attribute__((noreturn))
static void keeper_main(struct keeper *k)
{
	sigset_t none;
	char err[300] = "";
	int r, dns_tcp;

	/* First: no /proc/PID/fd, no ptrace, no core with the fds in it. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_NAME, "jail-ai-keeper", 0, 0, 0);
	set_title(k->name);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&none);	/* jail-ai may have blocked some: stop works */
	sigprocmask(SIG_SETMASK, &none, NULL);
	umask(077);
	if (chdir("/") < 0)
		_exit(111);
	close(k->wpid);		/* its pid is the starter's word, not its own */
	k->wpid = -1;
	if ((k->state = open_state(k->name)) < 0)
		_exit(111);
	if ((r = serve_setup(k, err, sizeof(err))) < 0)
		fail_closed(k, err, r);
	if ((r = k->live = open_live(k->name)) < 0)
		fail_closed(k, KEEPER_DIR "/keeper-NAME.live", r);
	control_persist(k->live);
	if ((r = keep_fds(k)) < 0)
		fail_closed(k, "close the inherited fds", r);
	if (k->names && (r = dns_open(k, err, sizeof(err))) < 0)
		fail_closed(k, err, r);
	if ((r = drop_all_caps()) < 0)
		fail_closed(k, "drop every capability", r);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);	/* again, after capset */
	if ((r = verify_confined()) < 0)
		fail_closed(k, "confirm no capability, no_new_privs, not "
		    "dumpable", r);
	fault_try_write(k, "before");
	/* Where Landlock is enabled: no file written or executed, no TCP,
	 * from here on (uid 0 without capabilities still owns root's
	 * files) but its live rules'.  Without it the keeper runs as it is. */
	dns_tcp = k->names != NULL;
#ifdef JAIL_FAULT_INJECTION
	/* Only in jail-ai-fault: Landlock without the port-53 rule, the
	 * control for upstream TCP (tests/59-podman-dns.t). */
	if (getenv("JAIL_AI_FAULT") && !strcmp(getenv("JAIL_AI_FAULT"),
	    "keepernotcp"))
		dns_tcp = 0;
#endif
	/* with --allow-domain, never without it: prot_check refused the
	 * start already; this is the backstop */
	if ((r = fs_landlock_readonly(k->live, dns_tcp)) < 0 &&
	    (k->names || (r != -ENOSYS && r != -EOPNOTSUPP)))
		fail_closed(k, "Landlock", r);
	fault_try_write(k, "after");
	/* jail-ai proved the update with its capabilities; prove it again
	 * without (before 5.19, with unprivileged_bpf_disabled, it fails):
	 * refused now, the start fails, rather than at the first change. */
	r = refresh_prove(k->rf);
#ifdef JAIL_FAULT_INJECTION
	/* Only in jail-ai-fault: a kernel that refuses it, for the test. */
	if (getenv("JAIL_AI_FAULT") && !strcmp(getenv("JAIL_AI_FAULT"),
	    "keeperprove"))
		r = -EPERM;
#endif
	if (r < 0)
		fail_closed(k, "update the jail's maps by fd without a "
		    "capability (needs Linux 5.19 or later, or "
		    "kernel.unprivileged_bpf_disabled=0)", r);
	/* serving now: port 53 goes to the listeners from here on */
	if (k->dom && (r = domains_set_port(k->rf->maps[JAIL_MAP_DCFG],
	    k->dom->fwd.port)) < 0)
		fail_closed(k, "--allow-domain: write the forwarder's port "
		    "into jail_dcfg", r);
	/* Last, once every socket it needs at start is made (netlink,
	 * control, the DNS listeners): no unix socket, exec, ptrace, signal
	 * or link from here on (seccomp.c says why). */
	if (!fault_knob("keeperescape-nofilter") &&
	    (r = seccomp_confine_keeper()) < 0)
		fail_closed(k, "install the keeper's seccomp filter", r);
	fault_try_escape(k);
	/* Only now does the starter take it as running. */
	if (write(k->ready, "k", 1) != 1)
		_exit(111);
	close(k->ready);
	keeper_loop(k);
	_exit(111);
}

/* Fork twice: the keeper is nobody's child (init's) and in its own
 * session.  The middle child writes the pidfile, which the keeper holds
 * only O_RDONLY (enough for flock): a keeper taken over cannot name
 * another process there for the next keeper_stop to signal. */
static pid_t spawn_keeper(struct keeper *k)
{
	pid_t pid = fork(), gc;
	char buf[700];
	int st, n;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (setsid() < 0)
			_exit(111);
		gc = fork();
		if (gc < 0)
			_exit(111);
		if (gc == 0)
			keeper_main(k);
		n = snprintf(buf, sizeof(buf), "%d\n%s\n", (int)gc, k->store);
		_exit(ftruncate(k->wpid, 0) == 0 && pwrite(k->wpid, buf,
		    (size_t)n, 0) == n ? 0 : 111);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -ECHILD;
}

int keeper_start(const char *who, const char *name,
    const struct jail_cgroup *par, ino_t par_ino, struct refresh *rf,
    const int *dns_lfd, const struct dns_names *names)
{
	struct keeper k;
	struct stat st;
	char p[300], c;
	int rp[2], r;

	memset(&k, 0, sizeof(k));
	k.state = k.ctl = k.live = k.wpid = -1;
	k.ev.ring = k.ev.cnt = -1;
	snprintf(k.mount, sizeof(k.mount), "%s", par->mount);
	store_tag(k.store, sizeof(k.store));
	snprintf(k.name, sizeof(k.name), "%s", name);
	k.rf = rf;
	snprintf(k.cgroup, sizeof(k.cgroup), "%s", par->path);
	k.dlfd[0] = k.dlfd[1] = k.dlfd[2] = k.dlfd[3] = -1;
	if (names && dns_lfd) {	/* the keeper's copies: the caller closes */
		k.names = names;
		memcpy(k.dlfd, dns_lfd, sizeof(k.dlfd));
		k.ctr_mark = children_mark(k.cgroup);
	}
	if (stat(k.cgroup, &st) < 0) {
		r = -errno;
		warnx("%s: %s: keeper: %s: %s", who, name, k.cgroup,
		    strerror(errno));
		return r;
	}
	if (st.st_ino != par_ino) {
		warnx("%s: %s: keeper: %s is not the cgroup the programs were "
		    "attached to (made again meanwhile); nothing is watched",
		    who, name, k.cgroup);
		return -ESTALE;
	}
	k.cg_ino = st.st_ino;
	if ((r = keeper_dir()) < 0) {
		warnx("%s: %s: keeper: " KEEPER_DIR " (root's, 0700): %s",
		    who, name, strerror(-r));
		return r;
	}
	path_of(p, sizeof(p), name, "pid");
	k.lock = open(p, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (k.lock < 0 || flock(k.lock, LOCK_EX | LOCK_NB) < 0 ||
	    (k.wpid = open(p, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		r = -errno;
		warnx("%s: %s: keeper: lock %s: %s", who, name, p,
		    strerror(errno));
		if (k.lock >= 0)
			close(k.lock);
		return r;
	}
	path_of(p, sizeof(p), name, "state");
	unlink(p);	/* an earlier keeper's failure: not this one's */
	if (pipe2(rp, O_CLOEXEC) < 0) {
		r = -errno;
		close(k.lock);
		close(k.wpid);
		warnx("%s: %s: keeper: pipe: %s", who, name, strerror(errno));
		return r;
	}
	k.ready = rp[1];
	r = spawn_keeper(&k);
	close(rp[1]);
	close(k.lock);		/* the keeper holds the lock now */
	close(k.wpid);
	if (r == 0 && (read(rp[0], &c, 1) != 1 || c != 'k'))
		r = -EPERM;
	close(rp[0]);
	if (r < 0)
		warnx("%s: %s: the address-refresh keeper did not start (%s); "
		    "see " KEEPER_DIR "/keeper-%s.state", who, name,
		    strerror(-r), name);
	return r;
}

/* The pidfile open and locked by a keeper: its pid; 0: none. */
static pid_t locked_pid(int fd)
{
	char buf[24];
	ssize_t n;
	long v;
	char *end;

	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		flock(fd, LOCK_UN);
		return 0;	/* no one holds it: no keeper */
	}
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	if (v <= 1 || v > 1 << 22 || (*end != '\n' && *end != '\0'))
		return 0;
	return (pid_t)v;
}

pid_t keeper_pid(const char *name, char *why, size_t len)
{
	char p[300];
	ssize_t n;
	pid_t pid = 0;
	int fd;

	path_of(p, sizeof(p), name, "pid");
	if ((fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		pid = locked_pid(fd);
		close(fd);
	}
	if (pid > 0 || !why)
		return pid;
	snprintf(why, len, "not running");
	path_of(p, sizeof(p), name, "state");
	if ((fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, why, len - 1);
	close(fd);
	why[n > 0 ? n : 0] = '\0';
	if (n > 0 && why[n - 1] == '\n')
		why[n - 1] = '\0';
	if (n <= 0)
		snprintf(why, len, "not running");
	/* the keeper's words (ASCII): a taken-over one's escapes or C1
	 * controls must not reach the terminal of status */
	for (; *why; why++)
		if ((unsigned char)*why < 0x20 || (unsigned char)*why >= 0x7f)
			*why = '?';
	return 0;
}

/* 1 when /proc/PID/comm is the keeper's (keeper_main sets it). */
static int is_keeper(pid_t pid)
{
	char p[40], c[32];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/comm", (int)pid);
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, c, sizeof(c) - 1);
	close(fd);
	c[n > 0 ? n : 0] = '\0';
	return strcmp(c, "jail-ai-keeper\n") == 0;
}

/* SIGTERM through a pidfd taken while the lock proved it the keeper
 * and its name says so (a damaged pidfile names no one else); SIGKILL
 * after 1 s.  /proc/PID/exe is not compared: a keeper outlives an
 * upgrade of the binary that started it. */
static void stop_pid(int lockfd, pid_t pid)
{
	struct pollfd pf;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pidfd < 0)
		return;
	if (locked_pid(lockfd) != pid || !is_keeper(pid)) {
		close(pidfd);	/* it ended meanwhile, or not a keeper */
		return;
	}
	syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
	pf.fd = pidfd;
	pf.events = POLLIN;
	if (poll(&pf, 1, 1000) <= 0)
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	close(pidfd);
}

void keeper_stop(const char *name)
{
	char p[300];
	pid_t pid;
	int fd, i;

	path_of(p, sizeof(p), name, "pid");
	if ((fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return;
	if ((pid = locked_pid(fd)) > 0)
		stop_pid(fd, pid);
	/* the lock goes with the process, a moment after it exits */
	for (i = 0; i < 100 && locked_pid(fd) > 0; i++)
		usleep(10000);
	close(fd);
	unlink(p);
	path_of(p, sizeof(p), name, "state");
	unlink(p);
	control_unlink_stale(name);
}

/* Each keeper-NAME.pid of this storage (keeper_of_store), its keeper
 * running or not (killed: the file stays, and so does the pod cgroup). */
int keeper_each(void (*fn)(const char *name, void *arg), void *arg)
{
	char name[64];
	struct dirent *d;
	size_t n;
	DIR *dir = opendir(KEEPER_DIR);

	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((d = readdir(dir))) {
		n = strlen(d->d_name);
		if (strncmp(d->d_name, "keeper-", 7) || n < 12 || n - 11 >=
		    sizeof(name) || strcmp(d->d_name + n - 4, ".pid"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(n - 11),
		    d->d_name + 7);
		if (keeper_of_store(name))	/* else another storage's */
			fn(name, arg);
	}
	closedir(dir);
	return 0;
}

void keeper_forget(const char *name)
{
	char p[300], f[320];

	path_of(p, sizeof(p), name, "live");
	snprintf(f, sizeof(f), "%s/rules", p);
	unlink(f);
	snprintf(f, sizeof(f), "%s/rules.tmp", p);
	unlink(f);
	rmdir(p);
}

int keeper_live_read(const char *name, char **buf, size_t *len, char *path,
    size_t plen)
{
	struct stat st;
	size_t cap = CONTROL_LIVE_MAX + 1;
	ssize_t n = 0;
	int fd, r = 1;

	snprintf(path, plen, KEEPER_DIR "/keeper-%s.live/rules", name);
	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO put there must not hold root's start (under
	 * the global lock) in open() forever; it is refused just below */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 077) || st.st_nlink != 1)
		r = -EPERM;	/* not the keeper's (a link: someone else's) */
	if (r == 1 && !(*buf = malloc(cap)))
		r = -ENOMEM;
	while (r == 1 && *len < cap && (n = read(fd, *buf + *len,
	    cap - *len)) != 0) {
		if (n < 0 && errno != EINTR)
			r = -errno;
		else if (n > 0)
			*len += (size_t)n;
	}
	if (r == 1 && *len >= cap)
		r = -EFBIG;
	close(fd);
	if (r < 0) {
		free(*buf);
		*buf = NULL;
	}
	return r;
}
