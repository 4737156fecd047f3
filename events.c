/*
 * events.c - a jail's denial events as JSON lines.  The programs write a
 * struct jail_event into the ring buffer jail_ev on every deny path (and
 * count it in jail_cnt); this reads the ring as libbpf's ring_buffer does,
 * through two mappings of the map fd: the consumer page read-write (the
 * position we have read up to) and the producer page plus the data, twice
 * in a row, read-only.  A full ring refuses the program's write and the
 * program counts a drop: the jailed process never waits for us.
 *
 * Runs in the `run` parent or a podman jail's keeper, with no capability.  Untrusted input: every
 * record (the programs fill them from what the jailed process chose:
 * addresses, ports, socket types) and /proc/PID/comm (its own name).
 * Lengths and positions are checked against the mapping before any read.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>

#include "events.h"
#include "util.h"

#ifndef BPF_RINGBUF_BUSY_BIT	/* <linux/bpf.h> has them from 5.8 */
#define BPF_RINGBUF_BUSY_BIT	(1U << 31)
#define BPF_RINGBUF_DISCARD_BIT	(1U << 30)
#define BPF_RINGBUF_HDR_SZ	8
#endif

static const char *const hook_names[JAIL_NHOOKS] = {
	"connect4", "connect6", "sendmsg4", "sendmsg6", "sock_create",
	"setsockopt", "egress",
};

/* JAIL_KIND_*: the kind as a word, and where such an entry comes from. */
static const char *const kinds[][2] = {
	[JAIL_KIND_NONE] = { "none", "" },
	[JAIL_KIND_FIXED] = { "fixed", "fixed range" },
	[JAIL_KIND_HOST4] = { "host", "/proc/net/fib_trie" },
	[JAIL_KIND_HOST6] = { "host", "/proc/net/if_inet6" },
	[JAIL_KIND_ROUTE6] = { "host", "/proc/net/ipv6_route" },
	[JAIL_KIND_NETLINK] = { "host", "rtnetlink" },
	[JAIL_KIND_DENY] = { "deny", "--deny" },
	[JAIL_KIND_DENY_ALL] = { "deny-all", "--deny-all" },
	[JAIL_KIND_PRIVATE] = { "private", "--block-private" },
	[JAIL_KIND_SOCKET] = { "socket", "sock_create: socket type not allowed" },
	[JAIL_KIND_SOCKOPT] = { "sockopt", "setsockopt: a re-routing option" },
	[JAIL_KIND_LOOPBACK] = { "loopback", "lo: no host entry opens it" },
};

static int sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(SYS_bpf, cmd, a, sizeof(*a)) < 0 ? -errno : 0;
}

static int map_info(int fd, struct bpf_map_info *info)
{
	union bpf_attr a;

	memset(info, 0, sizeof(*info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (__u32)fd;
	a.info.info_len = sizeof(*info);
	a.info.info = (__u64)(unsigned long)info;
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a);
}

static void init(struct events *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->ring = ev->cnt = ev->out = -1;
}

/* The ring must be what the child made: a ring buffer of a power-of-2
 * size, so that the mask and the double mapping below hold. */
int events_open(struct events *ev, int ring_fd, int cnt_fd, int out_fd,
    const char *jail, char *err, size_t errlen)
{
	struct bpf_map_info info;
	void *p;
	int r;

	init(ev);
	ev->ring = ring_fd;
	ev->cnt = cnt_fd;
	ev->out = out_fd;
	snprintf(ev->jail, sizeof(ev->jail), "%s", jail);
	ev->page = (size_t)getpagesize();	/* not sysconf: its table is 1 KiB */
	if ((r = map_info(ring_fd, &info)) < 0) {
		snprintf(err, errlen, "read the ring buffer's size");
		return r;
	}
	if (info.type != BPF_MAP_TYPE_RINGBUF || info.max_entries == 0 ||
	    (info.max_entries & (info.max_entries - 1)) != 0) {
		snprintf(err, errlen, "the event map is not a ring buffer");
		return -EPROTO;
	}
	ev->size = info.max_entries;
	p = mmap(NULL, ev->page, PROT_READ | PROT_WRITE, MAP_SHARED, ring_fd, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "map the ring's consumer page");
		return -errno;
	}
	ev->cons = p;
	p = mmap(NULL, ev->page + 2 * ev->size, PROT_READ, MAP_SHARED, ring_fd,
	    (off_t)ev->page);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "map the ring's data");
		return -errno;
	}
	ev->prod = p;
	return 0;
}

