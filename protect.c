/*
 * protect.c - --block-host and its refinements, shared by `run` and the
 * podman jails: the options, the policy (host addresses, fixed ranges,
 * the user's rules, the resolvers), the privileged child's attach, and the
 * canary that proves it before anything of the jail runs.
 *
 * No privilege (the child in loader.c has it).  Untrusted input: the
 * command line, /etc/resolv.conf, --deny-files, the child's reply; each
 * with a size limit (policy.h: JAIL_MAX_*; resolv.conf 1 MiB).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/sched.h>

#include "cgroup.h"
#include "policy.h"
#include "dns.h"
#include "fsjail.h"
#include "protect.h"
#include "spawn.h"
#include "util.h"

static int parse_deny_arg(const char *s)
{
	struct hostip h;
	size_t n = 0;
	unsigned int line;

	if (strlen(s) > JAIL_MAX_RULE_LEN || strchr(s, '\n') || strchr(s, '#'))
		return -EINVAL;
	return policy_parse_deny_file(s, strlen(s), &h, 1, &n, &line) < 0 ||
	    n != 1 ? -EINVAL : 0;
}

static int is(const char *arg, const char *name)
{
	return strcmp(arg, name) == 0;
}

/* "ADDR/LEN, port P" or "ADDR/LEN, every port": the rule as parsed. */
static const char *as_parsed(const struct allow_rule *a)
{
	static char buf[96];
	char addr[INET6_ADDRSTRLEN] = "?";

	inet_ntop(a->family, a->addr, addr, sizeof(addr));
	if (a->port)
		snprintf(buf, sizeof(buf), "%s/%u, port %u", addr,
		    a->prefixlen, a->port);
	else
		snprintf(buf, sizeof(buf), "%s/%u, every port", addr,
		    a->prefixlen);
	return buf;
}

__attribute__((noreturn))
static void bad_allow(const struct prot_opts *o, const char *s, int r)
{
	char head[JAIL_MAX_RULE_LEN + 1];
	const char *last = strrchr(s, ':');
	struct in6_addr a6;
	int addr;

	if (strlen(s) > JAIL_MAX_RULE_LEN)
		die(EXIT_USAGE, "%s: --allow %.40s...: %zu characters, more "
		    "than %d", o->who, s, strlen(s), JAIL_MAX_RULE_LEN);
	if (r != -EDOM || !last)
		die(EXIT_USAGE, "%s: --allow %s: not ADDR, ADDR/LEN, "
		    "ADDR[/LEN]:PORT or [IPV6[/LEN]]:PORT (at most %d "
		    "characters, host bits zero, port 1-65535; an IPv6 rule "
		    "has a port only in brackets)", o->who, s,
		    JAIL_MAX_RULE_LEN);
	snprintf(head, sizeof(head), "%.*s", (int)(last - s), s);
	addr = inet_pton(AF_INET6, s, &a6) == 1;
	die(EXIT_USAGE, "%s: --allow %s is ambiguous: write [%s]:%s for port "
	    "%s of %s%s%s%s", o->who, s, head, last + 1, last + 1, head,
	    addr ? ", or " : "", addr ? s : "", addr ? "/128 for the address" :
	    " (as an address, a group has at most 4 hex digits)");
}

static void add_rule(struct prot_opts *o, const char *a, const char *v)
{
	int r;

	if (is(a, "--deny-file")) {
		o->deny_file[o->ndeny_file++] = v;
	} else if (is(a, "--deny")) {
		if (strlen(v) > JAIL_MAX_RULE_LEN)
			die(EXIT_USAGE, "%s: --deny %.40s...: %zu characters, "
			    "more than %d", o->who, v, strlen(v),
			    JAIL_MAX_RULE_LEN);
		if (parse_deny_arg(v) < 0)
			die(EXIT_USAGE, "%s: --deny %s: not ADDR or ADDR/LEN "
			    "(host bits zero)", o->who, v);
		o->deny[o->ndeny++] = v;
	} else {
		if (strlen(v) > JAIL_MAX_RULE_LEN)
			bad_allow(o, v, -EINVAL);
		if ((r = policy_parse_allow(v, &o->allow[o->nallow])) < 0)
			bad_allow(o, v, r);
		o->allow_text[o->nallow++] = v;
	}
}

