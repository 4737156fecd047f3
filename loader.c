/*
 * loader.c - the privileged child: the only code in jail-ai that raises
 * CAP_BPF and CAP_NET_ADMIN (effective for milliseconds; a root caller's
 * parent keeps root's own: AUDIT.md section 1 says what holds which
 * capabilities).  Re-executed by spawn.c with JAIL_CHILD_ARG and no
 * environment.  Untrusted: the request on JAIL_REQ_FD, all of it, and the
 * cgroup it names.  One operation, one reply on JAIL_REPLY_FD, exit.  No
 * allocation, no /proc.  See AUDIT.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/openat2.h>

#include "bpf_insns.h"
#include "lockdown.h"
#include "request.h"

#define CHILD_TIME_LIMIT 30	/* seconds; SIGALRM's default action kills */
#define QUERY_MAX 64

_Static_assert(JAIL_NPROGS == JAIL_NPROG_SLOTS, "the reply holds each program");
static unsigned char req_buf[JAIL_REQ_MAX + 1];	/* +1: sees oversize */
/* Zeroed (.bss): an initialiser would put its 16 KiB log in the file. */
static struct jail_reply reply;
static struct bpf_insn insn_buf[JAIL_MAX_INSNS];
static int prog_fds[JAIL_NPROGS];
static int map_fds[JAIL_NMAPS];
/* JAIL_REQ_F_MAPFDS of a checked request: the reply carries map_fds. */
static int send_maps;
/* ATTACH: the request's flags, which say which programs (wanted()). */
static __u32 req_flags;

static const char *const cgroup_roots[2] = {	/* pure v2, then hybrid */
	"/sys/fs/cgroup", "/sys/fs/cgroup/unified" };

/* The request, fuzzed.  Path: relative; no "", "." or ".." parts. */
static int check_cgroup_path(const char *p)
{
	size_t len = strnlen(p, JAIL_CGROUP_PATH_MAX), i, start = 0;

	if (len == 0 || len == JAIL_CGROUP_PATH_MAX)
		return -EINVAL;
	for (i = len; i < JAIL_CGROUP_PATH_MAX; i++)
		if (p[i] != '\0')
			return -EINVAL;
	for (i = 0; i <= len; i++) {
		if (i < len && p[i] != '/') {
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
			    "QRSTUVWXYZ0123456789._-:@+=,\\", p[i]))
				return -EINVAL;
			continue;
		}
		if (i == start || (i - start == 1 && p[start] == '.') ||
		    (i - start == 2 && p[start] == '.' && p[start + 1] == '.'))
			return -EINVAL;
		start = i + 1;
	}
	return 0;
}

/* Listed ports are non-zero, unused slots zero; host bits past the
 * prefix zero: one meaning per key, so filling the map sees duplicates. */
static const char *check_rule(const __u8 *addr, unsigned int bytes,
    __u32 plen, const struct jail_verdict *v)
{
	unsigned int i;

	if (v->action > JAIL_ALLOW)
		return "rule action not ALLOW or DENY";
	if (v->nports > JAIL_MAX_PORTS)
		return "rule with too many ports";
	if (v->flags & ~JAIL_V_FLAGS)
		return "rule with an unknown flag";
	if (v->kind > JAIL_KIND_MAP_MAX)
		return "rule with an unknown kind";
	if (plen > bytes * 8)
		return "rule prefix longer than its address";
	for (i = 0; i < JAIL_MAX_PORTS; i++)
		if ((i < v->nports) != (v->ports[i] != 0))
			return "rule port zero, or an unused slot set";
	for (i = plen / 8; i < bytes; i++)
		if (addr[i] & (__u8)~(i == plen / 8 ? 0xff00 >> plen % 8 : 0))
			return "rule address with host bits set";
	return NULL;
}

/* 0, or -errno with *why (when why is not NULL) saying which check. */
static int refuse(const char **why, const char *what, int err)
{
	if (why)
		*why = what;
	return err;
}

static int check_rules(const struct jail_req_hdr *h, const char **why)
{
	const struct jail_rule4 *r4 = (const void *)(h + 1);
	const struct jail_rule6 *r6 = (const void *)(r4 + h->n4);
	const char *w;
	__u32 i;

	for (i = 0; i < h->n4; i++)
		if ((w = check_rule(r4[i].key.addr, 4, r4[i].key.prefixlen,
		    &r4[i].v)))
			return refuse(why, w, -EINVAL);
	for (i = 0; i < h->n6; i++)
		if ((w = check_rule(r6[i].key.addr, 16, r6[i].key.prefixlen,
		    &r6[i].v)))
			return refuse(why, w, -EINVAL);
	return 0;
}