static int counters(const struct events *ev, __u64 *c)
{
	__u32 k;
	int r;

	for (k = 0; k < JAIL_NCOUNTERS; k++) {
		c[k] = 0;
		if ((r = bpf_map_op(BPF_MAP_LOOKUP_ELEM, ev->cnt, &k,
		    &c[k])) < 0)
			return r;
	}
	return 0;
}

int events_skip(struct events *ev)
{
	__u64 prod = __atomic_load_n((volatile __u64 *)ev->prod,
	    __ATOMIC_ACQUIRE);

	__atomic_store_n((volatile __u64 *)ev->cons, prod, __ATOMIC_RELEASE);
	return counters(ev, ev->base);
}

int events_fd(const struct events *ev)
{
	return ev->prod ? ev->ring : -1;
}

/* JSON string contents: the jailed process names itself (comm). */
static size_t put_str(char *buf, size_t len, size_t off, const char *s)
{
	const unsigned char *c;

	for (c = (const unsigned char *)s; *c && off + 7 < len; c++) {
		if (*c == '"' || *c == '\\')
			off += (size_t)snprintf(buf + off, len - off, "\\%c", *c);
		else if (*c < 0x20 || *c >= 0x7f)
			off += (size_t)snprintf(buf + off, len - off, "\\u%04x",
			    *c);
		else
			buf[off++] = (char)*c;
	}
	buf[off < len ? off : len - 1] = '\0';
	return off;
}

#define PUT(...)	do {						\
	n = snprintf(buf + off, off < len ? len - off : 0, __VA_ARGS__); \
	if (n < 0 || (off += (size_t)n) >= len)				\
		return -ENOSPC;						\
} while (0)
#define PUTS(s)		do {						\
	off = put_str(buf, len, off, (s));				\
	if (off + 1 >= len)						\
		return -ENOSPC;						\
} while (0)

static const char *proto_name(unsigned int p)
{
	switch (p) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 58: return "icmpv6";
	case 132: return "sctp";
	case 136: return "udplite";
	case 255: return "raw";
	case 262: return "mptcp";
	default: return NULL;
	}
}

static const char *type_name(unsigned int t)
{
	static const char *const n[] = { NULL, "stream", "dgram", "raw", "rdm",
	    "seqpacket", "dccp" };

	return t < sizeof(n) / sizeof(n[0]) ? n[t] : NULL;
}

/* The destination part: only where the hook judged one. */
static int put_dst(const struct jail_event *e, char *buf, size_t len,
    size_t *offp)
{
	char a[INET6_ADDRSTRLEN];
	size_t off = *offp;
	int n;

	if (e->hook == JAIL_HOOK_SOCK_CREATE || e->hook == JAIL_HOOK_SETSOCKOPT)
		PUT(",\"dst\":null,\"port\":null");
	else if (e->family == 2 && inet_ntop(AF_INET, e->addr, a, sizeof(a)))
		PUT(",\"dst\":\"%s\",\"port\":%u", a, e->port);
	else if (e->family == 10 && inet_ntop(AF_INET6, e->addr, a, sizeof(a)))
		PUT(",\"dst\":\"%s\",\"port\":%u", a, e->port);
	else
		PUT(",\"dst\":null,\"port\":null");
	if (e->hook == JAIL_HOOK_SETSOCKOPT)
		PUT(",\"level\":%u,\"optname\":%u", e->detail >> 16,
		    e->detail & 0xffff);
	*offp = off;
	return 0;
}

