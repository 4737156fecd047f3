/*
 * agents.c - `jail-ai AGENT [OPTIONS] [-- AGENT-ARGS]`: the agent's image
 * (images.c), its jail for this workspace (made on first use by
 * container_create, with the user's jail options and the agent's mounts), then
 * the agent run in it through `exec`; --shell, --auth, --git-gpg.
 *
 * No privilege.  Untrusted inputs: the command line (jail options go
 * through create.c's parser and checks into a struct create_opts), the
 * environment (HOME, XDG_RUNTIME_DIR, GNUPGHOME: paths we only stat and
 * hand to create as mounts),
 * podman's answers about an existing jail (compared as strings).
 *
 * One table holds every agent.  Paths are below $HOME on the host and
 * below /home/jail in the jail (its home; the jail's user is the
 * caller).  Nothing is copied into an image: config and credentials are
 * bind mounts, the GPG agent is a socket.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "create.h"
#include "agents.h"
#include "images.h"
#include "jailenv.h"
#include "podman.h"
#include "text.h"
#include "util.h"

/*
 * Each agent's layer is text/recipe-NAME.txt (packed with the help texts,
 * text.c), the Containerfile lines after FROM, hashed as they are.  The
 * CLI must run at build time; npm's download cache is not kept.  Checks
 * before an install that needs what a base or this machine may lack are
 * each their own RUN step: what is missing is said on a line
 * "jail-ai-unreachable: WHAT", which images.c makes the build's error
 * (instead of the end of an install's log).  A reachability check takes
 * any HTTP answer; only a failure to connect (DNS, route, TLS) counts.
 * The npm registry is the one configured in the image (npm config get
 * registry).
 */
#define CTR_HOME	"/home/jail"	/* the jail's home (create.c) */

struct agent {
	const char *name;
	unsigned int needs;		/* language layers the recipe needs */
	const char *bin;		/* what runs in the jail */
	const char *dir_opt;		/* --NAME-dir */
	const char *config[3];		/* --NAME-dir, --agent-configs */
	const char *minimal;		/* mounted by default, if it exists */
	const char *creds;		/* missing: not logged in (NULL: the
					   first config path) */
	int oauth;			/* logs in through a browser/device */
	const char *login;		/* what to run in the --auth shell */
};

static const struct agent agents[] = {
	{ "claude", LAYER_MASK(L_NODEJS), "claude", "--claude-dir",
	  { ".claude", ".claude.json" }, ".claude/.credentials.json",
	  ".claude/.credentials.json", 1, "claude, then /login" },
	{ "copilot", LAYER_MASK(L_NODEJS), "copilot", "--copilot-dir",
	  { ".copilot" }, NULL, ".copilot/config.json", 1,
	  "copilot, then /login" },
	/* Not on npm (the npm name cursor-agent is someone else's): the
	 * official installer, which needs cursor.com reachable and fetches
	 * the CLI from downloads.cursor.com. */
	{ "cursor", 0, "cursor-agent", "--cursor-dir",
	  { ".cursor", ".config/cursor" }, NULL, NULL, 1,
	  "cursor-agent login" },
	/* Needs Node.js 20 (its recipe checks): trixie's (the default base); bookworm's is 18. */
	{ "gemini", LAYER_MASK(L_NODEJS), "gemini", "--gemini-dir", { ".gemini" },
	  NULL, ".gemini/oauth_creds.json", 1, "gemini (choose Login with "
	  "Google)" },
	{ "codex", LAYER_MASK(L_NODEJS),
	  "codex", "--codex-dir", { ".codex" }, NULL, ".codex/auth.json", 1,
	  "codex login" },
	/* On npm, but its install script fetches the CLI from Google's
	 * storage (the package's binURL). */
	{ "jules", LAYER_MASK(L_NODEJS),
	  "jules", "--jules-dir", { ".config/jules" }, NULL, NULL, 1,
	  "jules login" },
};

const struct agent *agent_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(agents) / sizeof(agents[0]); i++)
		if (strcmp(name, agents[i].name) == 0)
			return &agents[i];
	return NULL;
}

