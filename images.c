/*
 * images.c - layered images: which layers a project needs, their tags,
 * their embedded recipes and the recipe hash chain, the config file, and
 * `podman build` of whatever is missing or stale.
 *
 * No privilege.  Untrusted inputs: the workspace's top-level names
 * (detection only looks at them), the project's .jail-ai/Containerfile
 * (built only with --isolated, only onto a per-workspace tag, never with a
 * FROM of its own), the config file and --base-image/JAIL_AI_BASE_IMAGE
 * (an image reference checked character by character before it reaches a
 * FROM line), and podman's answers (one label, compared as a string).
 *
 * Layers stack in one fixed order, each FROM the one below:
 *
 *   base - cpp - rust - go - python - java - php - csharp - nix -
 *   terraform - kubernetes - nodejs - [project] - [agent-NAME]
 *
 * Detection (top-level entries of the workspace only; a name ending in
 * '/' is a directory):
 *
 *   layer       detected by
 *   ---------   -------------------------------------------------------
 *   rust        Cargo.toml
 *   go          go.mod
 *   nodejs      package.json
 *   python      pyproject.toml, requirements.txt, setup.py, Pipfile
 *   java        pom.xml, build.gradle, build.gradle.kts
 *   nix         flake.nix, shell.nix, default.nix
 *   php         composer.json
 *   cpp         CMakeLists.txt, meson.build, configure.ac, or a Makefile
 *               (Makefile, makefile, GNUmakefile) next to a top-level
 *               *.c, *.cc, *.cpp or *.cxx file
 *   csharp      *.csproj, *.sln
 *   terraform   *.tf
 *   kubernetes  Chart.yaml, kustomization.yaml, k8s/, helm/
 *
 * Agents that install from npm add nodejs (agents.c says which).
 *
 * Tags: base is localhost/jail-ai-base:latest; every other layer is
 * localhost/jail-ai-NAME:CHAIN where CHAIN names the layers below it,
 * joined by '-' (localhost/jail-ai-agent-claude:base-rust-nodejs).
 * --isolated appends -WSHASH (8 hex digits of SHA-256 of the workspace
 * path) to every tag; a project layer and everything above it always
 * carry it, so a project's recipe never reaches a shared tag.
 *
 * Every image has the label jail-ai.recipe = SHA-256 over its recipe and
 * its parent's hash (the base's "parent" is the base image reference):
 * a changed recipe changes that layer's hash and every hash above it, so
 * exactly those layers are rebuilt.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "agents.h"
#include "images.h"
#include "lifecycle.h"
#include "podman.h"
#include "text.h"
#include "util.h"

#define WS_MAX_NAMES	4096	/* top-level entries looked at */
#define RECIPE_MAX	(64 * 1024)
#define CONFIG_MAX	(64 * 1024)
/*
 * Debian trixie, not bookworm: gemini's CLI needs Node.js 20 (bookworm has
 * 18), and a nodejs layer from a newer release than the base below it
 * would bring that release's libc along, so the whole stack moves.
 */
#define DEFAULT_SUITE	"trixie"
#define DEFAULT_BASE	"docker.io/library/debian:" DEFAULT_SUITE "-slim"

/* ---- SHA-256 (FIPS 180-4), for the recipe labels ---- */

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n)	(((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(struct sha256 *c, const uint8_t *p)
{
	uint32_t w[64], s[8], t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 64; i++)
		w[i] = w[i - 16] + (ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^
		    (w[i - 15] >> 3)) + w[i - 7] + (ROR(w[i - 2], 17) ^
		    ROR(w[i - 2], 19) ^ (w[i - 2] >> 10));
	memcpy(s, c->h, sizeof(s));
	for (i = 0; i < 64; i++) {
		t1 = s[7] + (ROR(s[4], 6) ^ ROR(s[4], 11) ^ ROR(s[4], 25)) +
		    ((s[4] & s[5]) ^ (~s[4] & s[6])) + K[i] + w[i];
		t2 = (ROR(s[0], 2) ^ ROR(s[0], 13) ^ ROR(s[0], 22)) +
		    ((s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]));
		memmove(s + 1, s, 7 * sizeof(s[0]));
		s[4] += t1;
		s[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		c->h[i] += s[i];
}

void sha256_init(struct sha256 *c)
{
	static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372,
	    0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memset(c, 0, sizeof(*c));
	memcpy(c->h, h0, sizeof(h0));
}

void sha256_update(struct sha256 *c, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t used = (size_t)(c->len % 64), take;

	c->len += n;
	while (n > 0) {
		take = 64 - used < n ? 64 - used : n;
		memcpy(c->buf + used, b, take);
		used += take;
		b += take;
		n -= take;
		if (used == 64) {
			sha256_block(c, c->buf);
			used = 0;
		}
	}
}

void sha256_final(struct sha256 *c, uint8_t out[32])
{
	uint64_t bits = c->len * 8;
	uint8_t pad[72] = { 0x80 };
	size_t used = (size_t)(c->len % 64);
	size_t padlen = (used < 56 ? 56 : 120) - used;
	int i;

	for (i = 0; i < 8; i++)
		pad[padlen + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_update(c, pad, padlen + 8);
	for (i = 0; i < 32; i++)
		out[i] = (uint8_t)(c->h[i / 4] >> (24 - 8 * (i % 4)));
}

void sha256_hex(const void *p, size_t n, char out[65])
{
	struct sha256 c;
	uint8_t d[32];
	int i;

	sha256_init(&c);
	sha256_update(&c, p, n);
	sha256_final(&c, d);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* ---- the language layers ---- */

/*
 * Each layer's recipe is text/recipe-NAME.txt (packed with the help texts,
 * text.c): the Containerfile lines after FROM, hashed as they are.  Debian
 * packages through apt without their lists (apt-get clean).  base makes
 * zsh the jail's shell: a prompt like bash's (user@host:dir$), history in
 * the jail's home (a volume: it stays across --recreate), completion, fzf's
 * keys (Ctrl-R, Ctrl-T); no first-run wizard; exit leaves background jobs
 * running without asking, as bash does.  fd-find's binary is fdfind: fd
 * too.  nix: flakes on, no build users (a single-user store).
 */
static const struct {
	const char *name;
	const char *files[8];	/* exact top-level names ("k8s/" a dir) */
	const char *exts[3];	/* or any top-level file ending so */
	const char *unavailable;	/* NULL: buildable */
} layers[L_NLANG] = {
	[L_BASE] = { "base", { NULL }, { NULL }, NULL },
	[L_CPP] = { "cpp", { "CMakeLists.txt", "meson.build", "configure.ac" },
	    { NULL }, NULL },
	[L_RUST] = { "rust", { "Cargo.toml" }, { NULL }, NULL },
	[L_GO] = { "go", { "go.mod" }, { NULL }, NULL },
	[L_PYTHON] = { "python", { "pyproject.toml", "requirements.txt",
	    "setup.py", "Pipfile" }, { NULL }, NULL },
	[L_JAVA] = { "java", { "pom.xml", "build.gradle", "build.gradle.kts" },
	    { NULL }, NULL },
	[L_PHP] = { "php", { "composer.json" }, { NULL }, NULL },
	[L_CSHARP] = { "csharp", { NULL }, { ".csproj", ".sln" },
	    "Debian has no .NET SDK: use a .NET base image, e.g. "
	    "--base-image mcr.microsoft.com/dotnet/sdk:8.0 (Debian-based), "
	    "without the csharp layer" },
	[L_NIX] = { "nix", { "flake.nix", "shell.nix", "default.nix" },
	    { NULL }, NULL },
	[L_TERRAFORM] = { "terraform", { NULL }, { ".tf" },
	    "Debian has no terraform (nor OpenTofu): use a base image that "
	    "has it, or install it in .jail-ai/Containerfile with --isolated" },
	[L_KUBERNETES] = { "kubernetes", { "Chart.yaml", "kustomization.yaml",
	    "k8s/", "helm/" }, { NULL }, NULL },
	[L_NODEJS] = { "nodejs", { "package.json" }, { NULL }, NULL },
};

const char *layer_name(unsigned int id)
{
	return id < L_NLANG ? layers[id].name : NULL;
}

int layer_lookup(const char *name)
{
	unsigned int i;

	for (i = 0; i < L_NLANG; i++)
		if (strcmp(name, layers[i].name) == 0)
			return (int)i;
	return -ENOENT;
}

const char *layer_unavailable(unsigned int id)
{
	return id < L_NLANG ? layers[id].unavailable : "no such layer";
}

/* text/recipe-NAME.txt; NULL for a layer Debian cannot build. */
const char *layer_recipe(unsigned int id)
{
	char name[32];

	if (id >= L_NLANG || layers[id].unavailable)
		return NULL;
	snprintf(name, sizeof(name), "recipe-%s", layers[id].name);
	return text_get(name);
}

/* ---- detection ---- */

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

static int has_name(const char *const *names, size_t n, const char *want)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], want) == 0)
			return 1;
	return 0;
}

static int has_ext(const char *const *names, size_t n, const char *ext)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] && !ends_with(names[i], "/") &&
		    ends_with(names[i], ext))
			return 1;
	return 0;
}

