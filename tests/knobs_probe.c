/*
 * tests/knobs_probe.c - tries to write a host kernel knob the way a jailed
 * CMD would, for tests/31-knobs.t.  Every write puts back the value just
 * read, so a success changes nothing on the host; the write(2) result is
 * the evidence.
 *
 *   knobs_probe direct FILE
 *       write FILE as it is (a planted proc/sysfs mount, or CMD's own).
 *   knobs_probe fresh proc|sysfs DIR KNOB [ro]
 *       new user + mount namespaces (+ PID for proc, + network for sysfs),
 *       no uid map (the kernel still sees the caller's own uid), mount a
 *       fresh proc or sysfs at DIR (read-only with "ro"), write DIR/KNOB.
 *   knobs_probe rebind SRC DIR KNOB
 *       new user + mount namespaces: bind SRC (a proc or sysfs mount) at
 *       DIR, remount it read-write, write DIR/KNOB.
 *
 * Prints what each step gave; the last line is "WROTE FILE" or "refused".
 * Exit 0: the knob was written; 1: refused; 2: the probe itself failed.
 * No privilege beyond the caller's.  Untrusted input: none.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

static int put_back(const char *path)
{
	char v[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		printf("read-open %s: %s\n", path, strerror(errno));
		return 1;
	}
	n = read(fd, v, sizeof(v) - 1);
	close(fd);
	if (n <= 0) {
		printf("read %s: %s\n", path, n < 0 ? strerror(errno) : "empty");
		return 1;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("write-open %s: %s\n", path, strerror(errno));
		printf("refused\n");
		return 1;
	}
	if (write(fd, v, (size_t)n) != n) {
		printf("write %s: %s\n", path, strerror(errno));
		close(fd);
		printf("refused\n");
		return 1;
	}
	close(fd);
	printf("WROTE %s\n", path);
	return 0;
}

static int in_child(int (*fn)(char **), char **argv)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		int r = fn(argv);

		fflush(stdout);
		_exit(r);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return 2;
	return WEXITSTATUS(status);
}

static int fresh_child(char **argv)
{
	unsigned long fl = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	char path[4096];

	if (argv[3] && strcmp(argv[3], "ro") == 0)
		fl |= MS_RDONLY;
	if (mount(argv[0], argv[1], argv[0], fl, NULL) < 0) {
		printf("mount %s%s at %s: %s\n", argv[0], fl & MS_RDONLY ?
		    " (ro)" : "", argv[1], strerror(errno));
		printf("refused\n");
		return 1;
	}
	printf("mount %s%s at %s: ok\n", argv[0], fl & MS_RDONLY ? " (ro)" :
	    "", argv[1]);
	snprintf(path, sizeof(path), "%s/%s", argv[1], argv[2]);
	return put_back(path);
}

static int fresh(char **argv)
{
	int proc = strcmp(argv[0], "proc") == 0;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS |
	    (proc ? CLONE_NEWPID : CLONE_NEWNET)) < 0) {
		printf("unshare: %s\n", strerror(errno));
		return 2;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		printf("make-rprivate: %s\n", strerror(errno));
	return in_child(fresh_child, argv);	/* first in the pid ns */
}

static int rebind(char **argv)
{
	char path[4096];

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		printf("unshare: %s\n", strerror(errno));
		return 2;
	}
	if (mount(argv[0], argv[1], NULL, MS_BIND, NULL) < 0) {
		printf("bind %s at %s: %s\n", argv[0], argv[1], strerror(errno));
		printf("refused\n");
		return 1;
	}
	if (mount(NULL, argv[1], NULL, MS_REMOUNT | MS_BIND | MS_NOSUID |
	    MS_NODEV | MS_NOEXEC, NULL) < 0)
		printf("remount %s read-write: %s\n", argv[1], strerror(errno));
	else
		printf("remount %s read-write: ok\n", argv[1]);
	snprintf(path, sizeof(path), "%s/%s", argv[1], argv[2]);
	return put_back(path);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "direct") == 0)
		return put_back(argv[2]);
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "fresh") == 0 &&
	    (strcmp(argv[2], "proc") == 0 || strcmp(argv[2], "sysfs") == 0))
		return fresh(argv + 2);
	if (argc == 5 && strcmp(argv[1], "rebind") == 0)
		return rebind(argv + 2);
	fprintf(stderr, "usage: knobs_probe direct FILE | fresh proc|sysfs "
	    "DIR KNOB [ro] | rebind SRC DIR KNOB\n");
	return 2;
}
