/*
 * tests/unit_hostips.c - hostips.c: the /proc parsers against captured
 * shapes (tests/fixtures/, captured on kernel 6.18: this machine and
 * network namespaces with veth pairs, extra tables, an IPv6-only and an
 * IPv6-less namespace), generated large inputs, malformed inputs with
 * the line they must be reported at, the fixed list, sorting and dedupe,
 * resolv.conf.  TAP.  Runs without privilege.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hostips.h"
#include "tap.h"

#define MAXV 20000

static char fixdir[4096];
static struct hostip v[MAXV];

static char *slurp(const char *name, size_t *len)
{
	char path[4200];
	char *buf;
	FILE *f;
	long l;

	snprintf(path, sizeof(path), "%s/%s", fixdir, name);
	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) < 0 || (l = ftell(f)) < 0) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	rewind(f);
	buf = malloc((size_t)l + 1);
	if (!buf || fread(buf, 1, (size_t)l, f) != (size_t)l) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	buf[l] = '\0';
	*len = (size_t)l;
	return buf;
}

/* "a/32 b/32 ..." of v[0..n) into s. */
static const char *joined(const struct hostip *h, size_t n)
{
	static char s[1 << 16];
	char one[64];
	size_t i, used = 0;

	s[0] = '\0';
	for (i = 0; i < n; i++) {
		if (hostip_format(&h[i], one, sizeof(one)) < 0)
			snprintf(one, sizeof(one), "<bad>");
		used += (size_t)snprintf(s + used, sizeof(s) - used, "%s%s",
		    i ? " " : "", one);
		if (used >= sizeof(s))
			break;
	}
	return s;
}

static int same(const char *got, const char *want, const char *what)
{
	if (ok(strcmp(got, want) == 0, "%s", what))
		return 1;
	diag("want: %s", want);
	diag(" got: %s", got);
	return 0;
}

static int all_source(const struct hostip *h, size_t n, int source)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (h[i].source != source || h[i].why != NULL)
			return 0;
	return 1;
}

static void fib_fixture(const char *name, const char *want)
{
	size_t len, n = 0;
	unsigned int line = 0;
	char *buf = slurp(name, &len);
	int err;

	err = hostips_parse_fib_trie(buf, len, v, MAXV, &n, &line);
	ok(err == 0, "%s parses (err %d line %u)", name, err, line);
	same(joined(v, n), want, name);
	ok(all_source(v, n, HOSTIP_FIB_TRIE), "%s: source fib_trie", name);
	free(buf);
}

static void inet6_fixture(const char *name, const char *want)
{
	size_t len, n = 0;
	unsigned int line = 0;
	char *buf = slurp(name, &len);
	int err;

	err = hostips_parse_if_inet6(buf, len, v, MAXV, &n, &line);
	ok(err == 0, "%s parses (err %d line %u)", name, err, line);
	same(joined(v, n), want, name);
	ok(all_source(v, n, HOSTIP_IF_INET6), "%s: source if_inet6", name);
	free(buf);
}

static const char host_fib[] =
	"127.0.0.0/8 127.0.0.1/32 127.255.255.255/32 192.0.2.2/32 "
	"192.0.2.255/32 "
	"127.0.0.0/8 127.0.0.1/32 127.255.255.255/32 192.0.2.2/32 "
	"192.0.2.255/32";
/* table 100 has "local 203.0.113.0/28": all 16 addresses reach the host */
static const char netns_fib[] =
	"203.0.113.0/28 "
	"10.1.2.3/32 10.1.2.77/32 10.1.2.200/32 10.1.2.255/32 10.77.0.1/32 "
	"10.255.255.255/32 100.64.0.9/32 127.0.0.0/8 127.0.0.1/32 "
	"127.255.255.255/32 172.16.5.1/32 172.16.255.255/32 "
	"192.168.100.1/32 192.168.100.3/32";
static const char netns_if6[] =
	"fe80::dc07:b7ff:fe6a:8ea5/128 fd12:3456::1/128 ::1/128 "
	"fe80::84e1:b7ff:fe24:10aa/128 fe80::382e:3cff:fe30:2c5f/128 "
	"2001:db8::42/128 fe80::484f:54ff:fea4:8ec0/128 fe80::1234/128";

static void test_fixtures(void)
{
	fib_fixture("host.fib_trie", host_fib);
	fib_fixture("netns.fib_trie", netns_fib);
	fib_fixture("v6only.fib_trie",
	    "127.0.0.0/8 127.0.0.1/32 127.255.255.255/32 "
	    "127.0.0.0/8 127.0.0.1/32 127.255.255.255/32");
	fib_fixture("nov6.fib_trie",
	    "127.0.0.0/8 127.0.0.1/32 127.255.255.255/32 192.168.7.7/32 "
	    "192.168.7.255/32 "
	    "127.0.0.0/8 127.0.0.1/32 127.255.255.255/32 192.168.7.7/32 "
	    "192.168.7.255/32");
	inet6_fixture("host.if_inet6",
	    "::1/128 fe80::fc:ff:fe00:1/128 fd00::2/128");
	inet6_fixture("netns.if_inet6", netns_if6);
	inet6_fixture("v6only.if_inet6", "2001:db8:1::5/128 ::1/128");
	inet6_fixture("nov6.if_inet6", "");
}

/* Inputs the kernel does not print, and the line they must fail at. */
struct bad {
	const char *text;
	unsigned int line;
	const char *why;
};

