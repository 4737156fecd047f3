/*
 * status.h - status.c: the list and status commands.
 */
#ifndef JAIL_STATUS_H
#define JAIL_STATUS_H

/* list [--json] */
int cmd_list(int argc, char **argv);
/* 1: podman has no container NAME in this storage. */
int pod_gone(const char *name);
/* status [--json] NAME */
int cmd_status(int argc, char **argv);

#endif
