/*
 * control.c - live policy updates: `jail-ai policy NAME --allow RULE |
 * --deny RULE | --remove RULE | --show`, `jail-ai events NAME [--follow]`
 * and status's counters, served by the process that holds the jail's map
 * fds (the `run` parent, refresh.c's watch loop; a podman jail's keeper,
 * keeper.c, whose guard is the pod cgroup).
 *
 * No privilege: the server has no capability (BPF_MAP_UPDATE_ELEM by fd
 * needs none), the client is any process of the user.  Untrusted input:
 * every client and its request.  The jailed CMD is the same user on the
 * same network namespace, so the socket is guarded three ways:
 *   - where: a pathname socket, <state>/ctl/NAME/sock, in a 0700
 *     directory that every `run` jail's CMD sees covered by an empty
 *     read-only tmpfs (confine.c), in every --fs mode; never abstract;
 *   - who: SO_PEERCRED's uid must be the server's or 0;
 *   - where from: the client's process (SO_PEERPIDFD, the pidfd of the
 *     process that connected; before 6.5 its pid, checked again after)
 *     must be in the server's PID namespace (CMD has one of its own) and
 *     its cgroup must not be the jail's or below it; both read while the
 *     pidfd shows the process alive, so the pid was not reused.
 * A refused client gets EPERM and nothing else.  One fixed-size request a
 * connection, checked field by field; the reply is a status and a text.
 * Changes go through refresh_apply (policy_build, then the maps written in
 * refresh_plan's order), one request at a time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "control.h"
#include "ctlparse.h"
#include "domains.h"
#include "events.h"
#include "hostips.h"
#include "policy.h"
#include "protect.h"
#include "seccomp.h"
#include "util.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD	77	/* 6.5 */
#endif

static const char live_deny_why[] = "live --deny";

/* The server's state: one jail a process. */
static struct {
	int ctlfd, namefd;	/* <state>/ctl, <state>/ctl/NAME */
	char name[64];
	pid_t owner;		/* only it removes the socket at exit */
	char mount[256];	/* the cgroup2 mount */
	dev_t cg_dev;		/* the jail's cgroup directory */
	ino_t cg_ino;
	int guarded;
	int live_dir;		/* a podman jail's keeper-NAME.live, or -1 */
} S = { .ctlfd = -1, .namefd = -1, .live_dir = -1 };

/* Live --allow rules, by slot (allow_text points into text); apart from
 * S so that it stays in .bss, not 10 KiB of the file. */
static struct {
	int used;
	struct allow_rule a;
	char text[JAIL_MAX_RULE_LEN + 1];
} live[JAIL_MAX_ALLOW];

int control_name_ok(const char *s)
{
	size_t i, n = strnlen(s, 64);

	if (n == 0 || n > 63 || s[0] == '-' || s[0] == '.' || s[0] == '_')
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
		    "TUVWXYZ0123456789_.-", s[i]))
			return 0;
	return 1;
}

/* A directory of ours alone: owned by us, no access for others. */
static int ours(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077))
		return -EPERM;
	return 0;
}

static int real_path(int fd, char *dir, size_t len)
{
	char p[64];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, dir, len - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= len - 1)
		return -ENAMETOOLONG;
	dir[n] = '\0';
	return 0;
}