static int c_makefile(const char *const *names, size_t n)
{
	static const char *const mk[] = { "Makefile", "makefile",
	    "GNUmakefile" };
	static const char *const src[] = { ".c", ".cc", ".cpp", ".cxx" };
	size_t i;
	int m = 0, s = 0;

	for (i = 0; i < 3; i++)
		m |= has_name(names, n, mk[i]);
	for (i = 0; i < 4; i++)
		s |= has_ext(names, n, src[i]);
	return m && s;
}

unsigned int images_detect(const char *const *names, size_t n)
{
	unsigned int id, mask = 0;
	size_t k;

	for (id = 1; id < L_NLANG; id++) {
		for (k = 0; k < 8 && layers[id].files[k]; k++)
			if (has_name(names, n, layers[id].files[k]))
				mask |= LAYER_MASK(id);
		for (k = 0; k < 3 && layers[id].exts[k]; k++)
			if (has_ext(names, n, layers[id].exts[k]))
				mask |= LAYER_MASK(id);
	}
	if (c_makefile(names, n))
		mask |= LAYER_MASK(L_CPP);
	return mask;
}

int images_parse_layers(const char *s, unsigned int *mask, const char **bad)
{
	static char copy[256];
	char *tok, *save = NULL;
	int id;

	*mask = 0;
	*bad = NULL;
	if (strlen(s) >= sizeof(copy)) {
		*bad = "(too long)";
		return -EINVAL;
	}
	snprintf(copy, sizeof(copy), "%s", s);
	for (tok = strtok_r(copy, ",", &save); tok;
	    tok = strtok_r(NULL, ",", &save)) {
		if ((id = layer_lookup(tok)) < 0) {
			*bad = tok;
			return -EINVAL;
		}
		*mask |= LAYER_MASK((unsigned int)id);
	}
	*mask &= ~LAYER_MASK(L_BASE);
	return 0;
}

/* ---- tags and the hash chain ---- */

int image_ref_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > IMG_REF_MAX || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._/:@-", s[i]))
			return 0;
	return 1;
}

void images_wshash(const char *ws, char out[9])
{
	char h[65];

	sha256_hex(ws, strlen(ws), h);
	memcpy(out, h, 8);
	out[8] = '\0';
}