#define HDR "Local:\n  +-- 0.0.0.0/0 3 0 5\n"
static const struct bad bad_fib[] = {
	{ HDR "     |-- 10.1.2.256\n        /32 host LOCAL\n", 3,
	  "address octet > 255" },
	{ HDR "     |-- 10.1.2\n", 3, "three octets" },
	{ HDR "     |-- 10.01.2.3\n", 3, "leading zero" },
	{ HDR "     |-- 10.1.2.3\n        /33 host LOCAL\n", 4,
	  "prefix length 33" },
	{ HDR "     |-- 10.1.2.3\n        /3x host LOCAL\n", 4,
	  "prefix length not a number" },
	{ HDR "        /32 host LOCAL\n", 3, "type line before any leaf" },
	{ "Local:\n        /32 host LOCAL\n", 2, "type line after header" },
	{ HDR "     |-- 10.1.2.3\n     +-- 10.0.0.0/8 2 0 2\n"
	  "        /32 host LOCAL\n", 5, "type line after an internal node" },
	{ HDR "     |-- 10.1.2.3\n           /32 host LOCAL\n", 4,
	  "type line indented under the wrong leaf" },
	{ HDR "garbage\n", 3, "unknown line shape" },
	{ HDR "\n", 3, "empty line" },
	{ "  +-- 0.0.0.0/0 3 0 5\n", 1, "node before any table header" },
	{ "Main\n", 1, "header without colon" },
	{ "Id x:\n", 1, "table id not a number" },
	{ "Main: \n", 1, "header with trailing space" },
	{ HDR "    |-- 10.1.2.3\n", 3, "indentation not 2 + 3k" },
	{ HDR "     |-- 10.1.2.3\n        /32 host LOCAL extra\n", 4,
	  "trailing field" },
	{ HDR "     |-- 10.1.2.3\n        /32 hostx LOCAL\n", 4,
	  "unknown scope" },
	{ HDR "     |-- 10.1.2.3\n        /32 host local\n", 4,
	  "lower-case type" },
	{ HDR "     |-- 10.1.2.3\n        /32 host type x\n", 4,
	  "type N without a number" },
	{ HDR "     |-- 10.1.2.3\n        /32 host LOCAL tos=\n", 4,
	  "tos= without a value" },
	{ HDR "     |-- 10.1.2.3\r\n        /32 host LOCAL\n", 3, "CRLF" },
	{ HDR "  +-- 10.0.0.0/33 2 0 2\n", 3, "node prefix 33" },
	{ HDR "  +-- 10.0.0.0/8 2 0\n", 3, "node with two numbers" },
	{ HDR "     |-- 10.1.2.3\n        /32\thost LOCAL\n", 4, "tab" },
};

static void test_bad_fib(void)
{
	size_t i, n;
	unsigned int line;
	int err;

	for (i = 0; i < sizeof(bad_fib) / sizeof(bad_fib[0]); i++) {
		n = 0;
		line = 0;
		err = hostips_parse_fib_trie(bad_fib[i].text,
		    strlen(bad_fib[i].text), v, MAXV, &n, &line);
		ok(err == -EINVAL && line == bad_fib[i].line,
		    "fib_trie malformed: %s -> EINVAL line %u (got %d line %u)",
		    bad_fib[i].why, bad_fib[i].line, err, line);
	}
}

static void test_bad_fib_extra(void)
{
	static const char nul[] = HDR "     |-- 10.1.2.3\0\n";
	size_t n = 0, len;
	unsigned int line = 0;
	char *buf;
	int err;

	err = hostips_parse_fib_trie(nul, sizeof(nul) - 1, v, MAXV, &n, &line);
	ok(err == -EINVAL && line == 3, "fib_trie: NUL in a line -> line 3");

	/* an overlong line: indentation the kernel would never print */
	len = 4 + 1 + 600 + 12;
	buf = malloc(len + 1);
	memcpy(buf, "Main:\n", 6);
	memset(buf + 6, ' ', 599);
	memcpy(buf + 605, "|-- 1.2.3.4\n", 12);
	len = 617;
	n = 0;
	line = 0;
	err = hostips_parse_fib_trie(buf, len, v, MAXV, &n, &line);
	ok(err == -EINVAL && line == 2, "fib_trie: overlong line -> line 2 "
	    "(got %d line %u)", err, line);
	free(buf);

	buf = slurp("malformed.fib_trie", &len);
	n = 0;
	err = hostips_parse_fib_trie(buf, len, v, MAXV, &n, &line);
	ok(err == -EINVAL && line == 5, "malformed.fib_trie -> line 5");
	free(buf);
}

/* Shapes the kernel can print that the fixtures do not show. */
static const char fib_shapes[] =
	"Id -294967296:\n"
	"  |-- 10.10.0.0\n"
	"     /16 universe UNREACHABLE\n"
	"Id 100:\n"
	"  +-- 192.0.0.0/4 3 0 5\n"
	"     |-- 192.0.2.9\n"
	"        /32 scope=200 type 13\n"
	"        /32 host LOCAL tos=16\n"
	"        /32 nowhere BROADCAST\n"
	"     |-- 192.0.2.64\n"
	"        /26 site MULTICAST\n"
	"        /26 host LOCAL\n"
	"Main:\n"
	"  |-- 10.0.0.1\n"
	"     /32 host LOCAL";		/* no final newline */

