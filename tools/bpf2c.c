/*
 * tools/bpf2c.c - turn the BPF object (build/jail.bpf.o) into bpf_insns.h.
 *
 *   bpf2c OBJ SOURCE_NAME "COMPILER VERSION LINE" SOURCE_SHA256 > bpf_insns.h
 *   bpf2c --self-test OBJ
 *
 * Runs at build time on the developer's machine, unprivileged.  Untrusted
 * input: the object file, read by hand (no libelf), every offset and size
 * bounded before use.  The generator understands a deliberately small
 * object: eleven program sections, eight map symbols in "maps", a "GPL"
 * license, LD_IMM64 map relocations and helper calls, and, when built with
 * -g and then stripped (llvm-objcopy --strip-debug), the source lines of
 * .BTF.ext's line info, which become comments above each instruction
 * block.  Anything else (data sections, other relocations, BPF-to-BPF
 * calls, unknown opcodes, .debug_* sections, CO-RE relocations, .rel.BTF*
 * entries other than the compiler's offsets of maps, license and program
 * sections) is refused with a message naming it, rather than guessed at.
 * Output depends only on the inputs: the same object gives the same
 * header, byte for byte.
 *
 * --self-test parses OBJ, then damages copies of it in memory (license,
 * relocation type and place, a pseudo call, an opcode, a jump, names, and
 * when OBJ has line info: a .debug_ section, a CO-RE record, the .rel.BTF*
 * entries, a line record) and checks that each damaged copy is refused.
 *
 * Exit status: 0 done, 1 refused or failed, 100 bad usage.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef EM_BPF
#define EM_BPF			247
#endif
#ifndef R_BPF_64_64
#define R_BPF_64_64		1
#endif
#ifndef R_BPF_64_NODYLD32
#define R_BPF_64_NODYLD32	4	/* a 32-bit section offset, for BTF */
#endif
#ifndef SHT_LLVM_ADDRSIG
#define SHT_LLVM_ADDRSIG	0x6fff4c03
#endif

#define MAX_OBJ		(16u << 20)
#define MAX_INSNS	4096u
#define MAX_RELOCS	64u
#define NPROGS		11
#define INSN_SIZE	8u
#define NONE		(-1)
#define MAX_LINES	8192u	/* line-info records, all programs */
#define BTF_MAGIC	0xeb9fu
#define LINE_REC_SIZE	16u	/* struct bpf_line_info */
#define MAX_SRC_LINE	160u	/* longer source lines are cut in comments */

/* eBPF encoding, spelt out here so that the host's linux/bpf.h is not needed. */
#define CLASS(c)	((c) & 0x07)
#define C_LD		0x00
#define C_LDX		0x01
#define C_ST		0x02
#define C_STX		0x03
#define C_ALU		0x04
#define C_JMP		0x05
#define C_JMP32		0x06
#define C_ALU64		0x07
#define SRC_X		0x08
#define OP(c)		((c) & 0xf0)
#define SIZE(c)		((c) & 0x18)
#define MODE(c)		((c) & 0xe0)
#define M_IMM		0x00
#define M_MEM		0x60
#define M_MEMSX		0x80
#define M_ATOMIC	0xc0
#define S_DW		0x18
#define LD_IMM64	(C_LD | M_IMM | S_DW)	/* 0x18 */
#define J_JA		0x00
#define J_CALL		0x80
#define J_EXIT		0x90
#define A_NEG		0x80
#define A_MOV		0xb0
#define A_END		0xd0
#define A_DIV		0x30
#define A_MOD		0x90

struct insn {
	uint8_t code;
	uint8_t dst;
	uint8_t src;
	int16_t off;
	int32_t imm;
};

struct spec {
	const char *section;
	const char *func;	/* the function's symbol */
	const char *name;	/* the BPF object name: at most 15 characters */
	const char *suffix;
	const char *prog_type;
	const char *attach_type;
};

/*
 * Order and names are the contract with loader.c.  The kernel refuses an
 * object name of 16 characters or more (BPF_OBJ_NAME_LEN counts the NUL),
 * so jail_sock_create is loaded as jail_sockcreate.
 */
static const struct spec specs[NPROGS] = {
	{ "cgroup/connect4", "jail_connect4", "jail_connect4", "connect4",
	  "BPF_PROG_TYPE_CGROUP_SOCK_ADDR", "BPF_CGROUP_INET4_CONNECT" },
	{ "cgroup/connect6", "jail_connect6", "jail_connect6", "connect6",
	  "BPF_PROG_TYPE_CGROUP_SOCK_ADDR", "BPF_CGROUP_INET6_CONNECT" },
	{ "cgroup/sendmsg4", "jail_sendmsg4", "jail_sendmsg4", "sendmsg4",
	  "BPF_PROG_TYPE_CGROUP_SOCK_ADDR", "BPF_CGROUP_UDP4_SENDMSG" },
	{ "cgroup/sendmsg6", "jail_sendmsg6", "jail_sendmsg6", "sendmsg6",
	  "BPF_PROG_TYPE_CGROUP_SOCK_ADDR", "BPF_CGROUP_UDP6_SENDMSG" },
	{ "cgroup/sock_create", "jail_sock_create", "jail_sockcreate",
	  "sock_create", "BPF_PROG_TYPE_CGROUP_SOCK",
	  "BPF_CGROUP_INET_SOCK_CREATE" },
	{ "cgroup/setsockopt", "jail_setsockopt", "jail_setsockopt",
	  "setsockopt", "BPF_PROG_TYPE_CGROUP_SOCKOPT",
	  "BPF_CGROUP_SETSOCKOPT" },
	/* --allow-domain only (loader.c): the way back of the redirect. */
	{ "cgroup/recvmsg4", "jail_recvmsg4", "jail_recvmsg4", "recvmsg4",
	  "BPF_PROG_TYPE_CGROUP_SOCK_ADDR", "BPF_CGROUP_UDP4_RECVMSG" },
	{ "cgroup/recvmsg6", "jail_recvmsg6", "jail_recvmsg6", "recvmsg6",
	  "BPF_PROG_TYPE_CGROUP_SOCK_ADDR", "BPF_CGROUP_UDP6_RECVMSG" },
	{ "cgroup/getpeername4", "jail_getpeername4", "jail_getpeer4",
	  "getpeername4", "BPF_PROG_TYPE_CGROUP_SOCK_ADDR",
	  "BPF_CGROUP_INET4_GETPEERNAME" },
	{ "cgroup/getpeername6", "jail_getpeername6", "jail_getpeer6",
	  "getpeername6", "BPF_PROG_TYPE_CGROUP_SOCK_ADDR",
	  "BPF_CGROUP_INET6_GETPEERNAME" },
	/* Last: loader.c attaches it only to a jail in the host's netns. */
	{ "cgroup_skb/egress", "jail_egress", "jail_egress", "egress",
	  "BPF_PROG_TYPE_CGROUP_SKB", "BPF_CGROUP_INET_EGRESS" },
};

static const char *const map_syms[] = {
	"jail_v4", "jail_v6", "jail_ev", "jail_cnt", "jail_dns4", "jail_dns6",
	"jail_dsk", "jail_dcfg",
};
static const char *const map_enums[] = {
	"JAIL_MAP_V4", "JAIL_MAP_V6", "JAIL_MAP_EV", "JAIL_MAP_CNT",
	"JAIL_MAP_DNS4", "JAIL_MAP_DNS6", "JAIL_MAP_DSK", "JAIL_MAP_DCFG",
};
#define NMAPS	(int)(sizeof(map_syms) / sizeof(map_syms[0]))

