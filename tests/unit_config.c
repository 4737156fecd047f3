/*
 * tests/unit_config.c - config.c's parser (built with -DCONFIG_PURE): the
 * format, the limits, and what a project config may not say.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tests/tap.h"

static struct jail_config c;
static unsigned int line;
static const char *why;

static int parse(const char *text, enum config_scope scope)
{
	return config_parse(text, strlen(text), scope, &c, &line, &why);
}

static void test_format(void)
{
	ok(parse("", CONFIG_USER) == 0 && c.n == 0, "an empty file: nothing");
	ok(parse("# defaults\n\n   \n\t# x = y\n", CONFIG_USER) == 0 &&
	    c.n == 0, "comments and blank lines: nothing");
	ok(parse("block-host\r\n  deny =  192.0.2.0/24  \nmemory=4g", CONFIG_USER)
	    == 0 && c.n == 3 && strcmp(c.item[0].opt, "--block-host") == 0 &&
	    c.item[0].val == NULL && c.item[1].line == 2 &&
	    strcmp(c.item[1].val, "192.0.2.0/24") == 0 &&
	    strcmp(c.item[2].val, "4g") == 0 && c.item[2].line == 3,
	    "a flag, CRLF, spaces, no final newline: opts, values, lines");
	ok(parse("deny = 192.0.2.0/24\ndeny = 198.51.100.0/24\n", CONFIG_USER)
	    == 0 && c.n == 2, "a key may repeat (the rules add up)");
	ok(parse("# x\ncolour = red\n", CONFIG_USER) == -EINVAL && line == 2 &&
	    strstr(why, "unknown key"), "an unknown key: line 2 (%s)", why);
	ok(parse("block-host = yes\n", CONFIG_USER) == -EINVAL && line == 1,
	    "a flag with a value (%s)", why);
	ok(parse("\n\ndeny\n", CONFIG_USER) == -EINVAL && line == 3,
	    "a valued key alone: line 3 (%s)", why);
	ok(parse("deny =\n", CONFIG_USER) == -EINVAL && line == 1,
	    "an empty value (%s)", why);
	ok(parse("deny = 192.0.2.1/24\n", CONFIG_USER) == -EINVAL,
	    "a deny with host bits set (%s)", why);
	ok(parse("allow = ::1:8080x\n", CONFIG_USER) == -EINVAL,
	    "a bad allow rule (%s)", why);
	ok(parse("proxy = http://proxy:3128\n", CONFIG_USER) == -EINVAL &&
	    strstr(why, "--proxy"), "proxy = a name: refused (%s)", why);
	ok(parse("proxy = http://10.88.0.1:3128\nallow-dns\n", CONFIG_USER) ==
	    0 && c.n == 2, "proxy = http://10.88.0.1:3128, allow-dns");
	ok(parse("memory = lots\n", CONFIG_USER) == -EINVAL,
	    "memory not a size (%s)", why);
	ok(parse("cpus = -1\n", CONFIG_USER) == -EINVAL,
	    "cpus not a number (%s)", why);
	ok(parse("network = a b\n", CONFIG_USER) == -EINVAL,
	    "a space in a word (%s)", why);
	ok(parse("env = A=\x1b[31m\n", CONFIG_USER) == -EINVAL,
	    "a control character in a value (%s)", why);
	ok(config_parse("deny = 192.0.2.0/24\0x\n", 22, CONFIG_USER, &c,
	    &line, &why) == -EINVAL && line == 1, "a NUL byte (%s)", why);
	ok(parse("base-image = localhost/deb:12\nca-certs = /etc/ca.pem\n",
	    CONFIG_USER) == 0 && c.n == 2 && c.item[0].opt == NULL,
	    "images.c's keys are known, with no option of their own");
}

static void test_limits(void)
{
	size_t n = CONFIG_FILE_MAX + 1, i;
	char *big = malloc(n + 1), *p;

	if (!big)
		abort();
	memset(big, '#', n);
	big[n] = '\0';
	for (i = 100; i < n; i += 100)
		big[i] = '\n';
	ok(config_parse(big, n, CONFIG_USER, &c, &line, &why) == -E2BIG &&
	    line == 0, "a file over 64 KiB (%s)", why);
	ok(config_parse(big, CONFIG_FILE_MAX, CONFIG_USER, &c, &line, &why) ==
	    0, "a file of exactly 64 KiB of comments");
	memset(big, '#', CONFIG_LINE_MAX);
	big[CONFIG_LINE_MAX] = '\n';
	ok(config_parse(big, CONFIG_LINE_MAX + 1, CONFIG_USER, &c, &line,
	    &why) == -EINVAL && line == 1, "a line of 1024 bytes (%s)", why);
	ok(config_parse(big, CONFIG_LINE_MAX - 1, CONFIG_USER, &c, &line,
	    &why) == 0, "a line of 1023 bytes");
	for (p = big, i = 0; i < CONFIG_MAX_ITEMS + 1; i++)
		p += sprintf(p, "block-host\n");
	ok(config_parse(big, (size_t)(p - big), CONFIG_USER, &c, &line, &why)
	    == -E2BIG && line == CONFIG_MAX_ITEMS + 1, "%d settings: line "
	    "%u (%s)", CONFIG_MAX_ITEMS + 1, line, why);
	ok(config_parse(big, (size_t)(p - big) - 11, CONFIG_USER, &c, &line,
	    &why) == 0 && c.n == CONFIG_MAX_ITEMS, "%d settings fit",
	    CONFIG_MAX_ITEMS);
	free(big);
}

static void test_project(void)
{
	static const char *const loosen[] = { "allow = 10.0.0.1",
	    "allow-domain = example.com", "proxy = http://10.0.0.1:3128",
	    "mount = /etc:/etc", "port = 8080:80", "env = A=B",
	    "ssh-agent", "git-gpg", "network = host", "image = x",
	    "base-image = x", "layers = rust", "rw = /", "unhide = /home",
	    "fs = host", "no-block-host", "no-dns", "ca-certs = /x.pem" };
	size_t i;
	char buf[128];

	ok(parse("block-host\ndeny = 192.0.2.0/24\ndeny-file = denies.txt\n"
	    "hide = .env\nmemory = 512m\ncpus = 1.5\n", CONFIG_PROJECT) == 0 &&
	    c.n == 6, "a project may say block-host, deny, deny-file, hide, "
	    "memory, cpus");
	for (i = 0; i < sizeof(loosen) / sizeof(loosen[0]); i++) {
		snprintf(buf, sizeof(buf), "# ok\nblock-host\n%s\n", loosen[i]);
		ok(parse(buf, CONFIG_PROJECT) == -EPERM && line == 3 &&
		    strstr(why, "not allowed in a project config"),
		    "project: %s refused at line 3", loosen[i]);
		ok(parse(buf, CONFIG_USER) == 0, "user: %s accepted",
		    loosen[i]);
	}
	ok(parse("allow = 10.0.0.1\n", CONFIG_PROJECT) == -EPERM &&
	    strncmp(why, "allow is", 8) == 0, "the reason names the key (%s)",
	    why);
}

static void test_numbers(void)
{
	unsigned long long sz;
	unsigned long m;

	ok(config_size("512m", &sz) == 0 && sz == 512ULL << 20, "512m");
	ok(config_size("4G", &sz) == 0 && sz == 4ULL << 30, "4G");
	ok(config_size("1000", &sz) == 0 && sz == 1000, "1000 bytes");
	ok(config_size("0", &sz) < 0 && config_size("m", &sz) < 0 &&
	    config_size("1t", &sz) < 0 && config_size("9999999999999", &sz) <
	    0, "0, m, 1t and 13 digits refused");
	ok(config_cpus("1.5", &m) == 0 && m == 1500, "1.5 cpus");
	ok(config_cpus("2", &m) == 0 && m == 2000, "2 cpus");
	ok(config_cpus("0.25", &m) == 0 && m == 250, "0.25 cpus");
	ok(config_cpus("0", &m) < 0 && config_cpus(".5", &m) < 0 &&
	    config_cpus("1.2.3", &m) < 0 && config_cpus("12345", &m) < 0,
	    "0, .5, 1.2.3 and 12345 refused");
	ok(config_key_known("deny") && config_key_known("base-image") &&
	    !config_key_known("base_image"), "config_key_known");
}

int main(void)
{
	test_format();
	test_limits();
	test_project();
	test_numbers();
	return done_testing();
}