const char *agent_name_of(const struct agent *a)
{
	return a->name;
}

/* text/recipe-NAME.txt */
const char *agent_recipe_of(const struct agent *a)
{
	char name[32];

	snprintf(name, sizeof(name), "recipe-%s", a->name);
	return text_get(name);
}

const char *agent_bin_of(const struct agent *a)
{
	return a->bin;
}

unsigned int agent_needs(const struct agent *a)
{
	return a->needs;
}

struct agent_opts {
	const struct agent *ag;
	struct img_opts img;
	int shell, auth, configs, git_gpg, user_mounts;
	int other;			/* jail options but --block-host */
	struct create_opts c;		/* the jail: the user's options, then
					   the agent's mounts */
	char **agent_args;
};

static void parse_agent(int argc, char **argv, struct agent_opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(text_get("agent"), stdout);
			exit(0);
		} else if (strcmp(a, "--shell") == 0) {
			o->shell = 1;
		} else if (strcmp(a, "--auth") == 0) {
			o->auth = 1;
		} else if (strcmp(a, "--recreate") == 0) {
			o->c.recreate = 1;
		} else if (strcmp(a, "--git-gpg") == 0) {
			o->git_gpg = 1;
		} else if (strcmp(a, "--no-workspace") == 0) {
			o->c.no_ws = 1;
		} else if (strcmp(a, "--workspace") == 0) {
			if (i + 1 >= argc)
				die(EXIT_USAGE, "%s: --workspace needs a value",
				    o->ag->name);
			o->c.ws_arg = argv[++i];
		} else if (strcmp(a, "--agent-configs") == 0 ||
		    strcmp(a, o->ag->dir_opt) == 0) {
			o->configs = 1;
		} else if (images_parse_opt(&o->img, argc, argv, &i)) {
			continue;
		} else if (create_jail_opt(&o->c, argc, argv, &i)) {
			o->other += strcmp(a, "--block-host") != 0;
			continue;
		} else if (a[0] == '-') {
			die(EXIT_USAGE, "%s: unknown option %s (jail-ai %s "
			    "--help; the agent's own options go after --)",
			    o->ag->name, a, o->ag->name);
		} else {
			break;
		}
	}
	o->agent_args = argv + i;
	o->user_mounts = o->c.nmounts > 0;
	if (o->shell && o->auth)
		die(EXIT_USAGE, "%s: --shell or --auth, not both", o->ag->name);
	if (o->c.no_ws && o->c.ws_arg)
		die(EXIT_USAGE, "%s: --workspace %s or --no-workspace, not both",
		    o->ag->name, o->c.ws_arg);
	prot_check(&o->c.prot);
}

/* ---- workspace, name, mounts ---- */

void agent_workspace(char *out, size_t len)
{
	char ws[PATH_MAX];

	workspace(NULL, ws);
	snprintf(out, len, "%s", ws);
}