int loader_check_request(const void *buf, size_t len, const char **why)
{
	const struct jail_req_hdr *h = buf;

	if (len < sizeof(*h))
		return refuse(why, "request shorter than its header", -EINVAL);
	if (h->magic != JAIL_REQ_MAGIC)
		return refuse(why, "request magic", -EPROTO);
	if (h->version != JAIL_REQ_VERSION)
		return refuse(why, "request version", -EPROTO);
	if (h->n4 > JAIL_MAX_RULES4)
		return refuse(why, "too many IPv4 rules", -E2BIG);
	if (h->n6 > JAIL_MAX_RULES6)
		return refuse(why, "too many IPv6 rules", -E2BIG);
	if (len != sizeof(*h) + (size_t)h->n4 * sizeof(struct jail_rule4) +
	    (size_t)h->n6 * sizeof(struct jail_rule6))
		return refuse(why, "request length != its counts", -EINVAL);
	if (check_cgroup_path(h->cgroup) < 0)
		return refuse(why, "cgroup path", -EINVAL);
	if (h->flags & ~(__u32)JAIL_REQ_FLAGS)
		return refuse(why, "request with an unknown flag", -EINVAL);
	if ((h->flags & JAIL_REQ_F_EVENTS) && !(h->flags & JAIL_REQ_F_MAPFDS))
		return refuse(why, "EVENTS without MAPFDS", -EINVAL);
	/* DOMAINS: the parent must hold the maps.  The forwarder listens on
	 * 127.0.0.1 of the jail's network namespace: the host's (HOSTNET:
	 * the run parent's, its port known now), or a container's, where
	 * the listeners exist only after the start: port 0 (nothing
	 * redirected, the resolver as denied as any address) until the
	 * keeper writes it; never a port that nothing of ours holds yet. */
	if ((h->flags & JAIL_REQ_F_DOMAINS) && !(h->flags & JAIL_REQ_F_MAPFDS))
		return refuse(why, "DOMAINS without MAPFDS", -EINVAL);
	if ((h->flags & JAIL_REQ_F_DOMAINS) && (h->dns_port != 0) !=
	    ((h->flags & JAIL_REQ_F_HOSTNET) != 0))
		return refuse(why, "DOMAINS: a port exactly with HOSTNET",
		    -EINVAL);
	if (!(h->flags & JAIL_REQ_F_DOMAINS) && h->dns_port != 0)
		return refuse(why, "a DNS port without DOMAINS", -EINVAL);
	if (h->reserved != 0)
		return refuse(why, "reserved field set", -EINVAL);
	if (h->op == JAIL_OP_QUERY && (h->n4 || h->n6 || h->flags))
		return refuse(why, "QUERY with rules or flags", -EINVAL);
	if (h->op == JAIL_OP_QUERY_EFFECTIVE && (h->n4 || h->n6 || h->flags))
		return refuse(why, "QUERY_EFFECTIVE with rules or flags",
		    -EINVAL);
	if (h->op == JAIL_OP_QUERY || h->op == JAIL_OP_QUERY_EFFECTIVE)
		return 0;
	if (h->op != JAIL_OP_ATTACH)
		return refuse(why, "unknown operation", -EINVAL);
	if (h->n4 + h->n6 == 0)
		return refuse(why, "ATTACH without rules", -EINVAL);
	return check_rules(h, why);
}

/* capget and capset of permitted and effective; capset writes
 * inheritable 0.  One wrapper each: no flag picks the syscall. */
static int caps_get(__u64 *prm, __u64 *eff)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct d[2];

	memset(&hdr, 0, sizeof(hdr));
	memset(d, 0, sizeof(d));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &hdr, d) < 0)
		return -errno;
	*prm = d[0].permitted | (__u64)d[1].permitted << 32;
	*eff = d[0].effective | (__u64)d[1].effective << 32;
	return 0;
}

static int caps_set(__u64 prm, __u64 eff)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct d[2];

	memset(&hdr, 0, sizeof(hdr));
	memset(d, 0, sizeof(d));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	d[0].permitted = (__u32)prm;
	d[1].permitted = (__u32)(prm >> 32);
	d[0].effective = (__u32)eff;
	d[1].effective = (__u32)(eff >> 32);
	return syscall(SYS_capset, &hdr, d) < 0 ? -errno : 0;
}

