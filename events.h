/*
 * events.h - events.c: a jail's denial events (bpf_maps.h struct
 * jail_event), read from the ring buffer jail_ev through mmap and written
 * as JSON lines, and its counters jail_cnt.  Needs no capability: only the
 * two map fds (from 5.19 on the mmap and the lookups need none).  Built to
 * be driven by any poll loop: `run`'s (refresh.c) and a keeper's.
 */
#ifndef JAIL_EVENTS_H
#define JAIL_EVENTS_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "bpf_maps.h"

/*
 * The entry an event names, as text ("10.0.0.0/8"), or -ENOENT when the
 * caller knows no such entry (any more).  v4: the entry is jail_v4's (an
 * IPv4 or v4-mapped destination), else jail_v6's.  dst: the event's
 * destination, so that a caller can refuse a stale id that no longer
 * covers it.
 */
typedef int (*events_entry_fn)(void *arg, int v4, __u32 entry,
    const __u8 *dst, char *buf, size_t len);

/* A backlog of the last lines and the clients that follow new ones
 * (`jail-ai events NAME [--follow]`), for a reader that is a server. */
#define EVENTS_BACKLOG		1024	/* a power of 2: slots by mask */
#define EVENTS_FOLLOWERS	8
struct events_log {
	char *line[EVENTS_BACKLOG];	/* by seq, masked */
	unsigned long long seq, lost;	/* lines ever logged; not kept */
	int follow[EVENTS_FOLLOWERS];	/* -1: free */
};

/* The fields are events.c's. */
struct events {
	int ring, cnt, out;	/* jail_ev, jail_cnt, where the lines go */
	unsigned char *cons;	/* consumer page, read-write */
	unsigned char *prod;	/* producer page + data twice, read-only */
	size_t page, size;	/* size: the ring's data, a power of 2 */
	char jail[64];		/* the jail's name in every line */
	events_entry_fn entry_name;
	void *arg;
	unsigned long long read, lost_writes;
	__u64 base[JAIL_NCOUNTERS];	/* counters at events_skip */
	int write_failed;
	struct events_log *log;	/* set: lines go there too */
};

/* Maps the ring; takes ring_fd and cnt_fd (closed by events_close), not
 * out_fd.  0, or -errno with err naming the step. */
int events_open(struct events *ev, int ring_fd, int cnt_fd, int out_fd,
    const char *jail, char *err, size_t errlen);
/* Forget what the ring and counters hold now (jail-ai's own canary's
 * denials, before CMD): lines and the summary are about what follows. */
int events_skip(struct events *ev);
/* The fd to poll for POLLIN; -1 when closed. */
int events_fd(const struct events *ev);
/* Every event the ring holds (at most a ring's worth per call, so that a
 * storm cannot starve the caller's loop), one line each.  Returns how
 * many were read.  A failed write is counted, warned about once, and
 * does not stop the reading (the jail matters more than its log). */
unsigned int events_drain(struct events *ev);
/* The summary line: denials per hook, events dropped, events read. */
int events_summary(struct events *ev);
void events_close(struct events *ev);
/* The summary line into buf: its length, or -errno. */
int events_summary_fmt(struct events *ev, char *buf, size_t len);
/* After events_open: lines also go to lg (the caller's, zeroed here);
 * out may then be -1. */
void events_log_init(struct events *ev, struct events_log *lg);
/* The backlog, oldest first, written to out. */
int events_backlog(const struct events *ev, FILE *out);
/* fd (a connected socket) gets every new line from now on; its own to
 * close from here.  -EBUSY when EVENTS_FOLLOWERS are following. */
int events_follow(struct events *ev, int fd);
/* One event as a JSON line (with '\n'), for events_drain and the tests:
 * the length, or -ENOSPC.  entry: the entry's text or NULL; comm: NULL
 * when not known; now_real/now_boot: the clocks that date it. */
int events_format(const struct jail_event *e, const char *jail,
    const char *entry, const char *comm, __u64 now_real_ns,
    __u64 now_boot_ns, char *buf, size_t len);

#endif