__attribute__((noreturn))
static void bad_proxy(const struct prot_opts *o, const char *url, int r)
{
	const char *why = r == -EPROTO ? "not http:// or https://" :
	    r == -EACCES ? "a user or password in the URL is refused: it "
	    "would sit in the jail's environment and its labels (let the "
	    "proxy know the jail by its address)" :
	    r == -ENOTDIR ? "a path, query or fragment is refused: give "
	    "http://ADDR:PORT" :
	    r == -EADDRNOTAVAIL ? "a host name is refused: the jail gets no "
	    "DNS with --proxy, and a name is resolved here, not where the "
	    "jail is; give the proxy's address as seen from the jail (a proxy "
	    "on this host: the bridge gateway, e.g. http://10.88.0.1:3128 for "
	    "a rootful podman jail, or http://127.0.0.1:3128 for `run`)" :
	    r == -EDESTADDRREQ ? "no port: give http://ADDR:PORT, the port "
	    "the jail may reach" :
	    r == -ERANGE ? "the port is not 1-65535 (no leading zero)" :
	    r == -EAFNOSUPPORT ? "not an address a jail can connect to "
	    "(0.0.0.0, ::, ::ffff:a.b.c.d or a %scope: write the plain "
	    "address)" :
	    "not http://IPV4:PORT or http://[IPV6]:PORT (at most 127 "
	    "characters)";

	if (strlen(url) > JAIL_MAX_RULE_LEN)
		die(EXIT_USAGE, "%s: --proxy %.40s...: %zu characters, more "
		    "than %d", o->who, url, strlen(url), JAIL_MAX_RULE_LEN);
	die(EXIT_USAGE, "%s: --proxy %s: %s", o->who, url, why);
}

/* --proxy URL: allow-only egress with exactly one allow, the proxy's
 * address on its port (no text: the label jail-ai.proxy keeps the URL). */
static void add_proxy(struct prot_opts *o, const char *url)
{
	struct allow_rule a;
	int r;

	if (o->proxy)
		die(EXIT_USAGE, "%s: --proxy given twice (%s, %s): a jail has "
		    "one proxy", o->who, o->proxy, url);
	if ((r = policy_parse_proxy(url, &a)) < 0)
		bad_proxy(o, url, r);
	if (o->nallow == JAIL_MAX_ALLOW)
		die(EXIT_USAGE, "%s: more than %d --allow with --proxy (it "
		    "takes one of the %d)", o->who, JAIL_MAX_ALLOW - 1,
		    JAIL_MAX_ALLOW);
	o->allow_text[o->nallow] = NULL;
	o->allow[o->nallow++] = a;
	o->proxy = url;
	o->deny_all = o->block_host = 1;
}

/* --allow-domain NAME: checked now (dns_names_add says why not). */
static void add_domain(struct prot_opts *o, int argc, char **argv, int *i)
{
	char err[256] = "";

	if (*i + 1 >= argc)
		die(EXIT_USAGE, "%s: --allow-domain needs a NAME (example.com, "
		    "or *.example.com for the names below it)", o->who);
	if (!o->domains && !(o->domains = calloc(1, sizeof(*o->domains))))
		die(EXIT_SYSFAIL, "%s: --allow-domain: out of memory", o->who);
	(*i)++;
	if (dns_names_add(o->domains, argv[*i], err, sizeof(err)) < 0)
		die(EXIT_USAGE, "%s: --allow-domain %s: %s", o->who, argv[*i],
		    err);
}

/*
 * One policy option at argv[*i] (advancing *i past its value): 1 when it
 * was one, 0 when not; bad values are fatal.  Limits: 64 --allow, 64
 * --deny, 8 --deny-file; a rule of at most 127 characters.
 */
