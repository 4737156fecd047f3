/*
 * bench/dnsmany.c - a DNS server for bench/run's --allow-domain row: UDP on
 * ADDR:53, A queries only.  nN.many.bench answers 198.18.(N / 250).(N % 250
 * + 1), peer.bench answers PEER; TTL 3600; anything else NXDOMAIN.  Prints
 * "ready" once bound.  Never installed; no privilege beyond the bind.
 *
 * usage: dnsmany ADDR PEER
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The query's name, dotted, lowercase as sent; its end in *end.  -1 bad. */
static int qname(const unsigned char *m, size_t len, char *out, size_t cap,
    size_t *end)
{
	size_t off = 12, o = 0;

	while (off < len && m[off]) {
		size_t l = m[off++];

		if (l > 63 || off + l > len || o + l + 2 > cap)
			return -1;
		if (o)
			out[o++] = '.';
		memcpy(out + o, m + off, l);
		o += l;
		off += l;
	}
	if (off + 5 > len)
		return -1;
	out[o] = '\0';
	*end = off + 5;
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa, from;
	unsigned char m[512], a[4];
	char name[256];
	socklen_t fl;
	ssize_t n;
	size_t end;
	unsigned long k;
	int fd, found;

	if (argc != 3)
		return 100;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(53);
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1)
		return 100;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("dnsmany: bind");
		return 111;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		fl = sizeof(from);
		n = recvfrom(fd, m, sizeof(m) - 16, 0, (struct sockaddr *)&from,
		    &fl);
		if (n < 12 || qname(m, (size_t)n, name, sizeof(name), &end) < 0)
			continue;
		found = 0;
		if (strcmp(name, "peer.bench") == 0)
			found = inet_pton(AF_INET, argv[2], a) == 1;
		else if (sscanf(name, "n%lu.many.bench", &k) == 1 && k < 62500) {
			a[0] = 198, a[1] = 18, a[2] = (unsigned char)(k / 250);
			a[3] = (unsigned char)(k % 250 + 1);
			found = 1;
		}
		found = found && m[end - 3] == 1;	/* QTYPE A */
		m[2] = 0x81;	/* QR, RD */
		m[3] = found ? 0x80 : 0x83;	/* RA; NOERROR or NXDOMAIN */
		m[6] = 0, m[7] = (unsigned char)found;
		m[8] = m[9] = m[10] = m[11] = 0;
		if (found) {
			static const unsigned char rr[] = { 0xc0, 12, 0, 1, 0, 1,
			    0, 0, 0x0e, 0x10, 0, 4 };

			memcpy(m + end, rr, sizeof(rr));
			memcpy(m + end + sizeof(rr), a, 4);
			end += sizeof(rr) + 4;
		}
		sendto(fd, m, end, 0, (struct sockaddr *)&from, fl);
	}
}