/* CAP_BPF: maps, programs; CAP_NET_ADMIN: sock_addr programs, attach,
 * query.  Before 5.8 (no CAP_BPF in the bounding set): CAP_SYS_ADMIN. */
static __u64 caps_needed(void)
{
	return 1ULL << (prctl(PR_CAPBSET_READ, CAP_BPF, 0, 0, 0) >= 0 ?
	    CAP_BPF : CAP_SYS_ADMIN) | 1ULL << CAP_NET_ADMIN;
}

/* Step 1, before input: permitted narrowed to exactly what we need, none
 * effective, so a bug in the request checks runs without privilege.  A
 * copy without both capabilities is refused here, before it reads. */
static int caps_narrow(__u64 need, const char **why)
{
	__u64 prm = 0, eff = 0;

	if (caps_get(&prm, &eff) < 0)
		return refuse(why, "capget", -EPERM);
	if ((prm & need) != need)
		return refuse(why, "cap_bpf,cap_net_admin not permitted",
		    -EPERM);
	if (caps_set(need, 0) < 0)
		return refuse(why, "narrow to cap_bpf,cap_net_admin", -EPERM);
	return 0;
}

/* Step 2, once the request is checked and the cgroup open: effective. */
static int caps_raise(__u64 need)
{
	return caps_set(need, need);
}

/* Step 3, on every path before the reply: clear, then read back, so no
 * capability can survive to the reply or to the fds it carries. */
static int caps_clear_and_verify(void)
{
	__u64 prm = 0, eff = 0;

	if (caps_set(0, 0) < 0)
		return -EPERM;
	if (caps_get(&prm, &eff) < 0)
		return -EPERM;
	if (prm != 0)
		return -EPERM;
	if (eff != 0)
		return -EPERM;
	return 0;
}

static int open_cgroup2_root(void)
{
	struct statfs sfs;
	int fd, i;

	for (i = 0; i < 2; i++) {
		fd = open(cgroup_roots[i],
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;	/* not there: the other place */
		if (fstatfs(fd, &sfs) == 0 &&
		    sfs.f_type == CGROUP2_SUPER_MAGIC)
			return fd;
		close(fd);	/* cgroup v1 there, or not a cgroup at all */
	}
	return -ENOENT;
}

/* What openat2 gave: a cgroup2 directory on the mount we resolved beneath,
 * not its root, the real uid's (any cgroup if the real uid is 0 and uid 0
 * owns the mount root).  Each refusal names its check for the parent. */
static int check_cgroup_dir(int root, int fd, const char **why)
{
	struct stat rst, st;
	struct statfs sfs;

	if (fstat(root, &rst) < 0)
		return refuse(why, "fstat of the cgroup2 mount", -errno);
	if (fstat(fd, &st) < 0)
		return refuse(why, "fstat of the cgroup", -errno);
	if (fstatfs(fd, &sfs) < 0)
		return refuse(why, "fstatfs of the cgroup", -errno);
	if (sfs.f_type != CGROUP2_SUPER_MAGIC)
		return refuse(why, "not a cgroup2 directory", -EACCES);
	if (st.st_dev != rst.st_dev)	/* RESOLVE_NO_XDEV: never, checked */
		return refuse(why, "not on the cgroup2 mount", -EACCES);
	if (st.st_ino == rst.st_ino)	/* every process's: not a jail's */
		return refuse(why, "the cgroup2 root", -EACCES);
	if (st.st_uid == getuid())	/* the caller's own cgroup */
		return 0;
	if (getuid() != 0)
		return refuse(why, "not owned by the caller's uid", -EACCES);
	/* Root may name any cgroup, but not in a user namespace whose uid 0
	 * is an ordinary user: there the real root is unmapped and the
	 * mount root shows as 65534. */
	if (rst.st_uid != 0)
		return refuse(why, "uid 0, but the cgroup2 root not uid 0's",
		    -EACCES);
	return 0;
}

/* openat2 (5.6+): no symlink, magic link, ".." escape or mount. */
static int resolve_cgroup(const char *path, const char **why)
{
	struct open_how how;
	int root, fd, r;

	if ((root = open_cgroup2_root()) < 0)
		return refuse(why, "no cgroup2 mount", root);
	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
	fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
	r = fd < 0 ? refuse(why, "openat2 beneath the cgroup2 mount", -errno) :
	    check_cgroup_dir(root, fd, why);
	close(root);
	if (r < 0 && fd >= 0)
		close(fd);
	return r < 0 ? r : fd;
}

/* ---- bpf(2), one small wrapper per command ---- */

static int sys_bpf(int cmd, union bpf_attr *a)
{
	int r = (int)syscall(SYS_bpf, cmd, a, sizeof(*a));

	return r < 0 ? -errno : r;
}

/* Every map of ours: an LPM trie must not preallocate (the kernel
 * insists), nor --allow-domain's hash maps (room without cost); a ring
 * buffer has no key or value, its size a power of 2 and a multiple of
 * the page size, and before 5.8 no type (EINVAL). */
static int map_create(__u32 type, const char *name, __u32 key_size,
    __u32 value_size, __u32 max_entries)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = key_size;
	a.value_size = value_size;
	a.max_entries = max_entries ? max_entries : 1;
	if (type == BPF_MAP_TYPE_LPM_TRIE || type == BPF_MAP_TYPE_HASH)
		a.map_flags = BPF_F_NO_PREALLOC;
	strncpy(a.map_name, name, sizeof(a.map_name) - 1);
	return sys_bpf(BPF_MAP_CREATE, &a);
}

