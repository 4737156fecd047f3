/*
 * podman.c - the podman driver: podman's absolute path resolved once, run
 * through posix_spawn with an explicit small environment and no shell;
 * output read only through --format templates the caller chooses.
 *
 * No privilege (the parent's, which holds no capability).  Untrusted
 * input: podman's output (bounded in size; the callers parse it as plain
 * lines) and the environment we take the few variables from.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "podman.h"
#include "util.h"

#define PODMAN_OUT_MAX	(1 << 20)	/* more output than this is an error */
#define PODMAN_ARGS_MAX	128

/* What podman needs from our environment, and nothing else. */
static const char *const env_keep[] = {
	"HOME", "USER", "LOGNAME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME",
	"XDG_DATA_HOME", "CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF",
	"CONTAINERS_REGISTRIES_CONF", "CONTAINER_HOST", "TMPDIR", "TERM",
	"LANG", "TZ", "DBUS_SESSION_BUS_ADDRESS",
};
#define ENV_MAX (sizeof(env_keep) / sizeof(env_keep[0]) + 2)

static char podman_path[512];
static char *podman_env[ENV_MAX];

static int executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0;
}

/* JAIL_AI_PODMAN, else the first podman in a fixed system PATH. */
int podman_init(void)
{
	static const char *const dirs[] = {
		"/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin",
		"/usr/sbin", "/sbin",
	};
	const char *p = getenv("JAIL_AI_PODMAN");
	char *v;
	size_t i, n = 0;

	if (podman_path[0])
		return 0;
	if (p && p[0] == '/' && executable(p))
		snprintf(podman_path, sizeof(podman_path), "%s", p);
	for (i = 0; !podman_path[0] && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(podman_path, sizeof(podman_path), "%s/podman", dirs[i]);
		if (!executable(podman_path))
			podman_path[0] = '\0';
	}
	if (!podman_path[0])
		return -ENOENT;
	podman_env[n++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
	    "/usr/bin:/sbin:/bin";
	for (i = 0; i < sizeof(env_keep) / sizeof(env_keep[0]); i++) {
		size_t klen = strlen(env_keep[i]);
		char **e;

		for (e = environ; (v = *e) != NULL; e++)
			if (strncmp(v, env_keep[i], klen) == 0 && v[klen] == '=')
				break;
		if (v)
			podman_env[n++] = v;
	}
	podman_env[n] = NULL;
	return 0;
}

static int status_of(int st, struct podman_status *ps)
{
	memset(ps, 0, sizeof(*ps));
	if (WIFEXITED(st)) {
		ps->exited = 1;
		ps->code = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st)) {
		ps->signo = WTERMSIG(st);
	}
	return ps->exited && ps->code == 0 ? 0 : -ECHILD;
}

/* argv without "podman"; out_fd >= 0: podman's stdout goes there. */
static int spawn(const char *const *args, int out_fd, int quiet, pid_t *pid)
{
	char *argv[PODMAN_ARGS_MAX + 2];
	posix_spawn_file_actions_t fa;
	size_t n;
	int r;

	argv[0] = "podman";
	for (n = 0; args[n]; n++) {
		if (n == PODMAN_ARGS_MAX)
			return -E2BIG;
		/* posix_spawn's argv is char *const[]; it does not write. */
		memcpy(&argv[n + 1], &args[n], sizeof(argv[0]));
	}
	argv[n + 1] = NULL;
	if ((r = posix_spawn_file_actions_init(&fa)) != 0)
		return -r;
	if (out_fd >= 0)
		r = posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	if (r == 0 && quiet)
		r = posix_spawn_file_actions_addopen(&fa, 2, "/dev/null",
		    O_WRONLY, 0);
	if (r == 0)
		r = posix_spawn(pid, podman_path, &fa, NULL, argv, podman_env);
	posix_spawn_file_actions_destroy(&fa);
	return -r;
}

static int wait_status(pid_t pid, struct podman_status *ps)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return status_of(st, ps);
}

/* stdio inherited (interactive use, build output); 0 when podman exit 0. */
int podman_run(const char *const *args, struct podman_status *ps)
{
	pid_t pid;
	int r;

	memset(ps, 0, sizeof(*ps));
	if ((r = spawn(args, -1, 0, &pid)) < 0)
		return r;
	return wait_status(pid, ps);
}

static int read_all(int fd, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap), *nb;
	ssize_t r;

	if (!b)
		return -ENOMEM;
	for (;;) {
		if (n + 1 == cap) {
			if (cap >= PODMAN_OUT_MAX || !(nb = realloc(b, cap * 2))) {
				free(b);
				return -E2BIG;
			}
			b = nb;
			cap *= 2;
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(b);
			return -errno;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

/*
 * stdout captured into *out (NUL-terminated, malloc'd), stderr inherited
 * unless quiet.  Returns 0 when podman exited 0; *out is set either way
 * unless the spawn itself failed.
 */
int podman_capture(const char *const *args, int quiet, char **out,
    struct podman_status *ps)
{
	int p[2], r, rr;
	size_t len = 0;
	pid_t pid;

	*out = NULL;
	memset(ps, 0, sizeof(*ps));
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	r = spawn(args, p[1], quiet, &pid);
	close(p[1]);
	if (r < 0) {
		close(p[0]);
		return r;
	}
	rr = read_all(p[0], out, &len);
	close(p[0]);
	r = wait_status(pid, ps);
	if (rr < 0) {
		free(*out);
		*out = NULL;
		return rr;
	}
	/* A template's answer is one line; drop its newline. */
	while (len > 0 && (*out)[len - 1] == '\n')
		(*out)[--len] = '\0';
	return r;
}

/* One --format answer about a container or image; NULL when podman failed. */
char *podman_inspect(const char *kind, const char *name, const char *fmt)
{
	const char *args[] = { kind, "inspect", "--format", fmt, name, NULL };
	struct podman_status ps;
	char *out;

	if (podman_capture(args, 1, &out, &ps) < 0) {
		free(out);
		return NULL;
	}
	return out;
}

void args_add(struct args *a, const char *s)
{
	if (a->n == MAX_ARGS)
		die(EXIT_USAGE, "too many options");
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

__attribute__((format(printf, 2, 3)))
void args_addf(struct args *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die(EXIT_SYSFAIL, "out of memory");
	va_end(ap);
	if (a->nowned == MAX_ARGS)
		die(EXIT_USAGE, "too many options");
	a->owned[a->nowned++] = s;
	args_add(a, s);
}

void args_free(struct args *a)
{
	while (a->nowned)
		free(a->owned[--a->nowned]);
	a->n = 0;
}

void need_podman(const char *who)
{
	if (podman_init() < 0)
		die(EXIT_SYSFAIL, "%s: podman not found in /usr/bin, /bin, "
		    "/usr/local/bin or $JAIL_AI_PODMAN: install podman (and "
		    "runc) or use `jail-ai run`", who);
}

/*
 * podman ARGS... (NULL-terminated); 0 when it exits 0.  Its stdout (ids
 * and names it echoes) is dropped; its stderr (the reasons) is not.
 */
int podman_do(const char *first, ...)
{
	struct podman_status ps;
	struct args a = { .n = 0 };
	const char *s;
	char *out;
	va_list ap;
	int r;

	va_start(ap, first);
	for (s = first; s; s = va_arg(ap, const char *))
		args_add(&a, s);
	va_end(ap);
	r = podman_capture(a.v, 0, &out, &ps);
	free(out);
	return r;
}

char *container_inspect(const char *name, const char *fmt)
{
	return podman_inspect("container", name, fmt);
}
