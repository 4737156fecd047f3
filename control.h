/*
 * control.h - control.c: `jail-ai policy NAME ...`, live rules for a
 * running jail, asked of the process that holds the jail's maps (the
 * `run` parent; a podman keeper could serve the same socket).
 */
#ifndef JAIL_CONTROL_H
#define JAIL_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "refresh.h"

#define CONTROL_MAGIC	0x6a616931u	/* "jai1" */
#define CONTROL_VERSION	1
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
};

/* One request a connection: fixed size, no pointers. */
struct control_req {
	uint32_t magic;
	uint16_t version;
	uint16_t op;		/* CONTROL_* */
	char rule[128];		/* NUL-terminated; "" for SHOW */
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

/* Client: one request to NAME's jail; *text malloc'd (NUL-terminated). */
int control_call(const char *name, const struct control_req *rq,
    int32_t *status, char **text);

#endif