/* flags: BPF_NOEXIST for the tries (a duplicate key is a malformed
 * request); BPF_ANY for jail_dcfg, an array whose slot always exists. */
static int map_update(int fd, const void *key, const void *value,
    __u64 flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (__u32)fd;
	a.key = (__u64)(unsigned long)key;
	a.value = (__u64)(unsigned long)value;
	a.flags = flags;
	return sys_bpf(BPF_MAP_UPDATE_ELEM, &a);
}

static int prog_load(const struct jail_prog *p, char *log, __u32 log_size)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = p->prog_type;
	a.expected_attach_type = p->attach_type;
	a.insns = (__u64)(unsigned long)insn_buf;
	a.insn_cnt = p->ninsns;
	a.license = (__u64)(unsigned long)"GPL";
	a.log_buf = (__u64)(unsigned long)log;
	a.log_size = log_size;
	a.log_level = log ? 1 : 0;
	strncpy(a.prog_name, p->name, sizeof(a.prog_name) - 1);
	return sys_bpf(BPF_PROG_LOAD, &a);
}

/* ALLOW_MULTI: with flags 0 any holder of a cgroup fd could detach it. */
static int prog_attach(int cgroup, int prog, __u32 type)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = (__u32)cgroup;
	a.attach_bpf_fd = (__u32)prog;
	a.attach_type = type;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	return sys_bpf(BPF_PROG_ATTACH, &a);
}

/* Names our program: of a hook's ALLOW_MULTI list only ours leaves. */
static int prog_detach(int cgroup, int prog, __u32 type)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = (__u32)cgroup;
	a.attach_bpf_fd = (__u32)prog;
	a.attach_type = type;
	return sys_bpf(BPF_PROG_DETACH, &a);
}

/* flags: 0, or BPF_F_QUERY_EFFECTIVE for what the ancestors add too. */
static int prog_query(int cgroup, __u32 type, __u32 *ids, __u32 *cnt,
    __u32 flags)
{
	union bpf_attr a;
	int r;

	memset(&a, 0, sizeof(a));
	a.query.target_fd = (__u32)cgroup;
	a.query.attach_type = type;
	a.query.query_flags = flags;
	a.query.prog_ids = (__u64)(unsigned long)ids;
	a.query.prog_cnt = *cnt;
	r = sys_bpf(BPF_PROG_QUERY, &a);
	*cnt = a.query.prog_cnt;
	return r;
}

/* The kernel's id of a program; ids start at 1, so 0 means failure. */
static __u32 prog_id(int fd)
{
	struct bpf_prog_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (__u32)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (__u64)(unsigned long)&info;
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0 ? 0 : info.id;
}

/* ---- the operation ---- */

static int fail(int step, int err, unsigned int prog, const char *what)
{
	reply.step = (__u16)step;
	reply.err = err < 0 ? -err : err;
	reply.prog = prog;
	snprintf(reply.what, sizeof(reply.what), "%s", what);
	return err < 0 ? err : -err;
}

