/*
 * bench/connbench.c - TCP connect() rate, for bench/run.
 *
 *   connbench serve ADDR PORT        accept and close, forever (until killed)
 *   connbench client ADDR PORT N     N x (socket, connect, close); prints
 *                                    "rate CONNECTS_PER_SECOND CPU_US_PER_CONNECT"
 *
 * CPU_US_PER_CONNECT is the client's own user + system time (getrusage) over
 * the timed loop divided by N: less disturbed than the rate by whatever else
 * the machine runs, though it misses softirq work charged elsewhere.
 *
 * IPv4 only, numeric addresses.  The client closes with SO_LINGER {1, 0}
 * (RST) so that no TIME_WAIT state piles up and ephemeral ports never run
 * out however many rounds are run.  Any failed connect is an error (exit 1):
 * a jailed run that is refused must not pass for a fast one.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int parse(const char *a, const char *p, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)atoi(p));
	return inet_pton(AF_INET, a, &sin->sin_addr) == 1 ? 0 : -1;
}

static int serve(const struct sockaddr_in *sin)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), c;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) < 0 || bind(fd, (const void *)sin, sizeof(*sin)) < 0 ||
	    listen(fd, 4096) < 0) {
		perror("connbench serve");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0)
			close(c);
		else if (errno != EINTR && errno != ECONNABORTED)
			usleep(1000);
	}
}

static int one_connect(const struct sockaddr_in *sin)
{
	struct linger lg = { 1, 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	r = connect(fd, (const void *)sin, sizeof(*sin)) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int client(const struct sockaddr_in *sin, long n)
{
	struct timespec t0, t1;
	double c0, c1;
	long i, warm = n / 20 + 1;
	int r;

	for (i = 0; i < warm; i++)
		if ((r = one_connect(sin)) < 0)
			goto fail;
	c0 = cpu_s();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++)
		if ((r = one_connect(sin)) < 0)
			goto fail;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	c1 = cpu_s();
	double s = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("rate %.1f %.3f\n", (double)n / s, (c1 - c0) * 1e6 / (double)n);
	return 0;
fail:
	fprintf(stderr, "connbench client: connect %ld: %s\n", i, strerror(-r));
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin;

	if (argc == 4 && strcmp(argv[1], "serve") == 0 &&
	    parse(argv[2], argv[3], &sin) == 0)
		return serve(&sin);
	if (argc == 5 && strcmp(argv[1], "client") == 0 &&
	    parse(argv[2], argv[3], &sin) == 0 && atol(argv[4]) > 0)
		return client(&sin, atol(argv[4]));
	fprintf(stderr, "usage: connbench serve ADDR PORT | "
	    "client ADDR PORT N\n");
	return 100;
}
