/*
 * bpf/jail.bpf.c - the jail's network policy, as cgroup eBPF programs.
 *
 * Compiled by `make bpf` (clang -target bpf) and turned by tools/bpf2c into
 * bpf_insns.h, which is what jail-ai actually loads; nothing here runs on
 * the host.  Untrusted input: every field of the context, which the jailed
 * process chose (address, port, socket type).
 *
 * The object must stay simple enough for tools/bpf2c to check: no global
 * variables or .rodata, every helper static __always_inline (no BPF-to-BPF
 * calls), maps referenced only through the symbols jail_v4, jail_v6, jail_ev,
 * jail_cnt, jail_dns4, jail_dns6, jail_dsk and jail_dcfg.
 * Their attributes (LPM trie, key, value, flags, size) are the loader's: the
 * "maps" section below only gives the relocations something to name.
 *
 * Return 1 allows the operation, 0 fails it with EPERM.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/in6.h>
#include "bpf_maps.h"

#define SEC(name)	__attribute__((section(name), used))
/* uapi <linux/stddef.h> defines it as a plain __inline__, a mere hint. */
#undef __always_inline
#define __always_inline	inline __attribute__((always_inline))

/* Socket types and families: <sys/socket.h> is libc's, not uapi. */
#define JAIL_AF_INET	2
#define JAIL_AF_INET6	10
#define JAIL_SOCK_STREAM	1
#define JAIL_SOCK_DGRAM	2

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define jail_ntohs(x)	__builtin_bswap16(x)
#define jail_htons(x)	__builtin_bswap16(x)
#define jail_htonl(x)	__builtin_bswap32(x)
#else
#define jail_ntohs(x)	(x)
#define jail_htons(x)	(x)
#define jail_htonl(x)	(x)
#endif

/* A helper is called by number; the constant pointer folds away at -O2. */
static void *(*bpf_map_lookup_elem)(void *map, const void *key) =
	(void *)BPF_FUNC_map_lookup_elem;
static long (*bpf_skb_load_bytes)(const void *skb, __u32 off, void *to,
    __u32 len) = (void *)BPF_FUNC_skb_load_bytes;
/* Denial events only: every one of them is 5.8's, like the ring buffer. */
static __u64 (*bpf_ktime_get_boot_ns)(void) =
	(void *)BPF_FUNC_ktime_get_boot_ns;
/* --allow-domain: the socket cookie in sock_addr programs is 4.19's. */
static long (*bpf_map_update_elem)(void *map, const void *key,
    const void *value, __u64 flags) = (void *)BPF_FUNC_map_update_elem;
static __u64 (*bpf_get_socket_cookie)(void *ctx) =
	(void *)BPF_FUNC_get_socket_cookie;
static __u64 (*bpf_get_current_pid_tgid)(void) =
	(void *)BPF_FUNC_get_current_pid_tgid;
static void *(*bpf_ringbuf_reserve)(void *ringbuf, __u64 size, __u64 flags) =
	(void *)BPF_FUNC_ringbuf_reserve;
static void (*bpf_ringbuf_submit)(void *data, __u64 flags) =
	(void *)BPF_FUNC_ringbuf_submit;

/*
 * Placeholders: only their names matter (tools/bpf2c maps jail_v4, jail_v6,
 * jail_ev and jail_cnt to JAIL_MAP_V4, _V6, _EV and _CNT).  Not static, so that clang
 * relocates against the named symbol rather than the section.
 */
struct jail_map_placeholder {
	__u32 type;
	__u32 key_size;
	__u32 value_size;
};

struct jail_map_placeholder jail_v4 SEC("maps") = {
	BPF_MAP_TYPE_LPM_TRIE, sizeof(struct jail_key4),
	sizeof(struct jail_verdict),
};
struct jail_map_placeholder jail_v6 SEC("maps") = {
	BPF_MAP_TYPE_LPM_TRIE, sizeof(struct jail_key6),
	sizeof(struct jail_verdict),
};