/* As fail, the program's name before the check that refused it. */
static int fail_prog(int step, int err, unsigned int i, const char *why)
{
	int r = fail(step, err, i, why);

	snprintf(reply.what, sizeof(reply.what), "%s: %s",
	    jail_progs[i].name, why);
	return r;
}

/* --allow-domain's maps (bpf_maps.h): their room, one entry each without
 * DOMAINS (the programs reference them either way), and the port. */
static int dns_maps(const struct jail_req_hdr *h, int *maps)
{
	int on = (h->flags & JAIL_REQ_F_DOMAINS) != 0, r;
	__u32 key = 0, port = h->dns_port;

	maps[JAIL_MAP_DNS4] = map_create(BPF_MAP_TYPE_HASH, "jail_dns4", 4,
	    sizeof(__u64), on ? JAIL_DNS_ENTRIES : 1);
	if (maps[JAIL_MAP_DNS4] < 0)
		return fail(JAIL_STEP_MAP, maps[JAIL_MAP_DNS4], 0,
		    "create jail_dns4");
	maps[JAIL_MAP_DNS6] = map_create(BPF_MAP_TYPE_HASH, "jail_dns6", 16,
	    sizeof(__u64), on ? JAIL_DNS_ENTRIES : 1);
	if (maps[JAIL_MAP_DNS6] < 0)
		return fail(JAIL_STEP_MAP, maps[JAIL_MAP_DNS6], 0,
		    "create jail_dns6");
	maps[JAIL_MAP_DSK] = map_create(BPF_MAP_TYPE_LRU_HASH, "jail_dsk",
	    sizeof(__u64), sizeof(struct jail_dns_orig),
	    on ? JAIL_DSK_ENTRIES : 1);
	if (maps[JAIL_MAP_DSK] < 0)
		return fail(JAIL_STEP_MAP, maps[JAIL_MAP_DSK], 0,
		    "create jail_dsk");
	maps[JAIL_MAP_DCFG] = map_create(BPF_MAP_TYPE_ARRAY, "jail_dcfg",
	    sizeof(__u32), sizeof(__u32), 1);
	if (maps[JAIL_MAP_DCFG] < 0)
		return fail(JAIL_STEP_MAP, maps[JAIL_MAP_DCFG], 0,
		    "create jail_dcfg");
	if (on && (r = map_update(maps[JAIL_MAP_DCFG], &key, &port,
	    BPF_ANY)) < 0)
		return fail(JAIL_STEP_MAP, r, 0, "fill jail_dcfg");
	return 0;
}

/* MAPFDS: room for the most a request may hold; an LPM trie allocates
 * per entry (BPF_F_NO_PREALLOC), so the room costs nothing until used. */
static int fill_maps(const struct jail_req_hdr *h, int *maps)
{
	const struct jail_rule4 *r4 = (const void *)(h + 1);
	const struct jail_rule6 *r6 = (const void *)(r4 + h->n4);
	__u32 i;
	int r;

	maps[JAIL_MAP_V4] = map_create(BPF_MAP_TYPE_LPM_TRIE, "jail_v4",
	    sizeof(r4->key), sizeof(r4->v), send_maps ? JAIL_MAX_RULES4 : h->n4);
	maps[JAIL_MAP_V6] = map_create(BPF_MAP_TYPE_LPM_TRIE, "jail_v6",
	    sizeof(r6->key), sizeof(r6->v), send_maps ? JAIL_MAX_RULES6 : h->n6);
	if (maps[JAIL_MAP_V4] < 0)
		return fail(JAIL_STEP_MAP, maps[JAIL_MAP_V4], 0, "create jail_v4");
	if (maps[JAIL_MAP_V6] < 0)
		return fail(JAIL_STEP_MAP, maps[JAIL_MAP_V6], 0, "create jail_v6");
	/* Denial events: a ring worth reading only when asked (request.h). */
	maps[JAIL_MAP_EV] = map_create(BPF_MAP_TYPE_RINGBUF, "jail_ev", 0, 0,
	    h->flags & JAIL_REQ_F_EVENTS ? JAIL_EVENTS_RING :
	    (__u32)getpagesize());
	if (maps[JAIL_MAP_EV] < 0)
		return fail(JAIL_STEP_MAP, maps[JAIL_MAP_EV], 0, "create jail_ev");
	maps[JAIL_MAP_CNT] = map_create(BPF_MAP_TYPE_ARRAY, "jail_cnt",
	    sizeof(__u32), sizeof(__u64), JAIL_NCOUNTERS);
	if (maps[JAIL_MAP_CNT] < 0)
		return fail(JAIL_STEP_MAP, maps[JAIL_MAP_CNT], 0,
		    "create jail_cnt");
	if ((r = dns_maps(h, maps)) < 0)
		return r;
	for (i = 0; i < h->n4; i++) {
		r = map_update(maps[JAIL_MAP_V4], &r4[i].key, &r4[i].v,
		    BPF_NOEXIST);
		if (r < 0)
			return fail(JAIL_STEP_MAP, r, i, "fill jail_v4");
	}
	for (i = 0; i < h->n6; i++) {
		r = map_update(maps[JAIL_MAP_V6], &r6[i].key, &r6[i].v,
		    BPF_NOEXIST);
		if (r < 0)
			return fail(JAIL_STEP_MAP, r, i, "fill jail_v6");
	}
	return 0;
}

