/*
 * check.h - `jail-ai check` (check.c): this system's kernel and setup
 * against what jail-ai needs.
 */
#ifndef JAIL_CHECK_H
#define JAIL_CHECK_H

/* Prints one line per requirement; 0 when run --block-host can work. */
int cmd_check(int argc, char **argv);

#endif