struct reloc {
	uint32_t insn;
	int map;
	size_t file_off;	/* of the Elf64_Rel, for --self-test */
};

/* One .BTF.ext line-info record: insn starts code from this source line. */
struct line {
	uint32_t insn;
	uint32_t line;
	const char *file;
	const char *text;
};

struct prog {
	int shndx;
	const unsigned char *code;
	size_t code_off;
	uint32_t ninsns;
	uint32_t sym;		/* symbol index of the function */
	size_t name_off;	/* file offset of its name */
	struct reloc relocs[MAX_RELOCS];
	uint32_t nrelocs;
	uint32_t line0;		/* its records: obj.lines[line0 .. +nlines) */
	uint32_t nlines;
};

struct obj {
	const unsigned char *buf;
	size_t len;
	Elf64_Ehdr eh;
	int symtab;
	int strtab;
	int maps;
	int license;
	size_t license_off;
	int btf;		/* .BTF: its string table names files and lines */
	int btf_ext;		/* .BTF.ext: line info */
	size_t btf_str_off;	/* file offset and size of .BTF's strings */
	size_t btf_str_len;
	size_t ext_off;		/* file offset of .BTF.ext, for --self-test */
	size_t btf_rel_off;	/* first entries of .rel.BTF, .rel.BTF.ext */
	size_t ext_rel_off;
	size_t line_rec_off;	/* first line-info record */
	struct prog progs[NPROGS];
	struct line lines[MAX_LINES];
	uint32_t nlines;
};

static char err[512];

__attribute__((format(printf, 1, 2)))
static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, sizeof(err), fmt, ap);
	va_end(ap);
	return -1;
}

static int in_file(const struct obj *o, uint64_t off, uint64_t size)
{
	return off <= o->len && size <= o->len - off;
}

static int shdr(const struct obj *o, int i, Elf64_Shdr *sh)
{
	uint64_t off = o->eh.e_shoff + (uint64_t)i * sizeof(*sh);

	if (i < 0 || i >= o->eh.e_shnum)
		return fail("section %d: no such section", i);
	memcpy(sh, o->buf + off, sizeof(*sh));
	if (sh->sh_type != SHT_NOBITS && !in_file(o, sh->sh_offset, sh->sh_size))
		return fail("section %d: data outside the file", i);
	return 0;
}

/* A NUL-terminated string at off in string-table section strsec. */
static const char *str_at(const struct obj *o, int strsec, uint64_t off)
{
	Elf64_Shdr sh;
	const char *s;

	if (shdr(o, strsec, &sh) < 0 || sh.sh_type != SHT_STRTAB ||
	    off >= sh.sh_size)
		return NULL;
	s = (const char *)o->buf + sh.sh_offset + off;
	if (!memchr(s, '\0', sh.sh_size - off))
		return NULL;
	return s;
}

static const char *sec_name(const struct obj *o, int i)
{
	Elf64_Shdr sh;
	const char *s;

	if (shdr(o, i, &sh) < 0)
		return NULL;
	s = str_at(o, o->eh.e_shstrndx, sh.sh_name);
	if (!s)
		fail("section %d: bad name", i);
	return s;
}

static int check_ehdr(struct obj *o)
{
	const Elf64_Ehdr *e = &o->eh;

	if (o->len < sizeof(*e))
		return fail("not an ELF file: too short");
	memcpy(&o->eh, o->buf, sizeof(o->eh));
	if (memcmp(e->e_ident, ELFMAG, SELFMAG) != 0)
		return fail("not an ELF file");
	if (e->e_ident[EI_CLASS] != ELFCLASS64 ||
	    e->e_ident[EI_DATA] != ELFDATA2LSB)
		return fail("not ELF64 little-endian");
	if (e->e_type != ET_REL || e->e_machine != EM_BPF)
		return fail("not a relocatable EM_BPF object (type %u, machine %u)",
			    e->e_type, e->e_machine);
	if (e->e_shentsize != sizeof(Elf64_Shdr) || e->e_shnum == 0 ||
	    !in_file(o, e->e_shoff, (uint64_t)e->e_shnum * sizeof(Elf64_Shdr)))
		return fail("bad section header table");
	if (e->e_shstrndx == SHN_UNDEF || e->e_shstrndx >= e->e_shnum)
		return fail("bad section name table index %u", e->e_shstrndx);
	return 0;
}

static int spec_index(const char *name)
{
	for (int i = 0; i < NPROGS; i++)
		if (strcmp(specs[i].section, name) == 0)
			return i;
	return NONE;
}

/* Sections that carry no code or data the kernel will see. */
static int ignored(const Elf64_Shdr *sh, const char *name)
{
	if (sh->sh_type == SHT_NULL || sh->sh_type == SHT_LLVM_ADDRSIG)
		return 1;
	if (strcmp(name, ".symtab") == 0 || strcmp(name, ".strtab") == 0 ||
	    strcmp(name, ".llvm_addrsig") == 0)
		return !(sh->sh_flags & SHF_ALLOC);
	return 0;
}

/* .BTF and .BTF.ext: read for line info only, never passed to the kernel. */
static int take_btf(struct obj *o, int i, const Elf64_Shdr *sh,
		    const char *name)
{
	int *slot = strcmp(name, ".BTF") == 0 ? &o->btf : &o->btf_ext;

	if (sh->sh_type != SHT_PROGBITS || (sh->sh_flags & SHF_ALLOC))
		return fail("section %s: not a plain PROGBITS section", name);
	if (*slot != NONE)
		return fail("section %s: appears twice", name);
	*slot = i;
	return 0;
}

static int take_prog(struct obj *o, int i, const Elf64_Shdr *sh,
		     const char *name)
{
	int p = spec_index(name);

	if (p == NONE && strcmp(name, ".text") == 0)
		return fail("section .text: code outside the program sections "
			    "(a function not inlined? BPF-to-BPF calls are "
			    "not supported)");
	if (p == NONE)
		return fail("section %s: unknown executable section", name);
	if (o->progs[p].shndx != NONE)
		return fail("section %s: appears twice", name);
	if (sh->sh_type != SHT_PROGBITS || sh->sh_size == 0 ||
	    sh->sh_size % INSN_SIZE || sh->sh_size / INSN_SIZE > MAX_INSNS)
		return fail("section %s: bad size %llu", name,
			    (unsigned long long)sh->sh_size);
	o->progs[p].shndx = i;
	o->progs[p].code = o->buf + sh->sh_offset;
	o->progs[p].code_off = sh->sh_offset;
	o->progs[p].ninsns = sh->sh_size / INSN_SIZE;
	return 0;
}

static int take_license(struct obj *o, int i, const Elf64_Shdr *sh)
{
	static const char gpl[] = "GPL";

	if (sh->sh_type != SHT_PROGBITS || sh->sh_size != sizeof(gpl) ||
	    memcmp(o->buf + sh->sh_offset, gpl, sizeof(gpl)) != 0)
		return fail("section license: not \"GPL\"");
	o->license = i;
	o->license_off = sh->sh_offset;
	return 0;
}

