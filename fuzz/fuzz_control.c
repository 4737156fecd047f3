/*
 * fuzz/fuzz_control.c - libFuzzer target for ctlparse.c: the control
 * request check the live-policy server runs on each client's bytes
 * (control.c), and the live-rules file root jail-ai reads back at a
 * podman jail's start (jailstart.c).  The first byte picks the case:
 *   even: the rest is a request, copied into a heap block of exactly its
 *         size (ASan sees any read past it); when accepted, it must be
 *         what the server then relies on: the size, magic, version, op
 *         in range, rule NUL-terminated, present exactly for the ruled
 *         ops, flags only FOLLOW and only for EVENTS;
 *   odd:  the rest is a live-rules file; only 0, -EINVAL or -E2BIG may
 *         come back, counts within their maximum, an error line inside
 *         the input (or one past it: the missing "end"); an accepted
 *         file's rules each parse again, and written out in the keeper's
 *         format they read back the same.
 * Seeds: fuzz/seeds-control/.
 * Run: fuzz/fuzz_control CORPUS fuzz/seeds-control
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"	/* count_lines */
#include "../ctlparse.h"

static void fuzz_req(const uint8_t *data, size_t size)
{
	struct control_req rq;
	uint8_t *copy = malloc(size ? size : 1);
	int ruled;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	if (control_req_check(copy, size) != 0) {
		free(copy);
		return;
	}
	if (size != sizeof(rq))
		abort();
	memcpy(&rq, copy, sizeof(rq));
	free(copy);
	ruled = rq.op >= CONTROL_ALLOW && rq.op <= CONTROL_REMOVE;
	if (rq.magic != CONTROL_MAGIC || rq.version != CONTROL_VERSION ||
	    rq.op < CONTROL_ALLOW || rq.op > CONTROL_COUNTERS ||
	    strnlen(rq.rule, sizeof(rq.rule)) >= sizeof(rq.rule) ||
	    ruled != (rq.rule[0] != '\0') ||
	    (rq.flags & ~(uint32_t)CONTROL_F_FOLLOW) ||
	    (rq.flags && rq.op != CONTROL_EVENTS))
		abort();
}

static void fuzz_live(const uint8_t *data, size_t size)
{
	static struct control_live lv, again;
	static char out[CONTROL_LIVE_MAX + 1];
	struct allow_rule a;
	char *buf = malloc(size ? size : 1);
	unsigned int line = 0;
	size_t i, len = 0;
	int r;

	if (!buf)
		abort();
	memcpy(buf, data, size);
	r = control_live_parse(buf, size, &lv, &line);
	free(buf);
	if (r != 0 && r != -EINVAL && r != -E2BIG)
		abort();
	if (lv.nallow > JAIL_MAX_ALLOW || lv.ndeny > CONTROL_MAX_LIVE_DENY)
		abort();
	if (r == -EINVAL && (line < 1 || line > count_lines(data, size) + 1))
		abort();
	if (r != 0)
		return;
	len += (size_t)snprintf(out, sizeof(out), "%s", CONTROL_LIVE_HEAD);
	for (i = 0; i < lv.nallow; i++) {
		if (policy_parse_allow(lv.allow[i], &a) != 0)
			abort();
		len += (size_t)snprintf(out + len, sizeof(out) - len,
		    "allow %s\n", lv.allow[i]);
	}
	for (i = 0; i < lv.ndeny; i++)
		len += (size_t)snprintf(out + len, sizeof(out) - len,
		    "deny %s\n", lv.deny[i]);
	len += (size_t)snprintf(out + len, sizeof(out) - len, "end\n");
	if (len >= sizeof(out) ||
	    control_live_parse(out, len, &again, &line) != 0 ||
	    again.nallow != lv.nallow || again.ndeny != lv.ndeny)
		abort();
	for (i = 0; i < lv.nallow; i++)
		if (strcmp(again.allow[i], lv.allow[i]))
			abort();
	for (i = 0; i < lv.ndeny; i++)
		if (strcmp(again.deny[i], lv.deny[i]))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		fuzz_live(data + 1, size - 1);
	else
		fuzz_req(data + 1, size - 1);
	return 0;
}
