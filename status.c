/*
 * status.c - list and status: each jail-ai jail (`run` jails from their
 * cgroups, podman jails from their labels) with its protection as it is
 * attached now, counted by the privileged child (QUERY), not as the label
 * asks; as a table, or JSON one object a line.
 *
 * No privilege.  Untrusted input: podman's output (read only through
 * --format templates with \x1f separators), cgroup names below ours.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "create.h"
#include "jailstart.h"
#include "control.h"
#include "keeper.h"
#include "podman.h"
#include "request.h"
#include "status.h"
#include "util.h"

/* prot_state()'s result in JSON. */
static const char *const prot_word[] = { "off", "attached", "not-attached",
    "on-start", "unknown" };

/* JSON string of S (bytes >= 0x80 passed as they are: UTF-8 in, out). */
static void json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* A `jail-ai run` jail, in list's table or as a JSON object. */
static void print_run_jail(const char *name, const char *path, void *arg)
{
	int json = *(const int *)arg, k;
	const char *m = name;	/* run-PID-TIME-N[-MODE] */

	for (k = 0; k < 4 && m; k++)
		m = strchr(m + 1, '-');
	if (!json) {
		printf("%-24s %-10s %-40s %s\n", name, "running", path,
		    m ? m + 1 : "-");
		return;
	}
	printf("{\"name\":");
	json_str(name);
	printf(",\"kind\":\"run\",\"state\":\"running\",\"cgroup\":");
	json_str(path);
	printf(",\"block_host\":%s,\"mode\":\"%s\"}\n", m ? "true" : "false",
	    m ? m + 1 : "off");
}

/* "--json" alone, or nothing; dies otherwise. */
static int json_flag(int argc, char **argv, int want, const char *usage)
{
	int json = argc > 1 && strcmp(argv[1], "--json") == 0;

	if (argc != want + json)
		die(EXIT_USAGE, "%s", usage);
	return json;
}

/* Splits S at the \x1f separators into N fields; 0, or -EINVAL. */
static int fields(char *s, char **f, int n)
{
	int k;

	for (k = 0, f[0] = s; k < n - 1; k++) {
		if (!f[k] || !(f[k + 1] = strchr(f[k], '\x1f')))
			return -EINVAL;
		*f[k + 1]++ = '\0';
	}
	return strchr(f[n - 1], '\x1f') ? -EINVAL : 0;
}

static const char *const prot_text[] = { "-", "block-host",
    "block-host NOT attached", "block-host (attached on start)",
    "block-host (could not query)" };

/* state, image, workspace, block-host label, user */
#define LIST_FMT "{{.State.Status}}\x1f{{.ImageName}}\x1f" \
	"{{index .Config.Labels \"jail-ai.workspace\"}}\x1f" \
	"{{index .Config.Labels \"jail-ai.block-host\"}}\x1f" \
	"{{index .Config.Labels \"jail-ai.user\"}}"

#define MODE_FMT "\x1f{{index .Config.Labels \"jail-ai.mode\"}}"
/* The mode label's word, when the jail is protected ("" from older jails). */
#define MODE_OF(ps, m) (!(ps) ? "off" : (m)[0] ? (m) : "block-host")

/* A protected jail on the fast path (parent: its cgroup parent) whose
 * keeper is not running: 1. */
static int keeper_missing(const char *name, int ps, const char *parent)
{
	char want[96];

	snprintf(want, sizeof(want), "/jail-ai/pod-%s", name);
	return ps != PS_OFF && pod_fast() && strcmp(parent, want) == 0 &&
	    keeper_pid(name, NULL, 0) <= 0;
}