/* hash = SHA-256("jail-ai recipe 1\0" parent "\0" name "\0" recipe) */
static void chain_hash(const char *parent, const char *name,
    const char *recipe, char out[65])
{
	static const char magic[] = "jail-ai recipe 1";
	struct sha256 c;
	uint8_t d[32];
	int i;

	sha256_init(&c);
	sha256_update(&c, magic, sizeof(magic));
	sha256_update(&c, parent, strlen(parent) + 1);
	sha256_update(&c, name, strlen(name) + 1);
	sha256_update(&c, recipe, strlen(recipe));
	sha256_final(&c, d);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static int push_layer(struct stack *s, const char *name, const char *recipe,
    int isolated, const char *wshash)
{
	struct layer *l = &s->l[s->n];
	char chain[IMG_TAG_MAX] = "";
	size_t i;
	int r;

	if (s->n == IMG_MAX_LAYERS)
		return -E2BIG;
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->recipe = recipe;
	l->isolated = isolated || (s->n > 0 && s->l[s->n - 1].isolated);
	for (i = 0; i < s->n; i++)
		snprintf(chain + strlen(chain), sizeof(chain) - strlen(chain),
		    "%s%s", i ? "-" : "", s->l[i].name);
	r = snprintf(l->tag, sizeof(l->tag), "localhost/jail-ai-%s:%s%s%s",
	    name, s->n ? chain : "latest", l->isolated ? "-" : "",
	    l->isolated ? wshash : "");
	if (r < 0 || (size_t)r >= sizeof(l->tag))
		return -E2BIG;
	chain_hash(s->n ? s->l[s->n - 1].hash : s->base_image, name, recipe,
	    l->hash);
	s->n++;
	return 0;
}

int images_stack(struct stack *s, const char *base_image, unsigned int mask,
    const char *agent, const char *agent_recipe, const char *project_recipe,
    int isolated, const char *wshash)
{
	char aname[32];
	const char *rec;
	unsigned int id;
	int r;

	memset(s, 0, sizeof(*s));
	if (!image_ref_valid(base_image) || strlen(wshash) != 8)
		return -EINVAL;
	snprintf(s->base_image, sizeof(s->base_image), "%s", base_image);
	if (!(rec = layer_recipe(L_BASE)))
		return -EINVAL;
	if ((r = push_layer(s, "base", rec, isolated, wshash)) < 0)
		return r;
	for (id = 1; id < L_NLANG; id++) {
		if (!(mask & LAYER_MASK(id)))
			continue;
		if (!(rec = layer_recipe(id)))
			return -EINVAL;
		if ((r = push_layer(s, layers[id].name, rec, isolated,
		    wshash)) < 0)
			return r;
	}
	if (project_recipe && (r = push_layer(s, "project", project_recipe, 1,
	    wshash)) < 0)
		return r;
	if (!agent)
		return 0;
	if (snprintf(aname, sizeof(aname), "agent-%s", agent) >=
	    (int)sizeof(aname) || !agent_recipe)
		return -EINVAL;
	return push_layer(s, aname, agent_recipe, isolated, wshash);
}

int images_add_ca(struct stack *s, const char *pem)
{
	char h[65];
	size_t i;
	int r;

	if (s->n == 0 || !pem)
		return -EINVAL;
	sha256_hex(pem, strlen(pem), h);
	r = snprintf(s->base_recipe, sizeof(s->base_recipe), "%s# extra CA certificates, sha256 %s\n"
	    "COPY ca.crt /usr/local/share/ca-certificates/jail-ai-extra.crt\n"
	    "RUN update-ca-certificates\n"
	    "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt\n",
	    s->l[0].recipe, h);
	if (r < 0 || (size_t)r >= sizeof(s->base_recipe))
		return -E2BIG;
	s->ca_pem = pem;
	s->l[0].recipe = s->base_recipe;
	for (i = 0; i < s->n; i++)
		chain_hash(i ? s->l[i - 1].hash : s->base_image, s->l[i].name,
		    s->l[i].recipe, s->l[i].hash);
	return 0;
}

char *images_containerfile(const struct stack *s, size_t i)
{
	char *out;

	if (i >= s->n)
		return NULL;
	if (asprintf(&out, "# jail-ai layer %s, recipe %s\nFROM %s\n%s",
	    s->l[i].name, s->l[i].hash, i ? s->l[i - 1].tag : s->base_image,
	    s->l[i].recipe) < 0)
		return NULL;
	return out;
}

/* ---- the config file ---- */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int config_line(char *line, struct img_config *c, const char **why)
{
	char *eq, *key, *val;

	line = trim(line);
	if (line[0] == '\0' || line[0] == '#')
		return 0;
	if (!(eq = strchr(line, '='))) {
		if (config_key_known(line))
			return 0;	/* a flag of config.c's */
		*why = "not KEY = VALUE";
		return -EINVAL;
	}
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if (strcmp(key, "ca-certs") == 0) {
		if (c->ca_certs[0] || val[0] != '/' ||
		    strlen(val) >= sizeof(c->ca_certs)) {
			*why = "ca-certs: one absolute path";
			return -EINVAL;
		}
		snprintf(c->ca_certs, sizeof(c->ca_certs), "%s", val);
		return 0;
	}
	if (strcmp(key, "base-image") != 0 && config_key_known(key))
		return 0;	/* the jail options: config.c's */
	if (strcmp(key, "base-image") != 0) {
		*why = "unknown key (known: base-image, ca-certs)";
		return -EINVAL;
	}
	if (c->base_image[0]) {
		*why = "base-image given twice";
		return -EINVAL;
	}
	if (!image_ref_valid(val)) {
		*why = "not an image reference (letters, digits, ._/:@-)";
		return -EINVAL;
	}
	snprintf(c->base_image, sizeof(c->base_image), "%s", val);
	return 0;
}

int images_parse_config(const char *buf, size_t len, struct img_config *c,
    unsigned int *errline, const char **why)
{
	char line[1024];
	size_t pos = 0, end, n;
	unsigned int no = 0;

	memset(c, 0, sizeof(*c));
	*errline = 0;
	*why = NULL;
	while (pos < len) {
		no++;
		for (end = pos; end < len && buf[end] != '\n'; end++)
			;
		n = end - pos;
		if (n >= sizeof(line) || memchr(buf + pos, '\0', n)) {
			*errline = no;
			*why = n >= sizeof(line) ? "line too long" : "NUL byte";
			return -EINVAL;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		if (config_line(line, c, why) < 0) {
			*errline = no;
			return -EINVAL;
		}
		pos = end + 1;
	}
	return 0;
}


/* ---- command level: reading, podman ---- */
#ifndef IMAGES_PURE

/* A regular file of at most MAX bytes, NUL-terminated; 0 or -errno. */
static int read_small(const char *path, int nofollow, size_t max, char **out,
    size_t *len)
{
	struct stat st;
	ssize_t r = 0;
	size_t n = 0;
	char *b = NULL;
	int fd, err = 0;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	else if ((size_t)st.st_size > max)
		err = -EFBIG;
	else if (!(b = malloc((size_t)st.st_size + 1)))
		err = -ENOMEM;
	while (!err && n < (size_t)st.st_size) {
		r = read(fd, b + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			err = r < 0 ? -errno : -EIO;
		else
			n += (size_t)r;
	}
	close(fd);
	if (err) {
		free(b);
		return err;
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

static void load_config(struct img_config *c)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	const char *why;
	char path[PATH_MAX], *buf;
	unsigned int line;
	size_t len;
	int r;

	memset(c, 0, sizeof(*c));
	if (xdg && xdg[0] == '/')
		snprintf(path, sizeof(path), "%s/jail-ai/config", xdg);
	else if (home && home[0] == '/')
		snprintf(path, sizeof(path), "%s/.config/jail-ai/config", home);
	else
		return;
	if ((r = read_small(path, 0, CONFIG_MAX, &buf, &len)) == -ENOENT)
		return;
	if (r < 0)
		die(EXIT_USAGE, "config %s: %s", path, strerror(-r));
	r = images_parse_config(buf, len, c, &line, &why);
	free(buf);
	if (r < 0)
		die(EXIT_USAGE, "config %s line %u: %s", path, line, why);
}

/* --base-image, else $JAIL_AI_BASE_IMAGE, else the config, else Debian. */
static const char *base_image_of(const struct img_opts *o,
    const struct img_config *c)
{
	const char *env = getenv("JAIL_AI_BASE_IMAGE");

	if (o->base_image && !image_ref_valid(o->base_image))
		die(EXIT_USAGE, "--base-image %s: not an image reference",
		    o->base_image);
	if (o->base_image)
		return o->base_image;
	if (env && env[0] && !image_ref_valid(env))
		die(EXIT_USAGE, "JAIL_AI_BASE_IMAGE=%s: not an image reference",
		    env);
	if (env && env[0])
		return env;
	return c->base_image[0] ? c->base_image : DEFAULT_BASE;
}

static int is_dir_at(DIR *d, const struct dirent *e)
{
	struct stat st;

	if (e->d_type != DT_UNKNOWN)
		return e->d_type == DT_DIR;
	return fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode);
}

/* The layers the workspace's top-level names call for. */
static unsigned int detect_ws(const char *ws)
{
	static char *names[WS_MAX_NAMES];
	struct dirent *e;
	unsigned int mask;
	size_t n = 0;
	DIR *d = ws[0] ? opendir(ws) : NULL;

	if (!ws[0])	/* --no-workspace */
		return 0;
	if (!d)
		die(EXIT_SYSFAIL, "images: read %s: %s", ws, strerror(errno));
	while (n < WS_MAX_NAMES && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (asprintf(&names[n], "%s%s", e->d_name,
		    is_dir_at(d, e) ? "/" : "") < 0)
			die(EXIT_SYSFAIL, "out of memory");
		n++;
	}
	closedir(d);
	mask = images_detect((const char *const *)names, n);
	while (n)
		free(names[--n]);
	return mask;
}

/* A line whose first word is FROM (any case). */
static int has_from(const char *text)
{
	const char *p = text;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, "FROM", 4) == 0 && (p[4] == ' ' ||
		    p[4] == '\t'))
			return 1;
		if (!(p = strchr(p, '\n')))
			return 0;
		p++;
	}
}

