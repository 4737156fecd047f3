/*
 * bench/verifier.c - what the kernel's verifier spends on each program of
 * bpf_insns.h, the cost that dominates the privileged child (loader.c).
 *
 *   verifier [ROUNDS]
 *   verifier -l NAME [LEVEL]    the verifier's log of one program (LEVEL 1)
 *
 * Runs as root (or with CAP_BPF): creates maps shaped like the loader's
 * (small: their size does not change verification), then per program
 * loads it ROUNDS times (default 30) without a log, timing each
 * BPF_PROG_LOAD (what the child pays), and once with log_level
 * BPF_LOG_STATS for the verifier's own counts.  One line per program:
 *   NAME insns N processed N states T peak P max_per_insn M verif_us V load_us MED P25 P75
 * and a TOTAL line (sums of the medians).  Inputs: none but ROUNDS.
 * Build with -I DIR to measure another bpf_insns.h (bench/verifier-cmp
 * compares two side by side).  Exit 0, 2 on a failed setup or load.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

#include "bpf_insns.h"

#define MAXROUNDS	1000
#define LOG_STATS	4	/* BPF_LOG_STATS: not in older uapi headers */

static struct bpf_insn buf[4096];
static char log_buf[1 << 24];

static int sys_bpf(int cmd, union bpf_attr *a)
{
	int r = (int)syscall(SYS_bpf, cmd, a, sizeof(*a));

	return r < 0 ? -errno : r;
}

static int map_create(__u32 type, __u32 key, __u32 value, __u32 max)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = key;
	a.value_size = value;
	a.max_entries = max;
	if (type == BPF_MAP_TYPE_LPM_TRIE || type == BPF_MAP_TYPE_HASH)
		a.map_flags = BPF_F_NO_PREALLOC;
	return sys_bpf(BPF_MAP_CREATE, &a);
}

static int load(const struct jail_prog *p, const int *maps, __u32 level)
{
	union bpf_attr a;
	__u32 i;

	memcpy(buf, p->insns, p->ninsns * sizeof(buf[0]));
	for (i = 0; i < p->nrelocs; i++) {
		buf[p->relocs[i].insn].src_reg = BPF_PSEUDO_MAP_FD;
		buf[p->relocs[i].insn].imm = maps[p->relocs[i].map];
	}
	memset(&a, 0, sizeof(a));
	a.prog_type = p->prog_type;
	a.expected_attach_type = p->attach_type;
	a.insns = (__u64)(unsigned long)buf;
	a.insn_cnt = p->ninsns;
	a.license = (__u64)(unsigned long)"GPL";
	if (level) {
		log_buf[0] = 0;
		a.log_buf = (__u64)(unsigned long)log_buf;
		a.log_size = sizeof(log_buf) - 1;
		a.log_level = level;
	}
	return sys_bpf(BPF_PROG_LOAD, &a);
}

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* The stats line's number after WORD, or -1. */
static long stat_of(const char *word)
{
	const char *s = strstr(log_buf, word);

	return s ? strtol(s + strlen(word), NULL, 10) : -1;
}

/* Maps shaped like the loader's; small, which verification ignores. */
static int make_maps(int *maps)
{
	unsigned int i;

	maps[JAIL_MAP_V4] = map_create(BPF_MAP_TYPE_LPM_TRIE,
	    sizeof(struct jail_key4), sizeof(struct jail_verdict), 16);
	maps[JAIL_MAP_V6] = map_create(BPF_MAP_TYPE_LPM_TRIE,
	    sizeof(struct jail_key6), sizeof(struct jail_verdict), 16);
	maps[JAIL_MAP_EV] = map_create(BPF_MAP_TYPE_RINGBUF, 0, 0,
	    (__u32)getpagesize());
	maps[JAIL_MAP_CNT] = map_create(BPF_MAP_TYPE_ARRAY, 4, 8,
	    JAIL_NCOUNTERS);
	maps[JAIL_MAP_DNS4] = map_create(BPF_MAP_TYPE_HASH, 4, 8, 16);
	maps[JAIL_MAP_DNS6] = map_create(BPF_MAP_TYPE_HASH, 16, 8, 16);
	maps[JAIL_MAP_DSK] = map_create(BPF_MAP_TYPE_LRU_HASH, 8,
	    sizeof(struct jail_dns_orig), 16);
	maps[JAIL_MAP_DCFG] = map_create(BPF_MAP_TYPE_ARRAY, 4, 4, 1);
	for (i = 0; i < JAIL_NMAPS; i++)
		if (maps[i] < 0) {
			fprintf(stderr, "verifier: create map %u: %s\n", i,
			    strerror(-maps[i]));
			return -1;
		}
	return 0;
}

/* One program's log, for finding where its states multiply. */
static int show_log(const char *name, __u32 level)
{
	int maps[JAIL_NMAPS], fd;
	unsigned int i;

	if (make_maps(maps) < 0)
		return 2;
	for (i = 0; i < JAIL_NPROGS; i++) {
		if (strcmp(jail_progs[i].name + 5, name) != 0)
			continue;
		fd = load(&jail_progs[i], maps, level);
		fputs(log_buf, stdout);
		return fd < 0 ? 2 : 0;
	}
	fprintf(stderr, "verifier: no program %s\n", name);
	return 100;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 30, maps[JAIL_NMAPS], fd, r;
	double t[MAXROUNDS], t0, sum = 0;
	unsigned int i;
	long processed = 0;

	if (argc > 2 && strcmp(argv[1], "-l") == 0)
		return show_log(argv[2], argc > 3 ? (__u32)atoi(argv[3]) : 1);
	if (rounds < 1 || rounds > MAXROUNDS) {
		fprintf(stderr, "usage: verifier [ROUNDS<=%d]\n", MAXROUNDS);
		return 100;
	}
	if (make_maps(maps) < 0)
		return 2;
	for (i = 0; i < JAIL_NPROGS; i++) {
		const struct jail_prog *p = &jail_progs[i];

		for (r = 0; r < rounds; r++) {
			t0 = now_us();
			fd = load(p, maps, 0);
			t[r] = now_us() - t0;
			if (fd < 0) {
				load(p, maps, 1);
				fprintf(stderr, "verifier: load %s: %s\n%s",
				    p->name, strerror(-fd), log_buf);
				return 2;
			}
			close(fd);
		}
		qsort(t, (size_t)rounds, sizeof(t[0]), cmp);
		fd = load(p, maps, LOG_STATS);
		if (fd >= 0)
			close(fd);
		printf("%-18s insns %4u processed %5ld states %4ld peak %4ld "
		    "max_per_insn %2ld verif_us %5ld load_us %7.1f %7.1f %7.1f\n",
		    p->name + 5, p->ninsns, stat_of("processed "),
		    stat_of("total_states "), stat_of("peak_states "),
		    stat_of("max_states_per_insn "),
		    stat_of("verification time "), t[rounds / 2],
		    t[rounds / 4], t[rounds * 3 / 4]);
		sum += t[rounds / 2];
		processed += stat_of("processed ");
	}
	printf("%-18s %10s processed %5ld %45s load_us %7.1f\n", "TOTAL", "",
	    processed, "", sum);
	return 0;
}