static void test_fib_shapes(void)
{
	size_t n = 0;
	unsigned int line = 0;
	int err;

	err = hostips_parse_fib_trie(fib_shapes, strlen(fib_shapes), v, MAXV,
	    &n, &line);
	ok(err == 0, "fib_trie: Id -N, single-leaf tables, scope=N, type N, "
	    "tos=, no final newline (err %d line %u)", err, line);
	same(joined(v, n), "192.0.2.9/32 192.0.2.9/32 192.0.2.64/26 "
	    "10.0.0.1/32", "fib_trie: LOCAL and BROADCAST of every table only");
	n = 0;
	ok(hostips_parse_fib_trie("", 0, v, MAXV, &n, &line) == 0 && n == 0,
	    "fib_trie: empty file (namespace without lo up) is 0 entries");
}

/* A Local table with nleaf leaves: every third LOCAL, BROADCAST, UNICAST. */
static char *gen_fib(unsigned int nleaf, size_t *len)
{
	size_t cap = 64 + (size_t)nleaf * 64, used = 0;
	char *s = malloc(cap);
	unsigned int i;
	static const char *const type[] = { "host LOCAL", "link BROADCAST",
		"universe UNICAST" };

	used += (size_t)snprintf(s, cap, "Local:\n  +-- 10.0.0.0/8 2 0 2\n");
	for (i = 0; i < nleaf; i++)
		used += (size_t)snprintf(s + used, cap - used,
		    "     |-- 10.%u.%u.%u\n        /32 %s\n", i >> 16 & 255,
		    i >> 8 & 255, i & 255, type[i % 3]);
	*len = used;
	return s;
}

static void test_fib_large(void)
{
	size_t len, n = 0, i;
	unsigned int line = 0;
	char *s = gen_fib(30000, &len);
	char one[64], want[64];
	int err, good = 1;

	err = hostips_parse_fib_trie(s, len, v, MAXV, &n, &line);
	ok(err == 0 && n == 20000, "generated fib_trie, 30000 leaves: 20000 "
	    "host entries (err %d, n %zu)", err, n);
	for (i = 0; i < n && good; i++) {
		unsigned int k = (unsigned int)(i / 2 * 3 + i % 2);

		snprintf(want, sizeof(want), "10.%u.%u.%u/32", k >> 16 & 255,
		    k >> 8 & 255, k & 255);
		hostip_format(&v[i], one, sizeof(one));
		good = strcmp(one, want) == 0;
		if (!good)
			diag("entry %zu: want %s got %s", i, want, one);
	}
	ok(good, "generated fib_trie: every entry is the expected address");
	n = 0;
	err = hostips_parse_fib_trie(s, len, v, 19999, &n, &line);
	ok(err == -E2BIG && n == 19999, "generated fib_trie: max 19999 -> "
	    "E2BIG after filling out (err %d, n %zu)", err, n);
	free(s);
}

static void test_e2big(void)
{
	size_t len, n, max;
	unsigned int line;
	char *buf = slurp("netns.fib_trie", &len);
	int err, good = 1;

	for (max = 0; max < 15; max++) {
		n = 0;
		err = hostips_parse_fib_trie(buf, len, v, max, &n, &line);
		if (err != -E2BIG || n != max)
			good = 0;
	}
	ok(good, "netns.fib_trie: every max below 15 gives E2BIG, n == max");
	n = 0;
	ok(hostips_parse_fib_trie(buf, len, v, 15, &n, &line) == 0 && n == 15,
	    "netns.fib_trie: max 15 fits exactly");
	n = 3;
	err = hostips_parse_fib_trie(buf, len, v, 18, &n, &line);
	ok(err == 0 && n == 18, "parsers append at out[*n]");
	free(buf);

	buf = slurp("netns.if_inet6", &len);
	n = 0;
	err = hostips_parse_if_inet6(buf, len, v, 7, &n, &line);
	ok(err == -E2BIG && n == 7, "netns.if_inet6: max 7 of 8 -> E2BIG");
	n = 0;
	err = hostips_parse_if_inet6(buf, len, v, 8, &n, &line);
	ok(err == 0 && n == 8, "netns.if_inet6: max 8 fits exactly");
	free(buf);
}

#define A6 "fe8000000000000000fc00fffe000001"
static const struct bad bad_if6[] = {
	{ A6 " 04 40 20 80     eth0\n"
	  "fe8000000000000000fc00fffe00001 04 40 20 80     eth0\n", 2,
	  "31 hex digits" },
	{ A6 "0 04 40 20 80     eth0\n", 1, "33 hex digits" },
	{ "fe8000000000000000fc00fffe00000g 04 40 20 80     eth0\n", 1,
	  "non-hex digit" },
	{ A6 " 04 81 20 80     eth0\n", 1, "prefix length 0x81" },
	{ A6 " 04 40 20 180     eth0\n", 1, "flags of 3 digits" },
	{ A6 " 04 40 20 80 abcdefghijklmnop\n", 1, "16-char name" },
	{ A6 " 04 40 20 80         \n", 1, "no name" },
	{ A6 " 04 40 20 80\n", 1, "no name field" },
	{ A6 " 04 40 20     eth0\n", 1, "a field missing" },
	{ A6 " 04 40 20 80     eth0 x\n", 1, "a field too many" },
	{ A6 " 04 40 20 80     et/h0\n", 1, "'/' in name" },
	{ A6 " 04 40 20 80     eth0\r\n", 1, "CRLF" },
	{ A6 " 04 40 20 80     eth0\n\n", 2, "empty line" },
	{ A6 "  04 40 20 80     eth0\n", 1, "two spaces" },
	{ A6 " 123456789 40 20 80     eth0\n", 1, "ifindex of 9 digits" },
};