struct jail_map_placeholder jail_ev SEC("maps") = {
	BPF_MAP_TYPE_RINGBUF, 0, 0,
};
struct jail_map_placeholder jail_cnt SEC("maps") = {
	BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(__u64),
};
struct jail_map_placeholder jail_dns4 SEC("maps") = {
	BPF_MAP_TYPE_HASH, 4, sizeof(__u64),
};
struct jail_map_placeholder jail_dns6 SEC("maps") = {
	BPF_MAP_TYPE_HASH, 16, sizeof(__u64),
};
struct jail_map_placeholder jail_dsk SEC("maps") = {
	BPF_MAP_TYPE_LRU_HASH, sizeof(__u64), sizeof(struct jail_dns_orig),
};
struct jail_map_placeholder jail_dcfg SEC("maps") = {
	BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(__u32),
};

char jail_license[] SEC("license") = "GPL";

/*
 * Context fields are read as whole __u32 through a volatile pointer: clang
 * would otherwise narrow a load it only needs 16 bits of, and narrow ctx
 * loads are refused for some fields (and by older kernels for user_port).
 */
static __always_inline __u32 ctx_u32(const volatile __u32 *field)
{
	return *field;
}

/* Two __u32 as the one __u64 whose memory holds lo, then hi. */
static __always_inline __u64 pair(__u32 lo, __u32 hi)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (__u64)hi << 32 | lo;
#else
	return (__u64)lo << 32 | hi;
#endif
}

/* An IPv6 address, four context words, as two 8-byte stack words: the
 * 6.1 verifier without CAP_PERFMON refuses a 4-byte store into a stack
 * slot that already holds a 4-byte spill (see count() and dns_remember). */
static __always_inline void ip6_load(__u64 *a, const __u32 *f)
{
	a[0] = pair(ctx_u32(&f[0]), ctx_u32(&f[1]));
	a[1] = pair(ctx_u32(&f[2]), ctx_u32(&f[3]));
}

/*
 * An entry: its listed ports pass, anything else gets its action.  The
 * loop is unrolled so that the verifier sees straight-line code with a
 * constant index into the value, on every kernel back to 5.8.
 */
static __always_inline int verdict(const struct jail_verdict *v, __u16 port)
{
	__u32 n = v->nports;

#pragma clang loop unroll(full)
	for (__u32 i = 0; i < JAIL_MAX_PORTS; i++)
		if (i < n && v->ports[i] == port)
			return 1;
	return v->action == JAIL_ALLOW;
}

/* ---- denial events: only ever reached on a deny path ---- */

/*
 * The key is stored as one 8-byte value: a verifier before 6.3 without
 * CAP_PERFMON (the child has CAP_BPF and CAP_NET_ADMIN only) refuses a
 * narrow store into an 8-byte stack slot that holds a narrower spilled
 * constant ("attempt to corrupt spilled pointer on stack"; see egress4).
 */
static __always_inline void count(__u32 slot)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	__u64 key = slot;
#else
	__u64 key = (__u64)slot << 32;
#endif
	__u64 *c = bpf_map_lookup_elem(&jail_cnt, &key);

	if (c)
		__sync_fetch_and_add(c, 1);
}

/*
 * The hook's count, then an event in the ring, zeroed, stamped: written in
 * place (ring memory, not the stack, for the same verifier as above), and
 * submitted by the caller.  NULL when the ring is full: a counted drop.
 */
