/*
 * fuzz/fuzz_config.c - libFuzzer target for config.c's parser of the
 * user's and the project's config files (config_parse), both scopes.
 * Beyond the sanitizers it checks what the parser promises: only 0,
 * -EINVAL, -E2BIG or -EPERM (-EPERM only for a project); at most
 * CONFIG_MAX_ITEMS items, each with a known key, a line inside the input
 * and a value (flags: none) that is a NUL-terminated string inside the
 * pool with no control character; an error line inside the input; a
 * project file that parses also parses as the user's, to the same items,
 * and names only keys a project may set.
 * Seeds: fuzz/seeds-config/.  Run: fuzz/fuzz_config CORPUS fuzz/seeds-config
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct jail_config u, p;

static unsigned int lines_of(const char *buf, size_t len)
{
	unsigned int n = len ? 1 : 0;
	size_t i;

	for (i = 0; i + 1 < len; i++)
		n += buf[i] == '\n';
	return n;
}

static void check(const struct jail_config *c, int r, unsigned int line,
    const char *why, unsigned int lines)
{
	size_t i;
	const char *v;

	if (r != 0 && r != -EINVAL && r != -E2BIG && r != -EPERM)
		abort();
	if (r != 0 && (!why || line > lines))
		abort();
	if (r != 0)
		return;
	if (c->n > CONFIG_MAX_ITEMS || c->pool_len > sizeof(c->pool))
		abort();
	for (i = 0; i < c->n; i++) {
		if (!config_key_known(c->item[i].key) || c->item[i].line == 0 ||
		    c->item[i].line > lines)
			abort();
		if (!(v = c->item[i].val))
			continue;
		if (v < c->pool || v >= c->pool + c->pool_len ||
		    !memchr(v, '\0', (size_t)(c->pool + c->pool_len - v)) ||
		    v[0] == '\0')
			abort();
		for (; *v; v++)
			if ((unsigned char)*v < 0x20 || *v == 0x7f)
				abort();
	}
}

static int project_key(const char *k)
{
	static const char *const ok[] = { "block-host", "deny", "deny-file",
	    "hide", "memory", "cpus", "deny-all", "block-private" };
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(k, ok[i]) == 0)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *why;
	unsigned int line, lines = lines_of(buf, size);
	int ru, rp;
	size_t i;

	ru = config_parse(buf, size, CONFIG_USER, &u, &line, &why);
	if (ru == -EPERM)
		abort();
	check(&u, ru, line, why, lines);
	rp = config_parse(buf, size, CONFIG_PROJECT, &p, &line, &why);
	check(&p, rp, line, why, lines);
	if (rp == 0) {
		if (ru != 0 || u.n != p.n)
			abort();
		for (i = 0; i < p.n; i++)
			if (!project_key(p.item[i].key) || u.item[i].key !=
			    p.item[i].key || u.item[i].line != p.item[i].line ||
			    (p.item[i].val && strcmp(u.item[i].val,
			    p.item[i].val) != 0))
				abort();
	}
	return 0;
}
