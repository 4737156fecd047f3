/*
 * container.h - container.c: the podman jail commands.
 */
#ifndef JAIL_CONTAINER_H
#define JAIL_CONTAINER_H

/* create, start, stop, rm, exec, shell, list, status: argv[0] names it;
 * -1 when argv[0] is none of them. */
int cmd_container(int argc, char **argv);
/* `jail-ai [JAIL-OPTIONS]`: a shell in this project's jail. */
int cmd_project_shell(int argc, char **argv);

#endif