/* Copy; each relocation must name an empty LD_IMM64 (both of its halves
 * inside the program) of a known map; only then point it at the map.  The
 * header is generated and reviewed, but a header edited by hand, or a new
 * generator's mistake, is refused here rather than loaded. */
static int relocate(const struct jail_prog *p, const int *maps,
    const char **why)
{
	const struct jail_reloc *rl;
	struct bpf_insn *in;
	__u32 i;

	if (p->ninsns > JAIL_MAX_INSNS)
		return refuse(why, "longer than the loader's buffer", -E2BIG);
	memcpy(insn_buf, p->insns, p->ninsns * sizeof(insn_buf[0]));
	for (i = 0; i < p->nrelocs; i++) {
		rl = &p->relocs[i];
		if ((__u32)rl->insn + 1 >= p->ninsns)
			return refuse(why, "relocation past the last instruction",
			    -ENOEXEC);
		if (rl->map >= JAIL_NMAPS)
			return refuse(why, "relocation of an unknown map",
			    -ENOEXEC);
		in = &insn_buf[rl->insn];
		if (in->code != (BPF_LD | BPF_IMM | BPF_DW))
			return refuse(why, "relocation not at an LD_IMM64",
			    -ENOEXEC);
		if (in->src_reg != 0)
			return refuse(why, "relocated LD_IMM64 already marked",
			    -ENOEXEC);
		if (in->imm != 0)
			return refuse(why, "relocated LD_IMM64 not empty",
			    -ENOEXEC);
		if (in[1].code != 0)
			return refuse(why, "relocated LD_IMM64's second half used",
			    -ENOEXEC);
		in->src_reg = BPF_PSEUDO_MAP_FD;
		in->imm = maps[rl->map];
	}
	return 0;
}

/* Which programs this ATTACH loads and attaches: egress only in the
 * host's network namespace, the way back of the DNS redirect only with
 * domains, every other always.  By attach type, not by index. */
static int wanted(unsigned int i)
{
	switch (jail_progs[i].attach_type) {
	case BPF_CGROUP_INET_EGRESS:
		return (req_flags & JAIL_REQ_F_HOSTNET) != 0;
	case BPF_CGROUP_UDP4_RECVMSG:
	case BPF_CGROUP_UDP6_RECVMSG:
	case BPF_CGROUP_INET4_GETPEERNAME:
	case BPF_CGROUP_INET6_GETPEERNAME:
		return (req_flags & JAIL_REQ_F_DOMAINS) != 0;
	default:
		return 1;
	}
}

/* Quietly first; on failure again with a log, for the reply. */
static int load_progs(const int *maps)
{
	const char *why = "relocate";
	unsigned int i;
	int r;

	for (i = 0; i < JAIL_NPROGS; i++) {
		if (!wanted(i))
			continue;
		if ((r = relocate(&jail_progs[i], maps, &why)) < 0)
			return fail_prog(JAIL_STEP_LOAD, r, i, why);
		prog_fds[i] = prog_load(&jail_progs[i], NULL, 0);
		if (prog_fds[i] >= 0)
			continue;
		prog_load(&jail_progs[i], reply.log, sizeof(reply.log) - 1);
		return fail(JAIL_STEP_LOAD, prog_fds[i], i, jail_progs[i].name);
	}
	return 0;
}

/* One hook: empty first (one policy a cgroup, so that repeated direct
 * calls cannot pile up pinned maps and JIT memory), attach, confirm that
 * the kernel lists our program's id.  0, or -errno with *why. */
