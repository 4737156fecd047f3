/*
 * tests/unit_cgroup.c - cgroup.c's two parsers: cgroup_parse_mountinfo
 * (the idx-th cgroup2 mount point) and cgroup_parse_proc (the "0::"
 * path), over captured shapes (a hybrid v1+v2 host as this machine is,
 * pure v2, two cgroup2 mounts), escapes and malformed input.  Each call
 * gets a copy of exactly len bytes on the heap, so ASan sees any read
 * past the end.  TAP.  Runs without privilege; reads no /proc unless the
 * last test finds it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "util.h"
#include "tap.h"

/* Captured on kernel 6.18 (this machine): v1 controllers + unified. */
static const char hybrid_mi[] =
	"22 27 0:21 / /proc rw,relatime - proc proc rw\n"
	"23 27 0:22 / /sys rw,relatime - sysfs sysfs rw\n"
	"24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334524k,nr_inodes=3083631,mode=755\n"
	"25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684096k\n"
	"26 24 0:24 / /dev/pts rw,relatime - devpts devpts rw,mode=600,ptmxmode=000\n"
	"27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
	"42 27 254:0 /run/netns /run/netns rw,relatime shared:1 - ext4 /dev/vda rw,discard\n"
	"43 42 0:4 net:[4026532177] /run/netns/jhbench rw shared:2 - nsfs nsfs rw\n";

/* A systemd host with cgroup v2 only (shape of a current Debian/Fedora). */
static const char pure_v2_mi[] =
	"21 26 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
	"22 26 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
	"26 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro\n"
	"29 21 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"
	"30 21 0:27 / /sys/fs/pstore rw,nosuid,nodev,noexec,relatime shared:5 - pstore pstore rw\n"
	"31 21 0:28 / /sys/fs/bpf rw,nosuid,nodev,noexec,relatime shared:6 - bpf bpf rw,mode=700";

/* Two cgroup2 mounts (a container's view bind-mounted elsewhere). */
static const char two_mi[] =
	"29 21 0:26 / /sys/fs/cgroup rw,relatime shared:4 - cgroup2 cgroup2 rw\n"
	"30 21 0:27 / /tmp rw master:3 - tmpfs tmpfs rw\n"
	"\n"
	"91 30 0:26 /user.slice /tmp/my\\040cg\\134x rw,relatime - cgroup2 cgroup2 rw\n"
	"92 30 0:30 / /mnt/cgroup2ish rw - cgroup2fs none rw\n";

static const char hybrid_proc[] =
	"12:rdma:/\n"
	"11:hugetlb:/\n"
	"10:net_cls,net_prio:/\n"
	"9:name=systemd:/\n"
	"8:pids:/user.slice/user-1000.slice\n"
	"7:blkio:/\n"
	"6:freezer:/\n"
	"5:devices:/\n"
	"4:memory:/process_api/27357ddc580120755726b8a1324df120\n"
	"3:cpuset:/\n"
	"2:cpuacct:/\n"
	"1:cpu:/\n"
	"0::/user.slice/user-1000.slice/session-2.scope\n";

static int mi(const char *buf, size_t len, unsigned int idx, char *out,
    size_t outlen)
{
	char *copy = malloc(len ? len : 1);
	int r;

	memcpy(copy, buf, len);
	r = cgroup_parse_mountinfo(copy, len, idx, out, outlen);
	free(copy);
	return r;
}

static int proc(const char *buf, size_t len, char *out, size_t outlen)
{
	char *copy = malloc(len ? len : 1);
	int r;

	memcpy(copy, buf, len);
	r = cgroup_parse_proc(copy, len, out, outlen);
	free(copy);
	return r;
}

