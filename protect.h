/*
 * protect.h - protect.c: --block-host, shared by run and the podman jails:
 * the options, the policy built from them, the child's attach and the
 * canary.
 */
#ifndef JAIL_PROTECT_H
#define JAIL_PROTECT_H

#include <sys/types.h>

#include "cgroup.h"
#include "hostips.h"
#include "policy.h"

struct dns_names;

struct prot_opts {
	const char *who;	/* "run", "create", ...: for messages */
	pid_t net_pid;		/* a podman jail's init; 0: see own_netns */
	int own_netns;		/* with no net_pid: a network namespace of
				 * its own (a podman jail not started yet) */
	int block_host, no_dns;
	int deny_all, block_private;	/* imply block_host */
	const char *proxy;	/* --proxy URL: deny_all, one allow (its
				 * text NULL: labelled as jail-ai.proxy) */
	int allow_dns;		/* --allow-dns: --proxy keeps the resolver */
	struct allow_rule allow[JAIL_MAX_ALLOW];
	const char *allow_text[JAIL_MAX_ALLOW];	/* as given; DNS ones NULL */
	size_t nallow;
	const char *deny[JAIL_MAX_ALLOW];	/* --deny values, checked */
	size_t ndeny;
	const char *deny_file[JAIL_MAX_DENY_FILES];	/* in order given */
	size_t ndeny_file;
	int force;		/* --force: allows that open a whole range */
	/* --allow-domain NAME...: calloc'd at the first (dns.h); run only */
	struct dns_names *domains;
	/* run's address refresh (refresh.c): prot_build keeps here what it
	 * denied beyond the host's addresses (--deny, --deny-file, modes),
	 * malloc'd, so that a rebuild needs no file read twice. */
	int want_kept;
	struct hostip *kept;
	size_t nkept;
};

int prot_parse_opt(struct prot_opts *o, int argc, char **argv, int *i);
void prot_check(struct prot_opts *o);
/* What --proxy URL sets in the jail: each of these to URL, and NO_PROXY
 * and no_proxy to PROT_NO_PROXY. */
#define PROT_PROXY_VARS	{ "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", \
	"https_proxy", NULL }
#define PROT_NO_PROXY	"localhost,127.0.0.1,::1"
void prot_build(struct prot_opts *o, struct policy *p);
/* Dies with the setcap line when a non-root caller lacks file caps. */
void prot_need_caps(const char *who);
/* The child attaches p to cg, then the canary; 0, or < 0 after saying why. */
int protect(const char *who, const struct jail_cgroup *cg, struct policy *p);
/* The same, the canary in leaf, a cgroup below cg (a parent whose subtree
 * has controllers enabled may hold no process itself). */
int protect_at(const char *who, const struct jail_cgroup *cg,
    const struct jail_cgroup *leaf, struct policy *p);
/* The same with JAIL_REQ_F_MAPFDS: on 0, maps[] holds jail_v4, jail_v6, jail_ev, jail_cnt. */
int protect_fds(const char *who, const struct jail_cgroup *cg,
    struct policy *p, int maps[JAIL_NMAPS]);
/* protect_at with JAIL_REQ_F_MAPFDS (the fast path's keeper, keeper.c). */
int protect_at_fds(const char *who, const struct jail_cgroup *cg,
    const struct jail_cgroup *leaf, struct policy *p, int maps[JAIL_NMAPS]);
/* 1: pid is in our network namespace, 0: another, < 0: cannot tell. */
int prot_same_netns(pid_t pid);

#endif