int prot_parse_opt(struct prot_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i];

	if (is(a, "--block-host")) {
		o->block_host = 1;
		return 1;
	}
	if (is(a, "--deny-all") || is(a, "--block-private")) {
		*(is(a, "--deny-all") ? &o->deny_all : &o->block_private) = 1;
		o->block_host = 1;
		return 1;
	}
	if (is(a, "--no-dns") || is(a, "--allow-dns")) {
		*(is(a, "--no-dns") ? &o->no_dns : &o->allow_dns) = 1;
		return 1;
	}
	if (is(a, "--proxy")) {
		if (*i + 1 >= argc)
			die(EXIT_USAGE, "%s: --proxy needs a value", o->who);
		add_proxy(o, argv[++*i]);
		return 1;
	}
	if (is(a, "--force")) {
		o->force = 1;
		return 1;
	}
	if (is(a, "--allow-domain")) {
		add_domain(o, argc, argv, i);
		return 1;
	}
	if (!is(a, "--allow") && !is(a, "--deny") && !is(a, "--deny-file"))
		return 0;
	if (*i + 1 >= argc)
		die(EXIT_USAGE, "%s: %s needs a value", o->who, a);
	if (is(a, "--allow") && o->nallow == JAIL_MAX_ALLOW && o->proxy)
		die(EXIT_USAGE, "%s: more than %d --allow with --proxy (it "
		    "takes one of the %d)", o->who, JAIL_MAX_ALLOW - 1,
		    JAIL_MAX_ALLOW);
	if ((is(a, "--allow") && o->nallow == JAIL_MAX_ALLOW) ||
	    (is(a, "--deny") && o->ndeny == JAIL_MAX_ALLOW))
		die(EXIT_USAGE, "%s: more than %d %s (use --deny-file)",
		    o->who, JAIL_MAX_ALLOW, a);
	if (is(a, "--deny-file") && o->ndeny_file == JAIL_MAX_DENY_FILES)
		die(EXIT_USAGE, "%s: more than %d --deny-file (join them)",
		    o->who, JAIL_MAX_DENY_FILES);
	(*i)++;
	add_rule(o, a, argv[*i]);
	return 1;
}

/*
 * An allow that covers a whole fixed range of more than one address, or
 * two of them (0.0.0.0/0, ::/0, 127.0.0.0/8, ::/127), turns --block-host
 * off for that part: refused unless --force.
 */
static void check_whole_ranges(const struct prot_opts *o)
{
	struct hostip f[32];
	size_t nf = 0, i, k, whole;
	const struct hostip *first;
	char fx[64];

	if (hostips_fixed(f, 32, &nf) < 0)
		die(EXIT_SYSFAIL, "%s: the fixed ranges do not fit", o->who);
	for (i = 0; i < o->nallow && !o->force; i++) {
		if (!o->allow_text[i])
			continue;
		for (k = whole = 0, first = NULL; k < nf; k++) {
			if (policy_allow_meets(&o->allow[i], &f[k]) != 2)
				continue;
			whole += 1 + (f[k].prefixlen < (f[k].family ==
			    AF_INET ? 32 : 128));
			first = first ? first : &f[k];
		}
		if (whole < 2)
			continue;
		hostip_format(first, fx, sizeof(fx));
		die(EXIT_USAGE, "%s: --allow %s (read as %s) opens all of %s "
		    "(%s)%s, which --block-host exists to block; allow the "
		    "address and port you need (e.g. 127.0.0.1:8080), or add "
		    "--force", o->who, o->allow_text[i],
		    as_parsed(&o->allow[i]), fx, first->why ? first->why :
		    "fixed", whole > 2 ? " and more" : "");
	}
}

/* --allow-domain: allow-only egress, the jail's DNS answered by a
 * forwarder (so not closed): the run parent's, or for podman the keeper
 * of a rootful fast-path jail (jailstart.c refuses --network host). */
static void check_domains(const struct prot_opts *o)
{
	if (strcmp(o->who, "run") != 0 && getuid() != 0)
		die(EXIT_USAGE, "%s: --allow-domain with podman needs rootful "
		    "podman (its keeper serves the jail's DNS); rootless: "
		    "`jail-ai run` (README: Domains)", o->who);
	if (!o->deny_all)
		die(EXIT_USAGE, "%s: --allow-domain opens addresses in an "
		    "allow-only policy: add --deny-all", o->who);
	if (o->no_dns)
		die(EXIT_USAGE, "%s: --allow-domain answers the jail's DNS, "
		    "which --no-dns (or --proxy without --allow-dns) closes: "
		    "keep one of them", o->who);
	/* The keeper parses the container's DNS queries as uid 0: only
	 * inside Landlock (and its seccomp filter), never unfenced. */
	if (strcmp(o->who, "run") != 0 && fs_landlock_abi() < 1)
		die(EXIT_SYSFAIL, "%s: --allow-domain with podman: Landlock is "
		    "not available (%s), and the keeper that answers the "
		    "jail's DNS must not parse the container's queries as an "
		    "unfenced uid-0 process; boot with lsm=...,landlock, or "
		    "use --allow without --allow-domain", o->who,
		    fs_landlock_abi() < 0 ? strerror(-fs_landlock_abi()) :
		    "ABI 0");
}

