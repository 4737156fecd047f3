/*
 * lifecycle.c - tidying up: `jail-ai clean` removes every jail-ai
 * container of this user (with its home volume), `jail-ai images prune`
 * the jail-ai images nothing builds on any more (dangling ones a rebuild
 * left, and tags whose recipe or base changed).  Both list what they
 * would remove and ask, unless -y.
 *
 * No privilege.  Untrusted inputs: podman's answers (names, ids, labels:
 * split on tabs and newlines, passed back to podman as single arguments,
 * never through a shell) and the answer typed at the prompt.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "images.h"
#include "jailstart.h"
#include "keeper.h"
#include "lifecycle.h"
#include "podman.h"
#include "status.h"
#include "util.h"

#define ITEMS_MAX	4096

struct item {
	char *f[5];			/* the fields of one line of podman's */
};

/* Lines of TAB-separated fields, in place; how many (at most MAX). */
static size_t split_lines(char *out, struct item *it, size_t max, int nf)
{
	char *line, *save, *t;
	size_t n = 0;
	int k;

	for (line = strtok_r(out, "\n", &save); line && n < max;
	    line = strtok_r(NULL, "\n", &save)) {
		memset(&it[n], 0, sizeof(it[n]));
		for (k = 0, t = line; k < nf; k++) {
			it[n].f[k] = t ? t : "";
			if (t && (t = strchr(t, '\t')))
				*t++ = '\0';
		}
		n++;
	}
	return n;
}

/* -y, else a terminal's "y"; 0 to go on, else why not (said). */
static int confirm(const char *who, int yes, const char *question)
{
	char ans[16];

	if (yes)
		return 0;
	if (!isatty(0)) {
		warnx("%s: not a terminal to ask on: nothing removed (-y to "
		    "remove without asking)", who);
		return -1;
	}
	fprintf(stderr, "%s [y/N] ", question);
	if (!fgets(ans, sizeof(ans), stdin) || (ans[0] != 'y' &&
	    ans[0] != 'Y')) {
		fprintf(stderr, "jail-ai: %s: nothing removed\n", who);
		return -1;
	}
	return 0;
}

static int parse_yes(const char *who, int argc, char **argv)
{
	int i, yes = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-y") == 0 || strcmp(argv[i], "--yes") == 0)
			yes = 1;
		else
			die(EXIT_USAGE, "usage: jail-ai %s [-y]", who);
	}
	return yes;
}

static char *capture(const char *who, const char *const *args)
{
	struct podman_status ps;
	char *out;

	if (podman_init() < 0)
		die(EXIT_SYSFAIL, "%s: podman not found (install podman and "
		    "runc, or set JAIL_AI_PODMAN)", who);
	if (podman_capture(args, 0, &out, &ps) < 0)
		die(EXIT_SYSFAIL, "%s: podman %s %s failed (exit %d)", who,
		    args[0], args[1], ps.code);
	return out;
}

/*
 * This user's jails: all in the caller's podman storage (rootless
 * podman's is its own); for root run through sudo, those made for
 * $SUDO_UID (label jail-ai.user UID:GID).
 */
static int mine(const char *user)
{
	const char *sudo = getenv("SUDO_UID");
	size_t n;

	if (getuid() != 0 || !sudo || !sudo[0])
		return 1;
	n = strlen(sudo);
	return strncmp(user, sudo, n) == 0 && user[n] == ':';
}

/* A keeper (and its pod cgroup) whose container was removed behind
 * jail-ai's back: nothing of the user's is left in it; reaped. */
static void reap_orphan(const char *name, void *arg)
{
	int lk;

	if (!pod_gone(name))
		return;
	/* Under create's lock, looked at again: a create of NAME may have
	 * made a new parent meanwhile, still empty (podman not yet run). */
	if ((lk = pod_lock(name)) < 0) {
		warnx("clean: %s: lock <cgroup2>/jail-ai: %s; its keeper and "
		    "cgroup are kept", name, strerror(-lk));
		return;
	}
	if (!pod_gone(name) || !keeper_of_store(name)) {
		close(lk);
		return;
	}
	keeper_stop(name);
	keeper_forget(name);
	pod_parent_remove(name);
	close(lk);
	fprintf(stderr, "jail-ai: clean: %s: its container was removed "
	    "(podman rm behind jail-ai's back): its keeper and cgroup are "
	    "removed\n", name);
	(*(int *)arg)++;
}

