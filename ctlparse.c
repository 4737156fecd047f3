/*
 * ctlparse.c - pure decoders for live policy (control.c): a control
 * request's bytes, and the live-rules file a podman jail's keeper saves
 * and root jail-ai reads back at the jail's next start (jailstart.c).
 *
 * No privilege, no system call: functions over (buffer, length) with
 * explicit maximum counts, so that fuzz/fuzz_control.c calls them as the
 * server and the reader do.  Untrusted input: all of it (a client's
 * request; a file that may be damaged).
 */
#include <errno.h>
#include <string.h>

#include "ctlparse.h"
#include "hostips.h"

int control_req_check(const void *buf, size_t len)
{
	struct control_req rq;
	int ruled;

	if (len != sizeof(rq))
		return -EPROTO;
	memcpy(&rq, buf, sizeof(rq));
	ruled = rq.op >= CONTROL_ALLOW && rq.op <= CONTROL_REMOVE;
	if (rq.magic != CONTROL_MAGIC || rq.version != CONTROL_VERSION)
		return -EPROTO;
	if (rq.op < CONTROL_ALLOW || rq.op > CONTROL_COUNTERS)
		return -EPROTO;
	if (!memchr(rq.rule, '\0', sizeof(rq.rule)))
		return -EPROTO;
	if (ruled != (rq.rule[0] != '\0'))
		return -EPROTO;
	if ((rq.flags & ~(uint32_t)CONTROL_F_FOLLOW) ||
	    (rq.flags && rq.op != CONTROL_EVENTS))
		return -EPROTO;
	return 0;
}

/* As control.c checks a --deny: ADDR or ADDR/LEN, host bits zero. */
static int deny_ok(const char *s, size_t len)
{
	struct hostip h;
	size_t n = 0;
	unsigned int l;

	if (memchr(s, '#', len))
		return 0;
	return policy_parse_deny_file(s, len, &h, 1, &n, &l) == 0 && n == 1;
}

/* One rule line, s[0..len) without its '\n'. */
static int live_line(const char *s, size_t len, struct control_live *lv)
{
	struct allow_rule a;
	char r[JAIL_MAX_RULE_LEN + 1];
	size_t skip = len >= 6 && !memcmp(s, "allow ", 6) ? 6 :
	    len >= 5 && !memcmp(s, "deny ", 5) ? 5 : 0;

	if (!skip || len - skip == 0 || len - skip > JAIL_MAX_RULE_LEN ||
	    memchr(s, '\0', len))
		return -EINVAL;
	memcpy(r, s + skip, len - skip);
	r[len - skip] = '\0';
	if (skip == 6) {
		if (policy_parse_allow(r, &a) < 0)
			return -EINVAL;
		if (lv->nallow >= JAIL_MAX_ALLOW)
			return -E2BIG;
		memcpy(lv->allow[lv->nallow++], r, len - skip + 1);
		return 0;
	}
	if (!deny_ok(r, len - skip))
		return -EINVAL;
	if (lv->ndeny >= CONTROL_MAX_LIVE_DENY)
		return -E2BIG;
	memcpy(lv->deny[lv->ndeny++], r, len - skip + 1);
	return 0;
}

int control_live_parse(const char *buf, size_t len, struct control_live *lv,
    unsigned int *line)
{
	size_t hl = sizeof(CONTROL_LIVE_HEAD) - 1, off, end;
	int r, ended = 0;

	lv->nallow = lv->ndeny = 0;
	*line = 1;
	if (len > CONTROL_LIVE_MAX)
		return -E2BIG;
	if (len < hl || memcmp(buf, CONTROL_LIVE_HEAD, hl))
		return -EINVAL;
	for (off = hl; off < len; off = end + 1) {
		const char *nl = memchr(buf + off, '\n', len - off);

		++*line;
		if (!nl || ended)
			return -EINVAL;	/* cut, or something after "end" */
		end = (size_t)(nl - buf);
		if (end - off == 3 && !memcmp(buf + off, "end", 3)) {
			ended = 1;
			continue;
		}
		if ((r = live_line(buf + off, end - off, lv)) < 0)
			return r;
	}
	if (!ended) {
		++*line;
		return -EINVAL;
	}
	return 0;
}