static void test_bad_if6(void)
{
	size_t i, n, len;
	unsigned int line;
	char *buf;
	int err;

	for (i = 0; i < sizeof(bad_if6) / sizeof(bad_if6[0]); i++) {
		n = 0;
		line = 0;
		err = hostips_parse_if_inet6(bad_if6[i].text,
		    strlen(bad_if6[i].text), v, MAXV, &n, &line);
		ok(err == -EINVAL && line == bad_if6[i].line,
		    "if_inet6 malformed: %s -> EINVAL line %u (got %d line %u)",
		    bad_if6[i].why, bad_if6[i].line, err, line);
	}
	buf = malloc(700);
	memset(buf, ' ', 700);
	memcpy(buf, A6 " 04 40 20 80", 44);
	memcpy(buf + 695, "eth0\n", 5);
	n = 0;
	err = hostips_parse_if_inet6(buf, 700, v, MAXV, &n, &line);
	ok(err == -EINVAL && line == 1, "if_inet6: overlong line -> line 1");
	free(buf);
	buf = slurp("malformed.if_inet6", &len);
	n = 0;
	err = hostips_parse_if_inet6(buf, len, v, MAXV, &n, &line);
	ok(err == -EINVAL && line == 2, "malformed.if_inet6 -> line 2");
	free(buf);
}

static void test_if6_shapes(void)
{
	static const char s[] =
		"20010db8000000000000000000000042 1a2b3c4d 80 20 ff "
		"abcdefghijklmno\n"
		"FE800000000000000000000000000001 02 40 20 80 x:y\n";
	size_t n = 0;
	unsigned int line = 0;
	int err;

	err = hostips_parse_if_inet6(s, strlen(s), v, MAXV, &n, &line);
	ok(err == -EINVAL && line == 2, "if_inet6: ':' in a name is refused");
	n = 0;
	err = hostips_parse_if_inet6(s, 66, v, MAXV, &n, &line);
	ok(err == 0 && n == 1, "if_inet6: 8-digit ifindex, 15-char name, "
	    "no final newline (err %d)", err);
	n = 0;
	err = hostips_parse_if_inet6("FE800000000000000000000000000001 02 40 "
	    "20 80 \xc3\xa9\n", 47, v, MAXV, &n, &line);
	ok(err == 0 && n == 1 && v[0].prefixlen == 128 && v[0].addr[0] == 0xfe,
	    "if_inet6: upper-case hex, non-ASCII name, /128 (err %d)", err);
}

static void test_if6_large(void)
{
	size_t cap = 3000 * 64, used = 0, n = 0;
	unsigned int i, line = 0;
	char *s = malloc(cap);
	int err;

	for (i = 0; i < 3000; i++)
		used += (size_t)snprintf(s + used, cap - used,
		    "fd00000000000000000000000000%04x %02x 40 00 80 veth%u\n",
		    i, i + 2, i);
	err = hostips_parse_if_inet6(s, used, v, MAXV, &n, &line);
	ok(err == 0 && n == 3000 && v[2999].addr[14] == 0x0b &&
	    v[2999].addr[15] == 0xb7, "generated if_inet6, 3000 lines");
	free(s);
}

/* ---- streaming: the same parse whatever the pieces ---- */

static struct hostip pv[MAXV];

/* Feeds buf to a fresh parser in pieces of chunk bytes, then finishes. */
static int parse_pieces(int fib, const char *buf, size_t len, size_t chunk,
    struct hostip *out, size_t max, size_t *n, unsigned int *line)
{
	struct hostips_parser p;
	size_t off, k;

	if (fib)
		hostips_fib_trie_init(&p, out, max, n);
	else
		hostips_if_inet6_init(&p, out, max, n);
	for (off = 0; off < len; off += k) {
		k = len - off < chunk ? len - off : chunk;
		hostips_feed(&p, buf + off, k, line);
	}
	return hostips_finish(&p, line);
}

/*
 * Every piece size from 1 to 300 bytes gives the whole parse's return,
 * entries and error line; with room for all, and with room for 3.
 */
static void pieces_same(int fib, const char *buf, size_t len,
    const char *what)
{
	static const size_t maxes[] = { MAXV, 3 };
	size_t chunk, m, n0, n;
	unsigned int l0, l;
	int e0, e, good = 1;

	for (m = 0; m < 2 && good; m++) {
		n0 = 0;
		l0 = 0;
		e0 = fib ? hostips_parse_fib_trie(buf, len, v, maxes[m], &n0, &l0)
		    : hostips_parse_if_inet6(buf, len, v, maxes[m], &n0, &l0);
		for (chunk = 1; chunk <= 300 && good; chunk++) {
			n = 0;
			l = 0;
			e = parse_pieces(fib, buf, len, chunk, pv, maxes[m], &n,
			    &l);
			good = e == e0 && l == l0 && n == n0 &&
			    memcmp(v, pv, n * sizeof(*v)) == 0;
			if (!good)
				diag("max %zu, pieces of %zu: err %d line %u n "
				    "%zu, whole: err %d line %u n %zu",
				    maxes[m], chunk, e, l, n, e0, l0, n0);
		}
	}
	ok(good, "%s: pieces of 1..300 bytes parse as the whole", what);
}