static int take_section(struct obj *o, int i)
{
	Elf64_Shdr sh;
	const char *name = sec_name(o, i);

	if (!name || shdr(o, i, &sh) < 0)
		return -1;
	if (sh.sh_type == SHT_SYMTAB) {
		if (o->symtab != NONE)
			return fail("section %s: a second symbol table", name);
		o->symtab = i;
		return 0;
	}
	if (strncmp(name, ".debug_", 7) == 0 ||
	    strncmp(name, ".rel.debug_", 11) == 0)
		return fail("section %s: DWARF debug information: strip it "
			    "(llvm-objcopy --strip-debug); bpf2c reads source "
			    "lines only from .BTF.ext", name);
	if (sh.sh_type == SHT_REL || ignored(&sh, name))
		return 0;	/* relocations: once programs are known */
	if (strcmp(name, ".BTF") == 0 || strcmp(name, ".BTF.ext") == 0)
		return take_btf(o, i, &sh, name);
	if (sh.sh_type == SHT_STRTAB && !(sh.sh_flags & SHF_ALLOC))
		return 0;
	if (sh.sh_flags & SHF_EXECINSTR) {
		/* clang always emits .text; code there is a BPF-to-BPF callee */
		if (strcmp(name, ".text") == 0 && sh.sh_size == 0)
			return 0;
		return take_prog(o, i, &sh, name);
	}
	if (strcmp(name, "maps") == 0 && o->maps == NONE) {
		o->maps = i;
		return 0;
	}
	if (strcmp(name, "license") == 0 && o->license == NONE)
		return take_license(o, i, &sh);
	if ((sh.sh_flags & SHF_ALLOC) && sh.sh_size == 0)
		return 0;	/* empty .data/.bss: nothing to lose */
	return fail("section %s: not understood (type %#x, flags %#llx, "
		    "%llu bytes): no global data, please", name, sh.sh_type,
		    (unsigned long long)sh.sh_flags,
		    (unsigned long long)sh.sh_size);
}

static int get_sym(const struct obj *o, uint32_t idx, Elf64_Sym *sym)
{
	Elf64_Shdr sh;

	if (shdr(o, o->symtab, &sh) < 0)
		return -1;
	if (sh.sh_entsize != sizeof(*sym) || sh.sh_size % sizeof(*sym) ||
	    idx >= sh.sh_size / sizeof(*sym))
		return fail("symbol %u: outside .symtab", idx);
	memcpy(sym, o->buf + sh.sh_offset + (uint64_t)idx * sizeof(*sym),
	       sizeof(*sym));
	return 0;
}

static const char *sym_name(const struct obj *o, const Elf64_Sym *sym)
{
	const char *s = str_at(o, o->strtab, sym->st_name);

	if (!s)
		fail("symbol name at %u: outside .strtab", sym->st_name);
	return s;
}

static int prog_of_section(const struct obj *o, int shndx)
{
	for (int p = 0; p < NPROGS; p++)
		if (o->progs[p].shndx == shndx)
			return p;
	return NONE;
}

/* Each program section holds exactly its one function, whole. */
static int check_func(struct obj *o, uint32_t idx, const Elf64_Sym *sym)
{
	const char *name = sym_name(o, sym);
	int p = prog_of_section(o, sym->st_shndx);
	Elf64_Shdr sh;

	if (!name)
		return -1;
	if (p == NONE)
		return fail("function %s: outside the program sections "
			    "(not inlined?)", name);
	if (strcmp(name, specs[p].func) != 0 || o->progs[p].sym)
		return fail("function %s in section %s: expected %s alone",
			    name, specs[p].section, specs[p].func);
	if (shdr(o, sym->st_shndx, &sh) < 0)
		return -1;
	if (sym->st_value != 0 || sym->st_size != sh.sh_size)
		return fail("function %s: does not span section %s", name,
			    specs[p].section);
	o->progs[p].sym = idx;
	o->progs[p].name_off = (const unsigned char *)name - o->buf;
	return 0;
}

static int check_symbols(struct obj *o)
{
	Elf64_Shdr sh;
	Elf64_Sym sym;

	if (shdr(o, o->symtab, &sh) < 0)
		return -1;
	o->strtab = sh.sh_link;
	if (sh.sh_link == 0 || sh.sh_link >= o->eh.e_shnum ||
	    sh.sh_entsize != sizeof(sym))
		return fail("section .symtab: bad link or entry size");
	for (uint32_t i = 1; i < sh.sh_size / sizeof(sym); i++) {
		if (get_sym(o, i, &sym) < 0)
			return -1;
		if (ELF64_ST_TYPE(sym.st_info) == STT_FUNC &&
		    check_func(o, i, &sym) < 0)
			return -1;
	}
	for (int p = 0; p < NPROGS; p++)
		if (o->progs[p].shndx == NONE || !o->progs[p].sym)
			return fail("program %s (section %s): missing",
				    specs[p].func, specs[p].section);
	return 0;
}

static struct insn insn_at(const struct prog *p, uint32_t i)
{
	const unsigned char *b = p->code + (size_t)i * INSN_SIZE;
	struct insn in;

