/*
 * podman.h - podman.c: running podman (absolute path, explicit small
 * environment, no shell) and the argument lists we build for it.
 */
#ifndef JAIL_PODMAN_H
#define JAIL_PODMAN_H

#include <stddef.h>

#define MAX_ARGS	120	/* podman arguments we build */

struct podman_status {
	int exited, code, signo;
};

int podman_init(void);
int podman_run(const char *const *args, struct podman_status *ps);
int podman_capture(const char *const *args, int quiet, char **out,
    struct podman_status *ps);
char *podman_inspect(const char *kind, const char *name, const char *fmt);
/* podman_inspect of a container: FMT's output, malloc'd; NULL if none. */
char *container_inspect(const char *name, const char *fmt);

struct args {
	const char *v[MAX_ARGS + 1];
	size_t n;
	char *owned[MAX_ARGS];	/* strings we made, freed with the args */
	size_t nowned;
};

/* Dies on overflow (more than MAX_ARGS) or without memory. */
void args_add(struct args *a, const char *s);
void args_addf(struct args *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void args_free(struct args *a);
/* Dies with what to install when there is no podman. */
void need_podman(const char *who);
/* podman ARGS... (NULL-terminated), stdout dropped; 0 when it exits 0. */
int podman_do(const char *first, ...) __attribute__((sentinel));

/*
 * containers.conf as podman reads it: [TABLE] KEY's value in out (1), 0
 * when no file sets it, < 0 when a file cannot be read as podman would.  conf_value: one file's text (pure, unit-tested).
 */
int conf_value(const char *buf, size_t len, const char *table,
    const char *key, char *out, size_t outsz);
int podman_conf(const char *table, const char *key, char *out, size_t outsz);
/* podman_conf's error (< 0) in words, for a refusal. */
const char *conf_why(int r);
/* 1 when podman's cgroup manager is systemd (read, no podman call), < 0
 * when containers.conf cannot be read. */
int podman_systemd_cgroups(void);

#endif
