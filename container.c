/*
 * container.c - the podman jail commands: create, start, stop, rm, exec,
 * shell (and `jail-ai` alone: the project's jail); list and status are in
 * status.c.  What they build and check is in create.c (the podman create
 * command line) and jailstart.c (the protected start, exec's check).
 *
 * No privilege.  Untrusted input: the command line (names, exec's options
 * and CMD), podman's output (read only through --format templates).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "create.h"
#include "images.h"
#include "jailenv.h"
#include "jailstart.h"
#include "keeper.h"
#include "podman.h"
#include "request.h"
#include "status.h"
#include "text.h"
#include "util.h"

/* ---- the commands ---- */

/* --image, else $JAIL_AI_IMAGE, else the project's layered image, built
 * now when missing or stale (on first use: the base layer from the
 * configured base image, podman's output streamed). */
static const char *create_image(struct create_opts *o, const char *ws)
{
	static struct stack s;
	const char *env = getenv("JAIL_AI_IMAGE");

	if (o->image)
		return o->image;
	if (env && env[0])
		return env;
	images_ensure(&o->img, ws, NULL, &s, 1);
	return s.l[s.n - 1].tag;
}

/* create --dry-run: the podman command line, quoted for sh; nothing made. */
static int create_dry_run(const struct create_opts *o)
{
	struct create_opts c;
	struct args a = { .n = 0 };
	struct jail_user u;
	char ws[PATH_MAX];
	const char *p, *env = getenv("JAIL_AI_IMAGE");
	size_t i;

	no_workspace(o->no_ws, o->ws_arg, ws);
	jail_user(o, ws, &u);
	c = *o;
	c.nix = create_wants_nix(o, ws);
	/* Nothing is built: the project's image is named, not made. */
	build_create(&a, &c, ws, &u, o->image ? o->image : env && env[0] ? env :
	    "<this project's layered image, built on first use>");
	fputs("podman", stdout);
	for (i = 0; i < a.n; i++) {
		if (a.v[i][0] && strspn(a.v[i], "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-=+/.:,@%") ==
		    strlen(a.v[i])) {
			printf(" %s", a.v[i]);
			continue;
		}
		fputs(" '", stdout);
		for (p = a.v[i]; *p; p++)
			fputs(*p == '\'' ? "'\\''" : (char[]){ *p, 0 }, stdout);
		putchar('\'');
	}
	printf("\n# %s; nothing was made (--dry-run)\n", o->prot.block_host ?
	    "--block-host: every start attaches the policy of `jail-ai run "
	    "--block-host --dry-run` with the same rules, plus the podman "
	    "network's gateways" : "no --block-host");
	args_free(&a);
	return fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL;
}

/*
 * The gateways of podman's default network (a rootful bridge's is a host
 * address the bridge may not hold yet: podman makes it on the first run),
 * space-separated, malloc'd; "" for --network none or host.
 */
static char *net_gateways(const struct create_opts *o)
{
	char name[256] = "podman";	/* podman's default default_network */
	const char *args[] = { "network", "inspect", "--format",
	    "{{range .Subnets}}{{.Gateway}} {{end}}", name, NULL };
	const char *net = o->network ? o->network : "private";
	struct podman_status ps;
	char *out, *c;
	int r;

	if (strcmp(net, "private") != 0)
		return strdup("");
	/* a private jail is on podman's default network: containers.conf's */
	if ((r = podman_conf("network", "default_network", name,
	    sizeof(name))) < 0)
		die(EXIT_USAGE, "create: containers.conf: [network] "
		    "default_network: cannot read it as podman would (%s): "
		    "write it as a plain \"name\"", conf_why(r));
	if (!name[0] || name[0] == '-')
		die(EXIT_USAGE, "create: containers.conf: [network] "
		    "default_network is not a network name");
	if (podman_capture(args, 1, &out, &ps) < 0)
		die(EXIT_SYSFAIL, "create: podman network inspect %s failed "
		    "(exit %d): --block-host needs the default network's "
		    "gateways before the jail exists", name, ps.code);
	for (c = out; *c; c++)
		if (*c == '\n' || *c == '\t')
			*c = ' ';
	return out;
}

