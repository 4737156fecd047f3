/*
 * util.c - what every module uses: the messages ("jail-ai: ..." on
 * stderr, die) and reading a whole small file.  A leaf: it calls nothing
 * else of ours.
 *
 * No privilege.  Untrusted input: none (read_file's callers parse what it
 * reads).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "util.h"

__attribute__((format(printf, 1, 0)))
static void vwarnx(const char *fmt, va_list ap)
{
	fputs("jail-ai: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
}

void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	exit(code);
}

int read_file(const char *path, char **buf, size_t *len)
{
	size_t cap = 8192, n = 0;
	char *b = malloc(cap), *nb;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !b) {
		r = fd < 0 ? -errno : -ENOMEM;
		free(b);
		if (fd >= 0)
			close(fd);
		return (int)r;
	}
	for (;;) {
		if (n + 1 >= cap) {
			nb = realloc(b, cap *= 2);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			r = r < 0 ? -errno : 0;
			break;
		}
		n += (size_t)r;
	}
	close(fd);
	if (r < 0) {
		free(b);
		return (int)r;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int bpf_map_op(int cmd, int fd, const void *key, const void *value)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (__u32)fd;
	a.key = (__u64)(unsigned long)key;
	a.value = (__u64)(unsigned long)value;	/* also next_key */
	a.flags = cmd == BPF_MAP_UPDATE_ELEM ? BPF_ANY : 0;
	return syscall(SYS_bpf, cmd, &a, sizeof(a)) < 0 ? -errno : 0;
}