/* The project's own recipe: only with --isolated, never with a FROM. */
static char *project_recipe(const char *ws, int isolated)
{
	char path[PATH_MAX + 32], *text;
	size_t len;
	int r;

	snprintf(path, sizeof(path), "%s/.jail-ai/Containerfile", ws);
	if (!ws[0] || access(path, F_OK) < 0)
		return NULL;
	if (!isolated) {
		warnx("images: %s is not used without --isolated (a project's "
		    "recipe is only built onto a per-workspace image)", path);
		return NULL;
	}
	if ((r = read_small(path, 1, RECIPE_MAX, &text, &len)) < 0)
		die(EXIT_USAGE, "images: %s: %s", path, strerror(-r));
	if (memchr(text, '\0', len) || has_from(text))
		die(EXIT_USAGE, "images: %s: a project recipe holds only the "
		    "steps to add (RUN, ENV, ...): jail-ai puts the FROM line",
		    path);
	return text;
}

/* The mask to build: --layers or detection, what the agent needs, and
 * the unbuildable ones refused (asked for) or dropped (detected). */
static unsigned int layer_mask(const struct img_opts *o, const char *ws,
    const struct agent *agent)
{
	unsigned int mask, id;
	const char *bad;

	if (o->layers && images_parse_layers(o->layers, &mask, &bad) < 0)
		die(EXIT_USAGE, "--layers %s: unknown layer %s (known: cpp rust "
		    "go python java php csharp nix terraform kubernetes nodejs)",
		    o->layers, bad);
	if (!o->layers)
		mask = detect_ws(ws);
	for (id = 1; id < L_NLANG; id++) {
		if (!(mask & LAYER_MASK(id)) || !layer_unavailable(id))
			continue;
		if (o->layers)
			die(EXIT_USAGE, "--layers: %s: %s", layer_name(id),
			    layer_unavailable(id));
		warnx("images: %s project, but no %s layer: %s",
		    layer_name(id), layer_name(id), layer_unavailable(id));
		mask &= ~LAYER_MASK(id);
	}
	return mask | (agent ? agent_needs(agent) : 0);
}

static char *image_inspect(const char *ref, const char *fmt)
{
	return podman_inspect("image", ref, fmt);
}

enum { IMG_OK, IMG_MISSING, IMG_RECIPE, IMG_PARENT };
static const char *const state_text[] = { "up to date", "missing",
    "recipe changed", "layer below rebuilt" };

/* PARENT_ID: the image below as it is now ("" when unknown). */
static int layer_state(const struct layer *l, const char *parent_id)
{
	char *lab = image_inspect(l->tag, "{{index .Labels \"jail-ai.recipe\"}}"
	    " {{index .Labels \"jail-ai.parent\"}}"), *sp;
	int st = IMG_OK;

	if (!lab)
		return IMG_MISSING;
	sp = strchr(lab, ' ');
	if (sp)
		*sp++ = '\0';
	if (strcmp(lab, l->hash) != 0)
		st = IMG_RECIPE;
	else if (parent_id[0] && (!sp || strcmp(sp, parent_id) != 0))
		st = IMG_PARENT;
	free(lab);
	return st;
}

static int write_all(const char *path, const char *text)
{
	size_t n = strlen(text), done = 0;
	ssize_t r;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	while (done < n) {
		r = write(fd, text + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			r = r < 0 ? -errno : -EIO;
			close(fd);
			return (int)r;
		}
		done += (size_t)r;
	}
	return close(fd) < 0 ? -errno : 0;
}

#define FOLD_INDENT	"    "
#define FOLD_TAIL	(16 * 1024)	/* --quiet: shown of a failed build */

