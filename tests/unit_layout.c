/*
 * tests/unit_layout.c - print the layout of everything that crosses a
 * boundary as bytes: the request and reply (parent <-> privileged child)
 * and the map keys and values (loader <-> BPF programs), plus the byte
 * order.  tests/12-aarch64.t runs the native and the aarch64 build and
 * compares the two outputs line for line: the BPF instruction array is
 * the same on both, so these must be too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "request.h"

#define SZ(t)		printf("sizeof %s %zu\n", #t, sizeof(t))
#define OFF(t, f)	printf("offsetof %s.%s %zu\n", #t, #f, offsetof(t, f))

int main(void)
{
	uint32_t one = 1;

	printf("little-endian %d\n", *(uint8_t *)&one == 1);
	SZ(struct jail_req_hdr);
	OFF(struct jail_req_hdr, magic);
	OFF(struct jail_req_hdr, version);
	OFF(struct jail_req_hdr, op);
	OFF(struct jail_req_hdr, n4);
	OFF(struct jail_req_hdr, n6);
	OFF(struct jail_req_hdr, dns_port);
	OFF(struct jail_req_hdr, cgroup);
	SZ(struct jail_dns_orig);
	OFF(struct jail_dns_orig, port);
	OFF(struct jail_dns_orig, family);
	SZ(struct jail_key4);
	SZ(struct jail_key6);
	SZ(struct jail_verdict);
	OFF(struct jail_verdict, action);
	OFF(struct jail_verdict, nports);
	OFF(struct jail_verdict, kind);
	OFF(struct jail_verdict, ports);
	OFF(struct jail_verdict, entry);
	SZ(struct jail_event);
	OFF(struct jail_event, pid);
	OFF(struct jail_event, entry);
	OFF(struct jail_event, addr);
	OFF(struct jail_event, detail);
	OFF(struct jail_event, port);
	OFF(struct jail_event, hook);
	OFF(struct jail_event, proto);
	SZ(struct jail_rule4);
	SZ(struct jail_rule6);
	OFF(struct jail_rule4, v);
	OFF(struct jail_rule6, v);
	SZ(struct jail_reply);
	OFF(struct jail_reply, step);
	OFF(struct jail_reply, err);
	OFF(struct jail_reply, prog_ids);
	OFF(struct jail_reply, attached);
	OFF(struct jail_reply, what);
	OFF(struct jail_reply, confined);
	OFF(struct jail_reply, log);
	printf("JAIL_REQ_MAX %zu\n", (size_t)JAIL_REQ_MAX);
	return 0;
}