/* create, fast path: the parent protected, then podman run --detach. */
static int create_fast(struct create_opts *o, struct args *a,
    const struct jail_user *u)
{
	const char *net = o->network ? o->network : "private";

	undo_arm(o->name, 1);
	if (fast_create(o->name, &o->prot, net, o->gateways, a->v) < 0)
		die(EXIT_SYSFAIL, "create: %s was not started; removing it",
		    o->name);
	undo_disarm();
	args_free(a);
	free(o->gateways);
	o->gateways = NULL;
	fix_home(o, u);
	if (o->nix)
		fix_nix(o, u);
	return 0;
}

int container_create(struct create_opts *o)
{
	struct args a = { .n = 0 };
	struct podman_status ps;
	struct jail_user u;
	char ws[PATH_MAX], *exists;
	const char *image;
	size_t img;
	int had;

	o->fast = o->prot.block_host && pod_fast();
	if (o->fast)
		need_cgroupfs("create", o->name);
	if (o->dry_run)
		return create_dry_run(o);
	if (o->prot.block_host)
		prot_need_caps("create");
	need_podman("create");
	no_workspace(o->no_ws, o->ws_arg, ws);
	exists = container_inspect(o->name, "{{.Name}}");
	had = exists != NULL;
	free(exists);
	if (had && !o->recreate)
		die(EXIT_USAGE, "create: a container named %s exists already "
		    "(jail-ai list; jail-ai rm %s, or --recreate)", o->name,
		    o->name);
	if (had)
		need_jail("create", o->name);
	/* Every option checked (mount sources, ports, ...) before an image
	 * is built for a create that would be refused anyway; the image
	 * goes into its slot once it exists. */
	jail_user(o, ws, &u);
	o->nix = create_wants_nix(o, ws);
	if (o->fast)
		o->gateways = net_gateways(o);	/* a label, for each start */
	img = build_create(&a, o, ws, &u, "the image, once built");
	image = create_image(o, ws);
	a.v[img] = image;
	/* --recreate: the container only; its home volume stays. */
	if (had && podman_do("rm", "--force", "--time", "0", o->name, NULL) < 0)
		die(EXIT_SYSFAIL, "create: --recreate: podman rm %s failed",
		    o->name);
	if (o->fast)
		return create_fast(o, &a, &u);
	if (podman_capture(a.v, 0, &exists, &ps) < 0) {
		args_free(&a);
		die(EXIT_SYSFAIL, "create: podman create %s failed (exit %d)",
		    o->name, ps.code);
	}
	free(exists);
	args_free(&a);
	undo_arm(o->name, 1);
	if (protected_start("create", o->name, &o->prot) < 0)
		die(EXIT_SYSFAIL, "create: %s was not started; removing it",
		    o->name);
	undo_disarm();
	fix_home(o, &u);
	if (o->nix)
		fix_nix(o, &u);
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	struct create_opts o;
	int r;

	parse_create(argc, argv, &o);
	r = container_create(&o);
	create_opts_free(&o);
	return r;
}

static int cmd_start(int argc, char **argv)
{
	struct jail_reply rep;
	char *state;
	int running;

	if (argc != 2)
		die(EXIT_USAGE, "usage: jail-ai start NAME");
	need_podman("start");
	need_jail("start", argv[1]);
	if (prot_state_of("start", argv[1], &rep) == PS_MISSING) {
		warnx("start: %s runs without its protection (started with "
		    "podman start or restart): stopping it, then starting it "
		    "protected", argv[1]);
		if (podman_do("stop", "--time", "5", argv[1], NULL) < 0)
			die(EXIT_SYSFAIL, "start: podman stop %s failed",
			    argv[1]);
	}
	if (ensure_running("start", argv[1]) == 0)
		return 0;
	state = state_of(argv[1]);
	running = strcmp(state, "running") == 0;
	free(state);
	if (running)
		die(EXIT_SYSFAIL, "start: %s runs, but its protection could "
		    "not be confirmed (see above)", argv[1]);
	die(EXIT_SYSFAIL, "start: %s is not running", argv[1]);
}

