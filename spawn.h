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
const char *privsep_step_name(unsigned int step);

#endif
