/*
 * tests/mapfd_probe.c - measures what a process without any capability can
 * do with map fds it was handed (issue 10's live updates and denial events
 * rest on it; AUDIT.md "Live policy: design").
 *
 * Runs as root: creates an LPM trie shaped like jail_v4 and a ring buffer,
 * then a child drops to uid/gid 65534 with every capability set empty and
 * no_new_privs, keeping only the two fds, and tries each operation.  One
 * line per operation: "NAME ok" or "NAME ERRNO-NAME".  Its inputs are none.
 * Exit 0 when every line was printed, 2 when the setup itself failed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/capability.h>

#include "bpf_maps.h"

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(SYS_bpf, cmd, a, sizeof(*a));
}

static int map_create(uint32_t type, uint32_t ksz, uint32_t vsz, uint32_t max,
    uint32_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = ksz;
	a.value_size = vsz;
	a.max_entries = max;
	a.map_flags = flags;
	return (int)sys_bpf(BPF_MAP_CREATE, &a);
}

static int elem(int cmd, int fd, const void *key, void *val)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)val;
	return (int)sys_bpf(cmd, &a);
}

static uint32_t map_id(int fd)
{
	struct bpf_map_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0 ? 0 : info.id;
}

static void say(const char *what, int r)
{
	printf("%s %s\n", what, r < 0 ? strerrorname_np(errno) : "ok");
}

static int drop_all(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	return d[0].effective | d[0].permitted | d[1].effective |
	    d[1].permitted ? -1 : 0;
}

/* The cost of one update (insert or replace) from here: the live path. */
static void update_cost(int trie)
{
	struct jail_key4 k = { 32, { 198, 51, 100, 0 } };
	struct jail_verdict v = { JAIL_DENY, 0, 0, 0, { 0 }, 0 };
	struct timespec t0, t1;
	int i, bad = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 10000; i++) {
		k.addr[3] = (uint8_t)(i % 16);
		bad |= elem(BPF_MAP_UPDATE_ELEM, trie, &k, &v) < 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("update-cost %s %ld ns each (10000 updates, 16 keys)\n",
	    bad ? "FAILED" : "ok", ((t1.tv_sec - t0.tv_sec) * 1000000000L +
	    t1.tv_nsec - t0.tv_nsec) / 10000);
}

static void child(int trie, int ring, uint32_t trie_id)
{
	struct jail_key4 k = { 32, { 198, 51, 100, 2 } };
	struct jail_verdict v = { JAIL_ALLOW, 1, 0, 0, { 443 }, 0 }, got;
	long pg = sysconf(_SC_PAGESIZE);
	union bpf_attr a;
	void *p;

	if (drop_all() < 0) {
		printf("drop FAILED\n");
		_exit(2);
	}
	printf("drop ok uid %d, no capabilities\n", (int)getuid());
	say("update", elem(BPF_MAP_UPDATE_ELEM, trie, &k, &v));
	say("lookup", elem(BPF_MAP_LOOKUP_ELEM, trie, &k, &got));
	say("delete", elem(BPF_MAP_DELETE_ELEM, trie, &k, NULL));
	update_cost(trie);
	p = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED, ring, 0);
	say("mmap-consumer-rw", p == MAP_FAILED ? -1 : 0);
	p = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, ring, pg);
	say("mmap-producer-ro", p == MAP_FAILED ? -1 : 0);
	p = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED, ring, pg);
	say("mmap-producer-rw", p == MAP_FAILED ? -1 : 0);
	memset(&a, 0, sizeof(a));
	a.map_id = trie_id;
	say("get-fd-by-id", (int)sys_bpf(BPF_MAP_GET_FD_BY_ID, &a));
	say("map-create", map_create(BPF_MAP_TYPE_LPM_TRIE,
	    sizeof(struct jail_key4), sizeof(struct jail_verdict), 16,
	    BPF_F_NO_PREALLOC));
	_exit(0);
}

int main(void)
{
	int trie, ring, st;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	trie = map_create(BPF_MAP_TYPE_LPM_TRIE, sizeof(struct jail_key4),
	    sizeof(struct jail_verdict), 16, BPF_F_NO_PREALLOC);
	ring = map_create(BPF_MAP_TYPE_RINGBUF, 0, 0, 16 * 4096, 0);
	if (trie < 0 || ring < 0) {
		printf("setup %s\n", strerrorname_np(errno));
		return 2;
	}
	pid = fork();
	if (pid == 0)
		child(trie, ring, map_id(trie));
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return 2;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
}