	in.code = b[0];
	in.dst = b[1] & 0x0f;
	in.src = b[1] >> 4;
	in.off = (int16_t)(b[2] | b[3] << 8);
	in.imm = (int32_t)((uint32_t)b[4] | (uint32_t)b[5] << 8 |
			   (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24);
	return in;
}

static int map_of_symbol(const struct obj *o, const Elf64_Sym *sym,
			 const char *sec)
{
	const char *name = sym_name(o, sym);

	if (!name)
		return -1;
	if (sym->st_shndx != o->maps || o->maps == NONE)
		return fail("section %s: relocation against %s, not in maps",
			    sec, *name ? name : "(a section)");
	for (int m = 0; m < NMAPS; m++)
		if (strcmp(name, map_syms[m]) == 0)
			return m;
	return fail("section %s: relocation against unknown map %s", sec,
		    name);
}

/* Only "rX = map ll", with a zero addend, where the loader will patch. */
static int check_reloc_insn(const struct prog *p, uint64_t off,
			    const char *sec)
{
	uint32_t i = off / INSN_SIZE;
	struct insn lo, hi;

	if (off % INSN_SIZE || i + 1 >= p->ninsns)
		return fail("section %s: relocation at offset %llu: not on an "
			    "instruction", sec, (unsigned long long)off);
	lo = insn_at(p, i);
	hi = insn_at(p, i + 1);
	if (lo.code != LD_IMM64)
		return fail("section %s: relocation on insn %u (code %#04x): "
			    "not an LD_IMM64", sec, i, lo.code);
	if (lo.src || lo.off || lo.imm || hi.code || hi.dst || hi.src ||
	    hi.off || hi.imm)
		return fail("section %s: relocated LD_IMM64 at insn %u: "
			    "non-zero fields", sec, i);
	for (uint32_t r = 0; r < p->nrelocs; r++)
		if (p->relocs[r].insn == i)
			return fail("section %s: insn %u relocated twice",
				    sec, i);
	return 0;
}

static int take_reloc(struct obj *o, struct prog *p, size_t file_off,
		      const char *sec)
{
	Elf64_Rel rel;
	Elf64_Sym sym;
	int m;

	memcpy(&rel, o->buf + file_off, sizeof(rel));
	if (ELF64_R_TYPE(rel.r_info) != R_BPF_64_64)
		return fail("section %s: relocation type %llu at offset %llu: "
			    "only R_BPF_64_64 map loads are supported", sec,
			    (unsigned long long)ELF64_R_TYPE(rel.r_info),
			    (unsigned long long)rel.r_offset);
	if (get_sym(o, ELF64_R_SYM(rel.r_info), &sym) < 0)
		return -1;
	m = map_of_symbol(o, &sym, sec);
	if (m < 0 || check_reloc_insn(p, rel.r_offset, sec) < 0)
		return -1;
	if (p->nrelocs == MAX_RELOCS)
		return fail("section %s: too many relocations", sec);
	p->relocs[p->nrelocs].insn = rel.r_offset / INSN_SIZE;
	p->relocs[p->nrelocs].map = m;
	p->relocs[p->nrelocs].file_off = file_off;
	p->nrelocs++;
	return 0;
}

/*
 * .rel.BTF and .rel.BTF.ext hold the section offsets a linker would fill
 * in: of the map and license variables (.BTF's DATASEC) and of the program
 * sections (.BTF.ext's records).  bpf2c needs none of them, but accepts
 * only those: any other relocation there means an object it does not
 * understand (globals, BPF-to-BPF calls, CO-RE).
 */
static int take_btf_rels(struct obj *o, const Elf64_Shdr *sh,
			 const char *target, const Elf64_Shdr *tsh)
{
	int ext = (int)sh->sh_info == o->btf_ext;
	const char *name = ext ? ".rel.BTF.ext" : ".rel.BTF";
	Elf64_Rel rel;
	Elf64_Sym sym;

	if (sh->sh_link != (unsigned)o->symtab ||
	    sh->sh_entsize != sizeof(Elf64_Rel) || sh->sh_size % sizeof(Elf64_Rel))
		return fail("section %s: bad link or entry size", name);
	if (sh->sh_size && ext)
		o->ext_rel_off = sh->sh_offset;
	else if (sh->sh_size)
		o->btf_rel_off = sh->sh_offset;
	for (uint64_t off = 0; off < sh->sh_size; off += sizeof(rel)) {
		memcpy(&rel, o->buf + sh->sh_offset + off, sizeof(rel));
		if (ELF64_R_TYPE(rel.r_info) != R_BPF_64_NODYLD32)
			return fail("section %s: relocation type %llu: only "
				    "R_BPF_64_NODYLD32 section offsets expected",
				    name, (unsigned long long)ELF64_R_TYPE(rel.r_info));
		if (rel.r_offset > tsh->sh_size || tsh->sh_size - rel.r_offset < 4)
			return fail("section %s: relocation at %llu: outside %s",
				    name, (unsigned long long)rel.r_offset, target);
		if (get_sym(o, ELF64_R_SYM(rel.r_info), &sym) < 0)
			return -1;
		if (ext ? prog_of_section(o, sym.st_shndx) == NONE :
		    sym.st_shndx != o->maps && sym.st_shndx != o->license)
			return fail("section %s: relocation against symbol %u "
				    "(section %u): not %s", name,
				    (unsigned)ELF64_R_SYM(rel.r_info), sym.st_shndx,
				    ext ? "a program section" : "maps or license");
	}
	return 0;
}

static int take_rel_section(struct obj *o, int i)
{
	const char *name = sec_name(o, i);
	const char *target;
	Elf64_Shdr sh, tsh;
	struct prog *p;
	int pi;

	if (!name || shdr(o, i, &sh) < 0)
		return -1;
	if (sh.sh_type == SHT_RELA)
		return fail("section %s: RELA relocations not supported", name);
	if (sh.sh_type != SHT_REL)
		return 0;
	if (sh.sh_info == 0 || sh.sh_info >= o->eh.e_shnum ||
	    !(target = sec_name(o, sh.sh_info)) ||
	    shdr(o, sh.sh_info, &tsh) < 0)
		return fail("section %s: bad target section", name);
	if (ignored(&tsh, target))
		return fail("section %s: relocations for section %s not "
			    "supported", name, target);
	if ((int)sh.sh_info == o->btf || (int)sh.sh_info == o->btf_ext)
		return take_btf_rels(o, &sh, target, &tsh);
	pi = prog_of_section(o, sh.sh_info);
	if (pi == NONE)
		return fail("section %s: relocations for section %s not "
			    "supported", name, target);
	if (sh.sh_link != (unsigned)o->symtab ||
	    sh.sh_entsize != sizeof(Elf64_Rel) || sh.sh_size % sizeof(Elf64_Rel))
		return fail("section %s: bad link or entry size", name);
	p = &o->progs[pi];
	if (p->nrelocs)
		return fail("section %s: second relocation section", name);
	for (uint64_t off = 0; off < sh.sh_size; off += sizeof(Elf64_Rel))
		if (take_reloc(o, p, sh.sh_offset + off, target) < 0)
			return -1;
	return 0;
}

/* ---- .BTF.ext line info ---- */

static uint32_t u32_at(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

/* A NUL-terminated string at off in .BTF's string section. */
static const char *btf_str(const struct obj *o, uint32_t off)
{
	const char *s = (const char *)o->buf + o->btf_str_off + off;

	if (off >= o->btf_str_len || !memchr(s, '\0', o->btf_str_len - off))
		return NULL;
	return s;
}

/* .BTF's header, for its string section; the types are not read. */
static int take_btf_strings(struct obj *o)
{
	Elf64_Shdr sh;
	const unsigned char *b;
	uint32_t hdr_len, str_off, str_len;

	if (shdr(o, o->btf, &sh) < 0)
		return -1;
	b = o->buf + sh.sh_offset;
	if (sh.sh_size < 24 || (b[0] | b[1] << 8) != BTF_MAGIC || b[2] != 1)
		return fail("section .BTF: bad magic or version");
	hdr_len = u32_at(b + 4);
	str_off = u32_at(b + 16);
	str_len = u32_at(b + 20);
	if (hdr_len < 24 || hdr_len > sh.sh_size ||
	    str_off > sh.sh_size - hdr_len ||
	    str_len > sh.sh_size - hdr_len - str_off)
		return fail("section .BTF: string section outside the section");
	o->btf_str_off = sh.sh_offset + hdr_len + str_off;
	o->btf_str_len = str_len;
	return 0;
}

/* One record: on an instruction of prog p, after the previous record. */
static int take_line(struct obj *o, int pi, const unsigned char *r)
{
	struct prog *p = &o->progs[pi];
	uint32_t off = u32_at(r), i = off / INSN_SIZE;
	struct line *l = &o->lines[o->nlines];

	if (off % INSN_SIZE || i >= p->ninsns)
		return fail("section .BTF.ext: line info for %s at byte %u: not "
			    "on an instruction", specs[pi].section, off);
	if (p->nlines && i <= o->lines[o->nlines - 1].insn)
		return fail("section .BTF.ext: line info for %s: insn %u out "
			    "of order", specs[pi].section, i);
	if (o->nlines == MAX_LINES)
		return fail("section .BTF.ext: more than %u line records",
			    MAX_LINES);
	l->insn = i;
	l->file = btf_str(o, u32_at(r + 4));
	l->text = btf_str(o, u32_at(r + 8));
	l->line = u32_at(r + 12) >> 10;	/* line << 10 | column */
	if (!l->file || !l->text)
		return fail("section .BTF.ext: line info for %s insn %u: string "
			    "outside .BTF", specs[pi].section, i);
	p->nlines++;
	o->nlines++;
	return 0;
}

/* The line-info subsection: record size, then per section a name, count, records. */
static int take_lines(struct obj *o, const unsigned char *b, uint32_t len)
{
	uint32_t pos = 4, n, k;
	const char *sec;
	int pi;

	if (len == 0)
		return 0;
	if (len < 4 || u32_at(b) != LINE_REC_SIZE)
		return fail("section .BTF.ext: line records of %u bytes, not %u",
			    len < 4 ? 0 : u32_at(b), LINE_REC_SIZE);
	o->line_rec_off = (size_t)(b - o->buf) + 12;
	while (pos < len) {
		if (len - pos < 8)
			return fail("section .BTF.ext: line info cut short");
		sec = btf_str(o, u32_at(b + pos));
		n = u32_at(b + pos + 4);
		pos += 8;
		pi = sec ? spec_index(sec) : NONE;
		if (pi == NONE || o->progs[pi].nlines || n == 0)
			return fail("section .BTF.ext: line info for %s: not a "
				    "program section, repeated or empty",
				    sec ? sec : "(bad name)");
		if (n > (len - pos) / LINE_REC_SIZE)
			return fail("section .BTF.ext: line info for %s cut short",
				    sec);
		o->progs[pi].line0 = o->nlines;
		for (k = 0; k < n; k++, pos += LINE_REC_SIZE)
			if (take_line(o, pi, b + pos) < 0)
				return -1;
	}
	return 0;
}

/*
 * .BTF.ext: version 1; func info bounded and skipped (the loader sends no
 * BTF); no CO-RE relocations (they would ask the loader to rewrite field
 * offsets, which it does not); line info kept for the comments.
 */
static int take_btf_ext(struct obj *o)
{
	Elf64_Shdr sh;
	const unsigned char *b;
	uint32_t hdr_len, rest, sub[3][2];

	if (o->btf_ext == NONE)
		return 0;
	if (o->btf == NONE)
		return fail("section .BTF.ext: no .BTF for its strings");
	if (take_btf_strings(o) < 0 || shdr(o, o->btf_ext, &sh) < 0)
		return -1;
	b = o->buf + sh.sh_offset;
	o->ext_off = sh.sh_offset;
	if (sh.sh_size < 24 || (b[0] | b[1] << 8) != BTF_MAGIC || b[2] != 1 ||
	    b[3] != 0)
		return fail("section .BTF.ext: bad magic, version or flags");
	hdr_len = u32_at(b + 4);
	if ((hdr_len != 24 && hdr_len != 32) || hdr_len > sh.sh_size)
		return fail("section .BTF.ext: header of %u bytes", hdr_len);
	rest = sh.sh_size - hdr_len;
	for (int k = 0; k < 3; k++) {
		sub[k][0] = k < 2 || hdr_len == 32 ? u32_at(b + 8 + 8 * k) : 0;
		sub[k][1] = k < 2 || hdr_len == 32 ? u32_at(b + 12 + 8 * k) : 0;
		if (sub[k][0] > rest || sub[k][1] > rest - sub[k][0])
			return fail("section .BTF.ext: subsection %d outside "
				    "the section", k);
	}
	if (sub[2][1])
		return fail("section .BTF.ext: CO-RE relocations (%u bytes) "
			    "not supported: no preserve_access_index, please",
			    sub[2][1]);
	return take_lines(o, b + hdr_len + sub[1][0], sub[1][1]);
}

static const char *size_name(uint8_t code)
{
	static const char *const n[] = { "u32", "u16", "u8", "u64" };

	return n[SIZE(code) >> 3];
}

static const char *alu_op(uint8_t op, int16_t off)
{
	static const char *const n[16] = {
		"+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=",
		NULL, "%=", "^=", "=", "s>>=", NULL, NULL, NULL,
	};

	if (off == 1 && op == A_DIV)
		return "s/=";
	if (off == 1 && op == A_MOD)
		return "s%=";
	if (off && op != A_MOV)
		return NULL;
	if (op == A_MOV && off != 0 && off != 8 && off != 16 && off != 32)
		return NULL;
	return n[op >> 4];
}

static const char *jmp_op(uint8_t op)
{
	static const char *const n[16] = {
		NULL, "==", ">", ">=", "&", "!=", "s>", "s>=",
		NULL, NULL, "<", "<=", "s<", "s<=", NULL, NULL,
	};

	return n[op >> 4];
}

static const char *helper_name(int32_t id)
{
	switch (id) {
	case 1: return "bpf_map_lookup_elem";
	case 2: return "bpf_map_update_elem";
	case 3: return "bpf_map_delete_elem";
	case 14: return "bpf_get_current_pid_tgid";
	case 16: return "bpf_get_current_comm";
	case 26: return "bpf_skb_load_bytes";
	case 46: return "bpf_get_socket_cookie";
	case 125: return "bpf_ktime_get_boot_ns";
	case 130: return "bpf_ringbuf_output";
	case 131: return "bpf_ringbuf_reserve";
	case 132: return "bpf_ringbuf_submit";
	default: return "unknown";
	}
}

/* "+ 4" / "- 8", as in the kernel's log but with spaces, like the brief */
static void fmt_mem(char *out, size_t n, const char *type, uint8_t reg,
		    int16_t off)
{
	snprintf(out, n, "*(%s *)(r%u %c %d)", type, reg, off < 0 ? '-' : '+',
		 off < 0 ? -off : off);
}

static int dis_alu(struct insn in, char *out, size_t n)
{
	char r = CLASS(in.code) == C_ALU64 ? 'r' : 'w';
	uint8_t op = OP(in.code);
	const char *s;

	if (op == A_END) {
		/* the whole register is written: the kernel prints rX too */
		if (in.imm != 16 && in.imm != 32 && in.imm != 64)
			return fail("bad byte swap width %d", in.imm);
		snprintf(out, n, "r%u = %s%d r%u", in.dst,
			 CLASS(in.code) == C_ALU64 ? "bswap" :
			 in.code & SRC_X ? "be" : "le", in.imm, in.dst);
		return 0;
	}
	if (op == A_NEG) {
		snprintf(out, n, "%c%u = -%c%u", r, in.dst, r, in.dst);
		return 0;
	}
	if (!(s = alu_op(op, in.off)) || (in.off && !(in.code & SRC_X)))
		return fail("bad ALU opcode %#04x (off %d)", in.code, in.off);
	if (!(in.code & SRC_X))
		snprintf(out, n, "%c%u %s %d", r, in.dst, s, in.imm);
	else if (op == A_MOV && in.off)
		snprintf(out, n, "%c%u = (s%d)%c%u", r, in.dst, in.off, r,
			 in.src);
	else
		snprintf(out, n, "%c%u %s %c%u", r, in.dst, s, r, in.src);
	return 0;
}

static int dis_jmp(struct insn in, uint32_t i, uint32_t ninsns, char *out,
		   size_t n)
{
	char r = CLASS(in.code) == C_JMP ? 'r' : 'w';
	uint8_t op = OP(in.code);
	int64_t to = (int64_t)i + 1 + in.off;
	const char *s;

	if (op == J_CALL && CLASS(in.code) == C_JMP) {
		if (in.src)
			return fail("call with src_reg %u: BPF-to-BPF and kfunc "
				    "calls are not supported", in.src);
		snprintf(out, n, "call %s#%d", helper_name(in.imm), in.imm);
		return 0;
	}
	if (op == J_EXIT && CLASS(in.code) == C_JMP) {
		snprintf(out, n, "exit");
		return 0;
	}
	if (op == J_JA && CLASS(in.code) == C_JMP32)
		to = (int64_t)i + 1 + in.imm;
	if (to < 0 || to >= ninsns)
		return fail("jump to %lld: outside the program", (long long)to);
	if (op == J_JA) {
		snprintf(out, n, "%s pc%+d (-> %lld)",
			 r == 'r' ? "goto" : "gotol",
			 r == 'r' ? in.off : in.imm, (long long)to);
		return 0;
	}
	if (!(s = jmp_op(op)))
		return fail("bad jump opcode %#04x", in.code);
	if (in.code & SRC_X)
		snprintf(out, n, "if %c%u %s %c%u goto pc%+d (-> %lld)", r,
			 in.dst, s, r, in.src, in.off, (long long)to);
	else
		snprintf(out, n, "if %c%u %s 0x%x goto pc%+d (-> %lld)", r,
			 in.dst, s, (uint32_t)in.imm, in.off, (long long)to);
	return 0;
}

static int dis_mem(struct insn in, char *out, size_t n)
{
	char type[8], mem[48];

	if (CLASS(in.code) == C_LDX && (MODE(in.code) == M_MEM ||
					MODE(in.code) == M_MEMSX)) {
		snprintf(type, sizeof(type), "%s", size_name(in.code));
		if (MODE(in.code) == M_MEMSX)
			type[0] = 's';
		fmt_mem(mem, sizeof(mem), type, in.src, in.off);
		snprintf(out, n, "r%u = %s", in.dst, mem);
		return 0;
	}
	/* The one atomic the programs use: the counters' add (BPF_XADD,
	 * imm BPF_ADD without BPF_FETCH), as the kernel prints it. */
	if (CLASS(in.code) == C_STX && MODE(in.code) == M_ATOMIC &&
	    in.imm == 0 && (SIZE(in.code) == 0x00 || SIZE(in.code) == S_DW)) {
		fmt_mem(mem, sizeof(mem), size_name(in.code), in.dst, in.off);
		snprintf(out, n, "lock %s += r%u", mem, in.src);
		return 0;
	}
	if (MODE(in.code) != M_MEM)
		return fail("memory opcode %#04x (atomic or packet access) "
			    "not supported", in.code);
	fmt_mem(mem, sizeof(mem), size_name(in.code), in.dst, in.off);
	if (CLASS(in.code) == C_ST)
		snprintf(out, n, "%s = %d", mem, in.imm);
	else
		snprintf(out, n, "%s = r%u", mem, in.src);
	return 0;
}

/* The LD_IMM64 first half; the caller checked the second exists. */
static int dis_ld64(const struct prog *p, uint32_t i, char *out, size_t n)
{
	struct insn in = insn_at(p, i), hi = insn_at(p, i + 1);
	uint64_t v = (uint64_t)(uint32_t)hi.imm << 32 | (uint32_t)in.imm;

	if (in.code != LD_IMM64)
		return fail("LD opcode %#04x (packet access) not supported",
			    in.code);
	if (hi.code || hi.dst || hi.src || hi.off)
		return fail("LD_IMM64 at %u: bad second half", i);
	for (uint32_t r = 0; r < p->nrelocs; r++)
		if (p->relocs[r].insn == i) {
			snprintf(out, n, "r%u = map[%s] ll", in.dst,
				 map_syms[p->relocs[r].map]);
			return 0;
		}
	if (in.src)
		return fail("LD_IMM64 at %u: pseudo source %u without a "
			    "relocation", i, in.src);
	snprintf(out, n, "r%u = 0x%llx ll", in.dst, (unsigned long long)v);
	return 0;
}

/* Disassemble insn i into out; 1 or 2 (LD_IMM64) slots, or -1. */
static int disasm(const struct prog *p, uint32_t i, char *out, size_t n)
{
	struct insn in = insn_at(p, i);
	int r;

	if (in.dst > 10 || in.src > 10)
		return fail("insn %u: register out of range", i);
	switch (CLASS(in.code)) {
	case C_LD:
		if (i + 1 >= p->ninsns)
			return fail("insn %u: LD_IMM64 cut short", i);
		return dis_ld64(p, i, out, n) < 0 ? -1 : 2;
	case C_LDX:
	case C_ST:
	case C_STX:
		r = dis_mem(in, out, n);
		break;
	case C_ALU:
	case C_ALU64:
		r = dis_alu(in, out, n);
		break;
	default:
		r = dis_jmp(in, i, p->ninsns, out, n);
		break;
	}
	return r < 0 ? -1 : 1;
}

/* Every instruction must disassemble: what cannot be printed is refused. */
static int check_code(const struct obj *o)
{
	char line[128];

	for (int pi = 0; pi < NPROGS; pi++) {
		const struct prog *p = &o->progs[pi];

		for (uint32_t i = 0; i < p->ninsns;) {
			int k = disasm(p, i, line, sizeof(line));

			if (k < 0) {
				char why[sizeof(err)];

				memcpy(why, err, sizeof(why));
				return fail("section %s: insn %u: %s",
					    specs[pi].section, i, why);
			}
			i += k;
		}
	}
	return 0;
}

static int parse(struct obj *o, const unsigned char *buf, size_t len)
{
	memset(o, 0, sizeof(*o));
	o->buf = buf;
	o->len = len;
	o->symtab = o->strtab = o->maps = o->license = NONE;
	o->btf = o->btf_ext = NONE;
	for (int p = 0; p < NPROGS; p++)
		o->progs[p].shndx = NONE;
	if (check_ehdr(o) < 0)
		return -1;
	for (int i = 1; i < o->eh.e_shnum; i++)
		if (take_section(o, i) < 0)
			return -1;
	if (o->symtab == NONE)
		return fail("no symbol table");
	if (o->license == NONE)
		return fail("section license: missing");
	if (check_symbols(o) < 0)
		return -1;
	for (int i = 1; i < o->eh.e_shnum; i++)
		if (take_rel_section(o, i) < 0)
			return -1;
	if (take_btf_ext(o) < 0)
		return -1;
	return check_code(o);
}

/* ---- output ---- */

static void upper(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i]; i++)
		dst[i] = src[i] >= 'a' && src[i] <= 'z' ? src[i] - 32 : src[i];
	dst[i] = '\0';
}

