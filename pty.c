/*
 * pty.c - CMD's terminal.  A CMD that shares the caller's terminal can push
 * input into it (TIOCSTI), read its keystrokes or make it answer into its
 * input by path (/dev/pts/N): the caller's shell then runs that input
 * outside the jail.  So CMD always starts in a session of its own: with a
 * pty of a devpts instance that exists only in CMD's mount namespace when
 * the caller has a terminal (the relay copies both ways, as sudo's
 * use_pty), with no controlling terminal otherwise.
 *
 * Runs in the relay and in init (confine.c), with what is left of the
 * caller's privilege there, and in jail-ai (tty_save/tty_restore).
 * Untrusted input: the bytes CMD writes to its pty (copied, never
 * interpreted) and the one-byte messages init sends on ctl.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "pty.h"
#include "util.h"

static volatile sig_atomic_t got_chld, got_winch, got_cont;

/*
 * newinstance: the host's ptys are not in it, so CMD cannot open them by
 * path.  ptmxmode=0666: anyone in the jail may make ptys of its own.  gid=5
 * (tty) only for root: a user namespace maps no such group.
 */
int pty_devpts_new(void)
{
	const char *opt = getuid() == 0 ?
	    "newinstance,ptmxmode=0666,mode=0620,gid=5" :
	    "newinstance,ptmxmode=0666,mode=0620";

	if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
	    opt) < 0)
		return -errno;
	if (mount("/dev/pts/ptmx", "/dev/ptmx", NULL, MS_BIND, NULL) < 0 &&
	    errno != ENOENT)
		return -errno;
	return 0;
}

/* The slave of master; by path before 4.13 (no TIOCGPTPEER). */
static int open_slave(int master)
{
	char path[32];
	int fd, n;

	fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0 || (errno != EINVAL && errno != ENOTTY))
		return fd < 0 ? -errno : fd;
	if (ioctl(master, TIOCGPTN, &n) < 0)
		return -errno;
	snprintf(path, sizeof(path), "/dev/pts/%d", n);
	fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int pty_open(struct jail_pty *p)
{
	struct winsize ws;
	struct termios t;
	int i, unlock = 0;

	memset(p, 0, sizeof(*p));
	p->master = p->slave = p->ctl = -1;
	p->tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	for (i = 0; p->tty < 0 && i < 3; i++)
		if (isatty(i))
			p->tty = fcntl(i, F_DUPFD_CLOEXEC, 3);
	if (p->tty < 0)
		return 0;
	p->on = 1;
	p->master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC |
	    O_NONBLOCK);
	if (p->master < 0)
		return -errno;
	if (ioctl(p->master, TIOCSPTLCK, &unlock) < 0)
		return -errno;
	if ((p->slave = open_slave(p->master)) < 0)
		return p->slave;
	/* The caller's line settings (erase, intr, ...) and size. */
	if (tcgetattr(p->tty, &t) == 0)
		tcsetattr(p->slave, TCSANOW, &t);
	if (ioctl(p->tty, TIOCGWINSZ, &ws) == 0)
		ioctl(p->master, TIOCSWINSZ, &ws);
	return 0;
}

int pty_init_session(struct jail_pty *p)
{
	int i;

	if (setsid() < 0)
		return -errno;
	if (!p->on)
		return 0;
	if (ioctl(p->slave, TIOCSCTTY, 0) < 0)
		return -errno;
	/* Every fd 0-2 that is a terminal (the caller's): the slave. */
	for (i = 0; i < 3; i++)
		if (isatty(i) && dup2(p->slave, i) < 0)
			return -errno;
	close(p->master);
	close(p->tty);
	p->master = p->tty = -1;
	return 0;
}

void pty_cmd_foreground(const struct jail_pty *p)
{
	int fd;

	if (!p->on)
		return;
	setpgid(0, 0);
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	signal(SIGTTOU, SIG_IGN);	/* not in the foreground yet */
	tcsetpgrp(fd, getpid());
	signal(SIGTTOU, SIG_DFL);
	close(fd);
}

static void flag(int sig)
{
	if (sig == SIGCHLD)
		got_chld = 1;
	else if (sig == SIGWINCH)
		got_winch = 1;
	else
		got_cont = 1;
}

/*
 * Raw only in the foreground: a background relay must not touch it.  1
 * when it switched to raw now.
 */
static int raw_on(struct jail_pty *p)
{
	struct termios t;

	if (p->raw || p->tty < 0 || tcgetpgrp(p->tty) != getpgrp() ||
	    tcgetattr(p->tty, &p->saved) < 0)
		return 0;
	t = p->saved;
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(p->tty, TCSADRAIN, &t) < 0)
		return 0;
	p->raw = 1;
	return 1;
}

static void raw_off(struct jail_pty *p)
{
	if (p->raw)
		tcsetattr(p->tty, TCSADRAIN, &p->saved);
	p->raw = 0;
}

/* SIGWINCH: the kernel signals CMD's foreground group on TIOCSWINSZ. */
static void sync_size(const struct jail_pty *p)
{
	struct winsize ws;

	if (ioctl(p->tty, TIOCGWINSZ, &ws) == 0)
		ioctl(p->master, TIOCSWINSZ, &ws);
}