static int cmd_stop(int argc, char **argv)
{
	if (argc != 2)
		die(EXIT_USAGE, "usage: jail-ai stop NAME");
	need_podman("stop");
	need_jail("stop", argv[1]);
	return podman_do("stop", "--time", "5", argv[1], NULL) < 0 ?
	    EXIT_SYSFAIL : 0;
}

/* The jail's home and nix store volumes, quietly: they may never have
 * been made. */
static void remove_home(const char *name)
{
	static const char *const sfx[] = { "home", "nix" };
	struct podman_status ps;
	char vol[96], *out;
	const char *args[] = { "volume", "rm", "--force", vol, NULL };
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(vol, sizeof(vol), "%s-%s", name, sfx[i]);
		podman_capture(args, 1, &out, &ps);
		free(out);
	}
}

static int cmd_rm(int argc, char **argv)
{
	int force = argc == 3 && strcmp(argv[1], "-f") == 0;
	const char *name = argv[argc - 1];
	int r, lk = -1;

	if (argc != 2 + force)
		die(EXIT_USAGE, "usage: jail-ai rm [-f] NAME");
	need_podman("rm");
	need_jail("rm", name);
	if (force)
		r = podman_do("rm", "--force", "--time", "0", name, NULL);
	else
		r = podman_do("rm", name, NULL);
	if (r < 0)
		return EXIT_SYSFAIL;
	/* Under create's lock, and only while no container NAME exists:
	 * a create of NAME since the podman rm keeps its parent. */
	if (pod_fast() && (lk = pod_lock(name)) < 0)
		warnx("rm: %s: lock <cgroup2>/jail-ai: %s; its keeper and "
		    "cgroup are kept (jail-ai clean removes them)", name,
		    strerror(-lk));
	else if (pod_fast()) {
		if (pod_gone(name)) {
			keeper_stop(name);	/* its address refresh */
			keeper_forget(name);	/* and its live rules */
			pod_parent_remove(name);	/* the fast path's */
		}
		close(lk);
	}
	remove_home(name);	/* --recreate keeps it; rm does not */
	return 0;
}

/* exec's options, as podman exec's, and --no-nix. */
struct exec_opts {
	int interactive, tty, detach, no_nix;
	const char *workdir, *user;
	const char *envs[64];
	size_t nenvs;
};

/*
 * A jail made for a flake.nix (label jail-ai.nix) runs CMD in the dev
 * shell: `nix develop /workspace --command CMD`.  nix's own exit status
 * cannot be told from CMD's, so CMD first leaves a mark: without it, CMD
 * never ran and the exec fails with 125 and the reason, instead of a
 * command run without the environment the project asked for.  The trap
 * keeps this shell alive through a Ctrl-C meant for CMD (a trap, unlike
 * an ignored signal, is not inherited).
 */
static const char nix_wrap[] =
    "trap : INT QUIT; m=/tmp/.jail-ai-nix.$$; rm -f \"$m\"; "
    "if ! command -v nix >/dev/null 2>&1; then echo \"jail-ai: this jail "
    "was made for a flake.nix but its image has no nix: remake it "
    "(--recreate) with the nix layer, or without the dev shell "
    "(--no-nix)\" >&2; exit 125; fi; "
    "nix develop /workspace --command /bin/sh -c ': >\"$0\" && exec "
    "\"$@\"' \"$m\" \"$@\"; s=$?; "
    "if [ -e \"$m\" ]; then rm -f \"$m\"; exit $s; fi; "
    "echo \"jail-ai: nix develop /workspace failed (exit $s, its error is "
    "above): nothing was run. Fix flake.nix (a flake whose inputs are "
    "not in the store needs the network), or run without the dev shell: "
    "jail-ai exec --no-nix $0 -- CMD, or remake the jail with "
    "--no-nix\" >&2; exit 125";

