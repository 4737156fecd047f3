/*
 * tests/lockdown_list.c - print the privileged child's syscall allow-list
 * as this build has it (lockdown.c), a name a line, for tests/35-lockdown.t.
 * Built like the binary it describes: musl for ./jail-ai, ASan for
 * ./jail-ai-asan.
 */
#include <stdio.h>

#include "lockdown.h"

int main(void)
{
	fputs(lockdown_syscalls(), stdout);
	return 0;
}
