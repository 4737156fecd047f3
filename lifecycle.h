/*
 * lifecycle.h - commands that tidy up after jails and images
 * (lifecycle.c).
 */
#ifndef JAIL_LIFECYCLE_H
#define JAIL_LIFECYCLE_H

/* `jail-ai clean [-y]`: every jail-ai container of this user, removed. */
int cmd_clean(int argc, char **argv);
/* `jail-ai images prune [-y]` (argv[0] "prune"): dangling and stale
 * jail-ai images, removed. */
int images_prune(int argc, char **argv);

#endif
