/*
 * status.h - status.c: the list and status commands.
 */
#ifndef JAIL_STATUS_H
#define JAIL_STATUS_H

/* list [--json] */
int cmd_list(int argc, char **argv);
/* status [--json] NAME */
int cmd_status(int argc, char **argv);

#endif