static int write_full(int fd, const char *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* The folding process: every line read from IN goes to OUT indented,
 * and as read to REC (the record; -1: none). */
static void fold(int in, int out, int rec)
{
	char buf[4096];
	int bol = 1;
	ssize_t r, i, start;

	for (;;) {
		r = read(in, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		if (rec >= 0 && write_full(rec, buf, (size_t)r) < 0)
			rec = -1;
		for (start = 0, i = 0; i < r; i++) {
			if (bol && write_full(out, FOLD_INDENT,
			    sizeof(FOLD_INDENT) - 1) < 0)
				return;
			bol = buf[i] == '\n';
			if (bol || i == r - 1) {
				if (write_full(out, buf + start,
				    (size_t)(i + 1 - start)) < 0)
					return;
				start = i + 1;
			}
		}
	}
}

/* The end of OUT (--quiet's record of a failed build), indented, on
 * stderr. */
static void show_tail(int fd)
{
	char buf[FOLD_TAIL + 1], *p;
	off_t end = lseek(fd, 0, SEEK_END);
	ssize_t r;

	if (end < 0 || lseek(fd, end > FOLD_TAIL ? end - FOLD_TAIL : 0,
	    SEEK_SET) < 0 || (r = read(fd, buf, FOLD_TAIL)) <= 0)
		return;
	buf[r] = '\0';
	p = end > FOLD_TAIL && strchr(buf, '\n') ? strchr(buf, '\n') + 1 : buf;
	fprintf(stderr, "jail-ai: the end of podman's output:\n");
	fflush(stderr);
	write_full(2, p, strlen(p));
}

/*
 * A recipe says what its build could not reach on a line of its own
 * (agents.c's checks): the first such line of the record REC, without
 * the prefix, into why ("" when none).
 */
#define UNREACHABLE	"jail-ai-unreachable: "

static void find_unreachable(int rec, char *why, size_t len)
{
	char buf[FOLD_TAIL + 2], *p, *q, *e;
	off_t at = 0;
	ssize_t r;

	why[0] = '\0';
	/* Windows overlapping by half, so a line across a boundary is seen
	 * whole in the next one; each starts with the byte before it ('\n'
	 * at the start of the record), for the line-start test. */
	buf[0] = '\n';
	while ((r = pread(rec, buf + !at, FOLD_TAIL + !!at, at ? at - 1 :
	    0)) > 0) {
		r += !at;
		buf[r] = '\0';
		for (p = buf + 1; (p = strstr(p, UNREACHABLE)); p++) {
			if (p[-1] != '\n')
				continue;
			q = p + sizeof(UNREACHABLE) - 1;
			if (!(e = strchr(q, '\n')) && r == FOLD_TAIL + 1)
				break;	/* cut: whole in the next window */
			snprintf(why, len, "%.*s", (int)(e ? e - q :
			    (ptrdiff_t)strlen(q)), q);
			/* The build's text: no terminal controls in our line. */
			for (q = why; *q; q++)
				if ((unsigned char)*q < ' ' || *q == 0x7f)
					*q = '?';
			return;
		}
		if (r < FOLD_TAIL + 1)
			return;
		at += FOLD_TAIL / 2;
	}
}

/*
 * podman_run with podman's stdout and stderr going through a pipe to a
 * process of ours that indents each line under the layer's header (on
 * stderr), or, with QUIET, into an unlinked file shown only on failure.
 * Either way the output is kept in an unlinked file, where a failure's
 * cause is looked for (why, see find_unreachable).
 */
static int run_folded(const char *const *args, int quiet,
    struct podman_status *ps, char *why, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	int p[2], out, rec, save1, save2, r, st;
	pid_t f;

	why[0] = '\0';
	tmp = tmp && tmp[0] == '/' ? tmp : "/var/tmp";
	rec = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (rec < 0)
		return -errno;
	out = quiet ? open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600) :
	    fcntl(2, F_DUPFD_CLOEXEC, 3);
	if (out < 0) {
		r = -errno;
		close(rec);
		return r;
	}
	if (pipe2(p, O_CLOEXEC) < 0 || (f = fork()) < 0) {
		r = -errno;
		close(out);
		close(rec);
		return r;
	}
	if (f == 0) {
		close(p[1]);
		fold(p[0], out, rec);
		_exit(0);
	}
	close(p[0]);
	fflush(stdout);
	fflush(stderr);
	save1 = fcntl(1, F_DUPFD_CLOEXEC, 3);
	save2 = fcntl(2, F_DUPFD_CLOEXEC, 3);
	dup2(p[1], 1);
	dup2(p[1], 2);
	close(p[1]);
	r = podman_run(args, ps);
	dup2(save1, 1);
	dup2(save2, 2);
	close(save1);
	close(save2);
	while (waitpid(f, &st, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		find_unreachable(rec, why, len);
	if (quiet && r < 0 && !why[0])
		show_tail(out);
	close(out);
	close(rec);
	return r;
}

/* podman build of layer I in a temporary context holding only the
 * generated Containerfile; its output folded under the layer's header. */
static int build_layer(const struct stack *s, size_t i, const char *parent_id,
    int nocache, int quiet, struct podman_status *ps, char *why, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX], file[PATH_MAX + 16], ca[PATH_MAX + 16];
	char lrec[96], lpar[160];
	char *text = images_containerfile(s, i);
	const char *args[24];
	size_t n = 0;
	int r;

	memset(ps, 0, sizeof(*ps));
	if (!text)
		return -ENOMEM;
	snprintf(dir, sizeof(dir), "%s/jail-ai-build.XXXXXX",
	    tmp && tmp[0] == '/' ? tmp : "/var/tmp");
	if (!mkdtemp(dir)) {
		free(text);
		return -errno;
	}
	snprintf(file, sizeof(file), "%s/Containerfile", dir);
	snprintf(lrec, sizeof(lrec), "jail-ai.recipe=%s", s->l[i].hash);
	snprintf(lpar, sizeof(lpar), "jail-ai.parent=%s", parent_id);
	r = write_all(file, text);
	free(text);
	snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
	if (r == 0 && i == 0 && s->ca_pem)
		r = write_all(ca, s->ca_pem);
	args[n++] = "build";
	args[n++] = "--network=host";
	args[n++] = "--pull=never";	/* the base is here (need_base_image) */
	if (nocache)
		args[n++] = "--no-cache";
	args[n++] = "--label";
	args[n++] = lrec;
	args[n++] = "--label";
	args[n++] = lpar;
	args[n++] = "--tag";
	args[n++] = s->l[i].tag;
	args[n++] = "--file";
	args[n++] = file;
	args[n++] = dir;
	args[n] = NULL;
	if (r == 0)
		r = run_folded(args, quiet, ps, why, len);
	unlink(file);
	unlink(ca);
	rmdir(dir);
	return r;
}

/* $JAIL_AI_CA_CERTS, else ca-certs in the config: a PEM file. */
static void add_ca(struct stack *s, const struct img_config *c)
{
	const char *path = getenv("JAIL_AI_CA_CERTS");
	static char *pem;	/* read once, kept: the stacks point at it */
	size_t len;
	int r;

	if (!path || !path[0])
		path = c->ca_certs[0] ? c->ca_certs : NULL;
	if (!path)
		return;
	if (pem) {
		if (images_add_ca(s, pem) < 0)
			die(EXIT_SYSFAIL, "out of memory");
		return;
	}
	if ((r = read_small(path, 0, RECIPE_MAX * 4, &pem, &len)) < 0)
		die(EXIT_USAGE, "images: CA certificates %s: %s", path,
		    strerror(-r));
	if (memchr(pem, '\0', len) ||
	    !strstr(pem, "-----BEGIN CERTIFICATE-----"))
		die(EXIT_USAGE, "images: %s: not PEM certificates", path);
	if (images_add_ca(s, pem) < 0)
		die(EXIT_SYSFAIL, "out of memory");
}

static char *parent_id_of(const struct stack *s, size_t i)
{
	char *id = image_inspect(i ? s->l[i - 1].tag : s->base_image,
	    "{{.Id}}");

	return id ? id : strdup("");
}

/*
 * The base image, before the base layer is built FROM it: here already,
 * else pulled (podman's progress shown); where it cannot be (no registry,
 * air-gapped) the error says how to make one from Debian's mirror.
 */
static void need_base_image(const char *ref)
{
	const char *exists[] = { "image", "exists", ref, NULL };
	const char *pull[] = { "pull", ref, NULL };
	struct podman_status ps;
	char *out;
	int r;

	r = podman_capture(exists, 1, &out, &ps);
	free(out);
	if (r == 0)
		return;
	fprintf(stderr, "jail-ai: pulling the base image %s\n", ref);
	if (podman_run(pull, &ps) == 0)
		return;
	die(EXIT_SYSFAIL, "images: the base image %s is not here and could "
	    "not be pulled (no registry reachable?). Make a Debian base from "
	    "Debian's mirror and use it:\n"
	    "  sudo debootstrap --variant=minbase " DEFAULT_SUITE
	    " /tmp/jail-ai-rootfs http://deb.debian.org/debian\n"
	    "  sudo tar -C /tmp/jail-ai-rootfs -c . | podman import - "
	    "localhost/debian:" DEFAULT_SUITE "\n"
	    "  mkdir -p ~/.config/jail-ai && echo 'base-image = "
	    "localhost/debian:" DEFAULT_SUITE "' >>~/.config/jail-ai/config\n"
	    "(or --base-image / JAIL_AI_BASE_IMAGE=localhost/debian:"
	    DEFAULT_SUITE " for one run), then run this again", ref);
}

/* The first layer to build (s->n: none); all above it follow, their
 * parent being new. */
static size_t first_stale(const struct stack *s, int rebuild, int top)
{
	size_t i;
	char *pid;
	int st;

	for (i = 0; !rebuild && i + (top != 0) < s->n; i++) {
		if (!(pid = parent_id_of(s, i)))
			die(EXIT_SYSFAIL, "out of memory");
		st = layer_state(&s->l[i], pid);
		free(pid);
		if (st != IMG_OK)
			break;
	}
	return rebuild ? 0 : i;
}

/* Layer I built: podman's status (WHY: what the recipe could not reach),
 * then the label it must carry. */
static void check_built(const struct stack *s, size_t i, int r,
    const struct podman_status *ps, const char *why)
{
	char *lab;

	if (r < 0 && r != -ECHILD)
		die(EXIT_SYSFAIL, "images: build %s: %s", s->l[i].tag,
		    strerror(-r));
	if (r < 0 && why[0])
		die(EXIT_SYSFAIL, "images: layer %s (%s) cannot be built here: "
		    "%s. The layers below it are kept", s->l[i].name,
		    s->l[i].tag, why);
	if (r < 0)
		die(EXIT_SYSFAIL, "images: podman build of layer %s (%s) "
		    "failed (%s %d); the layers below it are kept",
		    s->l[i].name, s->l[i].tag, ps->signo ? "signal" :
		    "exit", ps->signo ? ps->signo : ps->code);
	lab = image_inspect(s->l[i].tag,
	    "{{index .Labels \"jail-ai.recipe\"}}");
	if (!lab || strcmp(lab, s->l[i].hash) != 0)
		die(EXIT_SYSFAIL, "images: %s built, but its label "
		    "jail-ai.recipe is %s, not %s", s->l[i].tag,
		    lab ? lab : "missing", s->l[i].hash);
	free(lab);
}

/*
 * Build what is missing or stale, bottom up, each under a counter
 * ("[2/3] building layer nodejs (TAG): recipe changed") with podman's
 * output folded below it (QUIET: only a failure's); dies on a failure.
 * TOP (upgrade): the top layer is built again without cache even when
 * up to date, so its installs fetch the newest versions.
 */
static void build_stack(const struct stack *s, int rebuild, int quiet,
    int top)
{
	struct podman_status ps;
	size_t i, k = 0, total = s->n - first_stale(s, rebuild, top);
	char why[512];
	time_t t0;
	char *pid;
	int st, r, force;

	for (i = s->n - total; i < s->n; i++) {
		if (!(pid = parent_id_of(s, i)))
			die(EXIT_SYSFAIL, "out of memory");
		force = rebuild || (top && i + 1 == s->n);
		st = rebuild ? IMG_MISSING : layer_state(&s->l[i], pid);
		if (st == IMG_OK && !force) {
			free(pid);
			continue;
		}
		if (i == 0) {	/* the parent id of a base pulled now */
			need_base_image(s->base_image);
			free(pid);
			if (!(pid = parent_id_of(s, 0)))
				die(EXIT_SYSFAIL, "out of memory");
		}
		fprintf(stderr, "jail-ai: [%zu/%zu] building layer %s (%s)%s%s"
		    "\n", ++k, total, s->l[i].name, s->l[i].tag, rebuild ? "" :
		    ": ", rebuild ? "" : st == IMG_OK ? "upgrade, without "
		    "cache" : state_text[st]);
		t0 = time(NULL);
		r = build_layer(s, i, pid, force, quiet, &ps, why,
		    sizeof(why));
		free(pid);
		check_built(s, i, r, &ps, why);
		fprintf(stderr, "jail-ai: [%zu/%zu] %s built in %lds\n", k,
		    total, s->l[i].name, (long)(time(NULL) - t0));
	}
}

void images_ensure(const struct img_opts *o, const char *ws,
    const struct agent *agent, struct stack *s, int build)
{
	struct img_config c;
	char wsh[9], *proj;
	unsigned int mask;
	int r;

	if (podman_init() < 0)
		die(EXIT_SYSFAIL, "images: podman not found (install podman "
		    "and runc, or set JAIL_AI_PODMAN)");
	load_config(&c);
	mask = layer_mask(o, ws, agent);
	proj = project_recipe(ws, o->isolated);
	images_wshash(ws, wsh);
	r = images_stack(s, base_image_of(o, &c), mask,
	    agent ? agent_name_of(agent) : NULL,
	    agent ? agent_recipe_of(agent) : NULL, proj, o->isolated, wsh);
	if (r < 0)
		die(EXIT_USAGE, "images: cannot make the layer stack: %s",
		    strerror(-r));
	add_ca(s, &c);
	if (build)
		build_stack(s, o->rebuild, o->quiet, 0);
	/* proj is referenced by s; it lives as long as the process. */
}

/*
 * TAG's layer name and chain ("agent-claude", "base-nodejs-1a2b3c4d") as
 * the language mask below and in it, the agent, the workspace suffix.
 * 0; -ENOENT when no recipe of ours makes such a tag; -EAGAIN for a
 * project layer or one above it (its recipe is the workspace's).
 */
static int parse_tag(const char *tag, unsigned int *mask,
    const struct agent **ag, char wsh[9])
{
	char buf[IMG_TAG_MAX], *name, *chain, *tok, *save;
	int id = 0;

	*mask = 0;
	*ag = NULL;
	strcpy(wsh, "00000000");
	if (strncmp(tag, "localhost/jail-ai-", 18) != 0 ||
	    strlen(tag) >= sizeof(buf))
		return -ENOENT;
	snprintf(buf, sizeof(buf), "%s", tag + 18);
	if (!(chain = strchr(buf, ':')))
		return -ENOENT;
	*chain++ = '\0';
	name = buf;
	if (strcmp(name, "project") == 0)
		return -EAGAIN;
	if (strncmp(name, "agent-", 6) == 0 && !(*ag = agent_find(name + 6)))
		return -ENOENT;
	if (!*ag && strcmp(name, "base") != 0 &&
	    (id = layer_lookup(name)) < 0)
		return -ENOENT;
	if (!*ag && strcmp(name, "base") != 0)
		*mask |= LAYER_MASK(id);
	for (tok = strtok_r(chain, "-", &save); tok;
	    tok = strtok_r(NULL, "-", &save)) {
		if (strcmp(tok, "project") == 0)
			return -EAGAIN;
		if (strlen(tok) == 8 && strspn(tok, "0123456789abcdef") == 8)
			strcpy(wsh, tok);
		else if (strcmp(tok, "base") != 0 &&
		    strcmp(tok, "latest") != 0 &&
		    (id = layer_lookup(tok)) >= 0)
			*mask |= LAYER_MASK(id);
		else if (strcmp(tok, "base") != 0 &&
		    strcmp(tok, "latest") != 0)
			return -ENOENT;
	}
	return 0;
}

int images_tag_current(const char *tag)
{
	static struct img_config c;
	static struct img_opts none;
	static int loaded;
	const struct agent *ag;
	unsigned int mask;
	struct stack s;
	char wsh[9], *pid;
	size_t i;
	int r;

	if (!loaded++)
		load_config(&c);
	if ((r = parse_tag(tag, &mask, &ag, wsh)) < 0)
		return r == -EAGAIN ? -1 : 0;
	if (images_stack(&s, base_image_of(&none, &c), mask,
	    ag ? agent_name_of(ag) : NULL, ag ? agent_recipe_of(ag) : NULL,
	    NULL, strcmp(wsh, "00000000") != 0, wsh) < 0)
		return 0;
	add_ca(&s, &c);
	for (i = 0; i < s.n && strcmp(s.l[i].tag, tag) != 0; i++)
		;
	if (i == s.n)
		return 0;
	if (!(pid = parent_id_of(&s, i)))
		die(EXIT_SYSFAIL, "out of memory");
	r = layer_state(&s.l[i], pid) == IMG_OK;
	free(pid);
	return r;
}

/*
 * `BIN --version` in image TAG (no network, removed after): its first
 * line, printable ASCII only and short (it is the image's output), else
 * "?" (not installed there, or it failed).
 */
static void version_of(const char *tag, const char *bin, char *out,
    size_t len)
{
	const char *args[] = { "run", "--rm", "--network=none",
	    "--pull=never", "--entrypoint", bin, tag, "--version", NULL };
	struct podman_status ps;
	char *text = NULL;
	size_t i = 0;

	if (podman_capture(args, 1, &text, &ps) == 0 && text)
		for (; i + 1 < len && text[i] >= ' ' && text[i] < 0x7f; i++)
			out[i] = text[i];
	out[i] = '\0';
	if (!i)
		snprintf(out, len, "?");
	free(text);
}

/*
 * Upgrade the agent image TAG: its stack as its tag names it (languages,
 * workspace suffix), the layers below built only if stale, the agent
 * layer built again without cache.  0; -EAGAIN when TAG is not one we
 * can remake (a project layer below it, or not our recipe now).
 */
static int upgrade_tag(const char *tag, const struct agent *want, int quiet)
{
	static struct img_opts none;
	struct img_config c;
	const struct agent *ag;
	unsigned int mask;
	struct stack s;
	char wsh[9], *old, *now, v0[48], v1[48];
	static int header;

	if (parse_tag(tag, &mask, &ag, wsh) < 0 || !ag)
		return -EAGAIN;
	if (want && ag != want)
		return -ENOENT;
	load_config(&c);
	if (images_stack(&s, base_image_of(&none, &c), mask,
	    agent_name_of(ag), agent_recipe_of(ag), NULL,
	    strcmp(wsh, "00000000") != 0, wsh) < 0)
		return -EAGAIN;
	add_ca(&s, &c);
	if (strcmp(s.l[s.n - 1].tag, tag) != 0)
		return -EAGAIN;
	old = image_inspect(tag, "{{.Id}}");
	version_of(tag, agent_bin_of(ag), v0, sizeof(v0));
	build_stack(&s, 0, quiet, 1);
	now = image_inspect(tag, "{{.Id}}");
	version_of(tag, agent_bin_of(ag), v1, sizeof(v1));
	if (!header++)
		printf("%-8s %-44s %s\n", "AGENT", "IMAGE",
		    "BEFORE -> AFTER (id, version)");
	printf("%-8s %-44s %.12s %s -> %.12s %s\n", agent_name_of(ag), tag,
	    old ? old : "-", v0, now ? now : "-", v1);
	fflush(stdout);
	free(old);
	free(now);
	return 0;
}

static const char upgrade_usage[] =
"usage: jail-ai upgrade [--quiet] [AGENT]\n";

int images_upgrade(int argc, char **argv)
{
	const char *ls[] = { "images", "--format", "{{.Repository}}:{{.Tag}}",
	    NULL };
	const struct agent *want = NULL;
	struct podman_status ps;
	char *out = NULL, *line, *save;
	int i, quiet = 0, done = 0, r;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quiet") == 0)
			quiet = 1;
		else if (argv[i][0] == '-' || want)
			die(EXIT_USAGE, "upgrade: unexpected %s\n%s", argv[i],
			    upgrade_usage);
		else if (!(want = agent_find(argv[i])))
			die(EXIT_USAGE, "upgrade: %s: no such agent (claude, "
			    "copilot, cursor, gemini, codex, jules)", argv[i]);
	}
	if (podman_init() < 0)
		die(EXIT_SYSFAIL, "upgrade: podman not found (install podman "
		    "and runc, or set JAIL_AI_PODMAN)");
	if (podman_capture(ls, 0, &out, &ps) < 0 || !out)
		die(EXIT_SYSFAIL, "upgrade: podman images failed (exit %d)",
		    ps.code);
	for (line = strtok_r(out, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "localhost/jail-ai-agent-", 24) != 0)
			continue;
		r = upgrade_tag(line, want, quiet);
		done += r == 0;
		if (r == -EAGAIN)
			warnx("upgrade: %s skipped: not an image jail-ai "
			    "builds now (a project layer, or an old recipe; "
			    "jail-ai images prune)", line);
	}
	free(out);
	if (!done)
		die(EXIT_USAGE, "upgrade: nothing to upgrade; jail-ai images "
		    "build %s", want ? agent_name_of(want) : "AGENT");
	fprintf(stderr, "jail-ai: upgrade: %d agent image%s rebuilt; existing "
	    "jails keep their old image until recreated (jail-ai AGENT "
	    "--recreate)\n", done, done == 1 ? "" : "s");
	return 0;
}