static void list_one(const char *name, int json)
{
	struct jail_reply rep;
	char *info = container_inspect(name, LIST_FMT MODE_FMT
	    "\x1f{{.HostConfig.CgroupParent}}"), *f[7];
	int ps, km;

	if (!info || fields(info, f, 7) < 0) {
		free(info);	/* removed meanwhile */
		return;
	}
	ps = prot_state("list", name, f[0], f[3], &rep);
	km = keeper_missing(name, ps, f[6]);
	if (!json) {
		printf("%-24s %-10s %-40s %s%s%s%s\n", name, f[0], f[1],
		    prot_text[ps], strcmp(MODE_OF(ps, f[5]), "block-host") &&
		    ps ? ", " : "", ps && strcmp(MODE_OF(ps, f[5]),
		    "block-host") ? f[5] : "", km ? ", keeper missing" : "");
	} else {
		printf("{\"name\":");
		json_str(name);
		printf(",\"kind\":\"podman\",\"state\":");
		json_str(f[0]);
		printf(",\"image\":");
		json_str(f[1]);
		printf(",\"workspace\":");
		json_str(f[2]);
		printf(",\"user\":");
		json_str(f[4]);
		printf(",\"block_host\":%s,\"protection\":\"%s\","
		    "\"mode\":\"%s\",\"keeper_missing\":%s}\n",
		    strcmp(f[3], "1") == 0 ? "true" : "false", prot_word[ps],
		    MODE_OF(ps, f[5]), km ? "true" : "false");
	}
	free(info);
}

/* 1: no container NAME in this storage (podman says so, exit 1). */
int pod_gone(const char *name)
{
	const char *args[] = { "container", "exists", name, NULL };
	struct podman_status ps;
	char *out = NULL;
	int r = podman_capture(args, 1, &out, &ps);

	free(out);
	return r < 0 && ps.exited && ps.code == 1;
}

/* A keeper whose container was removed behind jail-ai's back (podman rm):
 * the keeper and the pod cgroup stay until jail-ai clean (or rm). */
static void list_orphan(const char *name, void *arg)
{
	if (!pod_gone(name))
		return;
	if (*(int *)arg) {
		printf("{\"name\":");
		json_str(name);
		printf(",\"kind\":\"orphan\",\"state\":\"removed\"}\n");
	} else {
		printf("%-24s %-10s %-40s %s\n", name, "removed", "-",
		    "orphan: its keeper and cgroup remain (podman rm behind "
		    "jail-ai's back); jail-ai clean removes them");
	}
}

/* list [--json]: each jail-ai jail with its protection as attached now
 * (JSON: one object a line). */
int cmd_list(int argc, char **argv)
{
	const char *args[] = { "ps", "--all", "--filter", "label=jail-ai=1",
	    "--format", "{{.Names}}", NULL };
	struct podman_status ps;
	char *out, *line, *save = NULL;
	int json = json_flag(argc, argv, 1, "usage: jail-ai list [--json]");

	if (!json)
		printf("%-24s %-10s %-40s %s\n", "NAME", "STATE", "IMAGE",
		    "PROTECTION");
	jail_run_list(print_run_jail, &json);	/* `jail-ai run` jails */
	if (podman_init() < 0)
		return fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL;
	if (podman_capture(args, 0, &out, &ps) < 0)
		die(EXIT_SYSFAIL, "list: podman ps failed");
	for (line = strtok_r(out, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save))
		list_one(line, json);
	free(out);
	if (pod_fast())
		keeper_each(list_orphan, &json);
	return fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL;
}

/* Rootless, and a container would share our cgroup v2: the hybrid layout
 * (podman makes no cgroups there), or we sit in its root. */
static int rootless_shared(void)
{
	char mnt[256], own[JAIL_CGROUP_PATH_MAX];

	return !pod_fast() && (cgroup2_mount(mnt, sizeof(mnt)) < 0 ||
	    strcmp(mnt, "/sys/fs/cgroup") != 0 ||
	    cgroup_of_pid(getpid(), own, sizeof(own)) < 0 ||
	    strcmp(own, "/") == 0);
}

static void print_protection(int ps, const struct jail_reply *rep)
{
	unsigned int i;

	if (ps == PS_OFF) {
		printf("protection: off (created without --block-host)\n");
	} else if (ps == PS_ON_START) {
		printf("protection: attached on every start (not running; %s)\n",
		    pod_fast() ? "as root: on its parent cgroup, before podman "
		    "starts it" : rootless_shared() ? "rootless, but here a "
		    "start refuses: the container would share your cgroup v2 "
		    "(rootless podman makes none on a hybrid host or without "
		    "a delegated cgroup; README: Rootless on a hybrid host)" :
		    "rootless: on its own cgroup, after podman init");
	} else if (ps == PS_ATTACHED) {
		printf("protection: attached (programs per hook:");
		for (i = 0; i < JAIL_NPROG_SLOTS; i++)
			printf(" %u", rep->attached[i]);
		printf("; first ids:");
		for (i = 0; i < JAIL_NPROG_SLOTS; i++)
			printf(" %u", rep->prog_ids[i]);
		printf(")\n");
	} else {
		printf("protection: NOT attached%s\n", ps == PS_UNKNOWN ?
		    " (could not query)" : ": no jail-ai program is in effect on "
		    "its cgroup (started by podman alone, its parent cgroup "
		    "gone?); jail-ai start, exec or shell re-protects it");
	}
}