static int attach_one(int cg, unsigned int i, const char **why)
{
	__u32 ids[QUERY_MAX], cnt = QUERY_MAX, id, k;
	__u32 type = jail_progs[i].attach_type;
	int r;

	if ((r = prog_query(cg, type, ids, &cnt, 0)) < 0)
		return refuse(why, "query before attach", r);
	if (cnt != 0)	/* another policy, or a child that had the lock first */
		return refuse(why, "hook already holds a program", -EEXIST);
	if ((r = prog_attach(cg, prog_fds[i], type)) < 0)
		return refuse(why, "attach", r);
	cnt = QUERY_MAX;
	if ((r = prog_query(cg, type, ids, &cnt, 0)) < 0)
		return refuse(why, "query after attach", r);
	reply.attached[i] = cnt;
	reply.prog_ids[i] = id = prog_id(prog_fds[i]);
	if (id == 0)	/* ids start at 1: 0 is a failed BPF_OBJ_GET_INFO */
		return refuse(why, "id of the loaded program", -ENOENT);
	for (k = 0; k < cnt && ids[k] != id; k++)
		;	/* cnt <= QUERY_MAX, or the query failed (ENOSPC) */
	if (k == cnt)
		return refuse(why, "program not listed after attach", -ENOENT);
	return 0;
}

/* All or none: on any failure detach what this run attached, up to and
 * including the hook that failed (it may hold ours: confirm failed). */
static int attach_progs(int cg)
{
	const char *why = "attach";
	unsigned int i, k;
	int r = 0;

	for (i = 0; i < JAIL_NPROGS; i++)
		if (wanted(i) && (r = attach_one(cg, i, &why)) < 0)
			break;
	if (i == JAIL_NPROGS)
		return 0;
	for (k = 0; k <= i; k++)
		if (wanted(k))
			prog_detach(cg, prog_fds[k], jail_progs[k].attach_type);
	return fail_prog(JAIL_STEP_ATTACH, r, i, why);
}

/* QUERY: how many programs each hook has, and the latest one's id;
 * QUERY_EFFECTIVE: those that run for the cgroup, its ancestors' too. */
static int count_progs(int cg, __u32 flags)
{
	__u32 ids[QUERY_MAX], cnt, i;
	int r;

	for (i = 0; i < JAIL_NPROGS; i++) {
		cnt = QUERY_MAX;
		r = prog_query(cg, jail_progs[i].attach_type, ids, &cnt, flags);
		if (r < 0)
			return fail(JAIL_STEP_QUERY, r, i, jail_progs[i].name);
		reply.attached[i] = cnt;
		reply.prog_ids[i] = cnt ? ids[cnt - 1] : 0;
	}
	return 0;
}

/* A later, tighter seccomp stage; a failure to add one is fatal. */
static int tighten(int r, const char *what)
{
	return r < 0 ? fail(JAIL_STEP_LOCKDOWN, r, 0, what) : 0;
}

/* QUERY needs no loads, and no bpf() once counted. */
static int query(int cg, __u32 flags)
{
	int r;

	if ((r = tighten(lockdown_loaded(), "no loads")) < 0)
		return r;
	if ((r = count_progs(cg, flags)) < 0)
		return r;
	return tighten(lockdown_attached(), "no bpf");
}

