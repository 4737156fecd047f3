/*
 * loader.c - the privileged child.  The only code in jail-ai that ever
 * holds a capability (CAP_BPF and CAP_NET_ADMIN, for milliseconds).
 *
 * jail.c re-executes its own binary (an fd opened at start) with the
 * single argument JAIL_CHILD_ARG and an empty environment; main() sends
 * that straight here.  Untrusted input: the request on fd JAIL_REQ_FD,
 * all of it, and the cgroup it names.  We read it into a static buffer,
 * check every byte's meaning, resolve the cgroup beneath the cgroup2 mount
 * without links, raise the two capabilities, create and fill the maps,
 * load, attach (BPF_F_ALLOW_MULTI) and confirm the programs, clear every
 * capability set, reply on fd JAIL_REPLY_FD and exit.  No allocation, no
 * /proc, no parsing beyond the fixed request.  See AUDIT.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/openat2.h>

#include "bpf_insns.h"
#include "jail.h"
#include "request.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#define CHILD_TIME_LIMIT 30	/* seconds; SIGALRM kills us past it */
#define QUERY_MAX 64

/* Static: the child allocates nothing. */
static unsigned char req_buf[JAIL_REQ_MAX + 1];
static struct jail_reply reply;
static struct bpf_insn insn_buf[JAIL_MAX_INSNS];
static int prog_fds[JAIL_NPROGS] = { -1, -1, -1, -1, -1 };

static const char *const cgroup_roots[] = {
	"/sys/fs/cgroup",		/* pure cgroup v2 */
	"/sys/fs/cgroup/unified",	/* hybrid: v2 beside the v1 controllers */
};

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	int r = (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));

	return r < 0 ? -errno : r;
}

/* ---- the request: pure checks over (buf, len) ---- */

static int path_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("._-:@+=,\\", c) != NULL;
}