static void emit_banner(const char *source, const char *compiler,
			const char *sha)
{
	printf("/*\n"
	       " * bpf_insns.h - generated by tools/bpf2c from %s.\n"
	       " * DO NOT EDIT: change %s and run `make bpf`, then review the\n"
	       " * diff of this file; `make check-bpf` fails if it differs from a\n"
	       " * fresh build.\n"
	       " *\n"
	       " * compiler: %s\n"
	       " * source sha256: %s (BPF_SHA in the Makefile)\n"
	       " *\n"
	       " * One instruction per line: index, the struct bpf_insn, and its\n"
	       " * disassembly; above each block, the source line it was compiled\n"
	       " * from (clang -g: .BTF.ext's line info, no DWARF).  Map loads\n"
	       " * (\"rX = map[jail_v4] ll\") have src_reg 0 and imm 0 here; the\n"
	       " * loader checks that each jail_reloc names an LD_IMM64 and patches\n"
	       " * in src_reg = BPF_PSEUDO_MAP_FD and the fd.\n"
	       " */\n"
	       "#ifndef JAIL_BPF_INSNS_H\n"
	       "#define JAIL_BPF_INSNS_H\n\n"
	       "#include <linux/bpf.h>\n"
	       "#include \"bpf_maps.h\"\n\n"
	       "struct jail_reloc {\n"
	       "\tunsigned short insn;\t/* index of the LD_IMM64 */\n"
	       "\tunsigned short map;\t/* JAIL_MAP_*: V4, V6, EV, CNT, DNS4, ... */\n"
	       "};\n\n"
	       "struct jail_prog {\n"
	       "\tconst char *name;\n"
	       "\tconst char *section;\n"
	       "\t__u32 prog_type;\n"
	       "\t__u32 attach_type;\n"
	       "\tconst struct bpf_insn *insns;\n"
	       "\t__u32 ninsns;\n"
	       "\tconst struct jail_reloc *relocs;\n"
	       "\t__u32 nrelocs;\n"
	       "};\n", source, source, compiler, sha);
}