static int nix_jail(const char *name)
{
	char *lab = container_inspect(name, "{{index .Config.Labels "
	    "\"jail-ai.nix\"}}");
	int r = lab && strcmp(lab, "1") == 0;

	free(lab);
	return r;
}

/* exec [OPTIONS] NAME [--] CMD...: CMD's exit status. */
static int exec_in(const char *who, const char *name,
    const struct exec_opts *x, char **cmd)
{
	struct args a = { .n = 0 };
	struct podman_status ps;
	const char *const *ce;
	size_t i;

	if (ensure_running(who, name) < 0)
		die(EXIT_SYSFAIL, "%s: %s: nothing was run", who, name);
	args_add(&a, "exec");
	if (x->interactive)
		args_add(&a, "--interactive");
	if (x->tty)
		args_add(&a, "--tty");
	if (x->detach)
		args_add(&a, "--detach");
	if (x->workdir)
		args_addf(&a, "--workdir=%s", x->workdir);
	if (x->user)
		args_addf(&a, "--user=%s", x->user);
	for (ce = caller_env(); *ce; ce++)
		args_add(&a, *ce);
	for (i = 0; i < x->nenvs; i++)
		add_env(&a, x->envs[i]);
	args_add(&a, name);
	/* -u: another user would write root's files into the jail user's
	 * store; it runs outside the dev shell. */
	if (!x->no_nix && !x->user && nix_jail(name)) {
		args_add(&a, "/bin/sh");
		args_add(&a, "-c");
		args_add(&a, nix_wrap);
		args_add(&a, name);	/* $0: for the message */
	}
	for (i = 0; cmd[i]; i++)
		args_add(&a, cmd[i]);
	podman_run(a.v, &ps);
	args_free(&a);
	if (ps.signo)
		return 128 + ps.signo;
	return ps.exited ? ps.code : EXIT_SYSFAIL;
}

/* USER[:GROUP], names or ids, in podman's alphabet. */
static int valid_user(const char *s)
{
	size_t i;

	if (!s[0] || s[0] == '-' || s[0] == ':' || strlen(s) > 64)
		return 0;
	for (i = 0; s[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_.-:", s[i]))
			return 0;
	return strchr(s, ':') == strrchr(s, ':');
}

/* One exec option at argv[*i]; 1 when it was one. */
static int exec_opt(struct exec_opts *x, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v;

	if (!strcmp(a, "-i") || !strcmp(a, "--interactive"))
		return x->interactive = 1;
	if (!strcmp(a, "-t") || !strcmp(a, "--tty"))
		return x->tty = 1;
	if (!strcmp(a, "-it") || !strcmp(a, "-ti"))
		return x->interactive = x->tty = 1;
	if (!strcmp(a, "-d") || !strcmp(a, "--detach"))
		return x->detach = 1;
	if (!strcmp(a, "--no-nix"))
		return x->no_nix = 1;
	if (strcmp(a, "-e") && strcmp(a, "--env") && strcmp(a, "-w") &&
	    strcmp(a, "--workdir") && strcmp(a, "-u") && strcmp(a, "--user"))
		return 0;
	if (*i + 1 >= argc)
		die(EXIT_USAGE, "exec: %s needs a value", a);
	v = argv[++*i];
	if (a[1] == 'e' || a[2] == 'e') {
		if (x->nenvs == 64)
			die(EXIT_USAGE, "exec: more than 64 variables");
		check_env(v);
		x->envs[x->nenvs++] = v;
	} else if (a[1] == 'w' || a[2] == 'w') {
		if (v[0] != '/' || strchr(v, '\n'))
			die(EXIT_USAGE, "exec: %s %s: an absolute path", a, v);
		x->workdir = v;
	} else {
		if (!valid_user(v))
			die(EXIT_USAGE, "exec: %s %s: USER[:GROUP], names or "
			    "ids", a, v);
		x->user = v;
	}
	return 1;
}

static int cmd_exec(int argc, char **argv)
{
	struct exec_opts x;
	const char *name = NULL;
	int i;

	memset(&x, 0, sizeof(x));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			fputs(text_get("exec-options"), stdout);
			exit(0);
		}
		if (exec_opt(&x, argc, argv, &i))
			continue;
		if (argv[i][0] == '-')
			die(EXIT_USAGE, "exec: unknown option %s (jail-ai exec "
			    "--help)", argv[i]);
		if (name)
			break;
		name = argv[i];
	}
	if (!name || i >= argc)
		die(EXIT_USAGE, "usage: jail-ai exec [-i] [-t] [-d] [-e K=V] "
		    "[-w DIR] [-u USER] [--no-nix] NAME [--] CMD...");
	need_podman("exec");
	need_jail("exec", name);
	return exec_in("exec", name, &x, argv + i);
}