/* Control characters as \ooo, so that a test name stays on one line. */
static const char *esc(const char *s)
{
	static char buf[512];
	size_t o = 0;

	for (; *s && o + 5 < sizeof(buf); s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\%03o",
			    c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

static void mi_is(const char *name, const char *buf, size_t len,
    unsigned int idx, int want_r, const char *want)
{
	char out[256];
	int r;

	strcpy(out, "<untouched>");
	r = mi(buf, len, idx, out, sizeof(out));
	if (want_r == 0) {
		if (!ok(r == 0 && strcmp(out, want) == 0, "%s idx %u: %s", name,
		    idx, esc(want)))
			diag("got r=%d \"%s\"", r, esc(out));
	} else if (!ok(r == want_r, "%s idx %u: %s", name, idx,
	    want_r == -ENOENT ? "-ENOENT" : "-EINVAL")) {
		diag("got r=%d \"%s\"", r, r == 0 ? out : "");
	}
}

#define MI(name, s, idx, r, want) mi_is(name, s, strlen(s), idx, r, want)

static void test_mountinfo(void)
{
	char out[64];
	int r;

	diag("cgroup_parse_mountinfo");
	MI("hybrid", hybrid_mi, 0, 0, "/sys/fs/cgroup/unified");
	MI("hybrid", hybrid_mi, 1, -ENOENT, NULL);
	MI("pure v2", pure_v2_mi, 0, 0, "/sys/fs/cgroup");
	MI("pure v2", pure_v2_mi, 1, -ENOENT, NULL);
	MI("two mounts", two_mi, 0, 0, "/sys/fs/cgroup");
	MI("two mounts", two_mi, 1, 0, "/tmp/my cg\\x");
	MI("two mounts", two_mi, 2, -ENOENT, NULL);
	MI("no newline at the end", "1 2 0:1 / /a rw - cgroup2 x rw", 0, 0,
	    "/a");
	MI("none", "1 2 0:1 / /a rw - ext4 x rw\n", 0, -ENOENT, NULL);
	MI("empty", "", 0, -ENOENT, NULL);
	MI("blank lines", "\n\n\n", 0, -ENOENT, NULL);
	MI("fstype cgroup2x is not cgroup2",
	    "1 2 0:1 / /a rw - cgroup2x x rw\n", 0, -ENOENT, NULL);
	MI("cgroup2 as a source is not the type",
	    "1 2 0:1 / /a rw - tmpfs cgroup2 rw\n", 0, -ENOENT, NULL);
	MI("optional fields", "1 2 0:1 / /b rw shared:1 master:2 "
	    "propagate_from:3 - cgroup2 cgroup2 rw\n", 0, 0, "/b");
	MI("\\040 \\011 \\012 \\134",
	    "1 2 0:1 / /a\\040b\\011c\\012d\\134e rw - cgroup2 x rw\n", 0, 0,
	    "/a b\tc\nd\\e");
	MI("\\377", "1 2 0:1 / /a\\377 rw - cgroup2 x rw\n", 0, 0, "/a\377");
	MI("no \" - \"", "1 2 0:1 / /a rw cgroup2 x rw\n", 0, -EINVAL, NULL);
	MI("no \" - \" on a later line",
	    "1 2 0:1 / /a rw - ext4 x rw\ngarbage\n", 0, -EINVAL, NULL);
	MI("nothing after \" - \"", "1 2 0:1 / /a rw - \n", 0, -EINVAL, NULL);
	MI("too few fields", "1 2 0:1 / - cgroup2 x rw\n", 0, -EINVAL, NULL);
	MI("bad escape \\400", "1 2 0:1 / /a\\400 rw - cgroup2 x rw\n", 0,
	    -EINVAL, NULL);
	MI("bad escape \\08", "1 2 0:1 / /a\\081 rw - cgroup2 x rw\n", 0,
	    -EINVAL, NULL);
	MI("bad escape \\x", "1 2 0:1 / /a\\x20 rw - cgroup2 x rw\n", 0,
	    -EINVAL, NULL);
	MI("short escape at the end", "1 2 0:1 / /a\\04 rw - cgroup2 x rw\n", 0,
	    -EINVAL, NULL);
	MI("lone backslash", "1 2 0:1 / /a\\ rw - cgroup2 x rw\n", 0, -EINVAL,
	    NULL);
	MI("\\000 would cut the path", "1 2 0:1 / /a\\000b rw - cgroup2 x rw\n",
	    0, -EINVAL, NULL);

	r = mi("1 2 0:1 / /abcdefgh rw - cgroup2 x rw\n", 38, 0, out, 10);
	ok(r == 0 && strcmp(out, "/abcdefgh") == 0, "9 chars + NUL in 10");
	r = mi("1 2 0:1 / /abcdefgh rw - cgroup2 x rw\n", 38, 0, out, 9);
	ok(r == -EINVAL, "9 chars in 9: -EINVAL (too long)");
	r = mi("1 2 0:1 / /a\\040b rw - cgroup2 x rw\n", 35, 0, out, 5);
	ok(r == 0 && strcmp(out, "/a b") == 0, "escape counts once");
	r = mi("1 2 0:1 / /a\\040bc rw - cgroup2 x rw\n", 36, 0, out, 5);
	ok(r == -EINVAL, "escaped path one too long: -EINVAL");
	r = mi("1 2 0:1 / /a rw - cgroup2 x rw\n", 30, 0, out, 0);
	ok(r == -EINVAL, "outlen 0: -EINVAL");
	r = mi("1 2 0:1 / /a rw - cgroup2 x rw\n", 22, 0, out, sizeof(out));
	ok(r == -ENOENT, "reads only len bytes: \"cgro\" (r=%d)", r);
	r = mi("1 2 0:1 / /a rw - cgroup2 x rw\n", 18, 0, out, sizeof(out));
	ok(r == -EINVAL, "reads only len bytes: nothing after \" - \" (r=%d)",
	    r);
}

static void proc_is(const char *name, const char *buf, size_t len,
    int want_r, const char *want)
{
	char out[256];
	int r;

	strcpy(out, "<untouched>");
	r = proc(buf, len, out, sizeof(out));
	if (want_r == 0) {
		if (!ok(r == 0 && strcmp(out, want) == 0, "%s: %s", name, want))
			diag("got r=%d \"%s\"", r, out);
	} else if (!ok(r == want_r, "%s: %s", name,
	    want_r == -ENOENT ? "-ENOENT" : "-EINVAL")) {
		diag("got r=%d \"%s\"", r, r == 0 ? out : "");
	}
}

#define PR(name, s, r, want) proc_is(name, s, strlen(s), r, want)

static void test_proc(void)
{
	char out[600], small[16];
	int r;

	diag("cgroup_parse_proc");
	PR("hybrid", hybrid_proc, 0,
	    "/user.slice/user-1000.slice/session-2.scope");
	PR("pure v2 root", "0::/\n", 0, "/");
	PR("pure v2, no newline", "0::/jail-ai/x", 0, "/jail-ai/x");
	PR("0:: not last", "0::/a\n1:cpu:/b\n", 0, "/a");
	PR("first 0:: wins", "0::/a\n0::/b\n", 0, "/a");
	PR("no 0:: line", "12:rdma:/\n1:cpu:/\n", -ENOENT, NULL);
	PR("10:: is not 0::", "10::/a\n", -ENOENT, NULL);
	PR("empty", "", -ENOENT, NULL);
	PR("only newlines", "\n\n", -ENOENT, NULL);
	PR("0: without the second colon", "0:/a\n", -ENOENT, NULL);
	PR("empty path", "0::\n", -EINVAL, NULL);
	PR("empty path at the end", "1:cpu:/\n0::", -EINVAL, NULL);
	PR("relative path", "0::a/b\n", -EINVAL, NULL);
	PR("0::: is not a path", "0:::/a\n", -EINVAL, NULL);
	r = proc("0::/a\0b\n", 8, out, sizeof(out));
	ok(r == -EINVAL, "NUL inside the path: -EINVAL (r=%d)", r);
	r = proc("0::/abc\n", 8, out, 5);
	ok(r == 0 && strcmp(out, "/abc") == 0, "4 chars + NUL in 5");
	r = proc("0::/abcd\n", 9, out, 5);
	ok(r == -EINVAL, "5 chars in 5: -EINVAL (too long)");
	r = proc("0::/a\n", 6, out, 0);
	ok(r == -EINVAL, "outlen 0: -EINVAL");
	memset(out, 'x', sizeof(out));
	memcpy(out, "0::/", 4);
	r = proc(out, sizeof(out), small, sizeof(small));
	ok(r == -EINVAL, "a 597-byte path into 16 bytes: -EINVAL");
	r = proc(out, 3 + 15, small, sizeof(small));
	ok(r == 0 && strlen(small) == 15, "15 bytes into 16: fits");
	r = proc("0::/abc\n", 5, out, sizeof(out));
	ok(r == 0 && strcmp(out, "/a") == 0, "reads only len bytes");
}

static void test_live(void)
{
	char out[256], *buf;
	size_t len;
	int r;

	diag("this machine (informational: the result must be well formed)");
	if (read_file("/proc/self/mountinfo", &buf, &len) < 0) {
		ok(1, "# SKIP no /proc/self/mountinfo");
		return;
	}
	r = cgroup_parse_mountinfo(buf, len, 0, out, sizeof(out));
	free(buf);
	ok(r == -ENOENT || (r == 0 && out[0] == '/'),
	    "/proc/self/mountinfo: r=%d %s", r, r == 0 ? out : "");
	if (read_file("/proc/self/cgroup", &buf, &len) < 0) {
		ok(1, "# SKIP no /proc/self/cgroup");
		return;
	}
	r = cgroup_parse_proc(buf, len, out, sizeof(out));
	free(buf);
	ok(r == -ENOENT || (r == 0 && out[0] == '/'),
	    "/proc/self/cgroup: r=%d %s", r, r == 0 ? out : "");
}

int main(void)
{
	test_mountinfo();
	test_proc();
	test_live();
	return done_testing();
}
