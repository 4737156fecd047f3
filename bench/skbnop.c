/*
 * bench/skbnop.c - a bench-only root helper: attach a cgroup_skb/egress
 * program that only returns 1, and list what a cgroup runs.  Never
 * installed; jail-ai does not use it.
 *
 *   skbnop attach CGROUP_DIR
 *       load "r0 = 1; exit" as BPF_PROG_TYPE_CGROUP_SKB and attach it to
 *       BPF_CGROUP_INET_EGRESS of CGROUP_DIR with BPF_F_ALLOW_MULTI; it
 *       stays until the cgroup is removed.  Prints "attached".  It runs on
 *       every packet the cgroup's sockets send, so a sender there measures
 *       what any per-packet program costs at the least.
 *   skbnop query CGROUP_DIR
 *       one line per cgroup attach type that has effective programs:
 *           TYPE PROGRAM_NAME...
 *       (BPF_PROG_QUERY with BPF_F_QUERY_EFFECTIVE, names from
 *       BPF_OBJ_GET_INFO_BY_FD), so that bench/run reports which programs
 *       `jail-ai run --block-host` really attaches.
 *
 * Privilege: root (CAP_BPF, CAP_NET_ADMIN; CAP_SYS_ADMIN for the names).
 * Inputs: the command line, from bench/run.  Raw bpf(), no libbpf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAXPROGS 64
#define MAXTYPE 64	/* attach types past the header's are queried by number */

static const char *const type_name[] = {
	[BPF_CGROUP_INET_INGRESS] = "ingress",
	[BPF_CGROUP_INET_EGRESS] = "egress",
	[BPF_CGROUP_INET_SOCK_CREATE] = "sock_create",
	[BPF_CGROUP_SOCK_OPS] = "sock_ops",
	[BPF_CGROUP_DEVICE] = "device",
	[BPF_CGROUP_INET4_BIND] = "bind4",
	[BPF_CGROUP_INET6_BIND] = "bind6",
	[BPF_CGROUP_INET4_CONNECT] = "connect4",
	[BPF_CGROUP_INET6_CONNECT] = "connect6",
	[BPF_CGROUP_INET4_POST_BIND] = "post_bind4",
	[BPF_CGROUP_INET6_POST_BIND] = "post_bind6",
	[BPF_CGROUP_UDP4_SENDMSG] = "sendmsg4",
	[BPF_CGROUP_UDP6_SENDMSG] = "sendmsg6",
	[BPF_CGROUP_SYSCTL] = "sysctl",
	[BPF_CGROUP_UDP4_RECVMSG] = "recvmsg4",
	[BPF_CGROUP_UDP6_RECVMSG] = "recvmsg6",
	[BPF_CGROUP_GETSOCKOPT] = "getsockopt",
	[BPF_CGROUP_SETSOCKOPT] = "setsockopt",
	[BPF_CGROUP_INET4_GETPEERNAME] = "getpeername4",
	[BPF_CGROUP_INET6_GETPEERNAME] = "getpeername6",
	[BPF_CGROUP_INET4_GETSOCKNAME] = "getsockname4",
	[BPF_CGROUP_INET6_GETSOCKNAME] = "getsockname6",
	[BPF_CGROUP_INET_SOCK_RELEASE] = "sock_release",
	[BPF_LSM_CGROUP] = "lsm_cgroup",
};

static int sys_bpf(int cmd, union bpf_attr *a)
{
	int r = (int)syscall(SYS_bpf, cmd, a, sizeof(*a));

	return r < 0 ? -errno : r;
}

static int load_nop(void)
{
	struct bpf_insn insn[] = {
		/* r0 = 1 (pass) */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = 1 },
		/* exit */
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_SKB;
	a.expected_attach_type = BPF_CGROUP_INET_EGRESS;
	a.insns = (__u64)(unsigned long)insn;
	a.insn_cnt = sizeof(insn) / sizeof(insn[0]);
	a.license = (__u64)(unsigned long)"GPL";
	strncpy(a.prog_name, "bench_skbnop", sizeof(a.prog_name) - 1);
	return sys_bpf(BPF_PROG_LOAD, &a);
}

static int attach(int cg)
{
	union bpf_attr a;
	int prog = load_nop(), r;

	if (prog < 0)
		return prog;
	memset(&a, 0, sizeof(a));
	a.target_fd = (__u32)cg;
	a.attach_bpf_fd = (__u32)prog;
	a.attach_type = BPF_CGROUP_INET_EGRESS;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	r = sys_bpf(BPF_PROG_ATTACH, &a);
	close(prog);
	return r < 0 ? r : 0;
}

/* The program's name, or "id N" when it cannot be read. */
static void prog_name(__u32 id, char *out, size_t outlen)
{
	struct bpf_prog_info info;
	union bpf_attr a;
	int fd;

	snprintf(out, outlen, "id%u", id);
	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	if ((fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a)) < 0)
		return;
	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (__u32)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (__u64)(unsigned long)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) == 0 && info.name[0])
		snprintf(out, outlen, "%.*s", (int)sizeof(info.name),
		    info.name);
	close(fd);
}

static int query(int cg)
{
	__u32 ids[MAXPROGS], type, i;
	union bpf_attr a;
	char name[32];

	for (type = 0; type < MAXTYPE; type++) {
		memset(&a, 0, sizeof(a));
		a.query.target_fd = (__u32)cg;
		a.query.attach_type = type;
		a.query.query_flags = BPF_F_QUERY_EFFECTIVE;
		a.query.prog_ids = (__u64)(unsigned long)ids;
		a.query.prog_cnt = MAXPROGS;
		if (sys_bpf(BPF_PROG_QUERY, &a) < 0 || a.query.prog_cnt == 0)
			continue;	/* EINVAL: not a cgroup attach type */
		if (type < sizeof(type_name) / sizeof(type_name[0]) &&
		    type_name[type])
			printf("%s", type_name[type]);
		else
			printf("type%u", type);
		for (i = 0; i < a.query.prog_cnt && i < MAXPROGS; i++) {
			prog_name(ids[i], name, sizeof(name));
			printf(" %s", name);
		}
		printf("\n");
	}
	return 0;
}

int main(int argc, char **argv)
{
	int cg, r;

	if (argc != 3 || (strcmp(argv[1], "attach") != 0 &&
	    strcmp(argv[1], "query") != 0)) {
		fprintf(stderr, "usage: skbnop attach|query CGROUP_DIR\n");
		return 100;
	}
	cg = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0) {
		fprintf(stderr, "skbnop: open %s: %s\n", argv[2],
		    strerror(errno));
		return 111;
	}
	if (strcmp(argv[1], "query") == 0)
		return query(cg);
	if ((r = attach(cg)) < 0) {
		fprintf(stderr, "skbnop: attach egress to %s: %s\n", argv[2],
		    strerror(-r));
		return 111;
	}
	printf("attached\n");
	return 0;
}