static int run_child(void)
{
	const struct jail_req_hdr *h = (const void *)req_buf;
	__u64 need = caps_needed();
	const char *why = "request refused";
	int *maps = map_fds, r, cg;
	ssize_t n;

	/* Before a byte of input: the allow-list (lockdown.c). */
	if ((r = lockdown_start()) < 0)
		return fail(JAIL_STEP_LOCKDOWN, r, 0, "seccomp allow-list");
	reply.confined |= JAIL_CONFINED_SECCOMP;
#ifdef JAIL_LOCKDOWN_PROBE
	/* Test builds only (tests/35-lockdown.t): a syscall not listed. */
	if (JAIL_LOCKDOWN_PROBE == 1)
		syscall(SYS_getpid);
#endif
	/* Capabilities, step 1 of 3: narrowed, none effective, before input. */
	if ((r = caps_narrow(need, &why)) < 0)
		return fail(JAIL_STEP_CAPS, r, 0, why);
	/* A sealed memfd, a regular file: one read returns all of it. */
	n = read(JAIL_REQ_FD, req_buf, sizeof(req_buf));
	if (n < 0)
		return fail(JAIL_STEP_REQUEST, errno, 0, "read request");
	if ((r = loader_check_request(req_buf, (size_t)n, &why)) < 0)
		return fail(JAIL_STEP_REQUEST, r, 0, why);
	/* The reply names the failed check; the parent adds the path. */
	if ((cg = resolve_cgroup(h->cgroup, &why)) < 0)
		return fail(JAIL_STEP_CGROUP, cg, 0, why);
	/* Every fd it needs is open: no filesystem from here on.  Where
	 * Landlock is missing the reply says so and the child goes on. */
	if (lockdown_landlock() == 0)
		reply.confined |= JAIL_CONFINED_LANDLOCK;
#ifdef JAIL_LOCKDOWN_PROBE
	/* Test builds only: a path opened after the Landlock step. */
	if (JAIL_LOCKDOWN_PROBE == 2 && open("/", O_RDONLY | O_CLOEXEC) < 0)
		return fail(JAIL_STEP_CGROUP, errno, 0, "lockdown probe: open /");
#endif
	/* Step 2: effective only now, the request checked, the cgroup open. */
	if ((r = caps_raise(need)) < 0)
		return fail(JAIL_STEP_CAPS, r, 0, "raise capabilities");
	if (h->op == JAIL_OP_QUERY)
		return query(cg, 0);
	if (h->op == JAIL_OP_QUERY_EFFECTIVE)
		return query(cg, BPF_F_QUERY_EFFECTIVE);
	/* request.h's order, which jailstart.c reads replies by. */
	if (jail_progs[JAIL_PROG_EGRESS].attach_type != BPF_CGROUP_INET_EGRESS)
		return fail(JAIL_STEP_LOAD, ENOEXEC, JAIL_PROG_EGRESS, "order");
	req_flags = h->flags;
	send_maps = (h->flags & JAIL_REQ_F_MAPFDS) != 0;
	if ((r = fill_maps(h, maps)) < 0)
		return r;
	if ((r = load_progs(maps)) < 0)
		return r;
	if ((r = tighten(lockdown_loaded(), "no loads")) < 0)
		return r;
	/* One policy per cgroup is query-then-attach: two children at once
	 * could both find the hooks empty.  The kernel has no exclusive
	 * cgroup attach, so they take turns on the directory's lock (held
	 * until exit; bounded by the alarm). */
	if (flock(cg, LOCK_EX) < 0)
		return fail(JAIL_STEP_ATTACH, errno, 0, "lock the cgroup");
	r = attach_progs(cg);	/* detaches again on failure */
	if (tighten(lockdown_attached(), "no bpf") < 0)
		return -EPERM;
	return r;
}

/*
 * MAPFDS, attached: the reply and the JAIL_NMAPS map fds in one datagram (a
 * SOCK_SEQPACKET message arrives whole or not at all).  Only the maps: a
 * program fd could be attached elsewhere; the maps only change this jail.
 */
static int reply_with_maps(void)
{
	char cbuf[CMSG_SPACE(sizeof(map_fds))];
	struct cmsghdr *c;
	struct iovec iov = { &reply, sizeof(reply) };
	struct msghdr m;

	memset(cbuf, 0, sizeof(cbuf));
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(map_fds));
	memcpy(CMSG_DATA(c), map_fds, sizeof(map_fds));
	return sendmsg(JAIL_REPLY_FD, &m, MSG_NOSIGNAL) == sizeof(reply);
}

/* Never returns: reply and exit, whatever happened. */
void loader_main(void)
{
	int r;

	alarm(CHILD_TIME_LIMIT);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);	/* no ptrace, no core */
	if ((r = run_child()) == 0)
		reply.step = JAIL_STEP_DONE;
	/* Step 3, on any path: no capability survives to the reply.  If the
	 * clear or its check fails, the parent gets no reply and refuses. */
	if (caps_clear_and_verify() < 0)
		_exit(111);
	/* Smaller than a pipe's buffer: one write, or nothing. */
	reply.magic = JAIL_REPLY_MAGIC;
	reply.version = JAIL_REQ_VERSION;
	/* The fds only with a reply that says DONE: never from a failure. */
	if (r == 0 && send_maps)
		_exit(reply_with_maps() ? 0 : 111);
	if (write(JAIL_REPLY_FD, &reply, sizeof(reply)) != sizeof(reply))
		_exit(111);
	_exit(r == 0 ? 0 : 1);
}
