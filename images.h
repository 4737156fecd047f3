/*
 * images.h - layered images (images.c).  The agents are agents.h.
 *
 * The pure parts (detection, --layers, tags, the recipe hash chain, the
 * config file) take plain buffers and lists, so tests/unit_images.c calls
 * them without podman or a file system.
 */
#ifndef JAIL_IMAGES_H
#define JAIL_IMAGES_H

#include <stddef.h>
#include <stdint.h>

/* Language layers, in the fixed order they stack (base first). */
enum layer_id {
	L_BASE, L_CPP, L_RUST, L_GO, L_PYTHON, L_JAVA, L_PHP, L_CSHARP,
	L_NIX, L_TERRAFORM, L_KUBERNETES, L_NODEJS,
	L_NLANG			/* count; agent and project layers follow */
};

#define LAYER_MASK(id)	(1u << (id))
#define IMG_MAX_LAYERS	(L_NLANG + 2)	/* + project + agent */
#define IMG_TAG_MAX	256
#define IMG_REF_MAX	255

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *p, size_t n);
void sha256_final(struct sha256 *c, uint8_t out[32]);
void sha256_hex(const void *p, size_t n, char out[65]);

/* The name of a language layer ("rust"); NULL when out of range. */
const char *layer_name(unsigned int id);
/* "rust" -> L_RUST; -ENOENT. */
int layer_lookup(const char *name);
/* NULL when the layer can be built here, else why not (and what to do). */
const char *layer_unavailable(unsigned int id);

/*
 * Detection over a workspace's top-level entries: NAMES holds file names
 * and, with a trailing '/', directory names.  Returns a mask of
 * LAYER_MASK() bits (L_BASE never set).
 */
unsigned int images_detect(const char *const *names, size_t n);
/*
 * --layers a,b,c: a mask; -EINVAL with *bad set to the first unknown
 * name (a pointer into a static copy, valid until the next call).
 * "base" is accepted and implied.
 */
int images_parse_layers(const char *s, unsigned int *mask, const char **bad);

/* One image in a stack. */
struct layer {
	char name[32];			/* "base", "rust", "agent-claude", "project" */
	char tag[IMG_TAG_MAX];		/* localhost/jail-ai-rust:base */
	char hash[65];			/* the chain hash, hex */
	const char *recipe;		/* Containerfile text after FROM */
	int isolated;			/* tag carries the workspace suffix */
};

struct stack {
	struct layer l[IMG_MAX_LAYERS];
	size_t n;
	char base_image[IMG_REF_MAX + 1];	/* FROM of the base layer */
	const char *ca_pem;		/* extra CA certificates, or NULL */
	char base_recipe[1024];		/* the base's recipe with them */
};

/* The recipe (Containerfile body, no FROM) of a language layer. */
const char *layer_recipe(unsigned int id);

/*
 * Builds the stack: base, the languages in MASK in fixed order, then a
 * project layer when PROJECT_RECIPE is not NULL (always isolated), then
 * the agent layer when AGENT is not NULL (AGENT_RECIPE its body).
 * ISOLATED: every tag gets the workspace suffix WSHASH (8 hex digits).
 * Pure: no podman, no files.  0, -EINVAL (bad base image), -E2BIG.
 */
int images_stack(struct stack *s, const char *base_image, unsigned int mask,
    const char *agent, const char *agent_recipe, const char *project_recipe,
    int isolated, const char *wshash);

/*
 * Extra CA certificates (PEM text) trusted from the base layer up, for a
 * TLS-intercepting proxy: the base recipe gains a COPY of them and the
 * PEM's SHA-256, so every hash in the chain changes with them.
 */
int images_add_ca(struct stack *s, const char *pem);

/* The Containerfile text for layer I of S (malloc'd), or NULL. */
char *images_containerfile(const struct stack *s, size_t i);

/* An image reference we accept in a FROM line: no spaces, no newlines. */
int image_ref_valid(const char *s);

/* ---- the config file: "base-image = IMG" lines, '#' comments ---- */
struct img_config {
	char base_image[IMG_REF_MAX + 1];	/* "" when not set */
	char ca_certs[256];		/* an absolute path, "" when not set */
};

/* 0, or -EINVAL with *errline the 1-based bad line and *why the reason. */
int images_parse_config(const char *buf, size_t len, struct img_config *c,
    unsigned int *errline, const char **why);

/* 8 hex digits of SHA-256 over a workspace path. */
void images_wshash(const char *ws, char out[9]);

/* ---- command level (images.c): podman builds ---- */
struct agent;			/* agents.h */
struct img_opts {
	const char *layers;		/* --layers, or NULL: detect */
	const char *base_image;		/* --base-image, or NULL */
	int isolated;
	int rebuild;			/* --rebuild: every layer, no cache */
	int quiet;			/* --quiet: podman's output on failure */
};

/*
 * Resolves the stack for workspace WS (detection, config, project
 * recipe) and builds what is missing or stale; prints progress.  On
 * success the top tag is s->l[s->n - 1].tag.  Dies on errors.
 */
void images_ensure(const struct img_opts *o, const char *ws,
    const struct agent *agent, struct stack *s, int build);
/*
 * 1: TAG (localhost/jail-ai-NAME:CHAIN) is what this configuration (base
 * image, CA certificates) builds, up to date; 0: stale (no recipe of ours
 * makes it now, or its recipe or the layer below changed); -1: cannot
 * tell (a project layer: its recipe is its workspace's).
 */
int images_tag_current(const char *tag);
/* `jail-ai upgrade [--quiet] [AGENT]`: the agent images there are (or
 * AGENT's) rebuilt without cache, the layers below only when stale. */
int images_upgrade(int argc, char **argv);
/* `jail-ai images build|list [OPTIONS] [AGENT]` */
int images_main(int argc, char **argv);
/* Parses --layers/--base-image/--isolated/--rebuild/--quiet at argv[*i];
 * 1 when it did. */
int images_parse_opt(struct img_opts *o, int argc, char **argv, int *i);

#endif