/* After all options: the refinements need --block-host; --proxy closes
 * DNS unless --allow-dns (a resolver is a channel out of the jail). */
void prot_check(struct prot_opts *o)
{
	if (o->allow_dns && !o->proxy)
		die(EXIT_USAGE, "%s: --allow-dns re-opens the DNS that --proxy "
		    "closes; without --proxy the resolver is allowed already "
		    "(unless --no-dns)", o->who);
	if (o->allow_dns && o->no_dns)
		die(EXIT_USAGE, "%s: --allow-dns and --no-dns: keep one of "
		    "them", o->who);
	if (o->proxy && !o->allow_dns)
		o->no_dns = 1;
	if (o->domains)
		check_domains(o);
	if ((o->nallow || o->ndeny || o->ndeny_file || o->no_dns ||
	    o->force) && !o->block_host)
		die(EXIT_USAGE, "%s: --allow, --deny, --deny-file, --no-dns "
		    "and --force refine --block-host; add --block-host", o->who);
	check_whole_ranges(o);
}

/*
 * A --deny-file: a regular file or a pipe (`<(...)`), at most max bytes.
 * Devices, directories and sockets are refused before any read, so
 * /dev/zero ends at once; a longer stream ends at max + 1 bytes.
 */
static int read_capped(const char *path, size_t max, char **buf,
    size_t *len)
{
	struct stat st;
	size_t n = 0, cap = 0;
	ssize_t got;
	char *b = NULL, *nb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), err = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		err = -errno;
	else if (S_ISDIR(st.st_mode))
		err = -EISDIR;
	else if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
		err = -EINVAL;
	else if (S_ISREG(st.st_mode) && (size_t)st.st_size > max)
		err = -EFBIG;
	else if (!(b = malloc(cap = S_ISREG(st.st_mode) ?
	    (size_t)st.st_size + 2 : 65536)))
		err = -ENOMEM;
	while (!err && n <= max) {
		if (n + 1 >= cap) {	/* grown, or a pipe: up to max + 2 */
			cap = cap * 2 > max + 2 ? max + 2 : cap * 2;
			if (!(nb = realloc(b, cap))) {
				err = -ENOMEM;
				break;
			}
			b = nb;
		}
		got = read(fd, b + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			err = -errno;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (!err && n > max)
		err = -EFBIG;
	if (err) {
		free(b);
		return err;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/*
 * The allow table holds JAIL_MAX_ALLOW entries, and jail-ai adds some of
 * its own (the resolver, a jail's own loopback).  When they do not fit,
 * refuse: dropping one silently would leave a jail whose DNS or loopback
 * fails without a word.
 */
static void table_full(const struct prot_opts *o, const char *what,
    const char *hint)
{
	die(EXIT_USAGE, "%s: too many --allow rules: the table holds %d "
	    "entries and %s (use fewer --allow rules%s); nothing was started",
	    o->who, JAIL_MAX_ALLOW, what, hint);
}

/*
 * The resolvers of /etc/resolv.conf, on port 53, when a deny covers them
 * (the first 8: resolvers read no more than 3).  Returns how many.
 */
static int add_dns_allows(struct prot_opts *o, const struct policy *p)
{
	struct hostip ns[8];
	char *buf, txt[64];
	size_t len, n = 0, i;
	int added = 0;

	if (read_capped("/etc/resolv.conf", 1 << 20, &buf, &len) < 0)
		return 0;
	hostips_parse_resolv_conf(buf, len, ns, 8, &n);
	free(buf);
	for (i = 0; i < n; i++) {
		if (policy_verdict(p, ns[i].family, ns[i].addr, 53) ==
		    JAIL_ALLOW)
			continue;
		if (o->nallow >= JAIL_MAX_ALLOW)
			table_full(o, "a resolver from /etc/resolv.conf "
			    "needs one", ", or --no-dns");
		struct allow_rule *a = &o->allow[o->nallow++];

		memset(a, 0, sizeof(*a));
		a->family = ns[i].family;
		a->prefixlen = ns[i].family == AF_INET ? 32 : 128;
		a->port = 53;
		memcpy(a->addr, ns[i].addr, 16);
		if (policy_format_allow(a, txt, sizeof(txt)) == 0)
			warnx("%s: allowing the resolver %s (from "
			    "/etc/resolv.conf; --no-dns to block it)", o->who, txt);
		added++;
	}
	return added;
}

static void deny_file_error(const struct prot_opts *o, const char *path,
    int r)
{
	die(EXIT_USAGE, "%s: --deny-file %s: %s", o->who, path,
	    r == -EFBIG ? "larger than 16 MiB (split it, or keep the "
	    "prefixes that matter)" : r == -EINVAL ? "not a regular file or "
	    "a pipe" : strerror(-r));
}

/* Warn, once per rule, for an allow that re-opens a blocked address. */
static void warn_reopens(const struct prot_opts *o, const struct hostip *h,
    size_t n)
{
	size_t i, k, more;
	const struct hostip *first;
	char hx[64];

	for (i = 0; i < o->nallow; i++) {
		if (!o->allow_text[i])
			continue;
		for (k = more = 0, first = NULL; k < n; k++) {
			if (!policy_allow_meets(&o->allow[i], &h[k]))
				continue;
			more += first != NULL;
			first = first ? first : &h[k];
		}
		if (!first || hostip_format(first, hx, sizeof(hx)) < 0)
			continue;
		warnx("%s: --allow %s (read as %s) re-opens the blocked %s "
		    "(%s%s%s)%s", o->who, o->allow_text[i],
		    as_parsed(&o->allow[i]), hx, hostip_source_name(
		    first->source), first->why ? ": " : "", first->why ?
		    first->why : "", more ? " and more" : "");
	}
}

/* Appends --deny and --deny-file prefixes to the host list. */
static struct hostip *add_denies(const struct prot_opts *o, struct hostip *h,
    size_t *n)
{
	char *buf[JAIL_MAX_DENY_FILES] = { NULL };
	size_t len[JAIL_MAX_DENY_FILES], lines = o->ndeny, i, k, cap;
	unsigned int line = 0;
	struct hostip *nh;
	int r;

	for (k = 0; k < o->ndeny_file; k++) {
		r = read_capped(o->deny_file[k], JAIL_MAX_DENY_FILE_SIZE,
		    &buf[k], &len[k]);
		if (r < 0)
			deny_file_error(o, o->deny_file[k], r);
		for (i = 0; i < len[k]; i++)
			lines += buf[k][i] == '\n';
		lines++;	/* a last line without '\n' */
	}
	cap = *n + lines + 1;
	nh = realloc(h, cap * sizeof(*h));
	if (!nh)
		die(EXIT_SYSFAIL, "%s: out of memory", o->who);
	for (i = 0; i < o->ndeny; i++)
		policy_parse_deny_file(o->deny[i], strlen(o->deny[i]), nh,
		    cap, n, &line);
	for (k = 0; k < o->ndeny_file; k++) {
		line = 0;
		r = policy_parse_deny_file(buf[k], len[k], nh, cap, n, &line);
		if (r < 0)
			die(EXIT_USAGE, "%s: --deny-file %s line %u: not ADDR "
			    "or ADDR/LEN (host bits zero)", o->who,
			    o->deny_file[k], line);
		free(buf[k]);
	}
	warn_reopens(o, nh, *n);
	return nh;
}

/*
 * A non-root caller reaches the privileged child only through the file
 * capabilities of this binary: without them, say the setcap line before
 * anything is made (the child would refuse anyway).
 */
void prot_need_caps(const char *who)
{
	struct vfs_cap_data d;
	__u64 prm = 0, need = 1ULL << CAP_NET_ADMIN;
	char self[512];
	ssize_t n;

	if (getuid() == 0)
		return;
	memset(&d, 0, sizeof(d));
	n = getxattr("/proc/self/exe", "security.capability", &d, sizeof(d));
	if (n >= (ssize_t)XATTR_CAPS_SZ_2)
		prm = d.data[0].permitted | (__u64)d.data[1].permitted << 32;
	need |= 1ULL << (prctl(PR_CAPBSET_READ, CAP_BPF, 0, 0, 0) >= 0 ?
	    CAP_BPF : CAP_SYS_ADMIN);
	if ((prm & need) == need)
		return;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	die(EXIT_SYSFAIL, "%s: --block-host needs CAP_BPF and CAP_NET_ADMIN: "
	    "run as root, or once as root: setcap cap_bpf,cap_net_admin+p %s "
	    "(nothing was started)", who, n > 0 ? self : "jail-ai");
}

int prot_same_netns(pid_t pid)
{
	char path[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (stat(path, &a) < 0 || stat("/proc/self/ns/net", &b) < 0)
		return -errno;
	return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

static struct hostip *private_netns(struct prot_opts *o, struct hostip *h,
    size_t *n)
{
	struct allow_rule *a;

	if (!(h = realloc(h, (*n + 1) * sizeof(*h))))
		die(EXIT_SYSFAIL, "%s: out of memory", o->who);
	*n = policy_own_netns_hosts(h, *n);
	if (o->no_dns)
		return h;
	if (o->nallow >= JAIL_MAX_ALLOW)
		table_full(o, "the slirp4netns resolver (10.0.2.3 port 53) "
		    "needs one", ", or --no-dns");
	a = &o->allow[o->nallow++];
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->prefixlen = 32;
	a->port = 53;
	memcpy(a->addr, policy_slirp_dns, 4);
	return h;
}

/* What a rediscovery does not give back: the user's and the modes'. */
static void keep_denies(struct prot_opts *o, const struct hostip *h,
    size_t n)
{
	size_t i;

	free(o->kept);
	o->nkept = 0;
	if (!(o->kept = malloc((n + 1) * sizeof(*h))))
		die(EXIT_SYSFAIL, "%s: out of memory", o->who);
	for (i = 0; i < n; i++)
		if (h[i].source != HOSTIP_FIXED &&
		    h[i].source != HOSTIP_FIB_TRIE &&
		    h[i].source != HOSTIP_IF_INET6 &&
		    h[i].source != HOSTIP_IPV6_ROUTE)
			o->kept[o->nkept++] = h[i];
}

void prot_build(struct prot_opts *o, struct policy *p)
{
	struct hostip *h;
	char err[256] = "";
	size_t n;
	int r, hostnet = !o->own_netns;

	prot_need_caps(o->who);
	if (o->net_pid > 0 && (hostnet = prot_same_netns(o->net_pid)) < 0)
		die(EXIT_SYSFAIL, "%s: --block-host: network namespace of pid "
		    "%d: %s (nothing was started)", o->who, (int)o->net_pid,
		    strerror(-hostnet));
	r = hostips_discover(&h, &n, err, sizeof(err));
	if (r < 0)
		die(EXIT_SYSFAIL, "%s: --block-host: host addresses: %s",
		    o->who, err[0] ? err : strerror(-r));
	if (!hostnet)
		h = private_netns(o, h, &n);
	h = add_denies(o, h, &n);
	r = policy_add_modes(o, &h, &n, hostnet);
	if (r == -ENOSPC)
		table_full(o, "with --deny-all, the jail's own loopback "
		    "(127.0.0.0/8 and ::1) needs two", "");
	if (r < 0)
		die(EXIT_SYSFAIL, "%s: --block-host: policy: %s", o->who,
		    strerror(-r));
	if (o->want_kept)
		keep_denies(o, h, n);
	r = policy_build(h, n, o->allow, o->nallow, p);
	if (r == 0 && !o->no_dns && add_dns_allows(o, p) > 0) {
		policy_free(p);
		r = policy_build(h, n, o->allow, o->nallow, p);
	}
	free(h);
	if (r == -E2BIG)
		die(EXIT_USAGE, "%s: --block-host: too many rules (more than "
		    "%d ports allowed on one prefix, or more than %d prefixes)",
		    o->who, JAIL_MAX_PORTS, JAIL_MAX_RULES4);
	if (r < 0)
		die(EXIT_SYSFAIL, "%s: --block-host: policy: %s", o->who,
		    strerror(-r));
	p->req->flags = hostnet ? JAIL_REQ_F_HOSTNET : 0;
}

static void explain_attach_failure(const char *who,
    const struct jail_cgroup *cg, const struct jail_reply *rep, int r)
{
	char self[512];
	ssize_t n;

	warnx("%s: --block-host: %s %s on %s: %s", who,
	    privsep_step_name(rep->step), rep->what, cg->path, strerror(-r));
	if (rep->step == JAIL_STEP_LOAD && rep->log[0])
		fprintf(stderr, "verifier log:\n%s\n", rep->log);
	if (rep->step == JAIL_STEP_CAPS || (r == -EPERM &&
	    rep->step != JAIL_STEP_CGROUP)) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		self[n > 0 ? n : 0] = '\0';
		warnx("--block-host needs CAP_BPF and CAP_NET_ADMIN: run as "
		    "root, or once as root: setcap cap_bpf,cap_net_admin+p %s",
		    n > 0 ? self : "jail-ai");
	}
	/* The programs report denials to a ring buffer (5.8), with or
	 * without --events: a kernel that cannot make one cannot run them. */
	if (rep->step == JAIL_STEP_MAP && r == -EINVAL &&
	    strcmp(rep->what, "create jail_ev") == 0)
		warnx("%s: this kernel has no BPF ring buffer "
		    "(BPF_MAP_TYPE_RINGBUF, Linux 5.8 or newer), which the "
		    "programs report denials to", who);
	warnx("%s: protection could not be established; nothing was "
	    "started", who);
}

/* The canary: in the jail's cgroup, a blocked destination must be EPERM. */
static int canary_connect(int family, const uint8_t *addr, uint16_t port)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
	const struct sockaddr *sa;
	socklen_t len;
	int fd, r;

	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	s4.sin_family = AF_INET;
	s4.sin_port = htons(port);
	memcpy(&s4.sin_addr, addr, 4);
	s6.sin6_family = AF_INET6;
	s6.sin6_port = htons(port);
	memcpy(&s6.sin6_addr, addr, 16);
	sa = family == AF_INET ? (const void *)&s4 : (const void *)&s6;
	len = family == AF_INET ? sizeof(s4) : sizeof(s6);
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, sa, len) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/*
 * Through lo, to an address the policy allows (TEST-NET-1: never routed,
 * so a failed canary is delivered locally at most): jail_egress must
 * refuse it.  1: refused with EPERM, 0: not tested, < 0: not refused.
 */
static int canary_lo(const struct policy *p)
{
	static const uint8_t dst[4] = { 192, 0, 2, 1 };
	struct sockaddr_in s4;
	int fd, lo = htonl(1), r;

	if (!(p->req->flags & JAIL_REQ_F_HOSTNET) ||
	    policy_verdict(p, AF_INET, dst, 9) != JAIL_ALLOW ||
	    policy_lo_verdict(p, AF_INET, dst, 9) != JAIL_DENY)
		return 0;
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	s4.sin_port = htons(9);
	memcpy(&s4.sin_addr, dst, 4);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = setsockopt(fd, IPPROTO_IP, IP_UNICAST_IF, &lo, sizeof(lo));
	if (r == 0)
		r = sendto(fd, "", 1, 0, (const struct sockaddr *)&s4,
		    sizeof(s4)) < 0 ? -errno : 0;
	else
		r = -errno;
	close(fd);
	return r == -EPERM ? 1 : r < 0 ? r : -EIO;
}

/*
 * Local destinations only, so that a failed canary sends nothing off the
 * machine: each one the policy denies must be refused with EPERM (TCP to
 * broadcast and multicast fails with ENETUNREACH after the hook).
 */
static void canary_child(const struct jail_cgroup *cg, const struct policy *p)
{
	static const struct {
		int family;
		uint8_t addr[16];
	} dst[] = {
		{ AF_INET, { 127, 0, 0, 1 } }, { AF_INET6, { [15] = 1 } },
		{ AF_INET, { 0 } }, { AF_INET6, { 0 } },
		{ AF_INET, { 255, 255, 255, 255 } },
		{ AF_INET6, { 0xff, 0x02, [15] = 1 } },
	};
	const uint16_t port = 9;	/* discard; nothing is sent if blocked */
	int tested = 0, r;
	size_t i;

	if (cg && jail_cgroup_join(cg) < 0)
		_exit(8);
	for (i = 0; i < sizeof(dst) / sizeof(dst[0]); i++) {
		if (policy_verdict(p, dst[i].family, dst[i].addr, port) !=
		    JAIL_DENY)
			continue;
		r = canary_connect(dst[i].family, dst[i].addr, port);
		if (r == -EAFNOSUPPORT)	/* no IPv6 in this kernel */
			continue;
		if (r != -EPERM)
			_exit(1 + (int)i);
		tested++;
	}
	if (canary_lo(p) < 0)
		_exit(7);
	_exit(tested ? 0 : 9);
}

/*
 * A child born in cg (clone3 CLONE_INTO_CGROUP, Linux 5.7): no migration,
 * which on a busy machine costs a start 5-10 ms (the cgroup write lock
 * waits for an RCU grace period).  0 in the child, as fork; -1 when the
 * kernel cannot (too old, or clone3 filtered): the caller forks and joins.
 */
static pid_t fork_into(const struct jail_cgroup *cg)
{
	struct clone_args ca;

	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_INTO_CGROUP;
	ca.exit_signal = SIGCHLD;
	ca.cgroup = (__u64)cg->dirfd;
	return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}

static int canary(const struct jail_cgroup *cg, const struct policy *p)
{
	int status, r;
	pid_t pid = fork_into(cg);

	if (pid == 0)
		canary_child(NULL, p);	/* in cg from its first instruction */
	if (pid < 0 && (pid = fork()) < 0)
		return -errno;
	if (pid == 0)
		canary_child(cg, p);
	while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return -errno;
	return WIFEXITED(status) ? -WEXITSTATUS(status) : -128;
}

/* Attach through the privileged child, then prove it with the canary in
 * leaf (cg itself, or a cgroup below it); with maps, the child also hands
 * over the map fds (JAIL_REQ_F_MAPFDS). */
static int attach(const char *who, const struct jail_cgroup *cg,
    const struct jail_cgroup *leaf, struct policy *p, int *maps)
{
	static const char *const canary_why[] = {
		[1] = "a connect to 127.0.0.1 was not refused with EPERM",
		[2] = "a connect to ::1 was not refused with EPERM",
		[3] = "a connect to 0.0.0.0 was not refused with EPERM",
		[4] = "a connect to :: was not refused with EPERM",
		[5] = "a connect to 255.255.255.255 was not refused with EPERM",
		[6] = "a connect to ff02::1 was not refused with EPERM",
		[7] = "a datagram to 192.0.2.1 through lo (IP_UNICAST_IF) was "
		    "not refused with EPERM",
		[8] = "the canary could not join the cgroup",
		[9] = "--allow opens 127.0.0.1, ::1, 0.0.0.0, ::, "
		    "255.255.255.255 and ff02::1, so no local connect can prove "
		    "the programs work",
	};
	struct jail_reply rep;
	int r;

	p->req->op = JAIL_OP_ATTACH;
	snprintf(p->req->cgroup, sizeof(p->req->cgroup), "%s", cg->rel);
	if (maps)
		p->req->flags |= JAIL_REQ_F_MAPFDS;
	r = maps ? privsep_call_fds(p->req, p->req_len, &rep, maps) :
	    privsep_call(p->req, p->req_len, &rep);
	if (r < 0) {
		explain_attach_failure(who, cg, &rep, r);
		return r;
	}
	r = canary(leaf, p);
	if (r < 0) {
		warnx("%s: --block-host: canary in %s: %s", who, leaf->path,
		    r >= -9 && canary_why[-r] ? canary_why[-r] :
		    "the canary process failed");
		warnx("%s: protection could not be established; nothing "
		    "was started", who);
	}
	return r;
}

int protect(const char *who, const struct jail_cgroup *cg,
    struct policy *p)
{
	return attach(who, cg, cg, p, NULL);
}

int protect_at(const char *who, const struct jail_cgroup *cg,
    const struct jail_cgroup *leaf, struct policy *p)
{
	return attach(who, cg, leaf, p, NULL);
}

int protect_fds(const char *who, const struct jail_cgroup *cg,
    struct policy *p, int maps[JAIL_NMAPS])
{
	return protect_at_fds(who, cg, cg, p, maps);
}

int protect_at_fds(const char *who, const struct jail_cgroup *cg,
    const struct jail_cgroup *leaf, struct policy *p, int maps[JAIL_NMAPS])
{
	int r = attach(who, cg, leaf, p, maps), i;

	for (i = 0; r < 0 && i < JAIL_NMAPS; i++) {
		if (maps[i] >= 0)
			close(maps[i]);
		maps[i] = -1;
	}
	return r;
}