static void test_pieces(void)
{
	static const char *const fibs[] = { "host.fib_trie", "netns.fib_trie",
		"v6only.fib_trie", "nov6.fib_trie", "malformed.fib_trie" };
	static const char *const if6s[] = { "host.if_inet6", "netns.if_inet6",
		"v6only.if_inet6", "malformed.if_inet6" };
	size_t i, len;
	char *buf, what[128];

	for (i = 0; i < sizeof(fibs) / sizeof(fibs[0]); i++) {
		buf = slurp(fibs[i], &len);
		pieces_same(1, buf, len, fibs[i]);
		free(buf);
	}
	for (i = 0; i < sizeof(if6s) / sizeof(if6s[0]); i++) {
		buf = slurp(if6s[i], &len);
		pieces_same(0, buf, len, if6s[i]);
		free(buf);
	}
	for (i = 0; i < sizeof(bad_fib) / sizeof(bad_fib[0]); i++) {
		snprintf(what, sizeof(what), "fib_trie malformed: %s",
		    bad_fib[i].why);
		pieces_same(1, bad_fib[i].text, strlen(bad_fib[i].text), what);
	}
	for (i = 0; i < sizeof(bad_if6) / sizeof(bad_if6[0]); i++) {
		snprintf(what, sizeof(what), "if_inet6 malformed: %s",
		    bad_if6[i].why);
		pieces_same(0, bad_if6[i].text, strlen(bad_if6[i].text), what);
	}
	pieces_same(1, fib_shapes, strlen(fib_shapes),
	    "fib_trie shapes, no final newline");
}

/* A leaf address cut in two, and a type line cut before its '\n'. */
static void test_split_line(void)
{
	static const char a[] = HDR "     |-- 10.1.", b[] = "2.3\n        /32 ho",
		c[] = "st LOCAL", d[] = "\n";
	struct hostips_parser p;
	size_t n = 0;
	unsigned int line = 0;
	int e1, e2, e3, e4, e5;

	hostips_fib_trie_init(&p, v, MAXV, &n);
	e1 = hostips_feed(&p, a, strlen(a), &line);
	e2 = hostips_feed(&p, b, strlen(b), &line);
	e3 = hostips_feed(&p, c, strlen(c), &line);
	e4 = hostips_feed(&p, d, strlen(d), &line);
	e5 = hostips_finish(&p, &line);
	ok(e1 == 0 && e2 == 0 && e3 == 0 && e4 == 0 && e5 == 0 && n == 1,
	    "fib_trie: lines split across pieces (%d %d %d %d %d n %zu)",
	    e1, e2, e3, e4, e5, n);
	same(joined(v, n), "10.1.2.3/32", "fib_trie: the split leaf's address");

	hostips_fib_trie_init(&p, v, MAXV, &n);
	n = 0;
	e1 = hostips_feed(&p, a, strlen(a), &line);
	e2 = hostips_feed(&p, "2.3x\n", 5, &line);
	e3 = hostips_feed(&p, b, strlen(b), &line);
	e4 = hostips_finish(&p, &line);
	ok(e1 == 0 && e2 == -EINVAL && line == 3 && e3 == -EINVAL &&
	    e4 == -EINVAL && n == 0, "fib_trie: a bad split line -> line 3, "
	    "and feed and finish keep the error (%d %d %d %d line %u)", e1,
	    e2, e3, e4, line);
}

/* if_inet6 pads the name with spaces: a valid line of any length. */
static char *if6_line_of(size_t len)
{
	char *s = malloc(len + 1);

	memset(s, ' ', len);
	memcpy(s, A6 " 04 40 20 80", 44);
	memcpy(s + len - 5, "eth0\n", 5);
	s[len] = '\0';
	return s;
}

/* HOSTIPS_LINE_MAX bytes and '\n' pass, one more fails, however split. */
static void test_overlong_pieces(void)
{
	char *ok512 = if6_line_of(HOSTIPS_LINE_MAX + 1);
	char *bad513 = if6_line_of(HOSTIPS_LINE_MAX + 2);
	char *two = malloc(2 * HOSTIPS_LINE_MAX + 8);
	size_t n, len, chunk;
	unsigned int line;
	int e1, e2, good = 1;

	for (chunk = 1; chunk <= 600 && good; chunk++) {
		n = 0;
		line = 0;
		e1 = parse_pieces(0, ok512, strlen(ok512), chunk, v, MAXV, &n,
		    &line);
		good = e1 == 0 && n == 1;
		n = 0;
		e2 = parse_pieces(0, bad513, strlen(bad513), chunk, v, MAXV, &n,
		    &line);
		good = good && e2 == -EINVAL && line == 1 && n == 0;
		if (!good)
			diag("pieces of %zu: 512 -> %d, 513 -> %d line %u",
			    chunk, e1, e2, line);
	}
	ok(good, "if_inet6: a line of %d bytes parses, of %d is malformed "
	    "(line 1), in pieces of 1..600", HOSTIPS_LINE_MAX,
	    HOSTIPS_LINE_MAX + 1);

	/* the overlong line second, without a final newline */
	len = (size_t)snprintf(two, 2 * HOSTIPS_LINE_MAX + 8, "%s%.*s",
	    ok512, HOSTIPS_LINE_MAX + 1, bad513);
	pieces_same(0, two, len, "if_inet6: overlong last line, no newline");
	n = 0;
	e1 = hostips_parse_if_inet6(two, len, v, MAXV, &n, &line);
	ok(e1 == -EINVAL && line == 2 && n == 1,
	    "if_inet6: overlong line 2 -> line 2 (%d line %u)", e1, line);
	free(ok512);
	free(bad513);
	free(two);
}

static const char fixed_want[] =
	"0.0.0.0/8 127.0.0.0/8 169.254.0.0/16 10.0.2.2/32 224.0.0.0/4 "
	"255.255.255.255/32 ::/128 ::1/128 fe80::/10 ff00::/8 "
	"fd00:ec2::254/128";

