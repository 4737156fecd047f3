/*
 * tests/fs_probe.c - the file and local-IPC client tests/37-files.t runs
 * inside `jail-ai run` and, as the control, outside it.
 *
 * Runs with whatever privilege the test gives it.  Inputs: its own argv.
 * One line per attempt: "ok" or the errno's name.  Exit 0 success, 1
 * refused (EACCES, EPERM, ENOENT, ECONNREFUSED: the thing is not reachable),
 * 2 another error, 100 bad usage.
 *
 *   read PATH            open O_RDONLY and read a byte (a block device too);
 *                        "EMPTY" when there is none
 *   write PATH           create or append a line
 *   truncate PATH        truncate(2) to 0
 *   exec PATH            execve it (no arguments)
 *   serve-unix PATH|@NAME [N]  listen, answer N (1) connections with "hi"
 *   connect PATH|@NAME   connect a unix stream socket, read the answer
 *   kill PID             kill(PID, 0)
 *   nested-mount         a user + mount namespace, then a bind mount in it
 *                        (what bubblewrap does first)
 *   deny NR ERRNO CMD... run CMD with syscall NR failing with ERRNO (a
 *                        seccomp filter, no_new_privs): a kernel without it
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

static int report(int r)
{
	const char *n;

	if (r == 0) {
		puts("ok");
		return 0;
	}
	if (r < 0) {
		puts("EMPTY");
		return 1;
	}
	switch (r) {
	case EACCES: n = "EACCES"; break;
	case EPERM: n = "EPERM"; break;
	case ENOENT: n = "ENOENT"; break;
	case ECONNREFUSED: n = "ECONNREFUSED"; break;
	case EROFS: n = "EROFS"; break;
	case ENXIO: n = "ENXIO"; break;
	default: n = strerror(r); break;
	}
	puts(n);
	return r == EACCES || r == EPERM || r == ENOENT || r == ECONNREFUSED ||
	    r == EROFS ? 1 : 2;
}

static int do_read(const char *p)
{
	char c;
	int fd = open(p, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	switch (read(fd, &c, 1)) {
	case -1:
		close(fd);
		return errno;
	case 0:
		close(fd);
		return -1;	/* opened, nothing in it */
	}
	close(fd);
	return 0;
}

static int do_write(const char *p)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0)
		return errno;
	if (write(fd, "jail\n", 5) != 5) {
		close(fd);
		return errno;
	}
	close(fd);
	return 0;
}

/* A unix address: "@NAME" is abstract. */
static socklen_t addr(struct sockaddr_un *a, const char *p)
{
	size_t n = strlen(p);

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (n >= sizeof(a->sun_path))
		exit(100);
	memcpy(a->sun_path, p, n);
	if (p[0] == '@')
		a->sun_path[0] = '\0';
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (p[0] == '@' ? 0 : 1));
}

static int serve(const char *p, int n)
{
	struct sockaddr_un a;
	socklen_t len = addr(&a, p);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), c;

	if (s < 0 || bind(s, (struct sockaddr *)&a, len) < 0 ||
	    listen(s, 8) < 0)
		return errno;
	puts("listening");
	fflush(stdout);
	while (n-- > 0 && (c = accept(s, NULL, NULL)) >= 0) {
		if (write(c, "hi\n", 3) != 3)
			perror("write");
		close(c);
	}
	return 0;
}

static int do_connect(const char *p)
{
	struct sockaddr_un a;
	socklen_t len = addr(&a, p);
	char buf[4];
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0 || connect(s, (struct sockaddr *)&a, len) < 0)
		return errno;
	if (read(s, buf, sizeof(buf)) != 3 || memcmp(buf, "hi\n", 3))
		return EIO;
	close(s);
	return 0;
}

static int nested_mount(void)
{
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return errno;
	if (mount("/", "/", NULL, MS_BIND | MS_REC, NULL) < 0)
		return errno;
	return 0;
}

static int deny(int nr, int err, char **cmd)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)err),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return errno;
	execvp(cmd[0], cmd);
	return errno;
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "", *a = argc > 2 ? argv[2] : "";

	if (!strcmp(op, "read") && argc == 3)
		return report(do_read(a));
	if (!strcmp(op, "write") && argc == 3)
		return report(do_write(a));
	if (!strcmp(op, "truncate") && argc == 3)
		return report(truncate(a, 0) < 0 ? errno : 0);
	if (!strcmp(op, "exec") && argc == 3) {
		execl(a, a, (char *)NULL);
		return report(errno);
	}
	if (!strcmp(op, "serve-unix") && argc >= 3)
		return report(serve(a, argc > 3 ? atoi(argv[3]) : 1));
	if (!strcmp(op, "connect") && argc == 3)
		return report(do_connect(a));
	if (!strcmp(op, "kill") && argc == 3)
		return report(kill(atoi(a), 0) < 0 ? errno : 0);
	if (!strcmp(op, "deny") && argc > 4)
		return report(deny(atoi(a), atoi(argv[3]), argv + 4));
	if (!strcmp(op, "nested-mount") && argc == 2)
		return report(nested_mount());
	fprintf(stderr, "usage: fs_probe read|write|truncate|exec|serve-unix|"
	    "connect|kill|nested-mount ARG\n");
	return 100;
}
