/*
 * tests/unit_jailenv.c - jailenv.c's pure parsers: the POSIX TZ rule at
 * the end of a TZif file (what a jail's TZ becomes when the caller has
 * none), and a .git file's "gitdir:" line.  Built with -DJAILENV_PURE.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jailenv.h"
#include "tests/tap.h"

/* A TZif v2 file as far as tzif_rule looks: magic, version, a 44-byte
 * header, a body (which may hold newlines), "\nRULE\n". */
static size_t tzif(char *buf, char version, const char *body,
    const char *footer)
{
	size_t n;

	memset(buf, 0, 44);
	memcpy(buf, "TZif", 4);
	buf[4] = version;
	n = 44;
	n += (size_t)sprintf(buf + n, "%s", body);
	n += (size_t)sprintf(buf + n, "%s", footer);
	return n;
}

static void test_tzif(void)
{
	char buf[512], out[64];
	size_t n;

	n = tzif(buf, '2', "x\ny", "\nCET-1CEST,M3.5.0,M10.5.0/3\n");
	ok(tzif_rule(buf, n, out, sizeof(out)) == 0 &&
	    strcmp(out, "CET-1CEST,M3.5.0,M10.5.0/3") == 0,
	    "TZif v2: the footer rule (%s)", out);
	n = tzif(buf, '3', "", "\n<+0530>-5:30\n");
	ok(tzif_rule(buf, n, out, sizeof(out)) == 0 &&
	    strcmp(out, "<+0530>-5:30") == 0, "TZif v3: a quoted name");
	n = tzif(buf, '\0', "body", "\nUTC0\n");
	ok(tzif_rule(buf, n, out, sizeof(out)) == -EINVAL,
	    "TZif v1 has no footer: refused");
	n = tzif(buf, '2', "body", "\n\n");
	ok(tzif_rule(buf, n, out, sizeof(out)) == -EINVAL,
	    "an empty rule: refused (the jail keeps its TZ)");
	n = tzif(buf, '2', "body", "\nUTC0;rm -rf /\n");
	ok(tzif_rule(buf, n, out, sizeof(out)) == -EINVAL,
	    "a rule with characters no TZ rule has: refused");
	n = tzif(buf, '2', "body", "\nUTC0");
	ok(tzif_rule(buf, n, out, sizeof(out)) == -EINVAL,
	    "no final newline: refused");
	ok(tzif_rule("TZif2", 5, out, sizeof(out)) == -EINVAL,
	    "a short file: refused");
	n = tzif(buf, '2', "body", "\nCET-1CEST,M3.5.0,M10.5.0/3\n");
	ok(tzif_rule(buf, n, out, 8) == -EINVAL,
	    "a rule longer than the buffer: refused");
}

static void test_gitfile(void)
{
	char out[64];
	const char *s;

	s = "gitdir: /r/.git/worktrees/wt\n";
	ok(gitfile_parse(s, strlen(s), out, sizeof(out)) == 0 &&
	    strcmp(out, "/r/.git/worktrees/wt") == 0, "gitdir: PATH\\n");
	s = "gitdir: ../.git/modules/m\r\n";
	ok(gitfile_parse(s, strlen(s), out, sizeof(out)) == 0 &&
	    strcmp(out, "../.git/modules/m") == 0, "CRLF, a relative path");
	s = "gitdir: /a\nsecond line\n";
	ok(gitfile_parse(s, strlen(s), out, sizeof(out)) == -EINVAL,
	    "a second line: refused");
	s = "gitdir:/a\n";
	ok(gitfile_parse(s, strlen(s), out, sizeof(out)) == -EINVAL,
	    "no space after the colon: refused");
	ok(gitfile_parse("gitdir: /a\0b\n", 13, out, sizeof(out)) == -EINVAL,
	    "a NUL byte: refused");
	s = "gitdir: \n";
	ok(gitfile_parse(s, strlen(s), out, sizeof(out)) == -EINVAL,
	    "an empty path: refused");
	s = "gitdir: /a/very/long/path/that/does/not/fit/in/the/sixty-four/"
	    "byte/buffer\n";
	ok(gitfile_parse(s, strlen(s), out, sizeof(out)) == -EINVAL,
	    "a path longer than the buffer: refused");
}

int main(void)
{
	test_tzif();
	test_gitfile();
	return done_testing();
}