/*
 * A source line inside a C comment: leading and trailing blanks dropped,
 * tabs as spaces, other control characters as '?', "/" "*" and "*" "/"
 * split by a space; if that is longer than MAX_SRC_LINE bytes, its first
 * MAX_SRC_LINE and "...".  tests/10-bpf2c.t applies the same rules to the
 * source when it compares.
 */
static void comment_text(char out[MAX_SRC_LINE + 8], const char *s)
{
	size_t k = 0, len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
		       s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	/* stops once past MAX_SRC_LINE: at most MAX_SRC_LINE + 2 bytes */
	for (size_t i = 0; i < len && k <= MAX_SRC_LINE; i++) {
		char c = s[i];

		out[k++] = c == '\t' ? ' ' : (unsigned char)c < 0x20 ||
			   c == 0x7f ? '?' : c;
		if ((c == '/' && s[i + 1] == '*') || (c == '*' && s[i + 1] == '/'))
			out[k++] = ' ';
	}
	if (k > MAX_SRC_LINE) {
		memcpy(out + MAX_SRC_LINE, "...", 3);
		k = MAX_SRC_LINE + 3;
	}
	out[k] = '\0';
}

/* "./bpf/jail.bpf.c" (clang -fdebug-compilation-dir=.) as "bpf/jail.bpf.c" */
static const char *file_name(const char *f)
{
	return strncmp(f, "./", 2) == 0 ? f + 2 : f;
}

