/*
 * tests/unit_knobs.c - cgroup.c's kernel-knob readers of mountinfo:
 * mountinfo_knob (which mounts are knob filesystems, read-only, covered),
 * knobs_exposed (a proc/sysfs mount that would let a nested namespace
 * mount a writable one) and knobs_within (a podman source holding one),
 * over captured shapes and malformed lines.  Each call gets a heap copy of
 * exactly len bytes, so ASan sees any read past the end.  TAP.  No
 * privilege; reads no /proc.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "cgroup.h"
#include "tap.h"

/* CMD's namespace after kernel_knobs_ro on this machine's layout, plus a
 * planted chroot proc (42) and sysfs (43), both made read-only. */
static const char after_mi[] =
	"21 26 0:20 / /proc rw,relatime - proc proc rw\n"
	"22 26 0:21 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n"
	"26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
	"30 22 0:27 / /sys/fs/cgroup ro,relatime - tmpfs tmpfs rw,mode=755\n"
	"40 30 0:37 / /sys/fs/cgroup/unified ro,relatime - cgroup2 cgroup2 rw\n"
	"42 26 0:90 / /tmp/ch/proc ro,nosuid,nodev,noexec - proc proc rw\n"
	"43 26 0:91 / /tmp/ch/sys ro,nosuid,nodev,noexec - sysfs sysfs rw\n"
	"50 21 0:99 / /proc rw,nosuid,nodev,noexec - proc proc rw\n"
	"51 50 0:99 /sys /proc/sys ro,nosuid,nodev,noexec - proc proc rw\n"
	"52 50 0:99 /irq /proc/irq ro,nosuid,nodev,noexec - proc proc rw\n";

static int knob(const char *mi, unsigned int idx, struct knob_mount *k)
{
	size_t len = strlen(mi);
	char *c = malloc(len ? len : 1);
	int r;

	memcpy(c, mi, len);
	r = mountinfo_knob(c, len, idx, k);
	free(c);
	return r;
}

static int exposed(const char *mi, char *out)
{
	size_t len = strlen(mi);
	char *c = malloc(len ? len : 1);
	int r;

	memcpy(c, mi, len);
	out[0] = '\0';
	r = knobs_exposed(c, len, "/proc", out, 512);
	free(c);
	return r;
}

static int within(const char *mi, const char *dir, char *out)
{
	size_t len = strlen(mi);
	char *c = malloc(len ? len : 1);
	int r;

	memcpy(c, mi, len);
	out[0] = '\0';
	r = knobs_within(c, len, dir, out, 512);
	free(c);
	return r;
}

static void test_entries(void)
{
	struct knob_mount k;
	int r;

	r = knob(after_mi, 0, &k);
	ok(r == 0 && k.id == 21 && k.parent == 26 && k.knob == 2 && !k.ro &&
	    k.fsroot && k.covered && strcmp(k.point, "/proc") == 0,
	    "host /proc: proc, read-write, covered by CMD's /proc");
	r = knob(after_mi, 1, &k);
	ok(r == 0 && k.knob == 2 && k.ro && !k.covered &&
	    strcmp(k.point, "/sys") == 0, "/sys: sysfs, read-only");
	r = knob(after_mi, 2, &k);
	ok(r == 0 && k.knob == 1 && strcmp(k.point, "/sys/fs/cgroup/unified")
	    == 0, "tmpfs is skipped; cgroup2 is a knob fs (not proc/sysfs)");
	r = knob(after_mi, 6, &k);
	ok(r == 0 && k.id == 51 && !k.fsroot && k.ro,
	    "a bind of /proc/sys: not the filesystem's root, read-only");
	ok(knob(after_mi, 8, &k) == -ENOENT, "-ENOENT after the last");
	ok(knob("21 26 0:20 / /proc rw - proc proc rw", 0, &k) == 0 &&
	    k.dev == makedev(0, 20), "no trailing newline; dev 0:20");
	ok(knob("21 26 0:20 / /proc rw proc proc rw\n", 0, &k) == -EINVAL,
	    "no ' - ' separator: -EINVAL");
	ok(knob("x 26 0:20 / /proc rw - proc proc rw\n", 0, &k) == -EINVAL,
	    "a mount id that is no number: -EINVAL");
	ok(knob("21 26 0-20 / /proc rw - proc proc rw\n", 0, &k) == -EINVAL,
	    "a device without ':': -EINVAL");
	ok(knob("21 26 0:20 / /a\\040b rw - sysfs s rw\n", 0, &k) == 0 &&
	    strcmp(k.point, "/a b") == 0, "an escaped mount point");
	ok(knob("21 26 0:20 / /p rwx,ro - proc p rw\n", 0, &k) == 0 && !k.ro,
	    "\"rwx,ro\" is not read-only (first option only)");
}

static void test_exposed(void)
{
	char out[512];
	char *mi;
	size_t n = sizeof(after_mi) + 128;

	ok(exposed(after_mi, out) == 0, "after kernel_knobs_ro: nothing exposed");
	mi = malloc(n);
	snprintf(mi, n, "%s%s", after_mi,
	    "60 26 0:92 / /srv/proc rw - proc proc rw\n");
	ok(exposed(mi, out) == 1 && strcmp(out, "/srv/proc") == 0,
	    "a read-write proc elsewhere is exposed");
	snprintf(mi, n, "%s%s", after_mi,
	    "60 26 0:92 / /srv/sys rw - sysfs sysfs rw\n"
	    "61 60 0:5 / /srv/sys rw - tmpfs t rw\n");
	ok(exposed(mi, out) == 0, "a sysfs covered at its root is not");
	free(mi);
	ok(exposed("50 21 0:99 / /proc rw - proc proc rw\n", out) == 1 &&
	    strcmp(out, "/proc") == 0,
	    "CMD's /proc without a read-only /proc/sys is exposed");
	ok(exposed("50 21 0:99 / /proc rw - proc proc rw\n"
	    "51 50 0:99 /sys /proc/sys rw - proc proc rw\n", out) == 1,
	    "... and with a read-write one");
	ok(exposed("50 21 0:99 / /proc rw - proc proc rw\n"
	    "51 49 0:99 /sys /proc/sys ro - proc proc rw\n", out) == 1,
	    "... and with a read-only one that is not its child");
	ok(exposed("21 26 0:20 /sys /x rw - proc proc rw\n", out) == 1,
	    "a read-write bind of /proc/sys (a direct write route) is exposed");
}

static void test_within(void)
{
	char out[512];

	ok(within(after_mi, "/tmp/ch", out) == 1 &&
	    strcmp(out, "/tmp/ch/proc") == 0, "/tmp/ch holds a proc mount");
	ok(within(after_mi, "/tmp/ch/proc/sys", out) == 1,
	    "/tmp/ch/proc/sys lies in one");
	ok(within(after_mi, "/tmp/chx", out) == 0, "/tmp/chx is another place");
	ok(within(after_mi, "/home/me/project", out) == 0,
	    "a project directory holds none");
	ok(within(after_mi, "/", out) == 1, "/ holds them all");
}

int main(void)
{
	test_entries();
	test_exposed();
	test_within();
	return done_testing();
}