int events_format(const struct jail_event *e, const char *jail,
    const char *entry, const char *comm, __u64 now_real_ns,
    __u64 now_boot_ns, char *buf, size_t len)
{
	__u64 real = now_real_ns - (now_boot_ns - e->time_ns);
	time_t sec = (time_t)(real / 1000000000ULL);
	unsigned int kind = e->kind < sizeof(kinds) / sizeof(kinds[0]) ?
	    e->kind : 0;
	const char *p = proto_name(e->proto), *t = type_name(e->type);
	struct tm tm;
	size_t off = 0;
	int n;

	if (!gmtime_r(&sec, &tm))
		memset(&tm, 0, sizeof(tm));
	PUT("{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%06uZ\","
	    "\"time_boot_ns\":%llu,\"jail\":\"", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    (unsigned int)(real % 1000000000ULL / 1000),
	    (unsigned long long)e->time_ns);
	PUTS(jail);
	if (e->pid)
		PUT("\",\"pid\":%u,\"comm\":", e->pid);
	else
		PUT("\",\"pid\":null,\"comm\":");
	if (comm) {
		PUT("\"");
		PUTS(comm);
		PUT("\"");
	} else {
		PUT("null");
	}
	PUT(",\"hook\":\"%s\",\"family\":\"%s\"", e->hook < JAIL_NHOOKS ?
	    hook_names[e->hook] : "unknown", e->family == 2 ? "inet" :
	    e->family == 10 ? "inet6" : "other");
	if (p)
		PUT(",\"proto\":\"%s\"", p);
	else
		PUT(",\"proto\":%u", e->proto);
	if (t)
		PUT(",\"type\":\"%s\"", t);
	else
		PUT(",\"type\":%u", e->type);
	if (put_dst(e, buf, len, &off) < 0)
		return -ENOSPC;
	PUT(",\"kind\":\"%s\",\"source\":\"%s\"", kinds[kind][0],
	    kinds[kind][1]);
	if (entry)
		PUT(",\"entry\":\"%s\",\"entry_id\":%u}\n", entry, e->entry);
	else if (e->entry)
		PUT(",\"entry\":null,\"entry_id\":%u}\n", e->entry);
	else
		PUT(",\"entry\":null,\"entry_id\":null}\n");
	return (int)off;
}

/* Its name now, which may differ from its name at the denial (an exec
 * since, or gone): the sock_addr hooks may not ask for comm. */