/* Before insn i: where it comes from, when that changed since the last one. */
static void emit_line(const struct obj *o, const struct prog *p, uint32_t i,
		      uint32_t *next, const struct line **last)
{
	const struct line *l;
	char text[MAX_SRC_LINE + 8];

	if (*next >= p->nlines || o->lines[p->line0 + *next].insn != i)
		return;
	l = &o->lines[p->line0 + (*next)++];
	if (l->line == 0 || (*last && (*last)->line == l->line &&
			     strcmp((*last)->file, l->file) == 0))
		return;
	*last = l;
	comment_text(text, l->text);
	printf("\t/* %s:%u: %s */\n", file_name(l->file), l->line, text);
}

static void emit_insns(const struct obj *o, const struct prog *p,
		       const struct spec *s)
{
	const struct line *last = NULL;
	uint32_t next = 0;
	char line[128], init[128], up[32];
	int upper_half = 0;

	upper(up, s->suffix, sizeof(up));
	printf("\n/* %s: section %s, %u instructions */\n", s->func,
	       s->section, p->ninsns);
	printf("static const struct bpf_insn jail_insns_%s[] "
	       "__attribute__((unused)) = {\n", s->suffix);
	/* check_code() already accepted every instruction */
	for (uint32_t i = 0; i < p->ninsns; i++) {
		struct insn in = insn_at(p, i);

		emit_line(o, p, i, &next, &last);
		if (upper_half) {
			snprintf(line, sizeof(line), "(LD_IMM64 upper half)");
			upper_half = 0;
		} else {
			upper_half = disasm(p, i, line, sizeof(line)) == 2;
		}
		snprintf(init, sizeof(init), "{ .code = 0x%02x, .dst_reg = %u, "
			 ".src_reg = %u, .off = %d, .imm = %d },", in.code,
			 in.dst, in.src, in.off, in.imm);
		printf("\t/* %3u */ %-65s /* %s */\n", i, init, line);
	}
	printf("};\n#define JAIL_NINSNS_%s %u\n", up, p->ninsns);
	printf("_Static_assert(sizeof(jail_insns_%s) / sizeof(jail_insns_%s[0])"
	       " == JAIL_NINSNS_%s,\n\t       \"jail_insns_%s: count\");\n",
	       s->suffix, s->suffix, up, s->suffix);
}

static void emit_relocs(const struct prog *p, const struct spec *s)
{
	if (!p->nrelocs)
		return;
	printf("\nstatic const struct jail_reloc jail_relocs_%s[] "
	       "__attribute__((unused)) = {\n", s->suffix);
	for (uint32_t r = 0; r < p->nrelocs; r++)
		printf("\t{ %u, %s },\n", p->relocs[r].insn,
		       map_enums[p->relocs[r].map]);
	printf("};\n");
}

static void emit_table(const struct obj *o)
{
	uint32_t max = 0;

	for (int i = 0; i < NPROGS; i++)
		if (o->progs[i].ninsns > max)
			max = o->progs[i].ninsns;
	printf("\n#define JAIL_NPROGS %d\n#define JAIL_MAX_INSNS %u\n\n",
	       NPROGS, max);
	printf("static const struct jail_prog jail_progs[JAIL_NPROGS] "
	       "__attribute__((unused)) = {\n");
	for (int i = 0; i < NPROGS; i++) {
		const struct spec *s = &specs[i];
		const struct prog *p = &o->progs[i];
		char up[32];

		upper(up, s->suffix, sizeof(up));
		printf("\t{\n\t\t.name = \"%s\",\n\t\t.section = \"%s\",\n"
		       "\t\t.prog_type = %s,\n\t\t.attach_type = %s,\n"
		       "\t\t.insns = jail_insns_%s,\n"
		       "\t\t.ninsns = JAIL_NINSNS_%s,\n",
		       s->name, s->section, s->prog_type, s->attach_type,
		       s->suffix, up);
		if (p->nrelocs)
			printf("\t\t.relocs = jail_relocs_%s,\n"
			       "\t\t.nrelocs = %u,\n", s->suffix, p->nrelocs);
		else
			printf("\t\t.relocs = 0,\n\t\t.nrelocs = 0,\n");
		printf("\t},\n");
	}
	printf("};\n\n#endif\n");
}