static void test_fixed(void)
{
	size_t n = 0, i;
	int good = 1;

	ok(hostips_fixed(v, MAXV, &n) == 0 && n == 11, "fixed: 11 ranges");
	same(joined(v, n), fixed_want, "fixed: the DESIGN.md list");
	for (i = 0; i < n; i++)
		if (v[i].source != HOSTIP_FIXED || !v[i].why || !*v[i].why)
			good = 0;
	ok(good, "fixed: each has source fixed and a why");
	n = 0;
	ok(hostips_fixed(v, 10, &n) == -E2BIG && n == 0,
	    "fixed: max 10 -> E2BIG, nothing appended");
	n = 5;
	ok(hostips_fixed(v, 16, &n) == 0 && n == 16, "fixed: appends at *n");
}

static struct hostip mk(int family, const char *a, unsigned int plen,
    int source)
{
	struct hostip h;

	memset(&h, 0, sizeof(h));
	h.family = (uint8_t)family;
	h.prefixlen = (uint8_t)plen;
	h.source = (uint8_t)source;
	inet_pton(family, a, h.addr);
	return h;
}

static void test_normalize(void)
{
	struct hostip w[8];
	size_t n = 0;

	w[n++] = mk(AF_INET6, "fe80::1", 128, HOSTIP_IF_INET6);
	w[n++] = mk(AF_INET, "10.1.2.3", 32, HOSTIP_FIB_TRIE);
	w[n++] = mk(AF_INET, "127.1.2.3", 8, HOSTIP_FIB_TRIE);
	w[n++] = mk(AF_INET6, "fe80::1", 128, HOSTIP_FIXED);
	w[n++] = mk(AF_INET, "10.1.2.3", 24, HOSTIP_FIB_TRIE);
	w[n++] = mk(AF_INET, "127.0.0.0", 8, HOSTIP_FIXED);
	w[n++] = mk(AF_INET, "10.1.2.3", 32, HOSTIP_RESOLV_CONF);
	w[n++] = mk(AF_INET6, "::", 0, HOSTIP_FIB_TRIE);
	w[5].why = "loopback";
	ok(hostips_normalize(w, &n) == 0 && n == 5, "normalize: 8 -> 5");
	same(joined(w, n), "10.1.2.0/24 10.1.2.3/32 127.0.0.0/8 ::/0 "
	    "fe80::1/128", "normalize: masked, sorted v4 first, deduped");
	ok(w[1].source == HOSTIP_FIB_TRIE && w[2].source == HOSTIP_FIXED &&
	    w[2].why && w[4].source == HOSTIP_FIXED,
	    "normalize: a duplicate keeps the lowest source (fixed < fib_trie "
	    "< if_inet6 < resolv.conf) and its why");
	w[0].prefixlen = 33;
	n = 5;
	ok(hostips_normalize(w, &n) == -EINVAL && n == 5,
	    "normalize: IPv4 /33 -> EINVAL");
}

static int sorted_unique(const struct hostip *h, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++) {
		int c = h[i - 1].family - h[i].family;

		if (c == 0)
			c = memcmp(h[i - 1].addr, h[i].addr, 16);
		if (c == 0)
			c = h[i - 1].prefixlen - h[i].prefixlen;
		if (c >= 0)
			return 0;
	}
	return 1;
}

static void path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", fixdir, name);
}

static void test_discover_from(void)
{
	char fib[4200], if6[4200], err[256];
	struct hostip *h = NULL;
	size_t n = 0;
	int r;

	path(fib, sizeof(fib), "netns.fib_trie");
	path(if6, sizeof(if6), "netns.if_inet6");
	r = hostips_discover_from(fib, if6, NULL, &h, &n, err, sizeof(err));
	ok(r == 0, "discover netns fixtures (%d %s)", r, r ? err : "");
	same(joined(h, n),
	    "0.0.0.0/8 10.0.2.2/32 10.1.2.3/32 10.1.2.77/32 10.1.2.200/32 "
	    "10.1.2.255/32 10.77.0.1/32 10.255.255.255/32 100.64.0.9/32 "
	    "127.0.0.0/8 127.0.0.1/32 127.255.255.255/32 169.254.0.0/16 "
	    "172.16.5.1/32 172.16.255.255/32 192.168.100.1/32 "
	    "192.168.100.3/32 203.0.113.0/28 224.0.0.0/4 255.255.255.255/32 "
	    "::/128 ::1/128 2001:db8::42/128 fd00:ec2::254/128 "
	    "fd12:3456::1/128 fe80::/10 fe80::1234/128 "
	    "fe80::382e:3cff:fe30:2c5f/128 fe80::484f:54ff:fea4:8ec0/128 "
	    "fe80::84e1:b7ff:fe24:10aa/128 fe80::dc07:b7ff:fe6a:8ea5/128 "
	    "ff00::/8", "discover netns: exact sorted, deduped set");
	ok(n > 10 && h[9].source == HOSTIP_FIXED && h[9].why &&
	    h[10].source == HOSTIP_FIB_TRIE && h[21].source == HOSTIP_FIXED,
	    "discover: 127.0.0.0/8 (fib_trie and fixed) keeps fixed; ::1 too");
	free(h);

	path(if6, sizeof(if6), "does-not-exist.if_inet6");
	h = NULL;
	r = hostips_discover_from(fib, if6, NULL, &h, &n, err, sizeof(err));
	ok(r == 0 && n == 32 - 8 + 1, "discover: missing if_inet6 is no IPv6, "
	    "not an error (%d, n %zu)", r, n);
	free(h);

	path(fib, sizeof(fib), "does-not-exist.fib_trie");
	h = NULL;
	r = hostips_discover_from(fib, if6, NULL, &h, &n, err, sizeof(err));
	ok(r == -ENOENT && strstr(err, "read ") == err &&
	    strstr(err, "does-not-exist.fib_trie: No such file or directory"),
	    "discover: missing fib_trie -> %s", err);
	free(h);

	path(fib, sizeof(fib), "malformed.fib_trie");
	r = hostips_discover_from(fib, if6, NULL, &h, &n, err, sizeof(err));
	ok(r == -EINVAL && strstr(err, "parse ") == err &&
	    strstr(err, "malformed.fib_trie line 5: malformed"),
	    "discover: malformed fib_trie -> %s", err);

	path(fib, sizeof(fib), "host.fib_trie");
	path(if6, sizeof(if6), "malformed.if_inet6");
	r = hostips_discover_from(fib, if6, NULL, &h, &n, err, sizeof(err));
	ok(r == -EINVAL && strstr(err, "malformed.if_inet6 line 2: malformed"),
	    "discover: malformed if_inet6 -> %s", err);
}

