/*
 * ctlparse.h - ctlparse.c: the pure decoders of live policy's untrusted
 * bytes, a control request and a jail's saved live rules, for control.c,
 * jailstart.c and the fuzzers.
 */
#ifndef JAIL_CTLPARSE_H
#define JAIL_CTLPARSE_H

#include <stddef.h>

#include "control.h"
#include "policy.h"

/* 0 when buf holds exactly one well-formed struct control_req (len is its
 * size, every field checked); -EPROTO otherwise. */
int control_req_check(const void *buf, size_t len);

/*
 * A podman jail's live rules as its keeper saves them (keeper.c):
 *	jail-ai live rules 1
 *	allow RULE			(as `policy --allow` takes it)
 *	deny ADDR[/LEN]			(as `policy --deny` takes it)
 *	end
 * every line ending in '\n', "end" last (a cut file is damaged), at most
 * JAIL_MAX_ALLOW allows and CONTROL_MAX_LIVE_DENY denies.
 */
#define CONTROL_LIVE_HEAD	"jail-ai live rules 1\n"
#define CONTROL_LIVE_MAX	((JAIL_MAX_ALLOW + CONTROL_MAX_LIVE_DENY) * \
				 (JAIL_MAX_RULE_LEN + 7) + 64)
struct control_live {
	char allow[JAIL_MAX_ALLOW][JAIL_MAX_RULE_LEN + 1];
	size_t nallow;
	char deny[CONTROL_MAX_LIVE_DENY][JAIL_MAX_RULE_LEN + 1];
	size_t ndeny;
};
/* 0, or -EINVAL (*line: the bad line, 1-based) / -E2BIG (too many rules,
 * or more than CONTROL_LIVE_MAX bytes). */
int control_live_parse(const char *buf, size_t len, struct control_live *lv,
    unsigned int *line);

#endif
