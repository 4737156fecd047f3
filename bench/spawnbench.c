/*
 * bench/spawnbench.c - wall time and peak RSS of commands, interleaved.
 *
 *   spawnbench ROUNDS -- NAME CMD [ARG...] [::: NAME CMD [ARG...]]...
 *
 * Each round runs every variant once, in an order rotated by one each
 * round (so that no variant always goes first after a pause).  Each run:
 * fork, stdout and stdin to /dev/null, execvp, wait4.  One line per run:
 *
 *   NAME WALL_USEC MAXRSS_KIB STATUS
 *
 * WALL_USEC is fork to reaped, CLOCK_MONOTONIC.  MAXRSS_KIB is wait4's
 * ru_maxrss: the largest peak RSS of the child and of every descendant it
 * waited for (one number for the whole tree).  STATUS is the raw wait
 * status.  Exit status 0 even when a run failed: the caller checks STATUS.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXV 16

struct variant {
	const char *name;
	char **argv;
};

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	struct variant v[MAXV];
	int nv = 0, i, rounds, r, k;

	if (argc < 5 || strcmp(argv[2], "--") != 0 || atoi(argv[1]) <= 0)
		goto usage;
	rounds = atoi(argv[1]);
	for (i = 3; i < argc;) {
		if (nv == MAXV || i + 1 >= argc)
			goto usage;
		v[nv].name = argv[i];
		v[nv].argv = &argv[i + 1];
		for (i += 2; i < argc && strcmp(argv[i], ":::") != 0; i++)
			;
		if (i < argc)
			argv[i++] = NULL;	/* ends this variant's argv */
		nv++;
	}
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < nv; k++) {
			const struct variant *x = &v[(r + k) % nv];
			struct rusage ru;
			int st = 0;
			double t0 = now_us();
			pid_t pid = fork();

			if (pid < 0) {
				perror("spawnbench: fork");
				return 1;
			}
			if (pid == 0) {
				int fd = open("/dev/null", O_RDWR);

				dup2(fd, 0);
				dup2(fd, 1);
				execvp(x->argv[0], x->argv);
				_exit(127);
			}
			if (wait4(pid, &st, 0, &ru) < 0) {
				perror("spawnbench: wait4");
				return 1;
			}
			printf("%s %.1f %ld %d\n", x->name, now_us() - t0,
			    ru.ru_maxrss, st);
		}
	}
	return 0;
usage:
	fprintf(stderr, "usage: spawnbench ROUNDS -- NAME CMD [ARG...] "
	    "[::: NAME CMD [ARG...]]...\n");
	return 100;
}