/* A fib_trie with more host entries than the first guess (256). */
static void test_discover_grow(void)
{
	char fib[] = "/tmp/unit_hostips.XXXXXX", err[256];
	struct hostip *h = NULL;
	size_t len, n = 0;
	char *s = gen_fib(3000, &len);
	int fd, r;

	fd = mkstemp(fib);
	if (fd < 0 || write(fd, s, len) != (ssize_t)len) {
		ok(0, "write %s", fib);
		return;
	}
	close(fd);
	r = hostips_discover_from(fib, "/nonexistent", NULL, &h, &n, err,
	    sizeof(err));
	/* 2000 entries + 11 fixed - 10.0.2.2, which is in both */
	ok(r == 0 && n == 2000 + 11 - 1 && sorted_unique(h, n),
	    "discover: 2000 host entries grow the array (%d %s n %zu)", r,
	    r ? err : "", n);
	unlink(fib);
	free(h);
	free(s);
}

/* Past the first read buffer, an error still names the file and line. */
static void test_discover_late_error(void)
{
	char fib[] = "/tmp/unit_hostips.XXXXXX", err[256], want[64];
	struct hostip *h = NULL;
	size_t len, n = 0;
	char *s = gen_fib(3000, &len);
	int fd, r;

	fd = mkstemp(fib);
	if (fd < 0 || write(fd, s, len) != (ssize_t)len ||
	    write(fd, "garbage\n", 8) != 8) {
		ok(0, "write %s", fib);
		return;
	}
	close(fd);
	r = hostips_discover_from(fib, "/nonexistent", NULL, &h, &n, err,
	    sizeof(err));
	snprintf(want, sizeof(want), "%s line 6003: malformed", fib);
	ok(len > 65536 && r == -EINVAL && strstr(err, want),
	    "discover: malformed line 6003, %zu bytes in -> %s", len, err);
	unlink(fib);
	free(s);
}

static void test_discover_live(void)
{
	struct hostip *h = NULL, lo = mk(AF_INET, "127.0.0.1", 32, 0);
	char err[256];
	size_t n = 0, i;
	int r, have_lo = 0;

	r = hostips_discover(&h, &n, err, sizeof(err));
	ok(r == 0, "discover this machine (%d %s)", r, r ? err : "");
	for (i = 0; i < n; i++)
		if (h[i].family == AF_INET && h[i].prefixlen == 32 &&
		    memcmp(h[i].addr, lo.addr, 16) == 0)
			have_lo = h[i].source == HOSTIP_FIB_TRIE;
	ok(have_lo && n > 11 && sorted_unique(h, n),
	    "discover this machine: sorted, unique, has 127.0.0.1/32 from "
	    "fib_trie (n %zu)", n);
	free(h);
}

static void test_format(void)
{
	struct hostip h = mk(AF_INET6, "2001:db8::1", 128, 0);
	char buf[64];

	ok(hostip_format(&h, buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "2001:db8::1/128") == 0, "format IPv6: %s", buf);
	ok(hostip_format(&h, buf, 15) == -ENOSPC, "format: short buffer "
	    "-> ENOSPC");
	ok(hostip_format(&h, buf, 16) == 0, "format: exact buffer fits");
	h = mk(AF_INET, "255.255.255.255", 32, 0);
	ok(hostip_format(&h, buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "255.255.255.255/32") == 0, "format IPv4: %s", buf);
	h.family = 99;
	ok(hostip_format(&h, buf, sizeof(buf)) == -EINVAL,
	    "format: unknown family -> EINVAL");
	ok(strcmp(hostip_source_name(HOSTIP_FIXED), "fixed") == 0 &&
	    strcmp(hostip_source_name(HOSTIP_FIB_TRIE), "fib_trie") == 0 &&
	    strcmp(hostip_source_name(HOSTIP_IF_INET6), "if_inet6") == 0 &&
	    strcmp(hostip_source_name(HOSTIP_RESOLV_CONF), "resolv.conf") == 0
	    && strcmp(hostip_source_name(77), "unknown") == 0,
	    "source names");
}

struct rcase {
	const char *text;
	const char *want;
	const char *why;
};