/* Arguments end up inside a C comment: keep them on one line, no "*" "/". */
static int check_args(const char *source, const char *compiler,
		      const char *sha)
{
	const char *args[] = { source, compiler };
	size_t i;

	for (i = 0; i < 2; i++) {
		if (!*args[i] || strstr(args[i], "*/"))
			return fail("argument \"%s\": empty or contains */",
				    args[i]);
		for (const char *c = args[i]; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				return fail("argument \"%s\": control character",
					    args[i]);
	}
	for (i = 0; sha[i]; i++)
		if (!strchr("0123456789abcdef", sha[i]))
			break;
	if (i != 64 || sha[i])
		return fail("source sha256 \"%s\": not 64 lowercase hex digits",
			    sha);
	return 0;
}

static int generate(const struct obj *o, const char *source,
		    const char *compiler, const char *sha)
{
	emit_banner(source, compiler, sha);
	for (int i = 0; i < NPROGS; i++) {
		emit_insns(o, &o->progs[i], &specs[i]);
		emit_relocs(&o->progs[i], &specs[i]);
	}
	emit_table(o);
	if (fflush(stdout) != 0 || ferror(stdout))
		return fail("write: %s", strerror(errno));
	return 0;
}

/* ---- self-test: damaged copies must be refused ---- */

static size_t first_insn(const struct prog *p, int (*pick)(struct insn))
{
	for (uint32_t i = 0; i < p->ninsns; i++)
		if (pick(insn_at(p, i)))
			return p->code_off + (size_t)i * INSN_SIZE;
	return 0;
}

static int is_call(struct insn in)
{
	return in.code == (C_JMP | J_CALL);
}

static int is_cond_jump(struct insn in)
{
	return CLASS(in.code) == C_JMP && OP(in.code) != J_JA &&
	       OP(in.code) != J_CALL && OP(in.code) != J_EXIT;
}

enum {
	T_LICENSE, T_RELTYPE, T_RELPLACE, T_RELSYM, T_PSEUDOCALL,
	T_OPCODE, T_JUMP, T_FUNCNAME, T_MAPSNAME, T_DEBUG, T_CORE,
	T_BTFREL, T_EXTREL, T_LINE, T_NTESTS,
};

static const char *const test_names[T_NTESTS] = {
	"license other than GPL", "relocation type R_BPF_64_32",
	"relocation not on an LD_IMM64", "relocation against a function",
	"BPF-to-BPF call", "unknown opcode", "jump outside the program",
	"program function renamed", "maps section renamed",
	".BTF.ext renamed .debug_x", "a CO-RE relocation record",
	".rel.BTF entry against a function", ".rel.BTF.ext entry of another type",
	"line info on no instruction",
};

static void put_u32(unsigned char *b, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		b[k] = (unsigned char)(v >> 8 * k);
}

/* The line-info cases: 0 with buf damaged, -1 if OBJ has no such place. */
static int damage_btf(unsigned char *buf, const struct obj *o, int t)
{
	Elf64_Rel r;
	size_t rel = t == T_BTFREL ? o->btf_rel_off : o->ext_rel_off;

	switch (t) {
	case T_CORE:	/* a 16-byte CO-RE subsection at the start */
		if (o->btf_ext == NONE || u32_at(buf + o->ext_off + 4) != 32)
			return -1;
		put_u32(buf + o->ext_off + 24, 0);
		put_u32(buf + o->ext_off + 28, 16);
		return 0;
	case T_BTFREL:
	case T_EXTREL:
		if (!rel)
			return -1;
		memcpy(&r, buf + rel, sizeof(r));
		r.r_info = t == T_BTFREL ?
		    ELF64_R_INFO(o->progs[0].sym, R_BPF_64_NODYLD32) :
		    ELF64_R_INFO(ELF64_R_SYM(r.r_info), R_BPF_64_64);
		memcpy(buf + rel, &r, sizeof(r));
		return 0;
	default:	/* T_LINE: the first record points past its program */
		if (!o->line_rec_off)
			return -1;
		put_u32(buf + o->line_rec_off, 0xfffffff8u);
		return 0;
	}
}

/* Returns 0 with buf damaged, or -1 if the object has no such place. */
static int damage(unsigned char *buf, const struct obj *o, int t)
{
	const struct prog *p = &o->progs[0];
	size_t rel = p->nrelocs ? p->relocs[0].file_off : 0, at;
	Elf64_Rel r;
	Elf64_Shdr sh;

	if (rel)
		memcpy(&r, buf + rel, sizeof(r));
	switch (t) {
	case T_LICENSE:
		buf[o->license_off] = 'X';
		return 0;
	case T_RELTYPE:
	case T_RELPLACE:
	case T_RELSYM:
		if (!rel)
			return -1;
		if (t == T_RELTYPE)
			r.r_info = ELF64_R_INFO(ELF64_R_SYM(r.r_info), 10);
		else if (t == T_RELPLACE)
			r.r_offset += INSN_SIZE;
		else
			r.r_info = ELF64_R_INFO(p->sym, R_BPF_64_64);
		memcpy(buf + rel, &r, sizeof(r));
		return 0;
	case T_PSEUDOCALL:
		if (!(at = first_insn(p, is_call)))
			return -1;
		buf[at + 1] = (buf[at + 1] & 0x0f) | 0x10;
		return 0;
	case T_OPCODE:
		buf[p->code_off] = 0xff;
		return 0;
	case T_JUMP:
		if (!(at = first_insn(p, is_cond_jump)))
			return -1;
		buf[at + 2] = 0xff;
		buf[at + 3] = 0x7f;
		return 0;
	case T_FUNCNAME:
		buf[p->name_off] = 'J';
		return 0;
	case T_MAPSNAME:
	case T_DEBUG:
		if (t == T_DEBUG && o->btf_ext == NONE)
			return -1;
		memcpy(&sh, buf + o->eh.e_shoff + (uint64_t)(t == T_DEBUG ?
		       o->btf_ext : o->maps) * sizeof(sh), sizeof(sh));
		at = (size_t)(str_at(o, o->eh.e_shstrndx, sh.sh_name) -
			      (const char *)o->buf);
		if (t == T_DEBUG)
			memcpy(buf + at, ".debug_x", 8);	/* was .BTF.ext */
		else
			buf[at] = 'M';
		return 0;
	default:
		return damage_btf(buf, o, t);
	}
}

static int self_test(const unsigned char *buf, size_t len)
{
	unsigned char *copy = malloc(len);
	struct obj o, bad;
	int failed = 0;

	if (!copy)
		return fail("self-test: out of memory");
	if (parse(&o, buf, len) < 0) {
		free(copy);
		return -1;
	}
	for (int t = 0; t < T_NTESTS; t++) {
		memcpy(copy, buf, len);
		if (damage(copy, &o, t) < 0 || parse(&bad, copy, len) == 0) {
			fprintf(stderr, "bpf2c: self-test: %s: not refused\n",
				test_names[t]);
			failed++;
		} else {
			printf("bpf2c: self-test: %s: %s\n", test_names[t], err);
		}
	}
	free(copy);
	if (failed)
		return fail("self-test: %d of %d damaged objects accepted",
			    failed, T_NTESTS);
	printf("bpf2c: self-test: %d damaged objects refused\n", T_NTESTS);
	return 0;
}

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;

	if (!f) {
		fail("%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(MAX_OBJ + 1);
	if (!buf)
		fail("%s: out of memory", path);
	else if ((*len = fread(buf, 1, MAX_OBJ + 1, f)) > MAX_OBJ || ferror(f)) {
		fail("%s: read error or larger than %u bytes", path, MAX_OBJ);
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int usage(void)
{
	fprintf(stderr, "usage: bpf2c OBJ SOURCE_NAME COMPILER_VERSION "
		"SOURCE_SHA256 > bpf_insns.h\n"
		"       bpf2c --self-test OBJ\n");
	return 100;
}

int main(int argc, char **argv)
{
	const char *path = argc == 3 ? argv[2] : argv[1];
	unsigned char *buf;
	struct obj o;
	size_t len;
	int r;

	if (argc == 3 ? strcmp(argv[1], "--self-test") != 0 : argc != 5)
		return usage();
	if (argc == 5 && check_args(argv[2], argv[3], argv[4]) < 0) {
		fprintf(stderr, "bpf2c: %s\n", err);
		return 100;
	}
	if (!(buf = read_file(path, &len))) {
		fprintf(stderr, "bpf2c: %s\n", err);
		return 1;
	}
	if (argc == 3)
		r = self_test(buf, len);
	else
		r = parse(&o, buf, len) < 0 ? -1 :
		    generate(&o, argv[2], argv[3], argv[4]);
	free(buf);
	if (r < 0) {
		fprintf(stderr, "bpf2c: %s: %s\n", path, err);
		return 1;
	}
	return 0;
}