int images_parse_opt(struct img_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i];

	if (strcmp(a, "--isolated") == 0) {
		o->isolated = 1;
		return 1;
	}
	if (strcmp(a, "--rebuild") == 0) {
		o->rebuild = 1;
		return 1;
	}
	if (strcmp(a, "--quiet") == 0) {
		o->quiet = 1;
		return 1;
	}
	if (strcmp(a, "--layers") != 0 && strcmp(a, "--base-image") != 0)
		return 0;
	if (*i + 1 >= argc)
		die(EXIT_USAGE, "%s needs a value", a);
	if (strcmp(a, "--layers") == 0)
		o->layers = argv[++*i];
	else
		o->base_image = argv[++*i];
	return 1;
}

/* podman's size in bytes as "469MB" */
static const char *human(const char *bytes, char out[16])
{
	unsigned long long b = strtoull(bytes, NULL, 10);

	if (b >= 1000000000ULL)
		snprintf(out, 16, "%.2fGB", (double)b / 1e9);
	else
		snprintf(out, 16, "%lluMB", (b + 500000) / 1000000);
	return out;
}

static int images_list(const struct stack *s)
{
	char *pid, *size, hs[16];
	size_t i;
	int st;

	printf("%-14s %-60s %-9s %s\n", "LAYER", "TAG", "SIZE", "STATE");
	for (i = 0; i < s->n; i++) {
		pid = parent_id_of(s, i);
		st = layer_state(&s->l[i], pid ? pid : "");
		free(pid);
		size = st == IMG_MISSING ? NULL : image_inspect(s->l[i].tag,
		    "{{.Size}}");
		printf("%-14s %-60s %-9s %s (recipe %.12s)\n", s->l[i].name,
		    s->l[i].tag, size ? human(size, hs) : "-", state_text[st],
		    s->l[i].hash);
		free(size);
	}
	return fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL;
}