static const char *read_comm(__u32 pid, char *buf, size_t len)
{
	char path[32];
	ssize_t n;
	int fd;

	if (!pid)
		return NULL;
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static __u64 now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/*
 * The backlog (a keeper, a named run jail, with --events FILE too): the
 * last EVENTS_BACKLOG lines,
 * each also sent to every follower that can take it whole now; one that
 * cannot (it stopped reading, or went) is dropped, never waited for.
 */
static void log_line(struct events_log *lg, const char *line, size_t n)
{
	char *copy = malloc(n + 1);
	size_t slot = (size_t)(lg->seq & (EVENTS_BACKLOG - 1));
	int i;

	if (!copy) {
		lg->lost++;
		return;
	}
	memcpy(copy, line, n);
	copy[n] = '\0';
	free(lg->line[slot]);
	lg->line[slot] = copy;
	lg->seq++;
	for (i = 0; i < EVENTS_FOLLOWERS; i++) {
		if (lg->follow[i] < 0)
			continue;
		if (send(lg->follow[i], line, n, MSG_DONTWAIT |
		    MSG_NOSIGNAL) != (ssize_t)n) {
			close(lg->follow[i]);
			lg->follow[i] = -1;
		}
	}
}

static void write_line(struct events *ev, const char *line, size_t n)
{
	ssize_t w;

	if (ev->log)
		log_line(ev->log, line, n);
	if (ev->log && ev->out < 0)
		return;		/* the backlog only: no --events FILE */

	while (n > 0 && !ev->write_failed) {
		w = write(ev->out, line, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			warnx("run: --events: write: %s; further events are "
			    "counted, not written", w < 0 ? strerror(errno) :
			    "nothing written");
			ev->write_failed = 1;
			break;
		}
		line += w;
		n -= (size_t)w;
	}
	ev->lost_writes += ev->write_failed;
}

static void handle(struct events *ev, const struct jail_event *e)
{
	char line[1024], entry[64], comm[64];
	const char *en = NULL, *cm;
	int v4, n;

	v4 = e->family == 2 || (e->addr[10] == 0xff && e->addr[11] == 0xff &&
	    !memcmp(e->addr, "\0\0\0\0\0\0\0\0\0\0", 10));
	if (e->entry && ev->entry_name && e->kind <= JAIL_KIND_MAP_MAX &&
	    ev->entry_name(ev->arg, v4, e->entry, e->family == 2 ? e->addr :
	    v4 ? e->addr + 12 : e->addr, entry, sizeof(entry)) == 0)
		en = entry;
	cm = read_comm(e->pid, comm, sizeof(comm));
	n = events_format(e, ev->jail, en, cm, now_ns(CLOCK_REALTIME),
	    now_ns(CLOCK_BOOTTIME), line, sizeof(line));
	if (n > 0)
		write_line(ev, line, (size_t)n);
}

unsigned int events_drain(struct events *ev)
{
	volatile __u64 *cpos, *ppos;
	__u64 cons, prod;
	__u32 raw, len, *hdr;
	unsigned int got = 0, max = (unsigned int)(ev->size / 16);
	struct jail_event e;

	if (!ev->prod)
		return 0;
	cpos = (volatile __u64 *)ev->cons;
	ppos = (volatile __u64 *)ev->prod;
	cons = __atomic_load_n(cpos, __ATOMIC_ACQUIRE);
	while (got < max) {
		prod = __atomic_load_n(ppos, __ATOMIC_ACQUIRE);
		if (cons >= prod)
			break;
		hdr = (__u32 *)(ev->prod + ev->page + (cons & (ev->size - 1)));
		raw = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		if (raw & BPF_RINGBUF_BUSY_BIT)
			break;	/* reserved, not yet written */
		len = raw & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
		/* Only our records fit: anything else would be a kernel
		 * bug, skipped by its length, never read past the data. */
		if (!(raw & BPF_RINGBUF_DISCARD_BIT) && len == sizeof(e)) {
			memcpy(&e, (char *)hdr + BPF_RINGBUF_HDR_SZ, sizeof(e));
			handle(ev, &e);
			got++;
		}
		cons += (len + BPF_RINGBUF_HDR_SZ + 7) & ~7ULL;
		__atomic_store_n(cpos, cons, __ATOMIC_RELEASE);
	}
	ev->read += got;
	return got;
}

int events_summary_fmt(struct events *ev, char *buf, size_t len)
{
	__u64 c[JAIL_NCOUNTERS];
	size_t off = 0;
	__u32 k;
	int n, r;

	if ((r = counters(ev, c)) < 0)
		return r;
	for (k = 0; k < JAIL_NCOUNTERS; k++)
		c[k] -= ev->base[k];
	PUT("{\"summary\":true,\"jail\":\"");
	PUTS(ev->jail);
	PUT("\",\"denied\":{");
	for (k = 0; k < JAIL_NHOOKS; k++)
		PUT("%s\"%s\":%llu", k ? "," : "", hook_names[k],
		    (unsigned long long)c[k]);
	PUT("},\"events_dropped\":%llu,\"events_read\":%llu,"
	    "\"lines_not_written\":%llu}\n",
	    (unsigned long long)c[JAIL_CNT_DROPPED], ev->read,
	    ev->lost_writes + (ev->log ? ev->log->lost : 0));
	return (int)off;
}

int events_summary(struct events *ev)
{
	char line[512];
	int n;

	if ((n = events_summary_fmt(ev, line, sizeof(line))) < 0)
		return n;
	ev->write_failed = 0;	/* the summary gets its own try */
	write_line(ev, line, (size_t)n);
	return 0;
}

int events_backlog(const struct events *ev, FILE *out)
{
	const struct events_log *lg = ev->log;
	unsigned long long i = lg->seq > EVENTS_BACKLOG ?
	    lg->seq - EVENTS_BACKLOG : 0;

	for (; i < lg->seq; i++)
		fputs(lg->line[i & (EVENTS_BACKLOG - 1)], out);
	return 0;
}

int events_follow(struct events *ev, int fd)
{
	struct events_log *lg = ev->log;
	struct pollfd pf;
	int i, free_slot = -1;

	for (i = 0; i < EVENTS_FOLLOWERS; i++) {
		pf.fd = lg->follow[i];
		pf.events = POLLIN;	/* a follower sends nothing: EOF, gone */
		if (pf.fd >= 0 && poll(&pf, 1, 0) == 1) {
			close(lg->follow[i]);
			lg->follow[i] = -1;
		}
		if (lg->follow[i] < 0 && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return -EBUSY;
	lg->follow[free_slot] = fd;
	return 0;
}

void events_log_init(struct events *ev, struct events_log *lg)
{
	int i;

	memset(lg, 0, sizeof(*lg));
	for (i = 0; i < EVENTS_FOLLOWERS; i++)
		lg->follow[i] = -1;
	ev->log = lg;
}

void events_close(struct events *ev)
{
	int i;

	for (i = 0; ev->log && i < EVENTS_FOLLOWERS; i++)
		if (ev->log->follow[i] >= 0) {	/* they read EOF now */
			close(ev->log->follow[i]);
			ev->log->follow[i] = -1;
		}
	if (ev->cons)
		munmap(ev->cons, ev->page);
	if (ev->prod)
		munmap(ev->prod, ev->page + 2 * ev->size);
	if (ev->ring >= 0)
		close(ev->ring);
	if (ev->cnt >= 0)
		close(ev->cnt);
	init(ev);
}
