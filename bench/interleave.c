/*
 * bench/interleave.c - run the same work in several long-lived workers,
 * interleaved in short slices, so that what the machine's other load does
 * to one variant it does to all of them.
 *
 *   interleave ROUNDS SLICES MODE:N[,MODE:N...] -- NAME CMD [ARG...]
 *              [::: NAME CMD [ARG...]]...
 *
 * Each CMD is started once with a pipe on its stdin and stdout; it first
 * writes one line "ready INFO..." (printed to stderr as "NAME: INFO...").
 * Then round 0 (warm-up, not printed) and ROUNDS rounds: for each MODE,
 * SLICES slices; in a slice every worker in turn (the order rotated by one
 * each slice and round) gets the line "MODE N" and answers "WALL_NS CPU_NS"
 * for doing the MODE work N times, or "error TEXT".  One line per answer:
 *
 *   ROUND SLICE MODE NAME N WALL_NS CPU_NS
 *
 * A slice is a millisecond or two, so a burst of other load, a frequency
 * change or a noisy neighbour's cache traffic hits every variant of the
 * slice alike, and a slice that was preempted or interrupted (its CPU time
 * then carries the other task's cache and TLB damage) is an outlier the
 * caller can drop by taking medians over the slices of a round.  Workers
 * are the variants' real processes (e.g. `jail-ai run -- udpbench
 * worker`): whatever a jail installs is what is measured.  EOF on their
 * stdin ends them.  Exit 1 on any worker error, 100 on bad usage.
 *
 * Privilege: none of its own.  Inputs: the command line and the workers'
 * lines, from bench/run and its own helpers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXV 16
#define MAXM 8

struct worker {
	const char *name;
	char **argv;
	pid_t pid;
	FILE *to, *from;
};

static struct worker w[MAXV];
static int nw;
static char mode[MAXM][16];
static long per[MAXM];
static int nm;

static int start(struct worker *k)
{
	int in[2], out[2];
	char line[512];

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	k->pid = fork();
	if (k->pid < 0)
		return -errno;
	if (k->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execvp(k->argv[0], k->argv);
		fprintf(stderr, "interleave: exec %s: %s\n", k->argv[0],
		    strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	k->to = fdopen(in[1], "w");
	k->from = fdopen(out[0], "r");
	if (!k->to || !k->from)
		return -ENOMEM;
	setvbuf(k->to, NULL, _IOLBF, 0);
	if (!fgets(line, sizeof(line), k->from) ||
	    strncmp(line, "ready", 5) != 0) {
		fprintf(stderr, "interleave: %s did not start: %s", k->name,
		    line[0] ? line : "(no output)\n");
		return -EIO;
	}
	fprintf(stderr, "%s:%s", k->name, line + 5);
	return 0;
}

static int slice(struct worker *k, int m, int r, int s)
{
	char line[512];
	double wall, cpu;

	fprintf(k->to, "%s %ld\n", mode[m], per[m]);
	if (!fgets(line, sizeof(line), k->from) ||
	    sscanf(line, "%lf %lf", &wall, &cpu) != 2) {
		fprintf(stderr, "interleave: %s, %s: %s", k->name, mode[m],
		    line[0] ? line : "(no answer)\n");
		return -EIO;
	}
	if (r > 0)
		printf("%d %d %s %s %ld %.0f %.0f\n", r, s + 1, mode[m],
		    k->name, per[m], wall, cpu);
	return 0;
}

static int parse_modes(char *spec)
{
	char *tok, *save = NULL, *colon;

	for (tok = strtok_r(spec, ",", &save); tok;
	    tok = strtok_r(NULL, ",", &save)) {
		colon = strchr(tok, ':');
		if (!colon || nm == MAXM || colon - tok >= 16)
			return -1;
		*colon = '\0';
		strcpy(mode[nm], tok);
		per[nm] = atol(colon + 1);
		if (per[nm] <= 0)
			return -1;
		nm++;
	}
	return nm > 0 ? 0 : -1;
}

static int parse_workers(int argc, char **argv)
{
	int i = 0;

	while (i < argc && nw < MAXV) {
		w[nw].name = argv[i++];
		w[nw].argv = argv + i;
		while (i < argc && strcmp(argv[i], ":::") != 0)
			i++;
		if (w[nw].argv == argv + i)
			return -1;
		if (i < argc)
			argv[i++] = NULL;
		nw++;
	}
	return i == argc && nw > 0 ? 0 : -1;
}

static int run(int rounds, int slices)
{
	int r, m, s, j;

	for (r = 0; r <= rounds; r++)	/* round 0: warm-up, not printed */
		for (m = 0; m < nm; m++)
			for (s = 0; s < slices; s++)
				for (j = 0; j < nw; j++) {
					struct worker *k = &w[(j + r + s) % nw];

					if (slice(k, m, r, s) < 0)
						return -1;
				}
	return 0;
}

int main(int argc, char **argv)
{
	int rounds, slices, j, r = 0, st;

	if (argc < 6 || strcmp(argv[4], "--") != 0 ||
	    (rounds = atoi(argv[1])) <= 0 || (slices = atoi(argv[2])) <= 0 ||
	    parse_modes(argv[3]) < 0 || parse_workers(argc - 5, argv + 5) < 0) {
		fprintf(stderr, "usage: interleave ROUNDS SLICES MODE:N[,...] "
		    "-- NAME CMD [ARG...] [::: NAME CMD [ARG...]]...\n");
		return 100;
	}
	signal(SIGPIPE, SIG_IGN);
	for (j = 0; j < nw && r == 0; j++)
		r = start(&w[j]);
	if (r == 0)
		r = run(rounds, slices);
	for (j = 0; j < nw; j++) {
		if (w[j].to)
			fclose(w[j].to);
		if (r < 0 && w[j].pid > 0)
			kill(w[j].pid, SIGTERM);
	}
	for (j = 0; j < nw; j++)
		if (w[j].pid > 0)
			waitpid(w[j].pid, &st, 0);
	return r < 0;
}