static __always_inline struct jail_event *reserve(__u32 hook)
{
	struct jail_event *e;

	count(hook);
	e = bpf_ringbuf_reserve(&jail_ev, sizeof(*e), 0);
	if (!e) {
		count(JAIL_CNT_DROPPED);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->hook = (__u8)hook;
	e->time_ns = bpf_ktime_get_boot_ns();
	return e;
}

/*
 * A sock_addr hook's denial: the process id (these hooks may ask for it
 * from 5.8 on; not its comm, which they may not), the socket, the
 * destination as judged and the denying entry (d, from denial()).  addr:
 * 4 or 16 bytes in network order; port in host order.  0: the verdict.
 */
static __always_inline int deny_addr(struct bpf_sock_addr *ctx, __u32 hook,
    __u64 d, __u32 family, const void *addr, __u32 alen, __u16 port)
{
	struct jail_event *e = reserve(hook);

	if (!e)
		return 0;
	e->pid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	e->entry = (__u32)d;
	e->kind = (__u8)(d >> 32);
	e->family = (__u8)family;
	e->type = (__u8)ctx_u32(&ctx->type);
	e->proto = (__u16)ctx_u32(&ctx->protocol);
	e->port = port;
	if (alen == 4)
		__builtin_memcpy(e->addr, addr, 4);
	else
		__builtin_memcpy(e->addr, addr, 16);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* ---- --allow-domain ---- */

/*
 * An address an allowed name resolved to, for this jail, not yet expired
 * (bpf_maps.h).  Asked only where --deny-all's own entry denies: the
 * caller checks the kind, so a host, loopback, private, fixed or --deny
 * entry is never opened by an answer.
 */
static __always_inline int dns_allows(void *map, const void *addr)
{
	__u64 *expiry = bpf_map_lookup_elem(map, addr);

	return expiry && bpf_ktime_get_boot_ns() < *expiry;
}

/* The forwarder's port, host order; 0 when the jail has no domains. */
static __always_inline __u32 dns_port(void)
{
	__u64 key = 0;	/* one 8-byte store: see count() */
	__u32 *p = bpf_map_lookup_elem(&jail_dcfg, &key);

	return p ? *p : 0;
}

/*
 * Remember where the socket meant to send (its cookie's entry), so that
 * recvmsg and getpeername can show that address again.  A failed update
 * only loses the way back: the resolver then drops the answer.  The value
 * (struct jail_dns_orig: addr[4], port, family) is written as three
 * 8-byte stores: the 6.1 verifier without CAP_PERFMON refuses a narrow
 * store into a slot that holds a narrower spilled register (see count()),
 * which the field-by-field stores clang emits would make.
 */
static __always_inline void dns_remember(void *ctx, __u64 a01, __u64 a23,
    __u32 port, __u32 family)
{
	__u64 o[3];
	__u64 cookie = bpf_get_socket_cookie(ctx);

	o[0] = a01;
	o[1] = a23;
	o[2] = pair(port, family);
	bpf_map_update_elem(&jail_dsk, &cookie, o, BPF_ANY);
}

/* Port 53 (TCP or UDP, any address) goes to the forwarder on 127.0.0.1. */
static __always_inline int redirect4(struct bpf_sock_addr *ctx, __u32 ip4,
    __u32 port, __u32 fwd)
{
	dns_remember(ctx, pair(ip4, 0), 0, port, JAIL_AF_INET);
	ctx->user_ip4 = jail_htonl(0x7f000001);
	ctx->user_port = jail_htons((__u16)fwd);
	return 1;
}

/*
 * The same for AF_INET6: ::1, or ::ffff:127.0.0.1 for a v4-mapped one.
 * a: ip6_load's two words.  "v4-mapped" is one test of one value (0 when
 * it is): three tests, each an outcome the later ones were compared
 * against, made the verifier walk this four times.
 */
static __always_inline int redirect6(struct bpf_sock_addr *ctx,
    const __u64 *a, __u32 port, __u32 fwd)
{
	__u64 unmapped = a[0] | (((const __u32 *)a)[2] ^ jail_htonl(0xffff));
	__u32 w2 = 0, w3 = jail_htonl(1);

	if (unmapped == 0) {
		w2 = jail_htonl(0xffff);
		w3 = jail_htonl(0x7f000001);
	}
	dns_remember(ctx, a[0], a[1], port, JAIL_AF_INET6);
	ctx->user_ip6[0] = 0;
	ctx->user_ip6[1] = 0;
	ctx->user_ip6[2] = w2;
	ctx->user_ip6[3] = w3;
	ctx->user_port = jail_htons((__u16)fwd);
	return 1;
}

/*
 * port as in the context; fwd from dns_port().  Only a TCP or UDP socket:
 * the forwarder listens on nothing else, and a host process could take
 * its port for another protocol (UDP-Lite) and talk with CMD through the
 * redirect.  Anything else to port 53 meets the policy like any port.
 */
static __always_inline int is_dns(struct bpf_sock_addr *ctx, __u32 port,
    __u32 fwd)
{
	__u32 proto;

	if (fwd == 0 || jail_ntohs((__u16)port) != 53)
		return 0;
	proto = ctx_u32(&ctx->protocol);
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

/* ::1 or ::ffff:127.0.0.1, where redirect6 sends; w network order. */
static __always_inline int is_fwd6(const __u32 *w)
{
	return w[0] == 0 && w[1] == 0 && ((w[2] == 0 &&
	    w[3] == jail_htonl(1)) || (w[2] == jail_htonl(0xffff) &&
	    w[3] == jail_htonl(0x7f000001)));
}

/*
 * A denying entry as a scalar, never 0: entry, kind << 32, 1 << 40.  Not
 * the pointer: a pointer into jail_v4 and one into jail_v6 are different
 * states to the verifier, so the event code after them was walked once
 * per map; two scalars are one state, walked once.
 */
static __always_inline __u64 denial(const struct jail_verdict *v)
{
	return (__u64)1 << 40 | (__u64)v->kind << 32 | v->entry;
}

/* The entry that denies ip4 on port as denial(), or 0: ip4 network
 * order. */
static __always_inline __u64 denier4(__u32 ip4, __u16 port)
{
	struct jail_key4 key;
	struct jail_verdict *v;
	__u64 k4, d;

	__builtin_memcpy(key.addr, &ip4, sizeof(ip4));	/* first: see egress4 */
	asm volatile("" ::: "memory");
	key.prefixlen = 32;
	v = bpf_map_lookup_elem(&jail_v4, &key);
	if (!v || verdict(v, port))
		return 0;
	d = denial(v);
	k4 = pair(ip4, 0);	/* one 8-byte store: see count() */
	if (v->kind == JAIL_KIND_DENY_ALL && dns_allows(&jail_dns4, &k4))
		return 0;
	return d;
}

/*
 * ::ffff:a.b.c.d is IPv4 reached through an AF_INET6 socket: it must meet
 * the IPv4 policy, whatever user_family says (the kernel decides on the
 * address, and user_family can be AF_UNSPEC).  w: network byte order.
 */
static __always_inline __u64 denier6(const __u32 *w, __u16 port)
{
	struct jail_key6 key;
	struct jail_verdict *v;
	__u64 d;

	if (w[0] == 0 && w[1] == 0 && w[2] == jail_htonl(0xffff))
		return denier4(w[3], port);
	__builtin_memcpy(key.addr, w, 16);	/* first: see egress4 */
	asm volatile("" ::: "memory");
	key.prefixlen = 128;
	v = bpf_map_lookup_elem(&jail_v6, &key);
	if (!v || verdict(v, port))
		return 0;
	d = denial(v);
	if (v->kind == JAIL_KIND_DENY_ALL && dns_allows(&jail_dns6, w))
		return 0;
	return d;
}

/* 1 allows; a denial becomes an event.  port as in the context. */
static __always_inline int check4(struct bpf_sock_addr *ctx, __u32 hook,
    __u32 ip4, __u32 port)
{
	__u16 p = jail_ntohs((__u16)port);
	__u64 d = denier4(ip4, p);

	if (!d)
		return 1;
	return deny_addr(ctx, hook, d, JAIL_AF_INET, &ip4, 4, p);
}

static __always_inline int check6(struct bpf_sock_addr *ctx, __u32 hook,
    const __u32 *w, __u32 port)
{
	__u16 p = jail_ntohs((__u16)port);
	__u64 d = denier6(w, p);

	if (!d)
		return 1;
	return deny_addr(ctx, hook, d, JAIL_AF_INET6, w, 16, p);
}

static __always_inline int check6_ctx(struct bpf_sock_addr *ctx, __u32 hook)
{
	__u64 a[2];
	const __u32 *w = (const __u32 *)a;
	__u32 port = ctx_u32(&ctx->user_port), fwd = dns_port();

	ip6_load(a, ctx->user_ip6);
	if (is_dns(ctx, port, fwd))
		return redirect6(ctx, a, port, fwd);
	return check6(ctx, hook, w, port);
}

SEC("cgroup/connect4")
int jail_connect4(struct bpf_sock_addr *ctx)
{
	__u32 ip = ctx_u32(&ctx->user_ip4), port = ctx_u32(&ctx->user_port);
	__u32 fwd = dns_port();

	if (is_dns(ctx, port, fwd))
		return redirect4(ctx, ip, port, fwd);
	return check4(ctx, JAIL_HOOK_CONNECT4, ip, port);
}

SEC("cgroup/connect6")
int jail_connect6(struct bpf_sock_addr *ctx)
{
	return check6_ctx(ctx, JAIL_HOOK_CONNECT6);
}

/*
 * A connected UDP socket that sends with IP- or IPv6-level ancillary data
 * (IP_TOS, IP_PKTINFO, IPV6_TCLASS, ...) and no address reaches the
 * sendmsg hook with a zeroed one: 0.0.0.0 or ::, port 0.  An address the
 * caller gives with port 0 is EINVAL before the hook, so this is that
 * case: judge the peer the socket is connected to, as connect() did.  An
 * unconnected socket has peer 0.0.0.0, which the policy denies.
 * ctx->sk in sock_addr programs: kernel 5.3.
 */
SEC("cgroup/sendmsg4")
int jail_sendmsg4(struct bpf_sock_addr *ctx)
{
	__u32 ip = ctx_u32(&ctx->user_ip4), port = ctx_u32(&ctx->user_port);
	__u32 fwd = dns_port();
	struct bpf_sock *sk;

	if (ip == 0 && port == 0) {
		sk = ctx->sk;
		ip = ctx_u32(&sk->dst_ip4);
		port = ctx_u32((const volatile __u32 *)&sk->dst_port);
		/* connected to the forwarder: connect4 redirected it */
		if (fwd && ip == jail_htonl(0x7f000001) &&
		    jail_ntohs((__u16)port) == fwd)
			return 1;
	} else if (is_dns(ctx, port, fwd)) {
		return redirect4(ctx, ip, port, fwd);
	}
	return check4(ctx, JAIL_HOOK_SENDMSG4, ip, port);
}

SEC("cgroup/sendmsg6")
int jail_sendmsg6(struct bpf_sock_addr *ctx)
{
	__u64 a[2];
	const __u32 *w = (const __u32 *)a;
	__u32 port = ctx_u32(&ctx->user_port), fwd = dns_port();
	struct bpf_sock *sk;

	ip6_load(a, ctx->user_ip6);
	if ((a[0] | a[1]) != 0 || port != 0) {
		if (is_dns(ctx, port, fwd))
			return redirect6(ctx, a, port, fwd);
	} else {
		sk = ctx->sk;
		ip6_load(a, sk->dst_ip6);
		port = ctx_u32((const volatile __u32 *)&sk->dst_port);
		if (fwd && jail_ntohs((__u16)port) == fwd && is_fwd6(w))
			return 1;	/* connected to the forwarder by connect6 */
	}
	/* One call for both: the verifier walks check6 once, not twice. */
	return check6(ctx, JAIL_HOOK_SENDMSG6, w, port);
}

/*
 * The way back: an answer (recvmsg) or a peer (getpeername) that is the
 * forwarder, on a socket whose query was redirected, shows the address
 * the socket asked instead: libc resolvers drop answers from anyone else.
 * Only the address the caller reads changes; these hooks cannot deny
 * (the verifier insists on 1).
 */
static __always_inline int restore4(struct bpf_sock_addr *ctx)
{
	__u32 fwd = dns_port();
	__u64 cookie;
	struct jail_dns_orig *o;

	if (fwd == 0 || ctx_u32(&ctx->user_ip4) != jail_htonl(0x7f000001) ||
	    jail_ntohs((__u16)ctx_u32(&ctx->user_port)) != fwd)
		return 1;
	cookie = bpf_get_socket_cookie(ctx);
	o = bpf_map_lookup_elem(&jail_dsk, &cookie);
	if (o && o->family == JAIL_AF_INET) {
		ctx->user_ip4 = o->addr[0];
		ctx->user_port = o->port;
	}
	return 1;
}

static __always_inline int restore6(struct bpf_sock_addr *ctx)
{
	__u64 a[2], cookie;
	const __u32 *w = (const __u32 *)a;
	__u32 fwd = dns_port();
	struct jail_dns_orig *o;

	ip6_load(a, ctx->user_ip6);
	if (fwd == 0 || jail_ntohs((__u16)ctx_u32(&ctx->user_port)) != fwd ||
	    !is_fwd6(w))
		return 1;
	cookie = bpf_get_socket_cookie(ctx);
	o = bpf_map_lookup_elem(&jail_dsk, &cookie);
	if (!o)
		return 1;
	if (o->family == JAIL_AF_INET6) {
		for (int i = 0; i < 4; i++)
			ctx->user_ip6[i] = o->addr[i];
		ctx->user_port = o->port;
	} else if (w[2] == jail_htonl(0xffff)) {
		/* A v4-mapped sendto on an AF_INET6 socket takes the IPv4
		 * path (udp_sendmsg: sendmsg4 remembered it), the answer
		 * comes back through recvmsg6 as ::ffff:127.0.0.1. */
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = jail_htonl(0xffff);
		ctx->user_ip6[3] = o->addr[0];
		ctx->user_port = o->port;
	}
	return 1;
}

SEC("cgroup/recvmsg4")
int jail_recvmsg4(struct bpf_sock_addr *ctx)
{
	return restore4(ctx);
}

SEC("cgroup/recvmsg6")
int jail_recvmsg6(struct bpf_sock_addr *ctx)
{
	return restore6(ctx);
}

SEC("cgroup/getpeername4")
int jail_getpeername4(struct bpf_sock_addr *ctx)
{
	return restore4(ctx);
}

SEC("cgroup/getpeername6")
int jail_getpeername6(struct bpf_sock_addr *ctx)
{
	return restore6(ctx);
}

/* A denial no entry made: the socket's own fields, no process (sock_create
 * and setsockopt may ask for it only from 6.1, egress never). */
static __always_inline int deny_sock(__u32 hook, __u32 kind, __u32 family,
    __u32 type, __u32 proto, __u32 detail)
{
	struct jail_event *e = reserve(hook);

	if (!e)
		return 0;
	e->kind = (__u8)kind;
	e->family = (__u8)family;
	e->type = (__u8)type;
	e->proto = (__u16)proto;
	e->detail = detail;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/*
 * The address hooks judge only TCP, MPTCP, UDP and UDP-Lite: every other
 * AF_INET/AF_INET6 socket (raw, ICMP ping, SCTP, L2TP/IP, DCCP, ...) has
 * a send path they never see, so it is not made at all.
 */
SEC("cgroup/sock_create")
int jail_sock_create(struct bpf_sock *sk)
{
	__u32 family = ctx_u32(&sk->family);
	__u32 type = ctx_u32(&sk->type);
	__u32 proto = ctx_u32(&sk->protocol);

	if (family != JAIL_AF_INET && family != JAIL_AF_INET6)
		return 1;
	/* An allow-list: only these have the connect and sendmsg hooks the
	 * other programs judge by.  The kernel has resolved protocol 0 to
	 * the real one by now.  Raw, ping (ICMP), SCTP, L2TP/IP and DCCP
	 * sockets, and anything added later, cannot be made. */
	if (type == JAIL_SOCK_STREAM &&
	    (proto == IPPROTO_TCP || proto == IPPROTO_MPTCP))
		return 1;
	if (type == JAIL_SOCK_DGRAM &&
	    (proto == IPPROTO_UDP || proto == IPPROTO_UDPLITE))
		return 1;
	return deny_sock(JAIL_HOOK_SOCK_CREATE, JAIL_KIND_SOCKET, family, type,
	    proto, 0);
}

/*
 * Options that re-route a packet past the address the hooks judged: an
 * IPv6 routing header (a segment-routing header delivers to its last
 * segment, e.g. ::1, where the host has seg6_enabled) and IPv4 source
 * routing options.  Refused with EPERM; every other option goes on to
 * the kernel unchanged.  optlen = 0 tells the kernel to use the caller's
 * buffer: otherwise it kmallocs, copies and frees the value on every
 * setsockopt (measured: 0.4 us of a 30 us connect with SO_LINGER).  Safe
 * because only level and optname are judged here; an option whose value
 * were judged must keep the kernel's copy (the value the program saw).
 */
#define JAIL_SOL_IP		0
#define JAIL_SOL_IPV6		41
#define JAIL_IP_OPTIONS		4
#define JAIL_IPV6_2292RTHDR	5
#define JAIL_IPV6_RTHDR		57

SEC("cgroup/setsockopt")
int jail_setsockopt(struct bpf_sockopt *ctx)
{
	__s32 level = ctx->level;
	__s32 name = ctx->optname;

	if ((level == JAIL_SOL_IPV6 &&
	    (name == JAIL_IPV6_RTHDR || name == JAIL_IPV6_2292RTHDR)) ||
	    (level == JAIL_SOL_IP && name == JAIL_IP_OPTIONS))
		return deny_sock(JAIL_HOOK_SETSOCKOPT, JAIL_KIND_SOCKOPT,
		    level == JAIL_SOL_IP ? JAIL_AF_INET : JAIL_AF_INET6, 0, 0,
		    (__u32)level << 16 | (__u32)name);
	ctx->optlen = 0;
	return 1;
}

/*
 * Loopback as the output interface.  A datagram or SYN to an address the
 * hooks allowed (a peer) still goes out through lo when the sender picks
 * lo (SO_BINDTODEVICE, SO_BINDTOIFINDEX, IP_UNICAST_IF, an IP_PKTINFO
 * cmsg, ...), and a route out through lo is local delivery: it reaches
 * any host socket bound to 0.0.0.0.  So in a jail that shares the host's
 * network namespace, a packet leaving through lo (ifindex 1 in every
 * namespace) passes only when its destination and port are opened by an
 * entry marked JAIL_V_HOST: an explicit allow (or the resolver exception)
 * of a host or loopback address.  Anything we cannot read is refused.
 * Every other device: passed at once.  The skb starts at the IP header.
 */
#define JAIL_LOOPBACK_IFINDEX	1
#define JAIL_ETH_P_IP		0x0800
#define JAIL_ETH_P_IPV6		0x86dd

static __always_inline int lo_verdict(const struct jail_verdict *v,
    __u16 dport)
{
	if (!v || !(v->flags & JAIL_V_HOST))
		return 0;
	return verdict(v, jail_ntohs(dport));
}

/* TCP or UDP to dport, network order, the forwarder's (never 0: no
 * domains); the forwarder listens on nothing else. */
static __always_inline int to_fwd(__u8 proto, __u16 dport)
{
	__u32 fwd = dns_port();

	return fwd != 0 && (proto == IPPROTO_TCP || proto == IPPROTO_UDP) &&
	    jail_ntohs(dport) == fwd;
}

/*
 * From source port 53 while the forwarder runs: nothing in a jail answers
 * the host's DNS, and such a packet could forge the nameserver's answer to
 * the forwarder's upstream socket when the nameserver is on loopback or a
 * host address the jail may reach (AUDIT.md section 18).
 */
static __always_inline int from_dns(__u16 sport)
{
	return jail_ntohs(sport) == 53 && dns_port() != 0;
}

static __always_inline int l4_ok(__u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	    proto == IPPROTO_UDPLITE;
}

static __always_inline int egress4(struct __sk_buff *skb)
{
	struct jail_key4 key;
	__u64 hb[3];		/* 8-aligned: the address copies as words */
	__u8 *h = (__u8 *)hb;	/* the 20-byte header */
	__u16 ports[2];		/* source, destination */
	__u32 ihl;

	if (bpf_skb_load_bytes(skb, 0, h, 20) < 0 || h[0] >> 4 != 4)
		return 0;
	ihl = (__u32)(h[0] & 0x0f) * 4;
	/* a later fragment carries no ports */
	if (ihl < 20 || (h[6] & 0x1f) != 0 || h[7] != 0 || !l4_ok(h[9]))
		return 0;
	if (bpf_skb_load_bytes(skb, ihl, ports, sizeof(ports)) < 0 ||
	    from_dns(ports[0]))
		return 0;
	/* Address first, then the prefix length: a verifier before 6.3
	 * (6.1 refuses it, "attempt to corrupt spilled pointer on stack")
	 * tracks the constant's 4-byte store as a register spill and then
	 * refuses a narrower store into the rest of that 8-byte slot. */
	__builtin_memcpy(key.addr, &h[16], 4);
	asm volatile("" ::: "memory");
	key.prefixlen = 32;
	if (lo_verdict(bpf_map_lookup_elem(&jail_v4, &key), ports[1]))
		return 1;
	/* --allow-domain: what connect4/sendmsg4 redirected, no more */
	return to_fwd(h[9], ports[1]) && h[16] == 127 && h[17] == 0 && h[18] == 0 &&
	    h[19] == 1;
}

/* Only a TCP, UDP or UDP-Lite header right after the fixed one. */
static __always_inline int egress6(struct __sk_buff *skb)
{
	struct jail_key6 key;
	__u64 hb[5];		/* 8-aligned: the address copies as words, */
	__u8 *h = (__u8 *)hb;	/* not as 16 byte loads and stores */
	__u16 ports[2];

	if (bpf_skb_load_bytes(skb, 0, h, 40) < 0 || h[0] >> 4 != 6 ||
	    !l4_ok(h[6]))
		return 0;
	if (bpf_skb_load_bytes(skb, 40, ports, sizeof(ports)) < 0 ||
	    from_dns(ports[0]))
		return 0;
	__builtin_memcpy(key.addr, &h[24], 16);	/* first: see egress4 */
	asm volatile("" ::: "memory");
	key.prefixlen = 128;
	if (lo_verdict(bpf_map_lookup_elem(&jail_v6, &key), ports[1]))
		return 1;
	/* key.addr: 4-aligned, as the verifier wants stack loads */
	return to_fwd(h[6], ports[1]) && is_fwd6((const __u32 *)key.addr);
}

/*
 * The deny path reads the packet again for its event: what it reports is
 * what it can read, and the allowed path stays as it was.  No process:
 * an skb may leave in softirq, on behalf of no one in particular.  The
 * family is read here again, not passed: every denial then reaches this
 * in one state, which the verifier walks once (a family constant passed
 * in, compared here, made one walk per failed check of egress4/6).
 */
static __always_inline int deny_egress(struct __sk_buff *skb)
{
	struct jail_event *e = reserve(JAIL_HOOK_EGRESS);
	__u32 proto = ctx_u32(&skb->protocol);
	__u64 buf[6];
	__u8 *h = (__u8 *)buf;			/* 40 bytes */
	__u16 *ports = (__u16 *)&buf[5];	/* source, destination */
	__u32 ihl = 40;

	if (!e)
		return 0;
	/* Written first with plain 8-byte stores, so that the verifier sees
	 * whatever egress4/6 left on this stack as dead: the denials reach
	 * here as one state (a helper's write does not count as one). */
	for (int i = 0; i < 6; i++)
		buf[i] = 0;
	e->kind = JAIL_KIND_LOOPBACK;
	/* family 0: neither IPv4 nor IPv6 */
	if (proto == jail_htons(JAIL_ETH_P_IP)) {
		e->family = JAIL_AF_INET;
		if (bpf_skb_load_bytes(skb, 0, h, 20) == 0) {
			ihl = (__u32)(h[0] & 0x0f) * 4;
			e->proto = h[9];
			__builtin_memcpy(e->addr, &h[16], 4);
		}
	} else if (proto == jail_htons(JAIL_ETH_P_IPV6)) {
		e->family = JAIL_AF_INET6;
		if (bpf_skb_load_bytes(skb, 0, h, 40) == 0) {
			e->proto = h[6];
			__builtin_memcpy(e->addr, &h[24], 16);
		}
	}
	if (e->proto && bpf_skb_load_bytes(skb, ihl, ports, 4) == 0)
		e->port = jail_ntohs(ports[1]);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("cgroup_skb/egress")
int jail_egress(struct __sk_buff *skb)
{
	__u32 proto;

	if (ctx_u32(&skb->ifindex) != JAIL_LOOPBACK_IFINDEX)
		return 1;
	proto = ctx_u32(&skb->protocol);
	if (proto == jail_htons(JAIL_ETH_P_IP)) {
		if (egress4(skb))
			return 1;
	} else if (proto == jail_htons(JAIL_ETH_P_IPV6)) {
		if (egress6(skb))
			return 1;
	}
	return deny_egress(skb);
}