int images_main(int argc, char **argv)
{
	const struct agent *ag = NULL;
	struct img_opts o;
	struct stack s;
	char ws[PATH_MAX];
	int i, build;

	memset(&o, 0, sizeof(o));
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(text_get("images"), argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "prune") == 0)
		return images_prune(argc - 1, argv + 1);
	if (strcmp(argv[1], "build") != 0 && strcmp(argv[1], "list") != 0)
		die(EXIT_USAGE, "images: %s: build, list or prune", argv[1]);
	build = strcmp(argv[1], "build") == 0;
	for (i = 2; i < argc; i++) {
		if (images_parse_opt(&o, argc, argv, &i))
			continue;
		if (argv[i][0] == '-' || ag)
			die(EXIT_USAGE, "images: unexpected %s", argv[i]);
		if (!(ag = agent_find(argv[i])))
			die(EXIT_USAGE, "images: %s: no such agent (claude, "
			    "copilot, cursor, gemini, codex, jules)", argv[i]);
	}
	agent_workspace(ws, sizeof(ws));
	images_ensure(&o, ws, ag, &s, build);
	if (build)
		fprintf(stderr, "jail-ai: %s is up to date\n",
		    s.l[s.n - 1].tag);
	return build ? 0 : images_list(&s);
}
#endif /* IMAGES_PURE */
