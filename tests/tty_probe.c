/*
 * tests/tty_probe.c - terminal attacks and interactive checks for
 * tests/27-terminal.t.  Prints one result line; exit 0 when the action
 * worked.
 *
 *   tty_probe sti FD|PATH TEXT   push TEXT and a newline into the terminal
 *                                 (TIOCSTI), on fd FD or on PATH opened
 *                                 read/write
 *   tty_probe stat PATH          open PATH; print "dev=N rdev=MAJ:MIN" of
 *                                 what was opened, or "open: ERRNO"
 *   tty_probe raw                raw mode on fd 0, "RAWREADY", then the bytes
 *                                 read up to 'q' in hex; mode restored
 *   tty_probe sigint             "READY", then wait for SIGINT: "GOT SIGINT",
 *                                 exit 42
 *   tty_probe pgrp               "sid=S pgid=P fg=F" for the terminal on fd 0
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

static int open_arg(const char *a)
{
	char *end;
	long fd = strtol(a, &end, 10);

	if (*a && !*end)
		return (int)fd;
	return open(a, O_RDWR | O_NOCTTY);
}

static int sti(const char *where, const char *text)
{
	int fd = open_arg(where);
	size_t i, n = strlen(text);
	char nl = '\n';

	if (fd < 0) {
		printf("open %s: %s\n", where, strerror(errno));
		return 1;
	}
	for (i = 0; i <= n; i++) {
		if (ioctl(fd, TIOCSTI, i < n ? &text[i] : &nl) < 0) {
			printf("TIOCSTI on %s: %s\n", where, strerror(errno));
			return 1;
		}
	}
	printf("TIOCSTI on %s: injected %zu bytes\n", where, n + 1);
	return 0;
}

static int do_stat(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		printf("open: %s\n", strerror(errno));
		return 1;
	}
	if (fstat(fd, &st) < 0) {
		printf("fstat: %s\n", strerror(errno));
		return 1;
	}
	printf("dev=%lu rdev=%u:%u\n", (unsigned long)st.st_dev,
	    major(st.st_rdev), minor(st.st_rdev));
	return 0;
}

static int raw(void)
{
	struct termios old, t;
	unsigned char c;

	if (tcgetattr(0, &old) < 0) {
		printf("tcgetattr: %s\n", strerror(errno));
		return 1;
	}
	t = old;
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(0, TCSANOW, &t);
	printf("RAWREADY\r\n");
	fflush(stdout);
	printf("got");
	while (read(0, &c, 1) == 1) {
		printf(" %02x", c);
		if (c == 'q')
			break;
	}
	tcsetattr(0, TCSANOW, &old);
	printf("\n");
	return 0;
}

static volatile sig_atomic_t got;

static void on_int(int sig)
{
	(void)sig;
	got = 1;
}

static int sigint(void)
{
	signal(SIGINT, on_int);
	printf("READY\n");
	fflush(stdout);
	while (!got)
		pause();
	printf("GOT SIGINT\n");
	return 42;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "sti") == 0)
		return sti(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "stat") == 0)
		return do_stat(argv[2]);
	if (argc == 2 && strcmp(argv[1], "raw") == 0)
		return raw();
	if (argc == 2 && strcmp(argv[1], "sigint") == 0)
		return sigint();
	if (argc == 2 && strcmp(argv[1], "pgrp") == 0) {
		printf("sid=%d pgid=%d fg=%d\n", (int)getsid(0),
		    (int)getpgrp(), (int)tcgetpgrp(0));
		return 0;
	}
	fprintf(stderr, "usage: tty_probe sti|stat|raw|sigint|pgrp ...\n");
	return 2;
}