static int shell_in(const char *name)
{
	static char *sh[] = { "/bin/sh", "-c",
	    "command -v zsh >/dev/null 2>&1 && exec zsh -l; "
	    "command -v bash >/dev/null 2>&1 && exec bash -l; exec sh -l",
	    NULL };
	struct exec_opts x;

	memset(&x, 0, sizeof(x));
	x.interactive = 1;
	x.tty = isatty(0) && isatty(1);
	return exec_in("shell", name, &x, sh);
}

static int cmd_shell(int argc, char **argv)
{
	if (argc != 2)
		die(EXIT_USAGE, "usage: jail-ai shell NAME");
	need_podman("shell");
	need_jail("shell", argv[1]);
	return shell_in(argv[1]);
}

int cmd_container(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "create", cmd_create }, { "start", cmd_start },
		{ "stop", cmd_stop }, { "rm", cmd_rm }, { "exec", cmd_exec },
		{ "shell", cmd_shell }, { "list", cmd_list },
		{ "status", cmd_status },
	};
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[0], cmds[i].name) == 0)
			return cmds[i].fn(argc, argv);
	return -1;
}

/*
 * `jail-ai [JAIL-OPTIONS]`: a shell in this project's jail, made on first
 * use with the options (argv[1..], create's; config.c added the defaults).
 */
int cmd_project_shell(int argc, char **argv)
{
	char ws[PATH_MAX], name[64], h[9], *base, *exists = NULL;
	size_t i;
	int dry = 0;

	for (i = 1; i < (size_t)argc && strcmp(argv[i], "--") != 0; i++)
		dry |= strcmp(argv[i], "--dry-run") == 0;
	if (!dry)
		need_podman("jail-ai");
	workspace(NULL, ws);
	images_wshash(ws, h);
	base = strrchr(ws, '/') + 1;
	snprintf(name, sizeof(name), "jail-ai-%.24s-%s", base, h);
	for (i = 0; name[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_.-", name[i]))
			name[i] = '_';
	if (dry || (exists = container_inspect(name, "{{.Name}}")) == NULL) {
		char **cv = calloc((size_t)argc + 2, sizeof(*cv));

		if (!cv)
			die(EXIT_SYSFAIL, "out of memory");
		cv[0] = "create";
		cv[1] = name;
		for (i = 1; i < (size_t)argc; i++)
			cv[i + 1] = argv[i];
		if (!dry)
			fprintf(stderr, "jail-ai: making %s for %s\n", name,
			    ws);
		i = (size_t)cmd_create(argc + 1, cv);
		free(cv);
		if (dry)
			return (int)i;
	}
	free(exists);
	need_jail("jail-ai", name);
	return shell_in(name);
}
