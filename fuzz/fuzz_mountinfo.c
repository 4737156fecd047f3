/*
 * fuzz/fuzz_mountinfo.c - libFuzzer target for cgroup.c's parsers of
 * /proc/self/mountinfo (cgroup_parse_mountinfo, idx 0..2) and
 * /proc/PID/cgroup (cgroup_parse_proc).  The output buffer is a heap
 * block of exactly outlen bytes, outlen both roomy and taken from the
 * input, so ASan sees any write past it.  Beyond the sanitizers it checks
 * what the parsers promise: only 0, -ENOENT or -EINVAL; on success a
 * NUL-terminated string inside outlen; a "0::" path that starts with '/'
 * and is a line of the input; -ENOENT at idx k stays -ENOENT past k.
 * Seeds: fuzz/seeds-mountinfo/.
 * Run: fuzz/fuzz_mountinfo CORPUS fuzz/seeds-mountinfo
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int mountinfo(const char *buf, size_t len, unsigned int idx,
    size_t outlen)
{
	char *out = malloc(outlen ? outlen : 1);
	int r;

	if (!out)
		abort();
	r = cgroup_parse_mountinfo(buf, len, idx, out, outlen);
	if (r != 0 && r != -ENOENT && r != -EINVAL)
		abort();
	if (r == 0 && (outlen == 0 || !memchr(out, '\0', outlen) ||
	    out[0] == '\0'))
		abort();
	free(out);
	return r;
}

static void proc(const char *buf, size_t len, size_t outlen)
{
	char *out = malloc(outlen ? outlen : 1);
	const char *p;
	size_t n;
	int r;

	if (!out)
		abort();
	r = cgroup_parse_proc(buf, len, out, outlen);
	if (r != 0 && r != -ENOENT && r != -EINVAL)
		abort();
	if (r == 0) {
		if (outlen == 0 || !memchr(out, '\0', outlen) || out[0] != '/')
			abort();
		/* "0::" + out + ('\n' or the end) must be in the input */
		n = strlen(out);
		p = memmem(buf, len, out, n);
		for (; p; p = memmem(p + 1, len - (size_t)(p + 1 - buf), out,
		    n))
			if (p - buf >= 3 && memcmp(p - 3, "0::", 3) == 0 &&
			    (p - buf == 3 || p[-4] == '\n') &&
			    ((size_t)(p - buf) + n == len || p[n] == '\n'))
				break;
		if (!p)
			abort();
	}
	free(out);
}

/* The kernel-knob readers: results are NUL-terminated and in range. */
static void knobs(const char *buf, size_t len)
{
	struct knob_mount k;
	char out[600];
	unsigned int i;
	int r;

	for (i = 0; i < 4 && (r = mountinfo_knob(buf, len, i, &k)) == 0; i++)
		if (k.knob < 1 || k.knob > 2 || !memchr(k.point, '\0',
		    sizeof(k.point)))
			abort();
	if (i < 4 && r != -ENOENT && r != -EINVAL)
		abort();
	r = knobs_exposed(buf, len, "/proc", out, sizeof(out));
	if ((r < 0 && r != -EINVAL) || r > 1 || (r == 1 &&
	    !memchr(out, '\0', sizeof(out))))
		abort();
	r = knobs_within(buf, len, "/tmp", out, sizeof(out));
	if ((r < 0 && r != -EINVAL) || r > 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	size_t small = size ? data[0] % 24 : 0;
	unsigned int idx;
	int r, prev = 0;

	if (!buf)
		abort();
	memcpy(buf, data, size);
	for (idx = 0; idx < 3; idx++) {
		r = mountinfo(buf, size, idx, 4096);
		if (prev == -ENOENT && r != -ENOENT)
			abort();
		prev = r;
		mountinfo(buf, size, idx, small);
	}
	proc(buf, size, 4096);
	proc(buf, size, small);
	knobs(buf, size);
	free(buf);
	return 0;
}