/* jail-ai-AGENT-BASENAME-HASH8, in create's name alphabet. */
static void jail_name(const struct agent *ag, const char *ws, char *out,
    size_t len)
{
	const char *base = strrchr(ws, '/');
	char h[9];
	size_t i;

	images_wshash(ws, h);
	base = base && base[1] ? base + 1 : "root";
	if (ws[0])
		snprintf(out, len, "jail-ai-%s-%.24s-%s", ag->name, base, h);
	else	/* --no-workspace: one jail per agent */
		snprintf(out, len, "jail-ai-%s-no-workspace", ag->name);
	for (i = 0; out[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_.-", out[i]))
			out[i] = '_';
}

static int exists(const char *path, struct stat *st)
{
	return stat(path, st) == 0;
}

/* mkdir -p PATH (mode 0700) for its components from offset FROM on
 * (~/.config/jules: ~/.config too, when missing). */
static int mkdir_below(char *path, size_t from)
{
	char *p;

	for (p = path + from; (p = strchr(p, '/')); *p++ = '/') {
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
	}
	return mkdir(path, 0700) < 0 ? -errno : 0;
}

/* The mount HOST:CTR[:ro] for $HOME/REL, when it exists (or MKDIR says to
 * make it as a directory); 1 when added, 0 when not. */
static int add_home_mount(struct agent_opts *o, const char *rel, int mkd,
    int ro)
{
	const char *home = getenv("HOME");
	struct stat st;
	char *spec, host[PATH_MAX];

	if (!home || home[0] != '/')
		return 0;
	snprintf(host, sizeof(host), "%s/%s", home, rel);
	if (!exists(host, &st) && !(mkd && mkdir_below(host,
	    strlen(home) + 1) == 0))
		return 0;
	if (asprintf(&spec, "%s:%s/%s%s", host, CTR_HOME, rel, ro ? ":ro" :
	    "") < 0)
		die(EXIT_SYSFAIL, "out of memory");
	create_add_mount(&o->c, spec);	/* lives as long as the process */
	return 1;
}

/* The agent's mounts: the credentials file by default, or the config. */
static int agent_mounts(struct agent_opts *o, int all)
{
	const struct agent *ag = o->ag;
	int n = 0;
	size_t i;

	if (!all && ag->minimal)
		n += add_home_mount(o, ag->minimal, 0, 0);
	/* Config directories are made when missing (so a login persists);
	 * files (a '.' past the first character) only when they exist. */
	for (i = 0; all && i < 3 && ag->config[i]; i++)
		n += add_home_mount(o, ag->config[i],
		    strchr(ag->config[i] + 1, '.') == NULL, 0);
	return n;
}

/* The GPG agent socket: $XDG_RUNTIME_DIR/gnupg, then $GNUPGHOME/~/.gnupg. */
static int gpg_socket(char *out, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR"), *gh = getenv("GNUPGHOME");
	const char *home = getenv("HOME");
	struct stat st;

	if (xdg && xdg[0] == '/') {
		snprintf(out, len, "%s/gnupg/S.gpg-agent", xdg);
		if (stat(out, &st) == 0 && S_ISSOCK(st.st_mode))
			return 0;
	}
	snprintf(out, len, "/run/user/%u/gnupg/S.gpg-agent", getuid());
	if (stat(out, &st) == 0 && S_ISSOCK(st.st_mode))
		return 0;
	if (gh && gh[0] == '/')
		snprintf(out, len, "%s/S.gpg-agent", gh);
	else if (home && home[0] == '/')
		snprintf(out, len, "%s/.gnupg/S.gpg-agent", home);
	return stat(out, &st) == 0 && S_ISSOCK(st.st_mode) ? 0 : -ENOENT;
}

/* --git-gpg: identity read-only, signing through the agent socket. */
static int git_gpg_mounts(struct agent_opts *o)
{
	char sock[PATH_MAX], *spec;
	int n = add_home_mount(o, ".gitconfig", 0, 1);

	if (gpg_socket(sock, sizeof(sock)) < 0) {
		warnx("%s: --git-gpg: no GPG agent socket (gpg-agent not "
		    "running?): git identity only", o->ag->name);
		return n;
	}
	if (asprintf(&spec, "%s:%s/.gnupg/S.gpg-agent", sock, CTR_HOME) < 0)
		die(EXIT_SYSFAIL, "out of memory");
	create_add_mount(&o->c, spec);
	/* Public keys only: gpg needs them to pick the key to sign with. */
	n += add_home_mount(o, ".gnupg/pubring.kbx", 0, 1);
	return n + 1;
}

/* ---- the jail ---- */

static char *ctr_inspect(const char *name, const char *fmt)
{
	return podman_inspect("container", name, fmt);
}

static char *img_id(const char *tag)
{
	return podman_inspect("image", tag, "{{.Id}}");
}

/* The mount destinations we asked for that the jail lacks: 1 if any.
 * HAVE is "\n/dst\n/dst\n...". */
static int lacks_mounts(const struct agent_opts *o, const char *have)
{
	char want[PATH_MAX + 2];
	const char *dst;
	size_t i, n;

	for (i = 0; i < o->c.nmounts; i++) {
		if (!(dst = strchr(o->c.mounts[i], ':')))
			continue;
		n = strcspn(dst + 1, ":");
		snprintf(want, sizeof(want), "\n%.*s\n", (int)n, dst + 1);
		if (!strstr(have, want))
			return 1;
	}
	return 0;
}

/*
 * An existing jail: refuse when --block-host was asked and it lacks it
 * (never run unprotected); say so when its image or mounts are older
 * than what this run would make.
 */
static void check_jail(const struct agent_opts *o, const char *name,
    const char *tag)
{
	char *info = ctr_inspect(name, "{{.Image}}\t{{index .Config.Labels "
	    "\"jail-ai.block-host\"}}\t{{.ImageName}}\n{{range .Mounts}}"
	    "{{.Destination}}\n{{end}}."), *id = img_id(tag), *f[3], *mounts;
	int k;

	if (!info)
		die(EXIT_SYSFAIL, "%s: podman inspect %s failed", o->ag->name,
		    name);
	mounts = strchr(info, '\n');
	if (mounts)
		*mounts = '\0';
	for (k = 0, f[0] = info; k < 2 && f[k]; k++)
		if ((f[k + 1] = strchr(f[k], '\t')))
			*f[k + 1]++ = '\0';
	if (o->c.prot.block_host && (!f[1] || strcmp(f[1], "1") != 0))
		die(EXIT_USAGE, "%s: the jail %s exists without --block-host; "
		    "refusing to run the agent unprotected. Remove it (jail-ai "
		    "rm -f %s) and run this again, or use it unprotected: "
		    "--no-block-host", o->ag->name, name, name);
	if (!id || strcmp(f[0], id) != 0)
		warnx("%s: the jail %s was made from %s, an older image than "
		    "%s now is (a layer was rebuilt); it keeps its image until "
		    "it is remade: --recreate", o->ag->name, name,
		    f[2] ? f[2] : "?", tag);
	if (mounts) {
		*mounts = '\n';
		if (lacks_mounts(o, mounts))
			warnx("%s: the jail %s lacks mounts this run asks for "
			    "(options apply when a jail is made): --recreate",
			    o->ag->name, name);
	}
	free(info);
	free(id);
}

/*
 * Jail options given now that differ from the jail's: refused, with the
 * list (said by jail_options_differ).  None given: the jail as it is.
 */
static void check_options(const struct agent_opts *o, const char *name)
{
	/* --block-host alone is the default (config.c puts it in unless
	 * --no-block-host); a jail without it is refused elsewhere. */
	if (o->other == 0)
		return;
	if (jail_options_differ(o->ag->name, name, &o->c) > 0)
		die(EXIT_USAGE, "%s: refusing to run the agent in a jail made "
		    "with other options. --recreate remakes its container with "
		    "this run's options (the workspace, the agent's config and "
		    "the jail's home stay; what was installed in the container "
		    "goes); without the options the jail is used as it is",
		    o->ag->name);
}

/* The jail NAME from TAG for WS ("": none); FORCE: the agent's own
 * mounts (below $HOME, which create refuses unless --force-mount). */
static void create_jail(const struct agent_opts *o, const char *name,
    const char *ws, const char *tag, int force)
{
	static struct create_opts c;

	c = o->c;
	c.name = name;
	c.no_ws = !ws[0];
	c.ws_arg = ws[0] ? ws : NULL;
	c.image = tag;
	c.force_mount |= force;
	create_check(&c);
	fprintf(stderr, "jail-ai: making the jail %s (%s) for %s\n", name, tag,
	    ws[0] ? ws : "no workspace");
	if (container_create(&c) != 0)
		die(EXIT_SYSFAIL, "%s: could not make the jail %s", o->ag->name,
		    name);
}

/* ---- logging in ---- */

/* The agent's credentials would be mounted but are not there yet. */
static int creds_missing(const struct agent_opts *o)
{
	const struct agent *ag = o->ag;
	const char *home = getenv("HOME");
	const char *rel = ag->creds ? ag->creds : ag->config[0];
	char path[PATH_MAX];
	struct stat st;

	if (!ag->oauth || !home || home[0] != '/')
		return 0;
	if (!o->configs && !(ag->minimal && ag->creds &&
	    strcmp(ag->minimal, ag->creds) == 0))
		return 0;
	snprintf(path, sizeof(path), "%s/%s", home, rel);
	return !exists(path, &st);
}

static int jail_exists(const char *name)
{
	char *n = ctr_inspect(name, "{{.Name}}");

	free(n);
	return n != NULL;
}

/*
 * A throwaway jail NAME-auth with the user's jail options and the agent's
 * whole config mounted read-write, a login shell in it, then removed: the
 * login lands in the host's config, where the agent's jail finds it.
 */
static int run_auth(const struct agent_opts *o, const char *name,
    const char *ws, const char *tag)
{
	static struct agent_opts a;
	char aname[96], *rm[] = { "rm", "-f", aname, NULL };
	char *sh[] = { "shell", aname, NULL };
	int r;

	snprintf(aname, sizeof(aname), "%s-auth", name);
	if (jail_exists(aname))
		cmd_container(3, rm);
	a = *o;
	a.c.no_nix = 1;		/* logging in needs no dev shell, nor a
				   flake that evaluates */
	agent_mounts(&a, 1);
	create_jail(&a, aname, ws, tag, !o->user_mounts);
	fprintf(stderr, "jail-ai: %s: log in with `%s` in this shell, then "
	    "exit it\n", o->ag->name, o->ag->login);
	r = cmd_container(2, sh);
	cmd_container(3, rm);
	return r;
}

/* ---- running ---- */

static int run_agent(const struct agent_opts *o, const char *name)
{
	char **argv;
	int n = 0, k;

	for (k = 0; o->agent_args[k]; k++)
		;
	if (!(argv = calloc((size_t)k + 8, sizeof(*argv))))
		die(EXIT_SYSFAIL, "out of memory");
	argv[n++] = "exec";
	argv[n++] = (char *)(uintptr_t)name;
	argv[n++] = "-i";
	if (isatty(0) && isatty(1))
		argv[n++] = "-t";
	argv[n++] = "--";
	argv[n++] = (char *)(uintptr_t)o->ag->bin;
	for (k = 0; o->agent_args[k]; k++)
		argv[n++] = o->agent_args[k];
	argv[n] = NULL;
	k = cmd_container(n, argv);
	free(argv);
	return k;
}

int agent_main(int argc, char **argv)
{
	static struct agent_opts o;
	char ws[PATH_MAX], name[96], *sh[] = { "shell", name, NULL };
	struct stack s;
	const char *tag;
	int added = 0;

	memset(&o, 0, sizeof(o));
	if (!(o.ag = agent_find(argv[0])))
		die(EXIT_USAGE, "%s: no such agent", argv[0]);
	create_opts_init(&o.c, o.ag->name);
	parse_agent(argc, argv, &o);
	no_workspace(o.c.no_ws, o.c.ws_arg, ws);
	images_ensure(&o.img, ws, o.ag, &s, 1);
	tag = s.l[s.n - 1].tag;
	jail_name(o.ag, ws, name, sizeof(name));
	if (o.auth)
		return run_auth(&o, name, ws, tag);
	if (creds_missing(&o) && isatty(0) && isatty(1)) {
		fprintf(stderr, "jail-ai: %s: no credentials yet: logging in "
		    "first\n", o.ag->name);
		run_auth(&o, name, ws, tag);
	} else if (creds_missing(&o)) {
		warnx("%s: not logged in (no ~/%s); log in from a terminal "
		    "with: jail-ai %s --auth%s", o.ag->name, o.ag->creds ?
		    o.ag->creds : o.ag->config[0], o.ag->name,
		    o.configs ? " --agent-configs" : "");
	}
	added += agent_mounts(&o, o.configs);
	if (o.git_gpg)
		added += git_gpg_mounts(&o);
	if (jail_exists(name) && !o.c.recreate) {
		check_options(&o, name);
		check_jail(&o, name, tag);
	} else {
		o.c.recreate &= jail_exists(name);
		create_jail(&o, name, ws, tag, added > 0 && !o.user_mounts);
	}
	if (o.shell)
		return cmd_container(2, sh);
	return run_agent(&o, name);
}
