/*
 * spawn.c - starting the privileged child (loader.c) and reading its reply.
 *
 * No privilege.  At start we open our own executable (not argv[0], not
 * PATH); a request re-executes that fd with one sentinel argument and an
 * empty environment.  The request travels in a sealed memfd, the reply in
 * a pipe, or (privsep_call_fds) in one SOCK_SEQPACKET message that also
 * carries the jail's map fds (JAIL_NMAPS).  Untrusted here: nothing but the child's
 * reply, checked for size, magic and version (and fd count) before use.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

static int self_fd = -1;

int privsep_init(void)
{
	self_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	return self_fd < 0 ? -errno : 0;
}

static int request_memfd(const void *req, size_t len)
{
	const char *p = req;
	size_t off = 0;
	ssize_t n;
	int fd = memfd_create("jail-ai-request", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING);

	if (fd < 0)
		return -errno;
	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		goto fail;
	return fd;
fail:
	n = errno ? -errno : -EIO;
	close(fd);
	return (int)n;
}

/* In the forked child: fds 3 and 4 in place, 0-2 valid, then exec. */
static void exec_child(int req_fd, int reply_fd)
{
	char *const argv[] = { "jail-ai", JAIL_CHILD_ARG, NULL };
	char *const envp[] = { NULL };
	int fd, exe;

	/* Lift all three above 4 first so the dup2s below cannot collide. */
	exe = fcntl(self_fd, F_DUPFD_CLOEXEC, 10);
	req_fd = fcntl(req_fd, F_DUPFD_CLOEXEC, 10);
	reply_fd = fcntl(reply_fd, F_DUPFD_CLOEXEC, 10);
	if (exe < 0 || req_fd < 0 || reply_fd < 0 ||
	    dup2(req_fd, JAIL_REQ_FD) < 0 || dup2(reply_fd, JAIL_REPLY_FD) < 0)
		_exit(127);
	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 &&
		    open("/dev/null", O_RDWR) != fd)
			_exit(127);
	syscall(SYS_execveat, exe, "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

static int read_reply(int fd, struct jail_reply *rep)
{
	size_t off = 0;
	ssize_t n;

	while (off < sizeof(*rep)) {
		n = read(fd, (char *)rep + off, sizeof(*rep) - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (off != sizeof(*rep) || rep->magic != JAIL_REPLY_MAGIC ||
	    rep->version != JAIL_REQ_VERSION)
		return -EPROTO;
	rep->what[sizeof(rep->what) - 1] = '\0';
	rep->log[sizeof(rep->log) - 1] = '\0';
	return 0;
}

static void close_rights(struct msghdr *m)
{
	struct cmsghdr *c;
	size_t i, n;
	int fd;

	for (c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			close(fd);
		}
	}
}

/*
 * The reply as one datagram: whole (not MSG_TRUNC), and either no fds or,
 * with a DONE reply, exactly JAIL_NMAPS of them in one SCM_RIGHTS
 * (close-on-exec as they arrive: CMD must never inherit them).
 */
static int recv_reply(int fd, struct jail_reply *rep, int *fds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * JAIL_NMAPS)];
	struct iovec iov = { rep, sizeof(*rep) };
	struct cmsghdr *c;
	struct msghdr m;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	while ((n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return -EPROTO;
	c = CMSG_FIRSTHDR(&m);
	if (n != sizeof(*rep) || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    rep->magic != JAIL_REPLY_MAGIC || rep->version != JAIL_REQ_VERSION ||
	    (c && (rep->step != JAIL_STEP_DONE || c->cmsg_level != SOL_SOCKET ||
	    c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int) * JAIL_NMAPS)))) {
		close_rights(&m);
		return -EPROTO;
	}
	if (c)
		memcpy(fds, CMSG_DATA(c), sizeof(int) * JAIL_NMAPS);
	rep->what[sizeof(rep->what) - 1] = '\0';
	rep->log[sizeof(rep->log) - 1] = '\0';
	return 0;
}

static int call(const void *req, size_t len, struct jail_reply *rep,
    int *fds)
{
	int req_fd, pipefd[2] = { -1, -1 }, status = 0, r;
	pid_t pid;

	memset(rep, 0, sizeof(*rep));
	if (self_fd < 0)
		return -EBADF;
#ifdef JAIL_FAULT_INJECTION
	/* Only in the test build jail-ai-fault: a request the child refuses. */
	if (getenv("JAIL_AI_FAULT") && strcmp(getenv("JAIL_AI_FAULT"),
	    "child") == 0)
		len--;
#endif
	req_fd = request_memfd(req, len);
	if (req_fd < 0)
		return req_fd;
	if ((fds ? socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	    pipefd) : pipe2(pipefd, O_CLOEXEC)) < 0) {
		r = -errno;
		close(req_fd);
		return r;
	}
	pid = fork();
	if (pid == 0)
		exec_child(req_fd, pipefd[1]);
	r = pid < 0 ? -errno : 0;
	close(req_fd);
	close(pipefd[1]);
	if (r == 0)
		r = fds ? recv_reply(pipefd[0], rep, fds) :
		    read_reply(pipefd[0], rep);
	close(pipefd[0]);
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r == 0 && (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
	    rep->step != JAIL_STEP_DONE))
		r = rep->err ? -rep->err : -EIO;
	if (r == -EPROTO && pid > 0 && WIFSIGNALED(status))
		snprintf(rep->what, sizeof(rep->what),
		    "killed by signal %d before replying", WTERMSIG(status));
	else if (r == -EPROTO && pid > 0)
		snprintf(rep->what, sizeof(rep->what),
		    "exited %d without a valid reply", WEXITSTATUS(status));
	return r;
}

/*
 * 0 when the child did the operation; -errno otherwise, with rep->step,
 * rep->err and rep->what saying why (step 0: the child never answered).
 */
int privsep_call(const void *req, size_t len, struct jail_reply *rep)
{
	return call(req, len, rep, NULL);
}

/* The same for a JAIL_REQ_F_MAPFDS request: on success fds[] holds
 * jail_v4, jail_v6, jail_ev, jail_cnt (close-on-exec); on failure all -1. */
int privsep_call_fds(const void *req, size_t len, struct jail_reply *rep,
    int fds[JAIL_NMAPS])
{
	int i, r;

	for (i = 0; i < JAIL_NMAPS; i++)
		fds[i] = -1;
	r = call(req, len, rep, fds);
	for (i = 0; r == 0 && i < JAIL_NMAPS; i++)
		if (fds[i] < 0)
			r = -EPROTO;	/* DONE without the fds */
	for (i = 0; r < 0 && i < JAIL_NMAPS; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
	if (r == -EPROTO && !rep->what[0])
		snprintf(rep->what, sizeof(rep->what), "reply without the map fds");
	return r;
}

const char *privsep_step_name(unsigned int step)
{
	static const char *const names[] = {
		[JAIL_STEP_REQUEST] = "check request",
		[JAIL_STEP_CGROUP] = "open cgroup",
		[JAIL_STEP_CAPS] = "capabilities",
		[JAIL_STEP_MAP] = "create map",
		[JAIL_STEP_LOAD] = "load program",
		[JAIL_STEP_ATTACH] = "attach program",
		[JAIL_STEP_QUERY] = "confirm attachment",
		[JAIL_STEP_DONE] = "done",
		[JAIL_STEP_LOCKDOWN] = "confine the privileged child",
	};

	if (step < sizeof(names) / sizeof(names[0]) && names[step])
		return names[step];
	return "privileged child";
}
