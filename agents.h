/*
 * agents.h - the agents (agents.c): the table of agents, and the command
 * `jail-ai AGENT`.  images.c asks it for an agent's name, recipe and the
 * language layers that recipe needs; jail.c dispatches to agent_main.
 */
#ifndef JAIL_AGENTS_H
#define JAIL_AGENTS_H

#include <stddef.h>

struct agent;

/* The agent named NAME ("claude"), or NULL. */
const struct agent *agent_find(const char *name);
const char *agent_name_of(const struct agent *a);
const char *agent_recipe_of(const struct agent *a);
/* The agent's program in its image ("claude", "cursor-agent"). */
const char *agent_bin_of(const struct agent *a);
/* Language layers the agent's recipe needs (nodejs for npm installs). */
unsigned int agent_needs(const struct agent *a);
/* `jail-ai AGENT [OPTIONS] [-- AGENT-ARGS]`, argv[0] the agent's name. */
int agent_main(int argc, char **argv);
/* The git root above the current directory, else the current directory. */
void agent_workspace(char *out, size_t len);

#endif