static const struct rcase rcases[] = {
	{ "nameserver 127.0.0.53\n", "127.0.0.53/32", "systemd-resolved" },
	{ "nameserver ::1", "::1/128", "IPv6, no final newline" },
	{ "nameserver fe80::1%eth0\n", "fe80::1/128", "%scope dropped" },
	{ "nameserver 10.0.0.1%eth0\n", "", "%scope on IPv4 is malformed" },
	{ "nameserver\t10.0.0.2  \n", "10.0.0.2/32", "tab, trailing blanks" },
	{ "nameserver 10.0.0.3 # c\n", "10.0.0.3/32", "trailing comment" },
	{ "nameserver 10.0.0.4 10.0.0.5\n", "10.0.0.4/32",
	  "one address a line, rest ignored (as libc)" },
	{ "nameserver 10.0.0.6\r\n", "10.0.0.6/32", "CRLF" },
	{ "# nameserver 10.0.0.7\n; nameserver 10.0.0.8\n", "", "comments" },
	{ " nameserver 10.0.0.9\n", "", "leading blank (libc ignores it)" },
	{ "nameserver10.0.0.10\n", "", "no blank after keyword" },
	{ "Nameserver 10.0.0.11\n", "", "keyword is case-sensitive" },
	{ "nameserver 300.1.1.1\nnameserver 1.2.3\nnameserver 01.2.3.4\n"
	  "nameserver ::g\nnameserver\nnameserver \n", "",
	  "malformed values skipped" },
	{ "nameserver 1.1.1.1\nnameserver ::ffff:127.0.0.1\n",
	  "1.1.1.1/32 ::ffff:127.0.0.1/128", "mapped IPv6 kept as IPv6" },
	{ "domain x\nsearch a b\noptions ndots:2\n", "", "other keywords" },
	{ "", "", "empty file" },
};

static void test_resolv(void)
{
	size_t i, n, len;
	char *buf;
	int err;

	for (i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++) {
		n = 0;
		err = hostips_parse_resolv_conf(rcases[i].text,
		    strlen(rcases[i].text), v, MAXV, &n);
		ok(err == 0 && strcmp(joined(v, n), rcases[i].want) == 0 &&
		    all_source(v, n, HOSTIP_RESOLV_CONF),
		    "resolv.conf: %s (got %d '%s')", rcases[i].why, err,
		    joined(v, n));
	}
	buf = slurp("sample.resolv.conf", &len);
	n = 0;
	err = hostips_parse_resolv_conf(buf, len, v, MAXV, &n);
	same(joined(v, n), "127.0.0.53/32 fe80::1/128 2001:db8::53/128 "
	    "192.0.2.53/32", "sample.resolv.conf");
	n = 0;
	err = hostips_parse_resolv_conf(buf, len, v, 3, &n);
	ok(err == -E2BIG && n == 3, "resolv.conf: max 3 of 4 -> E2BIG");
	free(buf);
}

/* /proc/net/ipv6_route: only local and anycast routes, whole prefixes. */
static void test_route6(void)
{
	static const char good[] =
	    "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
	    "00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000003 00000000 80200001       lo\n"
	    "fd020000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000001 00000000 80200001       lo\n"
	    "fd010000000000000000000000000000 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 00300001     eth0\n";
	static const char *const bad[] = {
	    "fd02 40\n",
	    "fd020000000000000000000000000000 81 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000001 00000000 80200001 lo\n",
	    "fd020000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000001 00000000 80200001\n",
	    "fd02000000000000000000000000000g 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000001 00000000 80200001 lo\n",
	};
	struct hostip rt[8];
	char txt[64];
	unsigned int line = 0;
	size_t n = 0, i;
	int r;

	r = hostips_parse_ipv6_route(good, strlen(good), rt, 8, &n, &line);
	ok(r == 0 && n == 3, "ipv6_route: 3 of 4 routes are local or anycast (r=%d n=%zu)",
	    r, n);
	for (i = 0; i < n && i < 3; i++) {
		static const char *const want[] = { "::1/128", "fd02::/64",
		    "fd01::/128" };

		hostip_format(&rt[i], txt, sizeof(txt));
		ok(strcmp(txt, want[i]) == 0 && rt[i].source == HOSTIP_IPV6_ROUTE,
		    "ipv6_route entry %zu is %s (got %s)", i, want[i], txt);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char buf[1024];

		snprintf(buf, sizeof(buf), "%s%s", good, bad[i]);
		n = 0;
		line = 0;
		r = hostips_parse_ipv6_route(buf, strlen(buf), rt, 8, &n, &line);
		ok(r == -EINVAL && line == 5, "ipv6_route: malformed line %zu "
		    "refused at line 5 (r=%d line=%u)", i, r, line);
	}
	n = 0;
	r = hostips_parse_ipv6_route(good, strlen(good), rt, 2, &n, &line);
	ok(r == -E2BIG, "ipv6_route: more than max is -E2BIG (r=%d)", r);
	ok(strcmp(hostip_source_name(HOSTIP_IPV6_ROUTE), "ipv6_route") == 0,
	    "source name ipv6_route");
}

int main(int argc, char **argv)
{
	const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;

	(void)argc;
	if (slash)
		snprintf(fixdir, sizeof(fixdir), "%.*s/fixtures",
		    (int)(slash - argv[0]), argv[0]);
	else
		snprintf(fixdir, sizeof(fixdir), "fixtures");
	test_fixtures();
	test_fib_shapes();
	test_bad_fib();
	test_bad_fib_extra();
	test_fib_large();
	test_e2big();
	test_bad_if6();
	test_if6_shapes();
	test_if6_large();
	test_pieces();
	test_split_line();
	test_overlong_pieces();
	test_fixed();
	test_normalize();
	test_discover_from();
	test_discover_grow();
	test_discover_late_error();
	test_discover_live();
	test_format();
	test_resolv();
	test_route6();
	return done_testing();
}