/* Relative, no empty, "." or ".." component, a small alphabet, NUL-padded. */
static int check_cgroup_path(const char *p)
{
	size_t len = strnlen(p, JAIL_CGROUP_PATH_MAX), i, comp = 0;

	if (len == 0 || len == JAIL_CGROUP_PATH_MAX)
		return -EINVAL;
	for (i = len; i < JAIL_CGROUP_PATH_MAX; i++)
		if (p[i] != '\0')
			return -EINVAL;
	for (i = 0; i <= len; i++) {
		if (i == len || p[i] == '/') {
			if (comp == 0)
				return -EINVAL;
			if ((comp == 1 && p[i - 1] == '.') ||
			    (comp == 2 && p[i - 1] == '.' && p[i - 2] == '.'))
				return -EINVAL;
			comp = 0;
		} else if (path_char_ok((unsigned char)p[i])) {
			comp++;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

static int check_verdict(const struct jail_verdict *v)
{
	unsigned int i;

	if (v->action != JAIL_ALLOW && v->action != JAIL_DENY)
		return -EINVAL;
	if (v->nports > JAIL_MAX_PORTS || v->pad != 0)
		return -EINVAL;
	for (i = 0; i < JAIL_MAX_PORTS; i++)
		if ((i < v->nports) != (v->ports[i] != 0))
			return -EINVAL;
	return 0;
}

/* Host bits past the prefix must be zero: one meaning per key. */
static int check_prefix(const __u8 *addr, unsigned int bytes, __u32 plen)
{
	unsigned int i;

	if (plen > bytes * 8)
		return -EINVAL;
	for (i = plen / 8; i < bytes; i++) {
		__u8 keep = i == plen / 8 ? (__u8)(0xff00 >> (plen % 8)) : 0;

		if (addr[i] & (__u8)~keep)
			return -EINVAL;
	}
	return 0;
}

int loader_check_request(const void *buf, size_t len)
{
	const struct jail_req_hdr *h = buf;
	const struct jail_rule4 *r4;
	const struct jail_rule6 *r6;
	size_t want;
	__u32 i;

	if (len < sizeof(*h))
		return -EINVAL;
	if (h->magic != JAIL_REQ_MAGIC || h->version != JAIL_REQ_VERSION)
		return -EPROTO;
	if (h->n4 > JAIL_MAX_RULES4 || h->n6 > JAIL_MAX_RULES6)
		return -E2BIG;
	want = sizeof(*h) + (size_t)h->n4 * sizeof(*r4) +
	    (size_t)h->n6 * sizeof(*r6);
	if (len != want)
		return -EINVAL;
	if (check_cgroup_path(h->cgroup) < 0)
		return -EINVAL;
	if (h->op == JAIL_OP_QUERY)
		return h->n4 == 0 && h->n6 == 0 ? 0 : -EINVAL;
	if (h->op != JAIL_OP_ATTACH || h->n4 + h->n6 == 0)
		return -EINVAL;
	r4 = (const void *)(h + 1);
	for (i = 0; i < h->n4; i++)
		if (check_prefix(r4[i].key.addr, 4, r4[i].key.prefixlen) < 0 ||
		    check_verdict(&r4[i].v) < 0)
			return -EINVAL;
	r6 = (const void *)(r4 + h->n4);
	for (i = 0; i < h->n6; i++)
		if (check_prefix(r6[i].key.addr, 16, r6[i].key.prefixlen) < 0 ||
		    check_verdict(&r6[i].v) < 0)
			return -EINVAL;
	return 0;
}

/* ---- capabilities ---- */

static int caps_set(__u64 permitted, __u64 effective)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	data[0].permitted = (__u32)permitted;
	data[1].permitted = (__u32)(permitted >> 32);
	data[0].effective = (__u32)effective;
	data[1].effective = (__u32)(effective >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

static int caps_get(__u64 *permitted, __u64 *effective)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	*permitted = data[0].permitted | (__u64)data[1].permitted << 32;
	*effective = data[0].effective | (__u64)data[1].effective << 32;
	return 0;
}

/*
 * What we need: CAP_BPF (maps, programs) and CAP_NET_ADMIN (cgroup
 * attach, query, and loading sock_addr programs).  A kernel older than
 * 5.8 has no CAP_BPF: there CAP_SYS_ADMIN stands in for it.
 */
static __u64 caps_needed(void)
{
	__u64 bpf = prctl(PR_CAPBSET_READ, CAP_BPF, 0, 0, 0) < 0 ?
	    1ULL << CAP_SYS_ADMIN : 1ULL << CAP_BPF;

	return bpf | 1ULL << CAP_NET_ADMIN;
}

/* Keep only what we need, not yet effective.  Refuse if it is not there. */
static int caps_narrow(void)
{
	__u64 prm, eff, need = caps_needed();
	int r = caps_get(&prm, &eff);

	if (r < 0)
		return r;
	if ((prm & need) != need)
		return -EPERM;
	return caps_set(need, 0);
}

static int caps_clear(void)
{
	__u64 prm, eff;
	int r = caps_set(0, 0);

	if (r < 0)
		return r;
	r = caps_get(&prm, &eff);
	if (r < 0)
		return r;
	return prm == 0 && eff == 0 ? 0 : -EPERM;
}

/* ---- the cgroup, resolved beneath the cgroup2 mount ---- */

static int open_cgroup2_root(void)
{
	struct statfs sfs;
	unsigned int i;
	int fd;

	for (i = 0; i < sizeof(cgroup_roots) / sizeof(cgroup_roots[0]); i++) {
		fd = open(cgroup_roots[i],
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstatfs(fd, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
			return fd;
		close(fd);
	}
	return -ENOENT;
}

/* Where openat2 is missing: one O_NOFOLLOW component at a time. */
static int walk_nofollow(int root, const char *path)
{
	char comp[JAIL_CGROUP_PATH_MAX];
	const char *p = path, *slash;
	int dir = root, next;

	while (*p) {
		slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		memcpy(comp, p, n);
		comp[n] = '\0';
		next = openat(dir, comp,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dir != root)
			close(dir);
		if (next < 0)
			return -errno;
		dir = next;
		p += n + (slash != NULL);
	}
	return dir;
}

static int open_cgroup(int root, const char *path)
{
	struct open_how how;
	long fd;

	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
	fd = syscall(SYS_openat2, root, path, &how, sizeof(how));
	if (fd >= 0)
		return (int)fd;
	if (errno != ENOSYS)
		return -errno;
	return walk_nofollow(root, path);
}

/* A cgroup2 directory below the root, owned by the real uid (or uid 0). */
static int resolve_cgroup(const char *path)
{
	struct stat rst, st;
	struct statfs sfs;
	int root, fd;

	root = open_cgroup2_root();
	if (root < 0)
		return root;
	fd = open_cgroup(root, path);
	if (fd < 0 || fstat(root, &rst) < 0 || fstat(fd, &st) < 0 ||
	    fstatfs(fd, &sfs) < 0) {
		close(root);
		return fd < 0 ? fd : -errno;
	}
	close(root);
	if (sfs.f_type != CGROUP2_SUPER_MAGIC || st.st_dev != rst.st_dev ||
	    st.st_ino == rst.st_ino ||
	    (getuid() != 0 && st.st_uid != getuid())) {
		close(fd);
		return -EACCES;
	}
	return fd;
}

/* ---- bpf(2), one small wrapper per command ---- */

static int map_create(const char *name, __u32 key_size, __u32 max_entries)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_LPM_TRIE;
	a.key_size = key_size;
	a.value_size = sizeof(struct jail_verdict);
	a.max_entries = max_entries ? max_entries : 1;
	a.map_flags = BPF_F_NO_PREALLOC;
	strncpy(a.map_name, name, sizeof(a.map_name) - 1);
	return sys_bpf(BPF_MAP_CREATE, &a);
}

static int map_update(int fd, const void *key, const void *value)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (__u32)fd;
	a.key = (__u64)(unsigned long)key;
	a.value = (__u64)(unsigned long)value;
	a.flags = BPF_NOEXIST;
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

static int prog_attach(int cgroup, int prog, __u32 type, int attach)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = (__u32)cgroup;
	a.attach_bpf_fd = (__u32)prog;
	a.attach_type = type;
	a.attach_flags = attach ? BPF_F_ALLOW_MULTI : 0;
	return sys_bpf(attach ? BPF_PROG_ATTACH : BPF_PROG_DETACH, &a);
}

static int prog_query(int cgroup, __u32 type, __u32 *ids, __u32 *cnt)
{
	union bpf_attr a;
	int r;

	memset(&a, 0, sizeof(a));
	a.query.target_fd = (__u32)cgroup;
	a.query.attach_type = type;
	a.query.prog_ids = (__u64)(unsigned long)ids;
	a.query.prog_cnt = *cnt;
	r = sys_bpf(BPF_PROG_QUERY, &a);
	*cnt = a.query.prog_cnt;
	return r;
}

static int prog_id(int fd, __u32 *id)
{
	struct bpf_prog_info info;
	union bpf_attr a;
	int r;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (__u32)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (__u64)(unsigned long)&info;
	r = sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a);
	*id = info.id;
	return r;
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

static int fill_maps(const struct jail_req_hdr *h, int *m4, int *m6)
{
	const struct jail_rule4 *r4 = (const void *)(h + 1);
	const struct jail_rule6 *r6 = (const void *)(r4 + h->n4);
	__u32 i;
	int r;

	*m4 = map_create("jail_v4", sizeof(struct jail_key4), h->n4);
	if (*m4 < 0)
		return fail(JAIL_STEP_MAP, *m4, 0, "create map jail_v4");
	*m6 = map_create("jail_v6", sizeof(struct jail_key6), h->n6);
	if (*m6 < 0)
		return fail(JAIL_STEP_MAP, *m6, 0, "create map jail_v6");
	for (i = 0; i < h->n4; i++)
		if ((r = map_update(*m4, &r4[i].key, &r4[i].v)) < 0)
			return fail(JAIL_STEP_MAP, r, i, "fill map jail_v4");
	for (i = 0; i < h->n6; i++)
		if ((r = map_update(*m6, &r6[i].key, &r6[i].v)) < 0)
			return fail(JAIL_STEP_MAP, r, i, "fill map jail_v6");
	return 0;
}

/* Copy, check each relocation is an empty LD_IMM64, point it at the map. */
static int relocate(const struct jail_prog *p, const int *map_fds)
{
	__u32 i;

	if (p->ninsns > JAIL_MAX_INSNS)
		return -E2BIG;
	memcpy(insn_buf, p->insns, p->ninsns * sizeof(insn_buf[0]));
	for (i = 0; i < p->nrelocs; i++) {
		const struct jail_reloc *rl = &p->relocs[i];
		struct bpf_insn *in = &insn_buf[rl->insn];

		if ((__u32)rl->insn + 1 >= p->ninsns || rl->map >= JAIL_NMAPS ||
		    in->code != (BPF_LD | BPF_IMM | BPF_DW) ||
		    in->src_reg != 0 || in->imm != 0 || in[1].code != 0)
			return -ENOEXEC;
		in->src_reg = BPF_PSEUDO_MAP_FD;
		in->imm = map_fds[rl->map];
	}
	return 0;
}

static int load_progs(const int *map_fds)
{
	unsigned int i;
	int r;

	for (i = 0; i < JAIL_NPROGS; i++) {
		r = relocate(&jail_progs[i], map_fds);
		if (r < 0)
			return fail(JAIL_STEP_LOAD, r, i, "relocate");
		prog_fds[i] = prog_load(&jail_progs[i], NULL, 0);
		if (prog_fds[i] >= 0)
			continue;
		/* Quiet first; on failure again with a log to show why. */
		r = prog_load(&jail_progs[i], reply.log, sizeof(reply.log));
		if (r >= 0)
			close(r);
		reply.log[sizeof(reply.log) - 1] = '\0';
		reply.log_len = (__u32)strlen(reply.log);
		return fail(JAIL_STEP_LOAD, prog_fds[i], i, jail_progs[i].name);
	}
	return 0;
}

/* Attach all or none: on a failure, detach what this run attached. */
static int attach_progs(int cg)
{
	unsigned int i;
	int r;

	for (i = 0; i < JAIL_NPROGS; i++) {
		r = prog_attach(cg, prog_fds[i], jail_progs[i].attach_type, 1);
		if (r < 0)
			break;
	}
	if (i == JAIL_NPROGS)
		return 0;
	while (i-- > 0)
		prog_attach(cg, prog_fds[i], jail_progs[i].attach_type, 0);
	return fail(JAIL_STEP_ATTACH, r, i, "attach");
}

/* Confirm each of our programs is in its hook's list; count what is there. */
static int confirm(int cg, int ours)
{
	__u32 ids[QUERY_MAX], cnt, id, i, k;
	int r;

	for (i = 0; i < JAIL_NPROGS; i++) {
		cnt = QUERY_MAX;
		r = prog_query(cg, jail_progs[i].attach_type, ids, &cnt);
		if (r < 0)
			return fail(JAIL_STEP_QUERY, r, i, "query");
		reply.attached[i] = cnt;
		if (!ours)
			continue;
		if ((r = prog_id(prog_fds[i], &id)) < 0)
			return fail(JAIL_STEP_QUERY, r, i, "program id");
		reply.prog_ids[i] = id;
		for (k = 0; k < cnt && k < QUERY_MAX && ids[k] != id; k++)
			;
		if (k == cnt || k == QUERY_MAX)
			return fail(JAIL_STEP_QUERY, ENOENT, i, "not attached");
	}
	return 0;
}

static int attach_op(const struct jail_req_hdr *h, int cg)
{
	int maps[JAIL_NMAPS] = { -1, -1 }, r;

	r = fill_maps(h, &maps[JAIL_MAP_V4], &maps[JAIL_MAP_V6]);
	if (r == 0)
		r = load_progs(maps);
	if (r == 0)
		r = attach_progs(cg);
	if (r == 0)
		r = confirm(cg, 1);
	return r;
}

static int read_request(size_t *len)
{
	ssize_t n;

	*len = 0;
	for (;;) {
		n = read(JAIL_REQ_FD, req_buf + *len, sizeof(req_buf) - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		*len += (size_t)n;
		if (*len == sizeof(req_buf))
			return -E2BIG;	/* one byte past the largest request */
	}
}

static int run_child(void)
{
	const struct jail_req_hdr *h = (const void *)req_buf;
	size_t len;
	int r, cg;

	if ((r = caps_narrow()) < 0)
		return fail(JAIL_STEP_CAPS, r, 0, "need cap_bpf,cap_net_admin");
	if ((r = read_request(&len)) < 0)
		return fail(JAIL_STEP_REQUEST, r, 0, "read request");
	if ((r = loader_check_request(req_buf, len)) < 0)
		return fail(JAIL_STEP_REQUEST, r, 0, "request refused");
	cg = resolve_cgroup(h->cgroup);
	if (cg < 0)
		return fail(JAIL_STEP_CGROUP, cg, 0, h->cgroup);
	if ((r = caps_set(caps_needed(), caps_needed())) < 0)
		return fail(JAIL_STEP_CAPS, r, 0, "raise capabilities");
	r = h->op == JAIL_OP_ATTACH ? attach_op(h, cg) : confirm(cg, 0);
	if (caps_clear() < 0)
		return fail(JAIL_STEP_DROP, EPERM, 0, "clear capabilities");
	return r;
}

/* Never returns: the child replies and exits, whatever happened. */
void loader_main(void)
{
	size_t off = 0;
	ssize_t n;
	int r;

	alarm(CHILD_TIME_LIMIT);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	memset(&reply, 0, sizeof(reply));
	reply.magic = JAIL_REPLY_MAGIC;
	reply.version = JAIL_REQ_VERSION;
	r = run_child();
	if (r == 0)
		reply.step = JAIL_STEP_DONE;
	/* Whatever the outcome, no capability survives to the reply. */
	if (caps_clear() < 0)
		_exit(111);
	while (off < sizeof(reply)) {
		n = write(JAIL_REPLY_FD, (const char *)&reply + off,
		    sizeof(reply) - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(111);
		off += (size_t)n;
	}
	_exit(r == 0 ? 0 : 1);
}
