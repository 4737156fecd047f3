/*
 * tests/refresh_probe.c - for tests/28-refresh.t and bench/refresh: watch
 * what connect() to one address gives while the host gains and loses it.
 *
 *   refresh_probe serve PORT
 *       TCP listener on 0.0.0.0 and :: PORT; accepts and closes; prints
 *       "ready".
 *   refresh_probe watch ADDR PORT MS
 *       connect() to ADDR:PORT in a tight loop for MS milliseconds; prints
 *       "T NAME" (T: CLOCK_REALTIME in ns) each time the result changes
 *       (NAME: ok, or the errno's name).
 *   refresh_probe seq ADDR4BASE PORT N
 *       for i < N: prints "wait I", then connects to ADDR4BASE + i until
 *       EPERM, then prints "got I FIRST_OK_NS EPERM_NS" (FIRST_OK_NS 0:
 *       never connected).
 *   refresh_probe fds
 *       prints each of its fds whose link names a bpf object; none: "none".
 *
 * Unprivileged.  Exit 0, 100 usage, 111 a system call failed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void usage(void)
{
	fputs("usage: refresh_probe serve PORT | watch ADDR PORT MS | "
	    "seq ADDR4 PORT N | fds\n", stderr);
	exit(100);
}

static int sa_of(const char *addr, int port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *s4 = (void *)ss;
	struct sockaddr_in6 *s6 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		*len = sizeof(*s4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		*len = sizeof(*s6);
		return AF_INET6;
	}
	usage();
	return -1;
}

/* 0 connected, else the errno (a 2 ms timeout is ETIMEDOUT). */
static int try_connect(const struct sockaddr_storage *ss, socklen_t len)
{
	struct timeval tv = { 0, 2000 };
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0) {
		perror("socket");
		exit(111);
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	r = connect(fd, (const struct sockaddr *)ss, len) < 0 ? errno : 0;
	if (r == EINPROGRESS || r == EAGAIN)
		r = ETIMEDOUT;
	close(fd);
	return r;
}

static const char *name(int e)
{
	const char *s = e ? strerrorname_np(e) : "ok";

	return s ? s : "unknown";
}

static int serve(int port)
{
	struct sockaddr_in6 s6;
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), c, off = 0;
	int one = 1;

	if (fd < 0)
		return 111;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	s6.sin6_port = htons((unsigned short)port);
	if (bind(fd, (struct sockaddr *)&s6, sizeof(s6)) < 0 ||
	    listen(fd, 4096) < 0) {
		perror("bind/listen");
		return 111;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		if ((c = accept(fd, NULL, NULL)) >= 0)
			close(c);
}

static int watch(const char *addr, int port, long ms)
{
	struct sockaddr_storage ss;
	socklen_t len;
	long long end;
	int last = -1, r;

	sa_of(addr, port, &ss, &len);
	end = now_ns() + ms * 1000000LL;
	while (now_ns() < end) {
		r = try_connect(&ss, len);
		if (r == last)
			continue;
		printf("%lld %s\n", now_ns(), name(r));
		fflush(stdout);
		last = r;
	}
	return 0;
}

static int seq(const char *base, int port, int n)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (void *)&ss;
	socklen_t len;
	long long first_ok, t;
	int i, r;
	uint32_t a;

	if (sa_of(base, port, &ss, &len) != AF_INET)
		usage();
	a = ntohl(s4->sin_addr.s_addr);
	for (i = 0; i < n; i++) {
		s4->sin_addr.s_addr = htonl(a + (uint32_t)i);
		printf("wait %d\n", i);
		fflush(stdout);
		first_ok = 0;
		for (;;) {
			r = try_connect(&ss, len);
			t = now_ns();
			if (r == 0 && !first_ok)
				first_ok = t;
			if (r == EPERM)
				break;
		}
		printf("got %d %lld %lld\n", i, first_ok, t);
		fflush(stdout);
	}
	return 0;
}

static int fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char path[300], link[256];
	ssize_t n;
	int found = 0;

	if (!d)
		return 111;
	while ((e = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strstr(link, "bpf")) {
			printf("%s %s\n", e->d_name, link);
			found++;
		}
	}
	closedir(d);
	if (!found)
		printf("none\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "watch"))
		return watch(argv[2], atoi(argv[3]), atol(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "seq"))
		return seq(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 2 && !strcmp(argv[1], "fds"))
		return fds();
	usage();
	return 100;
}
