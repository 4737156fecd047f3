/*
 * config.h - defaults for the jail options from two files: the user's
 * ($XDG_CONFIG_HOME/jail-ai/config, else ~/.config/jail-ai/config) and the
 * project's (.jail-ai/config at the project root), which may only tighten.
 *
 * Lines are `KEY = VALUE`, or `KEY` alone for a flag; '#' starts a comment
 * line.  The parser (config_parse) is pure over (buffer, length) with the
 * limits below, so the unit test and the fuzzer call it without files.
 */
#ifndef JAIL_CONFIG_H
#define JAIL_CONFIG_H

#include <stddef.h>

#define CONFIG_FILE_MAX		(64 * 1024)	/* bytes in one file */
#define CONFIG_LINE_MAX		1024		/* bytes in one line */
#define CONFIG_MAX_ITEMS	128		/* settings in one file */

enum config_scope {
	CONFIG_USER,		/* the user's own defaults: anything */
	CONFIG_PROJECT,		/* a project's: only what tightens */
};

struct config_item {
	const char *key;	/* "deny": static, from the key table */
	const char *opt;	/* "--deny": the option it stands for */
	const char *val;	/* into the pool; NULL for a flag */
	unsigned int line;	/* 1-based */
};

struct jail_config {
	struct config_item item[CONFIG_MAX_ITEMS];
	size_t n;
	size_t pool_len;
	char why[160];			/* a reason naming the key */
	char pool[CONFIG_FILE_MAX];	/* the values, NUL-terminated */
};

/*
 * Parses one file.  0, or -EINVAL / -E2BIG with *errline the 1-based line
 * (0: the file as a whole) and *why the reason.  A project file naming a
 * key that loosens the policy (allow, mount, env, no-block-host, ...) is
 * -EPERM at its line.  Values are checked here as far as they can be
 * without files: rules, sizes, numbers.
 */
int config_parse(const char *buf, size_t len, enum config_scope scope,
    struct jail_config *c, unsigned int *errline, const char **why);

/* 1 when KEY is one this file format knows (images.c shares the file). */
int config_key_known(const char *key);

/* "512m" -> bytes; -EINVAL.  "1.5" cpus -> thousandths; -EINVAL. */
int config_size(const char *s, unsigned long long *out);
int config_cpus(const char *s, unsigned long *milli);

/* ---- command level (config.c): the files, applied to a command ---- */

/*
 * The argument vector for command CMD ("run", "create", "agent",
 * "project"), argv[0] the command's name: the user's and the project's
 * settings that CMD takes, then the command line, with --block-host and
 * --no-block-host resolved (the last one said wins; agents' jails and the
 * bare project jail default to on).  Dies naming FILE:LINE on a bad file
 * or a project setting this command cannot enforce.  *source_of[i] says
 * where argument i came from ("" for the command line).
 */
char **config_apply(const char *cmd, int argc, char **argv, int *out_argc,
    const char ***source_of);
/* 1 when OPT takes a value (--allow, -m, ...); 1 when the N bytes at OPT
 * name an option that takes none. */
int config_opt_valued(const char *opt);
int config_opt_flag(const char *opt, size_t n);
/* Reads a regular file of at most MAX bytes without following a final
 * symlink or blocking on a FIFO; *buf NUL-terminated.  0 or -errno. */
int config_read(const char *path, size_t max, char **buf, size_t *len);

#endif
