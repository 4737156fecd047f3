/*
 * pty.h - CMD's terminal: a pty of a devpts instance of the jail's own,
 * relayed to the caller's terminal (as sudo's use_pty), or none.
 */
#ifndef PTY_H
#define PTY_H

#include <sys/types.h>
#include <termios.h>

struct jail_pty {
	int tty;		/* the caller's terminal, -1: none */
	int master, slave;	/* of the jail's devpts, -1 when closed */
	int ctl;		/* relay <-> init: 'S' CMD stopped, 'C' go on */
	int on;			/* CMD gets a pty (the caller has a terminal) */
	int raw;		/* tty is in raw mode, saved holds the old */
	struct termios saved;
};

/* The caller's side, in jail-ai: its terminal's mode before the relay. */
struct tty_saved {
	int fd;			/* -1: nothing to restore */
	struct termios t;
};

/* In CMD's mount namespace: a new devpts instance on /dev/pts, /dev/ptmx
 * its ptmx; 0 or -errno. */
int pty_devpts_new(void);
/* In the relay, after pty_devpts_new: find the caller's terminal; when
 * there is one, open a pty pair of the new instance.  0 or -errno. */
int pty_open(struct jail_pty *p);
/* In init, before CMD: a new session; with a pty, the slave is its
 * controlling terminal and replaces every fd 0-2 that is a terminal. */
int pty_init_session(struct jail_pty *p);
/* In init's child: CMD's own process group, in the foreground. */
void pty_cmd_foreground(const struct jail_pty *p);
/* The relay's loop: copy both ways until init (pid) exits; its status. */
int pty_relay(struct jail_pty *p, pid_t pid);
/* jail-ai: remember / restore the caller's terminal mode. */
void tty_save(struct tty_saved *s);
void tty_restore(const struct tty_saved *s);

#endif