/* The state directory's path as seccomp.c computes it, without making it. */
static int state_path(char *dir, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR"), *home = getenv("HOME");
	int n;

	if (geteuid() == 0)
		n = snprintf(dir, len, "/run/jail-ai");
	else if (xdg && xdg[0] == '/')
		n = snprintf(dir, len, "%s/jail-ai", xdg);
	else if (home && home[0] == '/')
		n = snprintf(dir, len, "%s/.cache/jail-ai", home);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int control_dir(char *dir, size_t len, int create)
{
	char sp[4096];
	int sfd = -1, fd, r;

	if (create && (sfd = seccomp_state_dir(sp, sizeof(sp))) < 0)
		return sfd;
	if (!create) {
		if ((r = state_path(sp, sizeof(sp))) < 0)
			return r;
		sfd = open(sp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sfd < 0)
			return -errno;
	}
	if (create && mkdirat(sfd, "ctl", 0700) < 0 && errno != EEXIST) {
		r = -errno;
		close(sfd);
		return r;
	}
	fd = openat(sfd, "ctl", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	r = fd < 0 ? -errno : 0;
	close(sfd);
	if (r == 0 && (r = ours(fd)) == 0)
		r = real_path(fd, dir, len);
	if (r < 0 && fd >= 0)
		close(fd);
	return r < 0 ? r : fd;
}

/* A unix address for dirfd/rel: "/proc/self/fd/N/rel", short whatever
 * the directory's own path (sun_path holds 108 bytes). */
static int addr_at(struct sockaddr_un *sa, int dirfd, const char *rel)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s",
	    dirfd, rel) >= (int)sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

/* Connected to dirfd/rel, or -errno (ECONNREFUSED: a stale socket). */
static int connect_at(int dirfd, const char *rel)
{
	struct sockaddr_un sa;
	int fd, r;

	if ((r = addr_at(&sa, dirfd, rel)) < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static void remove_socket(void)
{
	if (S.owner != getpid() || S.namefd < 0)
		return;
	unlinkat(S.namefd, "sock", 0);
	unlinkat(S.ctlfd, S.name, AT_REMOVEDIR);
}

void control_detach(void)
{
	if (S.namefd >= 0)
		close(S.namefd);
	if (S.ctlfd >= 0)
		close(S.ctlfd);
	S.namefd = S.ctlfd = -1;
}

void control_close(void)
{
	remove_socket();
	if (S.namefd >= 0)
		close(S.namefd);
	if (S.ctlfd >= 0)
		close(S.ctlfd);
	S.namefd = S.ctlfd = -1;
	S.owner = 0;
}

/* NAME's directory, ours; a socket left by a killed jail removed.
 * Called under the ctl directory's lock. */
static int name_dir(const char *name)
{
	char rel[80];
	int fd, r;

	if (mkdirat(S.ctlfd, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(rel, sizeof(rel), "%s/sock", name);
	if ((fd = connect_at(S.ctlfd, rel)) >= 0) {
		close(fd);
		return -EADDRINUSE;	/* a live jail answers there */
	}
	fd = openat(S.ctlfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if ((r = ours(fd)) < 0 || (unlinkat(fd, "sock", 0) < 0 &&
	    errno != ENOENT && (r = -errno))) {
		close(fd);
		return r;
	}
	return fd;
}

void control_unlink_stale(const char *name)
{
	char dir[4096], rel[80];
	int dfd = control_dir(dir, sizeof(dir), 0), fd;

	if (dfd < 0)
		return;
	snprintf(rel, sizeof(rel), "%s/sock", name);
	flock(dfd, LOCK_EX);
	if ((fd = connect_at(dfd, rel)) >= 0)
		close(fd);	/* served: a live jail's, not ours to remove */
	else if (unlinkat(dfd, rel, 0) == 0 || errno == ENOENT)
		unlinkat(dfd, name, AT_REMOVEDIR);
	flock(dfd, LOCK_UN);
	close(dfd);
}

int control_listen(const char *name, char *err, size_t errlen)
{
	static int registered;
	struct sockaddr_un sa;
	char dir[4096];
	int fd = -1, r;

	snprintf(err, errlen, "the control directory");
	if ((S.ctlfd = control_dir(dir, sizeof(dir), 1)) < 0)
		return S.ctlfd;
	snprintf(err, errlen, "%s", dir);
	if (flock(S.ctlfd, LOCK_EX) < 0)
		return -errno;
	if ((r = S.namefd = name_dir(name)) < 0)
		goto out;
	snprintf(S.name, sizeof(S.name), "%s", name);
	S.owner = getpid();
	if (!registered && atexit(remove_socket) == 0)
		registered = 1;
	snprintf(err, errlen, "%s/%s/sock", dir, name);
	if ((r = addr_at(&sa, S.namefd, "sock")) < 0)
		goto out;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 128) < 0)
		r = -errno;
out:
	flock(S.ctlfd, LOCK_UN);
	if (r < 0 && fd >= 0)
		close(fd);
	return r < 0 ? r : fd;
}

int control_guard(const char *mount, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	snprintf(S.mount, sizeof(S.mount), "%s", mount);
	S.cg_dev = st.st_dev;
	S.cg_ino = st.st_ino;
	S.guarded = 1;
	return 0;
}

/* ---- who is asking ---- */

/*
 * The pid a pidfd stands for, as /proc/self/fdinfo says; <= 0: gone.
 * *same: 1 when its NSpid line has that one pid (our PID namespace), 0
 * when more (a namespace below ours: a jail's).  Read here, not through
 * /proc/PID/ns/pid, which a capability-free server may not open for a
 * process with more capabilities (root's `jail-ai policy`, for a keeper).
 */
static pid_t pidfd_pid(int pidfd, int *same)
{
	char p[64], *buf, *s, *e;
	size_t len;
	long v = -1;

	*same = 0;
	snprintf(p, sizeof(p), "/proc/self/fdinfo/%d", pidfd);
	if (read_file(p, &buf, &len) < 0)
		return -1;
	if ((s = strstr(buf, "\nPid:")))
		v = strtol(s + 5, NULL, 10);
	if ((s = strstr(buf, "\nNSpid:"))) {
		v = strtol(s + 7, &e, 10) == v ? v : -1;
		e += strspn(e, " \t");
		*same = *e == '\n' || *e == '\0';
	}
	free(buf);
	return v > 0 && v < (1L << 30) ? (pid_t)v : -1;
}

/* 1: pid's cgroup is the jail's or below it; 0: not; < 0: unknown. */
static int in_jail(pid_t pid)
{
	char rel[JAIL_CGROUP_PATH_MAX], p[1400], *slash;
	size_t mlen = strlen(S.mount);
	struct stat st;
	int r;

	if ((r = cgroup_of_pid(pid, rel, sizeof(rel))) < 0)
		return r;
	if (snprintf(p, sizeof(p), "%s%s", S.mount, strcmp(rel, "/") ?
	    rel : "") >= (int)sizeof(p))
		return -ENAMETOOLONG;
	for (;;) {	/* the cgroup, then each ancestor up to the mount */
		if (stat(p, &st) < 0)
			return -errno;
		if (st.st_dev == S.cg_dev && st.st_ino == S.cg_ino)
			return 1;
		slash = strrchr(p, '/');
		if (!slash || (size_t)(slash - p) < mlen)
			return 0;
		*slash = '\0';
	}
}

/* 0: the client may ask; -EPERM (why said) or -errno: it may not. */
static int peer_check(int cfd, char *why, size_t len)
{
	struct ucred uc;
	socklen_t sl = sizeof(uc);
	struct pollfd pfd;
	int pidfd = -1, r, ns, in;
	pid_t pid;

	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &uc, &sl) < 0)
		return -errno;
	if (uc.uid != getuid() && uc.uid != 0) {
		snprintf(why, len, "uid %u is neither the jail's nor root",
		    (unsigned)uc.uid);
		return -EPERM;
	}
	sl = sizeof(pidfd);
	r = getsockopt(cfd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &sl);
#ifdef JAIL_FAULT_INJECTION
	/* Only in jail-ai-fault: a kernel before 6.5, for the fallback. */
	if (r == 0 && getenv("JAIL_AI_FAULT") && !strcmp(getenv(
	    "JAIL_AI_FAULT"), "nopeerpidfd")) {
		close(pidfd);
		r = -1;
		errno = ENOPROTOOPT;
	}
#endif
	if (r < 0) {
		if (errno != ENOPROTOOPT)
			return -errno;
		/* before 6.5: the pid, and below, that it is still that one */
		pidfd = (int)syscall(SYS_pidfd_open, uc.pid, 0);
		if (pidfd < 0)
			return -errno;
	}
	pid = pidfd_pid(pidfd, &ns);
	in = pid > 0 && S.guarded ? in_jail(pid) : -ESRCH;
	/* still alive: the pid read above was this process's.  A pidfd
	 * polls readable once its process has exited: no signal needed
	 * (the keeper's seccomp filter and Landlock refuse them). */
	pfd.fd = pidfd;
	pfd.events = POLLIN;
	r = poll(&pfd, 1, 0) != 0 ? -ESRCH : 0;
	close(pidfd);
	if (r == 0 && pid != uc.pid)
		r = -ESRCH;	/* SO_PEERCRED and the pidfd disagree */
	if (r == 0 && ns != 1)
		r = -EPERM;
	if (r == 0 && in != 0)
		r = -EPERM;
	snprintf(why, len, "%s", r == -ESRCH ? "the client is gone" :
	    ns != 1 ? "the client is in another PID namespace (the jail's?)" :
	    in == 1 ? "the client is inside the jail's cgroup" :
	    in < 0 ? "the client's cgroup cannot be read" : "");
	return r;
}

/* ---- the rules ---- */

static int same_prefix(const struct allow_rule *a, const struct hostip *h)
{
	return a->family == h->family && a->prefixlen == h->prefixlen &&
	    !memcmp(a->addr, h->addr, 16);
}

static int same_allow(const struct allow_rule *a, const struct allow_rule *b)
{
	return a->family == b->family && a->prefixlen == b->prefixlen &&
	    a->port == b->port && !memcmp(a->addr, b->addr, 16);
}

static int is_live_allow(const char *text)
{
	size_t i;

	for (i = 0; i < JAIL_MAX_ALLOW; i++)
		if (live[i].used && text == live[i].text)
			return 1;
	return 0;
}

/* A --deny value: ADDR or ADDR/LEN, host bits zero, nothing more. */
static int parse_deny(const char *s, struct hostip *h)
{
	size_t n = 0;
	unsigned int line;

	if (strchr(s, '\n') || strchr(s, '#'))
		return -EINVAL;
	return policy_parse_deny_file(s, strlen(s), h, 1, &n, &line) < 0 ||
	    n != 1 ? -EINVAL : 0;
}

/* What a change may need to undo. */
struct snap {
	struct allow_rule allow[JAIL_MAX_ALLOW];
	const char *text[JAIL_MAX_ALLOW];
	size_t nallow, nkept;
	struct hostip *kept;
	int used[JAIL_MAX_ALLOW];
};

static int snap_take(struct snap *sn, const struct prot_opts *o)
{
	size_t i;

	memcpy(sn->allow, o->allow, sizeof(sn->allow));
	memcpy(sn->text, o->allow_text, sizeof(sn->text));
	sn->nallow = o->nallow;
	sn->nkept = o->nkept;
	sn->kept = malloc((o->nkept + 1) * sizeof(*o->kept));
	if (!sn->kept)
		return -ENOMEM;
	memcpy(sn->kept, o->kept, o->nkept * sizeof(*o->kept));
	for (i = 0; i < JAIL_MAX_ALLOW; i++)
		sn->used[i] = live[i].used;
	return 0;
}

static void snap_restore(struct snap *sn, struct prot_opts *o)
{
	size_t i;

	memcpy(o->allow, sn->allow, sizeof(sn->allow));
	memcpy(o->allow_text, sn->text, sizeof(sn->text));
	o->nallow = sn->nallow;
	free(o->kept);
	o->kept = sn->kept;
	o->nkept = sn->nkept;
	sn->kept = NULL;
	for (i = 0; i < JAIL_MAX_ALLOW; i++)
		live[i].used = sn->used[i];
}

/*
 * As run's command line (protect.c): an allow that covers a whole fixed
 * range of more than one address, or two of them (0.0.0.0/0, ::/0,
 * 127.0.0.0/8), turns --block-host off for that part; only a jail started
 * with --force takes one.
 */
static int whole_range(const struct prot_opts *o, const struct allow_rule *a)
{
	struct hostip f[32];
	size_t nf = 0, k, whole = 0;

	if (o->force || hostips_fixed(f, 32, &nf) < 0)
		return o->force ? 0 : 1;
	for (k = 0; k < nf; k++)
		if (policy_allow_meets(a, &f[k]) == 2)
			whole += 1 + (f[k].prefixlen < (f[k].family ==
			    AF_INET ? 32 : 128));
	return whole >= 2;
}

static int op_allow(struct prot_opts *o, const char *rule, FILE *out)
{
	struct allow_rule a;
	size_t i, slot;

	if (policy_parse_allow(rule, &a) < 0) {
		fprintf(out, "--allow %s: not ADDR, ADDR/LEN, ADDR[/LEN]:PORT "
		    "or [IPV6[/LEN]]:PORT (host bits zero, port 1-65535)",
		    rule);
		return -EINVAL;
	}
	if (whole_range(o, &a)) {
		fprintf(out, "--allow %s opens a whole fixed range (loopback, "
		    "0.0.0.0/8, link-local, ...), which --block-host exists to "
		    "block; allow the address and port you need, or start the "
		    "jail with --force", rule);
		return -EPERM;
	}
	for (i = 0; i < o->nallow; i++)
		if (same_allow(&o->allow[i], &a)) {
			fprintf(out, "--allow %s: the jail has this rule already",
			    rule);
			return -EEXIST;
		}
	for (slot = 0; slot < JAIL_MAX_ALLOW && live[slot].used; slot++)
		;
	if (o->nallow >= JAIL_MAX_ALLOW || slot == JAIL_MAX_ALLOW) {
		fprintf(out, "--allow %s: the table is full (%d --allow "
		    "entries, jail-ai's own included; --remove one first)",
		    rule, JAIL_MAX_ALLOW);
		return -ENOSPC;
	}
	live[slot].used = 1;
	live[slot].a = a;
	snprintf(live[slot].text, sizeof(live[slot].text), "%s", rule);
	o->allow[o->nallow] = a;
	o->allow_text[o->nallow++] = live[slot].text;
	fprintf(out, "allowed %s", rule);
	return 0;
}

static int op_deny(struct prot_opts *o, const char *rule, FILE *out)
{
	struct hostip h, *nk;
	size_t i, nlive = 0;

	if (parse_deny(rule, &h) < 0) {
		fprintf(out, "--deny %s: not ADDR or ADDR/LEN (host bits zero)",
		    rule);
		return -EINVAL;
	}
	for (i = 0; i < o->nkept; i++) {
		nlive += o->kept[i].why == live_deny_why;
		if (o->kept[i].source == HOSTIP_USER && o->kept[i].family ==
		    h.family && o->kept[i].prefixlen == h.prefixlen &&
		    !memcmp(o->kept[i].addr, h.addr, 16)) {
			fprintf(out, "--deny %s: the jail has this rule already",
			    rule);
			return -EEXIST;
		}
	}
	if (nlive >= CONTROL_MAX_LIVE_DENY) {
		fprintf(out, "--deny %s: the table is full (%d live --deny "
		    "rules; --remove one first)", rule, CONTROL_MAX_LIVE_DENY);
		return -ENOSPC;
	}
	if (!(nk = realloc(o->kept, (o->nkept + 1) * sizeof(*nk))))
		return -ENOMEM;
	o->kept = nk;
	h.why = live_deny_why;
	o->kept[o->nkept++] = h;
	fprintf(out, "denied %s", rule);
	return 0;
}

/* Every rule of the user's equal to RULE: a port-less one may be a deny. */
static int op_remove(struct prot_opts *o, const char *rule, FILE *out)
{
	struct allow_rule a;
	struct hostip h;
	size_t i, k, gone = 0;
	int isallow = policy_parse_allow(rule, &a) == 0;
	int isdeny = parse_deny(rule, &h) == 0;

	if (!isallow && !isdeny) {
		fprintf(out, "--remove %s: not a rule (ADDR, ADDR/LEN, "
		    "ADDR[/LEN]:PORT or [IPV6[/LEN]]:PORT)", rule);
		return -EINVAL;
	}
	for (i = k = 0; isallow && i < o->nallow; i++) {
		if (o->allow_text[i] && same_allow(&o->allow[i], &a)) {
			for (k = 0; k < JAIL_MAX_ALLOW; k++)
				if (live[k].used && live[k].text ==
				    o->allow_text[i])
					live[k].used = 0;
			memmove(&o->allow[i], &o->allow[i + 1],
			    (o->nallow - i - 1) * sizeof(o->allow[0]));
			memmove(&o->allow_text[i], &o->allow_text[i + 1],
			    (o->nallow - i - 1) * sizeof(o->allow_text[0]));
			o->nallow--;
			i--;
			gone++;
		}
	}
	for (i = k = 0; isdeny && i < o->nkept; i++) {
		if (o->kept[i].source == HOSTIP_USER && o->kept[i].family ==
		    h.family && o->kept[i].prefixlen == h.prefixlen &&
		    !memcmp(o->kept[i].addr, h.addr, 16)) {
			gone++;
			continue;
		}
		o->kept[k++] = o->kept[i];
	}
	if (isdeny)
		o->nkept = k;
	if (!gone) {
		fprintf(out, "--remove %s: no --allow or --deny rule of this "
		    "jail is %s (--show lists them; host addresses, fixed "
		    "ranges, --deny-all, --block-private and jail-ai's own "
		    "allows cannot be removed)", rule, rule);
		return -ENOENT;
	}
	fprintf(out, "removed %s (%zu rule%s)", rule, gone, gone > 1 ? "s" :
	    "");
	return 0;
}

/* ---- the live rules kept across a podman jail's restarts ---- */

/* The live set, as ctlparse.c reads it back: live --allow texts, then
 * live --deny prefixes. */
static void live_format(const struct prot_opts *o, FILE *out)
{
	char a[INET6_ADDRSTRLEN];
	size_t i;

	fputs(CONTROL_LIVE_HEAD, out);
	for (i = 0; i < JAIL_MAX_ALLOW; i++)
		if (live[i].used)
			fprintf(out, "allow %s\n", live[i].text);
	for (i = 0; i < o->nkept; i++)
		if (o->kept[i].why == live_deny_why && inet_ntop(
		    o->kept[i].family, o->kept[i].addr, a, sizeof(a)))
			fprintf(out, "deny %s/%u\n", a, o->kept[i].prefixlen);
	fputs("end\n", out);
}

/* Written whole to rules.tmp, renamed over rules: a reader sees the old
 * set or the new, never a part. */
static int live_save(const struct prot_opts *o)
{
	char *text = NULL;
	size_t len = 0, off = 0;
	ssize_t n;
	FILE *out = open_memstream(&text, &len);
	int fd = -1, r = 0;

	if (!out)
		return -ENOMEM;
	live_format(o, out);
	if (fclose(out) != 0) {
		free(text);
		return -ENOMEM;
	}
	fd = openat(S.live_dir, "rules.tmp", O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		r = -errno;
	while (r == 0 && off < len) {
		n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			r = n < 0 ? -errno : -EIO;
		else
			off += (size_t)n;
	}
	if (fd >= 0 && close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(S.live_dir, "rules.tmp", S.live_dir,
	    "rules") < 0)
		r = -errno;
	free(text);
	return r;
}

void control_persist(int dirfd)
{
	S.live_dir = dirfd;
}

int control_live_adopt(struct prot_opts *o, const struct control_live *lv,
    char *err, size_t errlen)
{
	size_t i, len;
	char *text;
	FILE *out;
	int r = 0;

	for (i = 0; r == 0 && i < lv->nallow + lv->ndeny; i++) {
		text = NULL;
		if (!(out = open_memstream(&text, &len)))
			return -ENOMEM;
		r = i < lv->nallow ? op_allow(o, lv->allow[i], out) :
		    op_deny(o, lv->deny[i - lv->nallow], out);
		if (fclose(out) == 0 && r < 0)
			snprintf(err, errlen, "%s", text);
		free(text);
	}
	return r;
}

/* ---- --show ---- */

static void show_sources(FILE *out, const struct prot_opts *o,
    const struct hostip *host, size_t nhost, const struct allow_rule *key)
{
	const char *sep = "";
	char txt[80];
	size_t i;

	for (i = 0; i < nhost; i++)
		if (same_prefix(key, &host[i]) && host[i].source ==
		    HOSTIP_FIXED) {
			fprintf(out, "%sfixed range (%s)", sep, host[i].why ?
			    host[i].why : "fixed");
			sep = "; ";
		} else if (same_prefix(key, &host[i])) {
			fprintf(out, "%shost address (%s)", sep,
			    hostip_source_name(host[i].source));
			sep = "; ";
		}
	for (i = 0; i < o->nkept; i++)
		if (same_prefix(key, &o->kept[i])) {
			fprintf(out, "%s%s", sep, o->kept[i].source ==
			    HOSTIP_USER ? o->kept[i].why :
			    hostip_source_name(o->kept[i].source));
			sep = "; ";
		}
	for (i = 0; i < o->nallow; i++) {
		struct allow_rule a = o->allow[i];

		if (a.family != key->family || a.prefixlen != key->prefixlen ||
		    memcmp(a.addr, key->addr, 16))
			continue;
		if (!o->allow_text[i] && policy_format_allow(&a, txt,
		    sizeof(txt)) < 0)
			txt[0] = '\0';
		fprintf(out, "%s%s %s", sep, !o->allow_text[i] ? "jail-ai's "
		    "own allow (resolver, loopback or --proxy)" :
		    is_live_allow(o->allow_text[i]) ? "live --allow" :
		    "--allow", o->allow_text[i] ? o->allow_text[i] : txt);
		sep = "; ";
	}
	if (!*sep)
		fprintf(out, "host address (gone since the last refresh)");
}

static void show_entry(FILE *out, const struct prot_opts *o,
    const struct hostip *host, size_t nhost, int family, unsigned int plen,
    const uint8_t *addr, const struct jail_verdict *v)
{
	struct allow_rule key;
	char a[INET6_ADDRSTRLEN], pfx[64];
	unsigned int i;

	memset(&key, 0, sizeof(key));
	key.family = (uint8_t)family;
	key.prefixlen = (uint8_t)plen;
	memcpy(key.addr, addr, family == AF_INET ? 4 : 16);
	inet_ntop(family, addr, a, sizeof(a));
	snprintf(pfx, sizeof(pfx), "%s/%u", a, plen);
	fprintf(out, "%-5s %-43s", v->action == JAIL_ALLOW ? "allow" : "deny",
	    pfx);
	for (i = 0; i < v->nports && i < JAIL_MAX_PORTS; i++)
		fprintf(out, "%s%u", i ? "," : " except ports ", v->ports[i]);
	fprintf(out, "  # ");
	show_sources(out, o, host, nhost, &key);
	fputc('\n', out);
}

static int op_show(const struct refresh *rf, FILE *out)
{
	struct hostip *h = NULL;
	char err[256];
	size_t n = 0, i;

	if (hostips_discover(&h, &n, err, sizeof(err)) < 0)
		n = 0;
	fprintf(out, "# %zu IPv4 and %zu IPv6 entries, as the maps hold "
	    "them; an address takes its longest matching entry, none: "
	    "allowed\n", rf->n4, rf->n6);
	for (i = 0; i < rf->n4; i++)
		show_entry(out, rf->o, h, n, AF_INET, rf->r4[i].key.prefixlen,
		    rf->r4[i].key.addr, &rf->r4[i].v);
	for (i = 0; i < rf->n6; i++)
		show_entry(out, rf->o, h, n, AF_INET6, rf->r6[i].key.prefixlen,
		    rf->r6[i].key.addr, &rf->r6[i].v);
	free(h);
	return 0;
}

/* ---- one connection ---- */

/*
 * A client's whole exchange is bounded in time, not per call: this runs in
 * the loop that also applies the host's address changes, so a client that
 * trickles bytes (one a second would pass a per-call timeout) must not hold
 * it.  Milliseconds left until the deadline, 0 when it has passed.
 */
static int ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (int)ms : 0;
}

static void deadline_in(struct timespec *d, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += ms / 1000;
	d->tv_nsec += (long)(ms % 1000) * 1000000;
	if (d->tv_nsec >= 1000000000) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000;
	}
}

/* Waits until cfd is ready for ev, before the deadline: 0 or -ETIMEDOUT. */
static int wait_ready(int cfd, short ev, const struct timespec *deadline)
{
	struct pollfd pf = { .fd = cfd, .events = ev };
	int r;

	do
		r = poll(&pf, 1, ms_left(deadline));
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : r == 0 ? -ETIMEDOUT : -errno;
}

/* The request's bytes, before the peer is judged (so that a refused
 * client reads its EPERM rather than a reset); checked after.  All of it
 * within CONTROL_CLIENT_MS of the accept. */
static int read_req(int cfd, struct control_req *rq,
    const struct timespec *deadline)
{
	size_t got = 0;
	ssize_t n;
	int r;

	memset(rq, 0, sizeof(*rq));
	while (got < sizeof(*rq)) {
		if ((r = wait_ready(cfd, POLLIN, deadline)) < 0)
			return r;
		n = recv(cfd, (char *)rq + got, sizeof(*rq) - got,
		    MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPROTO;
		got += (size_t)n;
	}
	return 0;
}

/* The header, then the text; a client that stops reading is dropped at
 * the deadline (CONTROL_CLIENT_MS from now). */
static void reply(int cfd, int status, const char *text, size_t len)
{
	struct control_reply h;
	struct timespec deadline;
	size_t off = 0;
	ssize_t n;

	deadline_in(&deadline, CONTROL_CLIENT_MS);
	memset(&h, 0, sizeof(h));
	h.magic = CONTROL_MAGIC;
	h.status = status;
	h.len = (uint32_t)len;
	if (send(cfd, &h, sizeof(h), MSG_NOSIGNAL | MSG_DONTWAIT) !=
	    (ssize_t)sizeof(h))
		return;
	while (off < len) {
		if (wait_ready(cfd, POLLOUT, &deadline) < 0)
			return;
		n = send(cfd, text + off, len - off, MSG_NOSIGNAL |
		    MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

/* EVENTS: the backlog (the follower is taken by one_client); COUNTERS:
 * the summary line.  -ENOTSUP when this jail keeps no events. */
static int op_events(struct refresh *rf, const struct control_req *rq,
    FILE *out)
{
	char line[512];
	int n;

	if (!rf->ev || !rf->ev->log) {
		fputs("this jail keeps no denial events", out);
		return -ENOTSUP;
	}
	if (rq->op == CONTROL_EVENTS)
		return events_backlog(rf->ev, out);
	events_drain(rf->ev);	/* what the ring holds now counts too */
	if ((n = events_summary_fmt(rf->ev, line, sizeof(line))) < 0)
		return n;
	/* --allow-domain: the forwarder's counters, one member more */
	if (n > 0 && line[n - 1] == '\n')
		n--;
	if (n > 0 && line[n - 1] == '}')
		n--;
	fwrite(line, 1, (size_t)n, out);
	if (rf->dom)
		fprintf(out, ",\"dns\":{\"queries\":%lu,\"refused\":%lu,"
		    "\"forwarded\":%lu,\"answered\":%lu,\"failed\":%lu,"
		    "\"allowed\":%lu}", rf->dom->fwd.queries,
		    rf->dom->fwd.refused, rf->dom->fwd.forwarded,
		    rf->dom->fwd.answered, rf->dom->fwd.failed,
		    rf->dom->allowed);
	fputs("}\n", out);
	return 0;
}

/* The request applied: rf->o changed, the maps brought to it; undone
 * when the policy cannot be built; -errno fatal when a write failed. */
static int serve(struct refresh *rf, const struct control_req *rq,
    FILE *out, int *fatal, char *err, size_t errlen)
{
	struct snap sn;
	int r;

	if (rq->op == CONTROL_SHOW)
		return op_show(rf, out);
	if (rq->op == CONTROL_EVENTS || rq->op == CONTROL_COUNTERS)
		return op_events(rf, rq, out);
	if ((r = snap_take(&sn, rf->o)) < 0)
		return r;
	r = rq->op == CONTROL_ALLOW ? op_allow(rf->o, rq->rule, out) :
	    rq->op == CONTROL_DENY ? op_deny(rf->o, rq->rule, out) :
	    op_remove(rf->o, rq->rule, out);
	if (r == 0 && (r = refresh_apply(rf, err, errlen)) < 0) {
		fprintf(out, "; not applied: %s: %s", err, r == -E2BIG ?
		    "the table is full (more than 8 ports on one prefix, or "
		    "too many entries)" : strerror(-r));
		*fatal = rf->writing;
	}
	if (r < 0 && !*fatal)
		snap_restore(&sn, rf->o);
	free(sn.kept);
	/* applied: kept for the jail's next start too (a podman jail's) */
	if (r == 0 && S.live_dir >= 0 && (r = live_save(rf->o)) < 0)
		fprintf(out, "; applied, but not saved in " CONTROL_LIVE_DIR
		    "/keeper-%s.live/rules (%s): it lasts until the jail "
		    "stops", S.name, strerror(-r));
	return r;
}

static int one_client(struct refresh *rf, int cfd, char *err, size_t errlen)
{
	struct timespec deadline;
	struct control_req rq;
	char why[128] = "", *text = NULL;
	size_t len = 0;
	FILE *out;
	int r, fatal = 0;

	deadline_in(&deadline, CONTROL_CLIENT_MS);
	r = read_req(cfd, &rq, &deadline);
	if (peer_check(cfd, why, sizeof(why)) < 0) {
		reply(cfd, -EPERM, why, strlen(why));
		return 0;
	}
	if (r < 0 || control_req_check(&rq, sizeof(rq)) < 0) {
		reply(cfd, -EPROTO, "bad request", 11);
		return 0;
	}
	if (!(out = open_memstream(&text, &len)))
		return 0;
	r = serve(rf, &rq, out, &fatal, err, errlen);
	if (fclose(out) == 0 && len <= CONTROL_MAX_REPLY)
		reply(cfd, r, text, len);
	free(text);
	/* --follow: the connection is the events' from here (1: kept) */
	if (r == 0 && rq.op == CONTROL_EVENTS && (rq.flags &
	    CONTROL_F_FOLLOW) && events_follow(rf->ev, cfd) == 0)
		return 1;
	if (fatal)
		snprintf(err, errlen, "live policy: a map update failed "
		    "half-way");
	return fatal ? -EIO : 0;
}

int control_handle(struct refresh *rf, int lfd, char *err, size_t errlen)
{
	struct timespec budget;
	int cfd, i, r;

	/* Then the address changes get their turn: at most 64 clients and no
	 * new one after CONTROL_ROUND_MS. */
	deadline_in(&budget, CONTROL_ROUND_MS);
	for (i = 0; i < 64 && (i == 0 || ms_left(&budget) > 0); i++) {
		cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0)
			return 0;	/* none left (EAGAIN), or it went */
		r = one_client(rf, cfd, err, errlen);
		if (r != 1)
			close(cfd);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- the client ---- */

static int read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPROTO;
		got += (size_t)n;
	}
	return 0;
}

int control_call(const char *name, const struct control_req *rq,
    int32_t *status, char **text)
{
	return control_call_fd(name, rq, status, text, NULL);
}

int control_call_fd(const char *name, const struct control_req *rq,
    int32_t *status, char **text, int *fdp)
{
	struct control_reply h;
	char dir[4096], rel[80];
	int dfd, fd, r;

	*text = NULL;
	if ((dfd = control_dir(dir, sizeof(dir), 0)) < 0)
		return dfd == -ENOENT ? -ESRCH : dfd;
	snprintf(rel, sizeof(rel), "%s/sock", name);
	fd = connect_at(dfd, rel);
	close(dfd);
	if (fd < 0)
		return fd == -ENOENT || fd == -ECONNREFUSED ? -ESRCH : fd;
	r = send(fd, rq, sizeof(*rq), MSG_NOSIGNAL) == (ssize_t)sizeof(*rq) ?
	    0 : -EPIPE;
	if (r == 0)
		r = read_all(fd, &h, sizeof(h));
	if (r == 0 && (h.magic != CONTROL_MAGIC || h.len > CONTROL_MAX_REPLY))
		r = -EPROTO;
	if (r == 0 && !(*text = calloc(1, h.len + 1)))
		r = -ENOMEM;
	if (r == 0)
		r = read_all(fd, *text, h.len);
	if (r == 0 && fdp && h.status == 0)
		*fdp = fd;
	else
		close(fd);
	if (r < 0) {
		free(*text);
		*text = NULL;
		return r;
	}
	*status = h.status;
	return 0;
}
