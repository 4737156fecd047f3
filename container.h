/*
 * container.h - container.c: the podman jail commands.
 */
#ifndef JAIL_CONTAINER_H
#define JAIL_CONTAINER_H

struct create_opts;

/*
 * The jail o describes made and started under its policy (create's body,
 * for `create` and the agents): 0, or dies saying why (a jail that could
 * not be started protected is removed).  --dry-run: the command line.
 */
int container_create(struct create_opts *o);

/* create, start, stop, rm, exec, shell, list, status: argv[0] names it;
 * -1 when argv[0] is none of them. */
int cmd_container(int argc, char **argv);
/* `jail-ai [JAIL-OPTIONS]`: a shell in this project's jail. */
int cmd_project_shell(int argc, char **argv);

#endif
