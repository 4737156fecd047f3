/*
 * tests/unit_images.c - images.c's pure parts: SHA-256, detection rules,
 * --layers, tags (shared, isolated, project), the recipe hash chain, the
 * generated Containerfile, the config file.  Built with -DIMAGES_PURE.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "images.h"
#include "tests/tap.h"

#define N(a) (sizeof(a) / sizeof(a[0]))
#define BASE "localhost/jail-ai-test-debian:bookworm"
#define WSA "aaaaaaaa"

static unsigned int det(const char *const *names, size_t n)
{
	return images_detect(names, n);
}

static void test_sha256(void)
{
	char h[65], big[1000];

	sha256_hex("", 0, h);
	ok(strcmp(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
	    "7852b855") == 0, "sha256 of the empty string");
	sha256_hex("abc", 3, h);
	ok(strcmp(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
	    "f20015ad") == 0, "sha256 of abc");
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56, h);
	ok(strcmp(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd4"
	    "19db06c1") == 0, "sha256 of the 56-byte FIPS vector (two blocks)");
	memset(big, 'a', sizeof(big));
	sha256_hex(big, sizeof(big), h);
	ok(strcmp(h, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1"
	    "b9737ea3") == 0, "sha256 of 1000 'a's");
}

static void test_detect_each(void)
{
	static const struct {
		const char *name;
		int layer;
	} one[] = {
		{ "Cargo.toml", L_RUST }, { "go.mod", L_GO },
		{ "package.json", L_NODEJS }, { "pyproject.toml", L_PYTHON },
		{ "requirements.txt", L_PYTHON }, { "setup.py", L_PYTHON },
		{ "Pipfile", L_PYTHON }, { "pom.xml", L_JAVA },
		{ "build.gradle", L_JAVA }, { "build.gradle.kts", L_JAVA },
		{ "flake.nix", L_NIX }, { "shell.nix", L_NIX },
		{ "default.nix", L_NIX }, { "composer.json", L_PHP },
		{ "CMakeLists.txt", L_CPP }, { "meson.build", L_CPP },
		{ "configure.ac", L_CPP }, { "App.csproj", L_CSHARP },
		{ "All.sln", L_CSHARP }, { "main.tf", L_TERRAFORM },
		{ "Chart.yaml", L_KUBERNETES },
		{ "kustomization.yaml", L_KUBERNETES },
		{ "k8s/", L_KUBERNETES }, { "helm/", L_KUBERNETES },
	};
	size_t i;

	for (i = 0; i < N(one); i++) {
		const char *names[] = { "README.md", one[i].name, ".git/" };

		ok(det(names, 3) == LAYER_MASK(one[i].layer), "%s -> %s",
		    one[i].name, layer_name((unsigned int)one[i].layer));
	}
}

static void test_detect_rules(void)
{
	const char *mk_c[] = { "Makefile", "main.c" };
	const char *mk_cpp[] = { "GNUmakefile", "x.cpp" };
	const char *mk_only[] = { "Makefile", "README" };
	const char *c_only[] = { "main.c", "x.h" };
	const char *mk_cdir[] = { "Makefile", "src.c/" };
	const char *k8s_file[] = { "k8s", "helm" };
	const char *tfdir[] = { "x.tf/", ".tf" };
	const char *none[] = { "README.md", "LICENSE", "docs/", ".git/" };
	const char *combo[] = { "Cargo.toml", "package.json", "go.mod",
	    "Makefile", "a.cc", "k8s/" };
	const char *case_[] = { "cargo.toml", "PACKAGE.JSON" };

	ok(det(mk_c, 2) == LAYER_MASK(L_CPP), "Makefile + main.c -> cpp");
	ok(det(mk_cpp, 2) == LAYER_MASK(L_CPP), "GNUmakefile + x.cpp -> cpp");
	ok(det(mk_only, 2) == 0, "a Makefile alone is not C");
	ok(det(c_only, 2) == 0, "C files without a build file are not a "
	    "project");
	ok(det(mk_cdir, 2) == 0, "a directory named src.c is no source");
	ok(det(k8s_file, 2) == 0, "files named k8s/helm are not the dirs");
	ok(det(tfdir, 2) == 0, "a dir x.tf/ and a file .tf are not terraform");
	ok(det(none, 4) == 0, "nothing detected");
	ok(det(none, 0) == 0, "an empty workspace");
	ok(det(combo, 6) == (LAYER_MASK(L_RUST) | LAYER_MASK(L_NODEJS) |
	    LAYER_MASK(L_GO) | LAYER_MASK(L_CPP) | LAYER_MASK(L_KUBERNETES)),
	    "a multi-language project keeps every language");
	ok(det(case_, 2) == 0, "names are case-sensitive");
}

static void test_layers_opt(void)
{
	unsigned int m;
	const char *bad;

	ok(images_parse_layers("rust,nodejs", &m, &bad) == 0 &&
	    m == (LAYER_MASK(L_RUST) | LAYER_MASK(L_NODEJS)),
	    "--layers rust,nodejs");
	ok(images_parse_layers("base,go", &m, &bad) == 0 &&
	    m == LAYER_MASK(L_GO), "--layers base,go: base implied");
	ok(images_parse_layers("rust,ruby", &m, &bad) == -EINVAL && bad &&
	    strcmp(bad, "ruby") == 0, "--layers rust,ruby: ruby named");
	ok(images_parse_layers("Rust", &m, &bad) == -EINVAL,
	    "--layers Rust: names are exact");
	ok(images_parse_layers("agent-claude", &m, &bad) == -EINVAL,
	    "--layers cannot name an agent layer");
	ok(layer_unavailable(L_CSHARP) != NULL &&
	    layer_unavailable(L_TERRAFORM) != NULL &&
	    layer_unavailable(L_RUST) == NULL,
	    "csharp and terraform say why they cannot be built");
}

static void test_tags(void)
{
	struct stack s;
	char a[9], b[9];
	int r;

	r = images_stack(&s, BASE, LAYER_MASK(L_NODEJS) | LAYER_MASK(L_RUST),
	    "claude", "RUN true\n", NULL, 0, WSA);
	ok(r == 0 && s.n == 4, "base, rust, nodejs, agent: 4 layers");
	ok(strcmp(s.l[0].tag, "localhost/jail-ai-base:latest") == 0,
	    "base tag %s", s.l[0].tag);
	ok(strcmp(s.l[1].tag, "localhost/jail-ai-rust:base") == 0,
	    "rust tag %s", s.l[1].tag);
	ok(strcmp(s.l[2].tag, "localhost/jail-ai-nodejs:base-rust") == 0,
	    "nodejs tag %s", s.l[2].tag);
	ok(strcmp(s.l[3].tag, "localhost/jail-ai-agent-claude:base-rust-"
	    "nodejs") == 0, "agent tag %s", s.l[3].tag);
	images_wshash("/home/u/p1", a);
	images_wshash("/home/u/p2", b);
	ok(strlen(a) == 8 && strcmp(a, b) != 0, "two workspaces, two "
	    "suffixes (%s, %s)", a, b);
	images_stack(&s, BASE, LAYER_MASK(L_GO), "codex", "RUN true\n", NULL,
	    1, a);
	ok(s.n == 3 && strstr(s.l[0].tag, a) && strstr(s.l[1].tag, a) &&
	    strstr(s.l[2].tag, a), "--isolated: every tag has the suffix");
	ok(strcmp(s.l[2].tag, "localhost/jail-ai-agent-codex:base-go-") > 0 &&
	    strncmp(s.l[2].tag, "localhost/jail-ai-agent-codex:base-go-", 38)
	    == 0, "isolated agent tag %s", s.l[2].tag);
	images_stack(&s, BASE, LAYER_MASK(L_GO), "codex", "RUN true\n", NULL,
	    1, b);
	ok(!strstr(s.l[2].tag, a) && strstr(s.l[2].tag, b),
	    "the other workspace's tag differs: %s", s.l[2].tag);
	r = images_stack(&s, BASE, LAYER_MASK(L_GO), "claude", "RUN true\n",
	    "RUN echo project\n", 0, WSA);
	ok(r == 0 && s.n == 4 && !s.l[0].isolated && !s.l[1].isolated &&
	    strcmp(s.l[1].tag, "localhost/jail-ai-go:base") == 0,
	    "a project recipe leaves the shared layers below it shared");
	ok(s.l[2].isolated && strcmp(s.l[2].tag, "localhost/jail-ai-project:"
	    "base-go-" WSA) == 0, "the project layer is per-workspace: %s",
	    s.l[2].tag);
	ok(s.l[3].isolated && strcmp(s.l[3].tag, "localhost/jail-ai-agent-"
	    "claude:base-go-project-" WSA) == 0, "and so is the agent above "
	    "it: %s", s.l[3].tag);
	ok(images_stack(&s, "debian:bookworm\nRUN evil", 0, NULL, NULL, NULL,
	    0, WSA) == -EINVAL, "a base image with a newline is refused");
	ok(images_stack(&s, BASE, LAYER_MASK(L_CSHARP), NULL, NULL, NULL, 0,
	    WSA) == -EINVAL, "an unbuildable layer is refused");
	ok(images_stack(&s, BASE, 0, NULL, NULL, NULL, 0, WSA) == 0 &&
	    s.n == 1, "no language, no agent: the base alone");
}

static void test_order(void)
{
	static const char *const want[] = { "base", "cpp", "rust", "go",
	    "python", "java", "php", "nix", "kubernetes", "nodejs",
	    "agent-claude" };
	unsigned int all = 0, id;
	struct stack s;
	size_t i;
	int good;

	for (id = 1; id < L_NLANG; id++)
		if (!layer_unavailable(id))
			all |= LAYER_MASK(id);
	good = images_stack(&s, BASE, all, "claude", "RUN true\n", NULL, 0,
	    WSA) == 0 && s.n == N(want);
	for (i = 0; good && i < N(want); i++)
		good = strcmp(s.l[i].name, want[i]) == 0;
	ok(good, "layers stack in the fixed order, whatever the detection");
	ok(strlen(s.l[s.n - 1].tag) < 128, "the longest tag fits podman's "
	    "128 characters: %s", s.l[s.n - 1].tag);
}

static void test_chain(void)
{
	struct stack a, b;
	unsigned int m = LAYER_MASK(L_RUST) | LAYER_MASK(L_NODEJS);
	size_t i;
	int same;

	images_stack(&a, BASE, m, "claude", "RUN one\n", "RUN p1\n", 1, WSA);
	images_stack(&b, BASE, m, "claude", "RUN one\n", "RUN p1\n", 1, WSA);
	for (i = 0, same = 1; i < a.n; i++)
		same &= strcmp(a.l[i].hash, b.l[i].hash) == 0 &&
		    strlen(a.l[i].hash) == 64;
	ok(same, "the same recipes give the same hashes");
	images_stack(&b, BASE, m, "claude", "RUN one\n", "RUN p2\n", 1, WSA);
	ok(strcmp(a.l[0].hash, b.l[0].hash) == 0 &&
	    strcmp(a.l[1].hash, b.l[1].hash) == 0 &&
	    strcmp(a.l[2].hash, b.l[2].hash) == 0,
	    "a changed project recipe keeps the hashes below it");
	ok(strcmp(a.l[3].hash, b.l[3].hash) != 0 &&
	    strcmp(a.l[4].hash, b.l[4].hash) != 0,
	    "and changes its own and the agent's above it");
	images_stack(&b, BASE, m, "claude", "RUN two\n", "RUN p1\n", 1, WSA);
	for (i = 0, same = 1; i + 1 < a.n; i++)
		same &= strcmp(a.l[i].hash, b.l[i].hash) == 0;
	ok(same && strcmp(a.l[4].hash, b.l[4].hash) != 0,
	    "a changed agent recipe changes the agent's hash only");
	images_stack(&b, "docker.io/library/debian:bookworm-slim", m,
	    "claude", "RUN one\n", "RUN p1\n", 1, WSA);
	for (i = 0, same = 0; i < a.n; i++)
		same |= strcmp(a.l[i].hash, b.l[i].hash) == 0;
	ok(!same, "another base image changes every hash");
	images_stack(&b, BASE, m | LAYER_MASK(L_GO), "claude", "RUN one\n",
	    "RUN p1\n", 1, WSA);
	ok(strcmp(a.l[1].hash, b.l[1].hash) == 0 &&
	    strcmp(a.l[2].hash, b.l[3].hash) != 0,
	    "adding go keeps rust's hash and changes nodejs' (now on go)");
	images_stack(&b, BASE, m, "claude", "RUN one\n", "RUN p1\n", 1,
	    "bbbbbbbb");
	ok(strcmp(a.l[4].hash, b.l[4].hash) == 0 &&
	    strcmp(a.l[4].tag, b.l[4].tag) != 0,
	    "isolation changes tags, not recipes");
}

static void test_ca(void)
{
	struct stack a, b;
	char *t;

	images_stack(&a, BASE, LAYER_MASK(L_NODEJS), "claude", "RUN x\n",
	    NULL, 0, WSA);
	images_stack(&b, BASE, LAYER_MASK(L_NODEJS), "claude", "RUN x\n",
	    NULL, 0, WSA);
	ok(images_add_ca(&b, "-----BEGIN CERTIFICATE-----\nA\n") == 0 &&
	    strcmp(a.l[0].hash, b.l[0].hash) != 0 &&
	    strcmp(a.l[2].hash, b.l[2].hash) != 0 &&
	    strcmp(a.l[2].tag, b.l[2].tag) == 0,
	    "extra CA certificates change every hash, not the tags");
	t = images_containerfile(&b, 0);
	ok(t && strstr(t, "COPY ca.crt ") && strstr(t,
	    "update-ca-certificates"), "the base copies and trusts them");
	free(t);
	images_stack(&a, BASE, LAYER_MASK(L_NODEJS), "claude", "RUN x\n",
	    NULL, 0, WSA);
	images_add_ca(&a, "-----BEGIN CERTIFICATE-----\nB\n");
	ok(strcmp(a.l[0].hash, b.l[0].hash) != 0, "other certificates, "
	    "other hashes");
}

static void test_containerfile(void)
{
	struct stack s;
	char *t0, *t1;

	images_stack(&s, BASE, LAYER_MASK(L_RUST), NULL, NULL, NULL, 0, WSA);
	t0 = images_containerfile(&s, 0);
	t1 = images_containerfile(&s, 1);
	ok(t0 && strstr(t0, "\nFROM " BASE "\n") && strstr(t0, "apt-get "
	    "install") && strstr(t0, "ca-certificates git curl"),
	    "the base is FROM the base image and installs the basics");
	ok(t1 && strstr(t1, "\nFROM localhost/jail-ai-base:latest\n") &&
	    strstr(t1, "rustc cargo"), "rust is FROM the base tag");
	ok(images_containerfile(&s, 2) == NULL, "no layer 2");
	free(t0);
	free(t1);
}

static int conf(const char *text, struct img_config *c, unsigned int *line,
    const char **why)
{
	return images_parse_config(text, strlen(text), c, line, why);
}

static void test_config(void)
{
	struct img_config c;
	unsigned int line;
	const char *why;

	ok(conf("# jail-ai\n\n  base-image =  localhost/deb:12  \n", &c,
	    &line, &why) == 0 && strcmp(c.base_image, "localhost/deb:12") == 0,
	    "base-image with comments, blanks and spaces");
	ok(conf("base-image=registry.example.com:5000/team/deb@sha256:ab\r\n",
	    &c, &line, &why) == 0 && strcmp(c.base_image,
	    "registry.example.com:5000/team/deb@sha256:ab") == 0,
	    "a registry with a port and a digest, CRLF");
	ok(conf("", &c, &line, &why) == 0 && c.base_image[0] == '\0',
	    "an empty file sets nothing");
	ok(conf("# x\nbase_image = a\n", &c, &line, &why) == -EINVAL &&
	    line == 2 && strstr(why, "unknown key"), "an unknown key: line 2 "
	    "(%s)", why ? why : "");
	ok(conf("base-image localhost/x\n", &c, &line, &why) == -EINVAL &&
	    line == 1, "no '=': line 1 (%s)", why ? why : "");
	ok(conf("base-image = a\nbase-image = b\n", &c, &line, &why) ==
	    -EINVAL && line == 2, "given twice: line 2 (%s)", why ? why : "");
	ok(conf("base-image = debian bookworm\n", &c, &line, &why) ==
	    -EINVAL && line == 1, "a space in the value (%s)", why ? why : "");
	ok(conf("base-image =\n", &c, &line, &why) == -EINVAL,
	    "an empty value");
	ok(images_parse_config("base-image = a\0b\n", 16, &c, &line, &why) ==
	    -EINVAL, "a NUL byte");
	ok(conf("ca-certs = /etc/proxy-ca.pem\nbase-image = x\n", &c, &line,
	    &why) == 0 && strcmp(c.ca_certs, "/etc/proxy-ca.pem") == 0,
	    "ca-certs = an absolute path");
	ok(conf("ca-certs = proxy.pem\n", &c, &line, &why) == -EINVAL &&
	    line == 1, "ca-certs must be absolute");
	ok(!image_ref_valid("-x") && !image_ref_valid("a\nb") &&
	    !image_ref_valid("a b") && image_ref_valid("debian"),
	    "image references: no leading '-', newline or space");
}

/* Recipes are text/recipe-NAME.txt: one for each layer Debian can build. */
static void test_recipe_texts(void)
{
	unsigned int id, good = 0;

	for (id = 0; id < L_NLANG; id++)
		if (!layer_unavailable(id) == (layer_recipe(id) != NULL))
			good++;
		else
			diag("layer %s: recipe %s, unavailable %s", layer_name(id),
			    layer_recipe(id) ? "yes" : "no",
			    layer_unavailable(id) ? "yes" : "no");
	ok(good == L_NLANG, "every buildable layer has its text/recipe-NAME.txt, "
	    "the others none");
	ok(layer_recipe(L_NLANG) == NULL, "no recipe past the last layer");
}

int main(void)
{
	test_recipe_texts();
	test_sha256();
	test_detect_each();
	test_detect_rules();
	test_layers_opt();
	test_tags();
	test_order();
	test_chain();
	test_containerfile();
	test_ca();
	test_config();
	return done_testing();
}
