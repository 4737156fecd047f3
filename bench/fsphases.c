/*
 * bench/fsphases.c - the start cost of `run`'s file rules, phase by phase,
 * with jail-ai's own code (fsjail.c, cgroup.c): the plan (fs_plan_build,
 * in the parent), the mounts (cgroup_remount_ro_all + fs_mounts, in the
 * relay) and, for root, kernel_knobs_ro (in init).  Each round forks a
 * child that unshares a mount namespace of its own, as the relay does, so
 * that nothing is left on the host.  Prints the median of each phase in
 * microseconds.  Root only (the mounts); run from a project directory.
 *
 *   fsphases [ROUNDS]
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "fsjail.h"

#define MAXR	1000

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* In a child with a mount namespace of its own: the relay's and init's
 * mount work; the two times (us) through the pipe. */
static int mount_round(const struct fs_plan *p, double out[2])
{
	double t[2] = { -1, -1 }, t0;
	char bad[4200];
	int fd[2], st;
	pid_t pid;

	if (pipe(fd) < 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0)
			_exit(1);
		t0 = now_us();
		if (cgroup_remount_ro_all() < 0 || fs_mounts(p, bad,
		    sizeof(bad)) < 0) {
			fprintf(stderr, "fsphases: mounts: %s\n", bad);
			_exit(1);
		}
		t[0] = now_us() - t0;
		t0 = now_us();
		if (kernel_knobs_ro(bad, sizeof(bad)) < 0) {
			fprintf(stderr, "fsphases: knobs: %s\n", bad);
			_exit(1);
		}
		t[1] = now_us() - t0;
		_exit(write(fd[1], t, sizeof(t)) == sizeof(t) ? 0 : 1);
	}
	close(fd[1]);
	if (read(fd[0], out, sizeof(t)) != sizeof(t))
		out[0] = out[1] = -1;
	close(fd[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 && out[0] >= 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static double plan[MAXR], mnt[MAXR], knobs[MAXR];
	int rounds = argc > 1 ? atoi(argv[1]) : 200, i;
	struct fs_opts o;
	struct fs_plan p;
	char err[4200];
	double t0, m[2];

	if (rounds < 1 || rounds > MAXR || getuid() != 0) {
		fprintf(stderr, "usage: fsphases [ROUNDS <= %d], as root\n",
		    MAXR);
		return 100;
	}
	memset(&o, 0, sizeof(o));
	for (i = 0; i < rounds; i++) {
		t0 = now_us();
		if (fs_plan_build(&o, &p, err, sizeof(err)) < 0) {
			fprintf(stderr, "fsphases: plan: %s\n", err);
			return 111;
		}
		plan[i] = now_us() - t0;
		if (mount_round(&p, m) < 0)
			return 111;
		mnt[i] = m[0];
		knobs[i] = m[1];
		fs_plan_free(&p);
	}
	printf("plan %.0f\nmounts %.0f\nknobs %.0f\n", median(plan, rounds),
	    median(mnt, rounds), median(knobs, rounds));
	return 0;
}
