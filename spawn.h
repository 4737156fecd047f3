/*
 * spawn.h - spawn.c: starting the privileged child (loader.c) with one
 * request and reading its reply.
 */
#ifndef JAIL_SPAWN_H
#define JAIL_SPAWN_H

#include <stddef.h>

#include "request.h"

int privsep_init(void);
int privsep_call(const void *req, size_t len, struct jail_reply *rep);
/* JAIL_REQ_F_MAPFDS: the same, and on success the JAIL_NMAPS map fds. */
int privsep_call_fds(const void *req, size_t len, struct jail_reply *rep,
    int fds[JAIL_NMAPS]);
const char *privsep_step_name(unsigned int step);

#endif
