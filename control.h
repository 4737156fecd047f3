/*
 * control.h - control.c: `jail-ai policy NAME ...`, live rules for a
 * running jail, and its events, asked of the process that holds the
 * jail's maps (the `run` parent, or a podman jail's keeper).
 */
#ifndef JAIL_CONTROL_H
#define JAIL_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "refresh.h"

#define CONTROL_MAGIC	0x6a616931u	/* "jai1" */
#define CONTROL_VERSION	2	/* 2: flags, EVENTS, COUNTERS */
#define CONTROL_MAX_LIVE_DENY	64	/* live --deny rules; live --allow
					 * rules share --allow's 64 slots */
#define CONTROL_MAX_REPLY	(8 << 20)	/* bytes of text, --show */
/* One client's request, and apart its reply, each within this (ms); one
 * round of control_handle accepts no new client after CONTROL_ROUND_MS. */
#define CONTROL_CLIENT_MS	1000
#define CONTROL_ROUND_MS	100

enum {
	CONTROL_ALLOW = 1,
	CONTROL_DENY = 2,
	CONTROL_REMOVE = 3,
	CONTROL_SHOW = 4,
	CONTROL_EVENTS = 5,	/* the backlog; with FOLLOW, then new lines */
	CONTROL_COUNTERS = 6,	/* the summary line (denied per hook...) */
};
#define CONTROL_F_FOLLOW	0x1	/* EVENTS only */

/* One request a connection: fixed size, no pointers. */
struct control_req {
	uint32_t magic;
	uint16_t version;
	uint16_t op;		/* CONTROL_* */
	uint32_t flags;		/* CONTROL_F_*; 0 but for EVENTS */
	char rule[128];		/* NUL-terminated; "" but for ALLOW, DENY,
				 * REMOVE */
};

/* The reply: this header, then len bytes of text (the message, or the
 * entries for SHOW).  status: 0 or -errno. */
struct control_reply {
	uint32_t magic;
	int32_t status;
	uint32_t len;
	uint32_t pad;
};

/* A jail name as podman's: [A-Za-z0-9][A-Za-z0-9_.-]{0,62}.  1: valid. */
int control_name_ok(const char *name);
/*
 * The sockets' directory, <jail-ai's own directory>/ctl (seccomp.c:
 * /run/jail-ai for root, else $XDG_RUNTIME_DIR/jail-ai or
 * $HOME/.cache/jail-ai), made 0700 when create; an fd of it, its real
 * path in dir.  -ENOENT when it does not exist and !create.
 */
int control_dir(char *dir, size_t len, int create);

/*
 * Server.  control_listen: NAME's socket, <ctl>/NAME/sock (pathname,
 * never abstract), listening, non-blocking; removed with its directory by
 * control_close or at exit.  -EADDRINUSE while a live jail serves NAME.
 * control_guard: the jail's cgroup (mount: the cgroup2 mount, path: the
 * cgroup's directory); a client inside it is refused.  control_handle:
 * serves every client waiting on lfd, one at a time (so requests are
 * serialised), each checked first (peer_check); 0, or -errno when a map
 * update failed half-way (err names it): the jail must then stop.  Its
 * signature is struct refresh's on_ctl.
 */
int control_listen(const char *name, char *err, size_t errlen);
int control_guard(const char *mount, const char *path);
int control_handle(struct refresh *rf, int lfd, char *err, size_t errlen);
void control_close(void);
/* The keeper: the directory fds closed, the socket left for it to serve
 * (its stale file is removed by the next control_listen or keeper_stop). */
void control_detach(void);
/* NAME's socket and directory removed unless a live server answers there
 * (keeper_stop: the keeper ends with _exit and leaves them). */
void control_unlink_stale(const char *name);

/*
 * A podman jail's live rules across its restarts (keeper.c, jailstart.c):
 * control_persist: after each change applied, the server writes the live
 * set (ctlparse.h's format) to dirfd/rules (dirfd: the keeper's
 * CONTROL_LIVE_DIR/keeper-NAME.live, open for good).  control_live_adopt:
 * the saved set made live again in o, each rule checked as `policy` checks
 * it; 0, or -errno with err saying which rule and why.
 */
#define CONTROL_LIVE_DIR	"/run/jail-ai"
struct control_live;
void control_persist(int dirfd);
int control_live_adopt(struct prot_opts *o, const struct control_live *lv,
    char *err, size_t errlen);

/* Client: one request to NAME's jail; *text malloc'd (NUL-terminated).
 * With fdp (EVENTS with FOLLOW): the connection stays open there. */
int control_call(const char *name, const struct control_req *rq,
    int32_t *status, char **text);
int control_call_fd(const char *name, const struct control_req *rq,
    int32_t *status, char **text, int *fdp);

#endif
