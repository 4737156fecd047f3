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
 *   tty_probe onpty CMD...       CMD on a fresh pty that is the controlling
 *                                 terminal of a new session (a shell's
 *                                 terminal window); when CMD has exited,
 *                                 "got:LINE" with the line waiting in the
 *                                 pty's input queue (what that shell would
 *                                 read next; empty if none), then what the
 *                                 pty printed, as "pty: ..." lines
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
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

/* The session leader on the slave side: CMD as its child, in the terminal's
 * foreground group; then a non-blocking read of the input queue, which in
 * canonical mode returns a complete line or nothing.  No sleeps: what CMD
 * injected is in the queue when it exits. */
static void onpty_session(const char *name, int res, char **cmd)
{
	char buf[256];
	int s, st;
	ssize_t n;
	pid_t c;

	if (setsid() < 0 || (s = open(name, O_RDWR)) < 0 ||
	    ioctl(s, TIOCSCTTY, 0) < 0)
		_exit(3);
	c = fork();
	if (c == 0) {
		if (dup2(s, 0) < 0 || dup2(s, 1) < 0 || dup2(s, 2) < 0)
			_exit(3);
		close(s);
		close(res);
		execvp(cmd[0], cmd);
		_exit(127);
	}
	if (c < 0 || waitpid(c, &st, 0) < 0)
		_exit(3);
	if (fcntl(s, F_SETFL, O_NONBLOCK) < 0)
		_exit(3);
	n = read(s, buf, sizeof(buf));
	if (n > 0 && write(res, buf, (size_t)n) != n)
		_exit(3);
	_exit(0);
}

/* Prints "got:" and the queued line without its leading blanks and its
 * newline (as `read -r` would), then the pty's output. */
static int onpty(char **cmd)
{
	char line[256], out[8192], *name, *l;
	size_t ng = 0, no = 0;
	int m, p[2], st;
	struct pollfd pf[2];
	ssize_t n;
	pid_t pid;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || !(name = ptsname(m))) {
		printf("pty: %s\n", strerror(errno));
		return 1;
	}
	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		printf("pipe/fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0)
		onpty_session(name, p[1], cmd);
	close(p[1]);
	pf[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = m, .events = POLLIN };
	for (;;) {
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[1].revents) {
			n = read(m, out + no, sizeof(out) - 1 - no);
			if (n > 0)
				no += (size_t)n;
			else
				pf[1].fd = -1;	/* EIO: no slave open */
		}
		if (pf[0].revents) {
			n = read(p[0], line + ng, sizeof(line) - 1 - ng);
			if (n <= 0)
				break;
			ng += (size_t)n;
		}
	}
	waitpid(pid, &st, 0);
	line[ng] = out[no] = 0;
	line[strcspn(line, "\n")] = 0;
	printf("got:%s\n", line + strspn(line, " \t"));
	for (l = strtok(out, "\r\n"); l; l = strtok(NULL, "\r\n"))
		printf("pty: %s\n", l);
	return !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "onpty") == 0)
		return onpty(argv + 2);
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
	fprintf(stderr, "usage: tty_probe sti|stat|raw|sigint|pgrp|onpty ...\n");
	return 2;
}