/* A space-separated label as a JSON array of strings. */
static void json_words(const char *key, char *s)
{
	char *save = NULL, *t;
	int n = 0;

	printf(",\"%s\":[", key);
	for (t = strtok_r(s, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (n++)
			putchar(',');
		json_str(t);
	}
	putchar(']');
}

#define STATUS_FMT LIST_FMT "\x1f{{.Name}}\x1f" \
	"{{index .Config.Labels \"jail-ai.network\"}}\x1f" \
	"{{index .Config.Labels \"jail-ai.allow\"}}\x1f" \
	"{{index .Config.Labels \"jail-ai.deny\"}}\x1f" \
	"{{index .Config.Labels \"jail-ai.options\"}}\x1f" \
	"{{range .Mounts}}{{.Source}}\x1e{{.Destination}}\x1d{{end}}" MODE_FMT \
	"\x1f{{index .Config.Labels \"jail-ai.proxy\"}}"

/* The members of a flat JSON object's text, from d to e (the closing
 * brace), as "name N, name N": the keeper's counters for a person. */
static void print_members(const char *d, const char *e)
{
	for (; d < e; d++)
		if (*d == ':')
			putchar(' ');
		else if (*d == ',')
			printf(", ");
		else if (*d != '"')
			putchar(*d);
}

/*
 * A running keeper's counters (its summary line): in the text "events:
 * denied connect4 N, ...; dropped N", in JSON an "events" member (the line
 * as `run --events` ends with it), null when the keeper does not answer.
 */
static void print_counters(const char *name, int json)
{
	struct control_req rq;
	int32_t st;
	char *t = NULL, *d, *e;

	memset(&rq, 0, sizeof(rq));
	rq.magic = CONTROL_MAGIC;
	rq.version = CONTROL_VERSION;
	rq.op = CONTROL_COUNTERS;
	if (control_call(name, &rq, &st, &t) < 0 || st < 0 || t[0] != '{' ||
	    !(d = strstr(t, "\"denied\":{")) || !(e = strchr(d, '}'))) {
		printf(json ? ",\"events\":null" : "events: unknown (the "
		    "keeper does not answer)\n");
		free(t);
		return;
	}
	t[strcspn(t, "\n")] = '\0';
	if (json) {
		printf(",\"events\":%s", t);
		free(t);
		return;
	}
	printf("events: denied ");
	print_members(d + 10, e);
	d = strstr(e, "\"events_dropped\":");
	printf("; dropped %ld\n", d ? strtol(d + 17, NULL, 10) : -1L);
	if ((d = strstr(e, "\"dns\":{")) && (e = strchr(d, '}'))) {
		printf("dns: ");	/* --allow-domain's forwarder */
		print_members(d + 7, e);
		putchar('\n');
	}
	free(t);
}

/*
 * The address refresh of NAME (bh: its block-host label): in the text, a
 * "keeper: ..." line; in JSON, the "keeper", "keeper_pid" and
 * "keeper_failure" members.
 */
static void print_keeper(const char *name, const char *bh, int json)
{
	static const char *const word[] = { "off", "rootless", "none",
	    "running", "missing" };
	static const char *const text[] = { "keeper: none (not protected)",
	    "keeper: no address refresh (rootless)",
	    "keeper: no address refresh (a jail made before the fast path: "
	    "recreate it)" };
	char why[512] = "";
	pid_t pid = 0;
	int k;

	if (strcmp(bh, "1") != 0)
		k = 0;
	else if (!pod_fast())
		k = 1;
	else if (!pod_on_fast_path(name))
		k = 2;
	else
		k = (pid = keeper_pid(name, why, sizeof(why))) > 0 ? 3 : 4;
	if (!json) {
		if (k < 3)
			printf("%s\n", text[k]);
		else if (k == 3)
			printf("keeper: pid %d (address refresh, live policy, "
			    "events)\n", (int)pid);
		else
			printf("keeper: missing (%s); jail-ai exec, shell or "
			    "start restarts the jail with a new one\n", why);
		if (k == 3)
			print_counters(name, 0);
		return;
	}
	printf(",\"keeper\":\"%s\",\"keeper_pid\":", word[k]);
	if (k == 3)
		printf("%d", (int)pid);
	if (k == 3)
		print_counters(name, 1);
	else
		printf("null");
	printf(",\"keeper_failure\":");
	if (k == 4)
		json_str(why);
	else
		printf("null");
}

static void status_json(char **f, int ps, const struct jail_reply *rep)
{
	static const char *const k[] = { "state", "image", "workspace",
	    "block_host", "user", "name", "network" };
	char *m, *save = NULL, *dst, at[JAIL_CGROUP_PATH_MAX + 8];
	char cgp[JAIL_CGROUP_PATH_MAX];
	unsigned int i;

	printf("{");
	for (i = 0; i < 7; i++) {
		printf("%s\"%s\":", i ? "," : "", k[i]);
		if (i == 3)
			printf("%s", strcmp(f[3], "1") == 0 ? "true" : "false");
		else
			json_str(f[i]);
	}
	printf(",\"protection\":\"%s\",\"mode\":\"%s\",\"proxy\":", prot_word[ps],
	    MODE_OF(ps, f[11]));
	json_str(f[12]);
	json_words("allow", f[7]);
	json_words("deny", f[8]);
	json_words("options", strncmp(f[9], "v1", 2) == 0 ? f[9] + 2 : f[9]);
	printf(",\"mounts\":[");
	for (i = 0, m = strtok_r(f[10], "\x1d", &save); m;
	    m = strtok_r(NULL, "\x1d", &save), i++) {
		if ((dst = strchr(m, '\x1e')))
			*dst++ = '\0';
		printf("%s{\"source\":", i ? "," : "");
		json_str(m);
		printf(",\"destination\":");
		json_str(dst ? dst : "");
		putchar('}');
	}
	printf("],\"programs\":[");
	for (i = 0; i < JAIL_NPROG_SLOTS; i++)
		printf("%s%u", i ? "," : "", rep->attached[i]);
	printf("],\"program_ids\":[");
	for (i = 0; i < JAIL_NPROG_SLOTS; i++)
		printf("%s%u", i ? "," : "", rep->prog_ids[i]);
	printf("],\"attached_at\":");
	if (ps == PS_ATTACHED &&
	    prot_holder(f[5], at, sizeof(at), cgp, sizeof(cgp)) == 0)
		json_str(at);
	else
		printf("null");
	print_keeper(f[5], f[3], 1);
	printf("}\n");
}

/* " SRC:DST" for each "SRC\x1eDST\x1d" */
static void print_mounts(char *s)
{
	char *save = NULL, *m, *d;

	for (m = strtok_r(s, "\x1d", &save); m; m = strtok_r(NULL, "\x1d",
	    &save)) {
		if ((d = strchr(m, '\x1e')))
			*d++ = '\0';
		printf(" %s:%s", m, d ? d : "");
	}
}

/* status [--json] NAME */
int cmd_status(int argc, char **argv)
{
	struct jail_reply rep;
	char *info, *f[13];
	int json = json_flag(argc, argv, 2,
	    "usage: jail-ai status [--json] NAME"), ps;
	const char *name = argv[argc - 1];

	need_podman("status");
	need_jail("status", name);
	info = container_inspect(name, STATUS_FMT);
	if (!info || fields(info, f, 13) < 0)
		die(EXIT_SYSFAIL, "status: podman inspect %s failed", name);
	ps = prot_state("status", name, f[0], f[3], &rep);
	if (json) {
		status_json(f, ps, &rep);
	} else {
		printf("name: %s\nstate: %s\nimage: %s\nworkspace: %s\n"
		    "network: %s\nuser: %s\nmounts:", f[5], f[0], f[1], f[2],
		    f[6], f[4][0] ? f[4] : "root");
		print_mounts(f[10]);
		printf("\nallow: %s\nmode: %s\n", f[7], MODE_OF(ps, f[11]));
		if (f[12][0])
			printf("proxy: %s\n", f[12]);
		print_protection(ps, &rep);
		if (ps == PS_ATTACHED || ps == PS_MISSING) {
			char where[400];

			prot_where("status", name, where, sizeof(where));
			printf("%s\n", where);
		}
		print_keeper(name, f[3], 0);
	}
	free(info);
	return fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL;
}