int cmd_clean(int argc, char **argv)
{
	static const char *const ps[] = { "ps", "-a", "--filter",
	    "label=jail-ai=1", "--format", "{{.Names}}\t{{.State}}\t"
	    "{{index .Labels \"jail-ai.user\"}}\t"
	    "{{index .Labels \"jail-ai.workspace\"}}", NULL };
	static struct item it[ITEMS_MAX];
	int yes = parse_yes("clean", argc, argv), failed = 0;
	char *out = capture("clean", ps), q[96];
	size_t n, i, k = 0;

	int orphans = 0;

	if (pod_fast())
		keeper_each(reap_orphan, &orphans);
	n = split_lines(out, it, ITEMS_MAX, 4);
	for (i = 0; i < n; i++)
		if (mine(it[i].f[2]))
			it[k++] = it[i];
	if (k == 0) {
		fprintf(stderr, "jail-ai: clean: no jails%s\n", orphans ?
		    " left" : "");
		free(out);
		return 0;
	}
	printf("%-40s %-10s %s\n", "NAME", "STATE", "WORKSPACE");
	for (i = 0; i < k; i++)
		printf("%-40s %-10s %s\n", it[i].f[0], it[i].f[1],
		    it[i].f[3][0] ? it[i].f[3] : "-");
	fflush(stdout);
	snprintf(q, sizeof(q), "Remove these %zu jails and their home "
	    "volumes?", k);
	if (confirm("clean", yes, q) < 0) {
		free(out);
		return EXIT_USAGE;
	}
	for (i = 0; i < k; i++) {
		char *rm[] = { "rm", "-f", it[i].f[0], NULL };

		if (cmd_container(3, rm) != 0)
			failed++;
	}
	fprintf(stderr, "jail-ai: clean: %zu jails removed%s\n",
	    k - (size_t)failed, failed ? ", some could not be (above)" : "");
	free(out);
	return failed ? EXIT_SYSFAIL : 0;
}

/* Which of IT (ID, REF, dangling, recipe label, size) to remove: the
 * reason, or NULL to keep. */
static const char *prune_reason(const struct item *it)
{
	if (!it->f[3][0] || strcmp(it->f[3], "<no value>") == 0)
		return NULL;	/* not one of ours */
	if (strcmp(it->f[2], "true") == 0)
		return "dangling";
	if (strncmp(it->f[1], "localhost/jail-ai-", 18) != 0)
		return NULL;	/* ours, retagged by the user: theirs now */
	return images_tag_current(it->f[1]) == 0 ? "stale" : NULL;
}

static int rmi(const char *ref)
{
	const char *args[] = { "rmi", ref, NULL };
	struct podman_status ps;
	char *out;
	int r = podman_capture(args, 1, &out, &ps);

	free(out);
	return r;
}

static const char *const ls[] = { "images", "--format",
    "{{.ID}}\t{{.Repository}}:{{.Tag}}\t{{.Dangling}}\t"
    "{{index .Labels \"jail-ai.recipe\"}}\t{{.Size}}", NULL };

/*
 * podman lists an untagged image with children as an intermediate, not
 * as dangling: a rebuild's old layers show one by one as the ones above
 * them go.  Those of ours that show now go too; how many.
 */
static size_t prune_uncovered(void)
{
	static struct item it[ITEMS_MAX];
	size_t n, i, total = 0, gone;
	char *out;
	int pass;

	for (pass = 0; pass < IMG_MAX_LAYERS; pass++) {
		out = capture("images prune", ls);
		n = split_lines(out, it, ITEMS_MAX, 5);
		for (i = 0, gone = 0; i < n; i++)
			if (prune_reason(&it[i]) && strcmp(it[i].f[2], "true") ==
			    0 && rmi(it[i].f[0]) == 0) {
				printf("%-12.12s %-10s %-10s %s\n", it[i].f[0],
				    it[i].f[4], "dangling", "- (was below)");
				gone++;
			}
		free(out);
		total += gone;
		if (gone == 0)
			break;
	}
	return total;
}

int images_prune(int argc, char **argv)
{
	static struct item it[ITEMS_MAX];
	static const char *why[ITEMS_MAX];
	int yes = parse_yes("images prune", argc, argv);
	char *out = capture("images prune", ls), q[64];
	size_t n, i, k = 0, kept = 0;

	n = split_lines(out, it, ITEMS_MAX, 5);
	for (i = 0; i < n; i++)
		if ((why[k] = prune_reason(&it[i])))
			it[k++] = it[i];
	if (k == 0) {
		fprintf(stderr, "jail-ai: images prune: nothing to remove\n");
		free(out);
		return 0;
	}
	printf("%-12s %-10s %-10s %s\n", "ID", "SIZE", "WHY", "IMAGE");
	for (i = 0; i < k; i++)
		printf("%-12.12s %-10s %-10s %s\n", it[i].f[0], it[i].f[4],
		    why[i], strcmp(why[i], "dangling") ? it[i].f[1] : "-");
	fflush(stdout);
	snprintf(q, sizeof(q), "Remove these %zu images?", k);
	if (confirm("images prune", yes, q) < 0) {
		free(out);
		return EXIT_USAGE;
	}
	for (i = 0; i < k; i++) {
		if (rmi(strcmp(why[i], "dangling") ? it[i].f[1] :
		    it[i].f[0]) == 0)
			continue;
		kept++;
		warnx("images prune: %s kept: a container uses it (jail-ai "
		    "clean, or remake its jail with --recreate)",
		    strcmp(why[i], "dangling") ? it[i].f[1] : it[i].f[0]);
	}
	fflush(stdout);
	k += prune_uncovered();
	fprintf(stderr, "jail-ai: images prune: %zu images removed\n",
	    k - kept);
	free(out);
	return 0;
}
