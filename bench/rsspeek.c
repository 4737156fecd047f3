/*
 * bench/rsspeek.c - the peak RSS of every process of a command's tree,
 * each on its own.
 *
 *   rsspeek OUTFILE CMD [ARG...]
 *
 * Traces CMD and everything it forks (ptrace, fork/clone/exec/exit
 * events).  At each process's exit stop it reads VmHWM (the peak resident
 * set of the process's current memory map) from /proc/PID/status and
 * appends one line to OUTFILE:
 *
 *   ROLE PID VMHWM_KIB ARGV0 [ARGV1]
 *
 * ROLE: "main" for CMD itself; "exec" for a descendant that called execve
 * (its VmHWM is the new program's alone); "fork" for a descendant that did
 * not (a fork shares and counts the pages it inherited).  Status: CMD's.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXP 256

static pid_t execd[MAXP];
static int nexecd;

static long vmhwm(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void args(pid_t pid, char *out, size_t len)
{
	char path[64], buf[512];
	size_t n, i;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	out[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* argv[0] and argv[1], space separated */
	i = strlen(buf);
	if (i + 1 < n)
		buf[i] = ' ';
	snprintf(out, len, "%s", buf);
}

int main(int argc, char **argv)
{
	pid_t root, pid;
	int st, status = 0, i;
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: rsspeek OUTFILE CMD [ARG...]\n");
		return 100;
	}
	out = fopen(argv[1], "ae");
	if (!out) {
		perror(argv[1]);
		return 100;
	}
	setvbuf(out, NULL, _IOLBF, 0);
	root = fork();
	if (root < 0)
		return 1;
	if (root == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	if (waitpid(root, &st, 0) < 0 || !WIFSTOPPED(st))
		return 1;
	ptrace(PTRACE_SETOPTIONS, root, NULL, (void *)(long)(
	    PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
	    PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL));
	ptrace(PTRACE_CONT, root, NULL, NULL);
	for (;;) {
		pid = waitpid(-1, &st, __WALL);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;		/* ECHILD: all done */
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (pid == root)
				status = WIFEXITED(st) ? WEXITSTATUS(st) :
				    128 + WTERMSIG(st);
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		int ev = st >> 16, sig = 0;

		if (ev == PTRACE_EVENT_EXEC) {
			for (i = 0; i < nexecd && execd[i] != pid; i++)
				;
			if (i == nexecd && nexecd < MAXP)
				execd[nexecd++] = pid;
		} else if (ev == PTRACE_EVENT_EXIT) {
			char a[512];
			const char *role = "fork";

			for (i = 0; i < nexecd && execd[i] != pid; i++)
				;
			if (pid == root)
				role = "main";
			else if (i < nexecd)
				role = "exec";
			args(pid, a, sizeof(a));
			fprintf(out, "%s %d %ld %s\n", role, (int)pid,
			    vmhwm(pid), a);
		} else if (ev == 0 && WSTOPSIG(st) != SIGSTOP &&
		    WSTOPSIG(st) != SIGTRAP) {
			sig = WSTOPSIG(st);	/* a real signal: deliver */
		}
		ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
	}
	return status;
}
