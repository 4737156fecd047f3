/*
 * create.h - create.c: create's options, checked, and the podman create
 * command line and labels made from them.
 */
#ifndef JAIL_CREATE_H
#define JAIL_CREATE_H

#include "images.h"
#include "podman.h"
#include "protect.h"

#define CREATE_MAX_TOKENS	256

/*
 * A jail to make, typed: `create`'s command line fills it (parse_create),
 * and so do the agents (create_opts_init, create_jail_opt,
 * create_add_mount, then the fields they own), for container_create.
 */
struct create_opts {
	struct prot_opts prot;
	const char *name, *image, *ws_arg, *network, *memory, *cpus;
	const char *restart;		/* --restart, checked */
	int fast;			/* rootful --block-host: podman run
					 * below a protected parent */
	char *gateways;			/* the network's, for a fast one */
	int force_mount, ssh_agent, root, recreate, dry_run, no_ws;
	int no_nix;			/* --no-nix */
	int nix;		/* flake.nix and no --no-nix: commands
				 * run in `nix develop` (label
				 * jail-ai.nix, volume NAME-nix) */
	struct img_opts img;		/* the image when no --image */
	const char *mounts[32], *ports[32], *envs[64];
	size_t nmounts, nports, nenvs;
	char **cmd;
	/* The shaping options as given ("--mount=/src:/dst", sorted when
	 * written): the jail-ai.options label, compared by later runs. */
	char *tok[CREATE_MAX_TOKENS];
	size_t ntok;
};

struct jail_user {
	unsigned long uid, gid;
	int keep_id;		/* rootless podman: --userns=keep-id */
	int root;		/* --root: uid 0 in the jail */
};

/* create's command line into o, every option checked; dies otherwise
 * (--help: the usage, exit 0). */
void parse_create(int argc, char **argv, struct create_opts *o);
/* o empty; WHO ("create", an agent's name) starts its messages. */
void create_opts_init(struct create_opts *o, const char *who);
/*
 * The jail option at argv[*i] (and its value, *i moved past it) into o:
 * --block-host and the policy options, -m, -p, -e, --network, --memory,
 * --cpus, --ssh-agent, --force-mount.  1 when it was one; dies on a
 * missing value or a full list.
 */
int create_jail_opt(struct create_opts *o, int argc, char **argv, int *i);
/* What o holds (the tokens); the rest is the caller's. */
void create_opts_free(struct create_opts *o);
/* -m SPEC into o (checked when the jail is made). */
void create_add_mount(struct create_opts *o, const char *spec);
/* The checks that need every option (the name, the policy); dies. */
void create_check(struct create_opts *o);
/* The git root above arg (default: the current directory), else arg
 * itself; dies when it would expose too much.  out holds PATH_MAX. */
void workspace(const char *arg, char *out);
/* Whose files the jail writes (see --root in create --help). */
void jail_user(const struct create_opts *o, const char *ws,
    struct jail_user *u);
/* podman create's arguments into a, each option checked (dies if not);
 * the index of image in a->v, so that it can be set later. */
size_t build_create(struct args *a, const struct create_opts *o,
    const char *ws, const struct jail_user *u, const char *image);
/* The home, and directories runc made on the way to a mount below it,
 * given to the jail's user; a failure is said, not fatal. */
void fix_home(const struct create_opts *o, const struct jail_user *u);
/* 1 when WS has a top-level flake.nix and o has no --no-nix, nor
 * --no-workspace: the jail's commands run in its dev shell. */
int create_wants_nix(const struct create_opts *o, const char *ws);
/* A nix jail's /nix (the volume NAME-nix) given to the jail's user, with
 * the directories a single-user store needs; a failure is said. */
void fix_nix(const struct create_opts *o, const struct jail_user *u);
/* A jail-ai jail NAME exists; dies otherwise. */
void need_jail(const char *who, const char *name);
/* NAME=VALUE with NAME a shell variable name; dies otherwise. */
void check_env(const char *kv);
/* --env KV into a, checked. */
void add_env(struct args *a, const char *kv);
/*
 * The shaping options in o against those the jail NAME was made with
 * (its jail-ai.options label): each difference said on stderr; how many.
 * Mounts below the jail's home do not count.
 */
int jail_options_differ(const char *who, const char *name,
    const struct create_opts *o);

#endif
