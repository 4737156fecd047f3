/*
 * tests/dnsmap_probe.c - what a `run --allow-domain` jail's DNS allow maps
 * hold, for tests/28-dns.t: the jail-ai parent's jail_dns4 and jail_dns6
 * (its hash maps with 4- and 16-byte keys, found by /proc/PID/fdinfo),
 * taken with pidfd_getfd and listed.  Root only (the parent is not
 * dumpable); its input is the pid.
 *
 * usage: dnsmap_probe PID
 * One line per entry: "ADDR SECONDS" (the expiry minus CLOCK_BOOTTIME now,
 * whole seconds, negative once lapsed), then "entries N".  Exit 0, 2 when
 * the maps cannot be found or read, 100 bad usage.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(SYS_bpf, cmd, a, sizeof(*a));
}

/* The fd number in PID of the hash map with key size ksz, or -1. */
static int find(int pid, unsigned ksz)
{
	char path[300], line[128];
	struct dirent *d;
	DIR *dir;
	FILE *f;
	int found = -1;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
	if (!(dir = opendir(path)))
		return -1;
	while (found < 0 && (d = readdir(dir))) {
		unsigned type = 0, k = 0;

		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid,
		    d->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "map_type: %u", &type);
			sscanf(line, "key_size: %u", &k);
		}
		fclose(f);
		if (type == BPF_MAP_TYPE_HASH && k == ksz)
			found = atoi(d->d_name);
	}
	closedir(dir);
	return found;
}

static int list(int fd, unsigned ksz, long long now)
{
	unsigned char k[16], nk[16];
	unsigned long long exp;
	union bpf_attr a;
	char s[INET6_ADDRSTRLEN];
	int n = 0, first = 1;

	for (;;) {
		memset(&a, 0, sizeof(a));
		a.map_fd = (unsigned)fd;
		a.key = first ? 0 : (unsigned long)k;
		a.next_key = (unsigned long)nk;
		if (sys_bpf(BPF_MAP_GET_NEXT_KEY, &a) < 0)
			return errno == ENOENT ? n : -1;
		first = 0;
		memcpy(k, nk, ksz);
		memset(&a, 0, sizeof(a));
		a.map_fd = (unsigned)fd;
		a.key = (unsigned long)k;
		a.value = (unsigned long)&exp;
		if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &a) < 0)
			continue;	/* swept meanwhile */
		inet_ntop(ksz == 4 ? AF_INET : AF_INET6, k, s, sizeof(s));
		printf("%s %lld\n", s, ((long long)exp - now) / 1000000000LL);
		n++;
	}
}

int main(int argc, char **argv)
{
	struct timespec ts;
	long long now;
	int pid, pidfd, i, n = 0, r;
	static const unsigned ksz[2] = { 4, 16 };

	if (argc != 2 || (pid = atoi(argv[1])) <= 0)
		return 100;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return perror("pidfd_open"), 2;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	now = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	for (i = 0; i < 2; i++) {
		int t = find(pid, ksz[i]), fd;

		if (t < 0)
			return fprintf(stderr, "no jail_dns%c\n", i ? '6' : '4'), 2;
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, t, 0);
		if (fd < 0)
			return perror("pidfd_getfd"), 2;
		if ((r = list(fd, ksz[i], now)) < 0)
			return perror("bpf"), 2;
		n += r;
		close(fd);
	}
	printf("entries %d\n", n);
	return 0;
}