/*
 * CMD stopped itself (^Z, or vim's own suspend): stop the caller's job,
 * jail-ai and this relay, with the terminal restored, as sudo does; on
 * `fg`, raw again and CMD goes on.
 */
static void suspend(struct jail_pty *p)
{
	raw_off(p);
	kill(0, SIGTSTP);
	raw_on(p);
	sync_size(p);
	(void)!write(p->ctl, "C", 1);
}

struct buf {
	char b[4096];
	size_t off, len;
};

/* One read into an empty buffer; -1 at the end or on an error. */
static int fill(int fd, struct buf *b)
{
	ssize_t n = read(fd, b->b, sizeof(b->b));

	if (n > 0) {
		b->off = 0;
		b->len = (size_t)n;
		return 0;
	}
	return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
}

static int flush(int fd, struct buf *b)
{
	ssize_t n = write(fd, b->b + b->off, b->len);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	b->off += (size_t)n;
	b->len -= (size_t)n;
	return 0;
}

/* One round of copying: in (tty -> master), out (master -> tty). */
static int copy_round(struct jail_pty *p, struct buf *in, struct buf *out,
    const sigset_t *mask)
{
	struct timespec poll_fg = { 0, 250 * 1000 * 1000 };
	struct pollfd f[4];
	char c;
	int n = 0, r;

	f[n++] = (struct pollfd){ p->ctl, POLLIN, 0 };
	f[n++] = (struct pollfd){ p->master,
	    (short)((in->len ? POLLOUT : 0) | (out->len ? 0 : POLLIN)), 0 };
	f[n++] = (struct pollfd){ p->raw && !in->len ? p->tty : -1, POLLIN, 0 };
	f[n++] = (struct pollfd){ out->len ? p->tty : -1, POLLOUT, 0 };
	/* In the background, look every 250 ms for a `fg` (which sends no
	 * signal to a job that is running). */
	if ((r = ppoll(f, (nfds_t)n, p->raw ? NULL : &poll_fg, mask)) <= 0)
		return r < 0 && errno != EINTR ? -errno : 0;
	if (f[0].revents && read(p->ctl, &c, 1) == 1 && c == 'S')
		suspend(p);
	else if (f[0].revents & (POLLHUP | POLLERR))
		p->ctl = -1;	/* init is going: SIGCHLD follows */
	if ((f[1].revents & POLLIN) && fill(p->master, out) < 0)
		out->len = 0;
	if ((f[1].revents & POLLOUT) && flush(p->master, in) < 0)
		in->len = 0;
	if ((f[2].revents & (POLLIN | POLLHUP | POLLERR)) &&
	    fill(p->tty, in) < 0) {
		raw_off(p);	/* the terminal hung up: done with it */
		close(p->tty);
		p->tty = -1;
	}
	if ((f[3].revents & (POLLOUT | POLLHUP | POLLERR)) &&
	    flush(p->tty, out) < 0)
		out->len = 0;
	return 0;
}

/* What CMD wrote before init exited goes out too. */
static void drain(struct jail_pty *p, struct buf *out)
{
	int i;

	for (i = 0; i < 1024; i++) {
		if (out->len == 0 && (fill(p->master, out) < 0 || !out->len))
			return;
		if (flush(p->tty, out) < 0)
			return;
	}
}

static void relay_signals(sigset_t *old)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = flag;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGCONT, &sa, NULL);
	signal(SIGTTOU, SIG_IGN);	/* restoring from the background */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGWINCH);
	sigaddset(&block, SIGCONT);
	sigprocmask(SIG_BLOCK, &block, old);
}

int pty_relay(struct jail_pty *p, pid_t pid)
{
	struct buf in, out;
	sigset_t mask;
	int status = 0, r = 0;
	pid_t w = 0;

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	relay_signals(&mask);
	got_chld = 1;		/* init may be gone already */
	while (r == 0) {
		if (got_winch || got_cont || !p->raw) {
			if (!p->raw && raw_on(p))
				got_winch = 1;
			if (got_winch || got_cont)
				sync_size(p);
			got_winch = got_cont = 0;
		}
		if (got_chld) {
			got_chld = 0;
			w = waitpid(pid, &status, WNOHANG);
			if (w == pid || (w < 0 && errno != EINTR))
				break;
		}
		r = copy_round(p, &in, &out, &mask);
	}
	if (out.len || w == pid)
		drain(p, &out);
	raw_off(p);
	if (w != pid)
		return EXIT_SYSFAIL;
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) :
	    WEXITSTATUS(status);
}

void tty_save(struct tty_saved *s)
{
	s->fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s->fd >= 0 && (tcgetpgrp(s->fd) != getpgrp() ||
	    tcgetattr(s->fd, &s->t) < 0)) {
		close(s->fd);
		s->fd = -1;
	}
}

void tty_restore(const struct tty_saved *s)
{
	void (*old)(int);

	if (s->fd < 0)
		return;
	old = signal(SIGTTOU, SIG_IGN);
	tcsetattr(s->fd, TCSADRAIN, &s->t);
	signal(SIGTTOU, old);
}
