# tests/agents-env.sh - sourced after tests/lib.sh and tests/podman-env.sh by the agent and image
# tests (tests/6x-*.t): the cached podman storage whose images are the layer cache, the Debian
# base imported into it, the images' CA certificates, and the cleanup of what a test made there.
#
# Cache (same machine, between runs): $CACHE (podman-env.sh) holds the debootstrap tarball and
# podman-trixie/, a storage of its own; a test removes only the containers whose workspace is under its
# $TMP, the tags it lists in ISO_TAGS, and dangling images.

# The agents' stack is Debian trixie's, as jail-ai's default base (gemini needs its Node.js 20).
# The storage is keyed by the release too: another release's tags would replace these (every
# layer's tag is the same, only its recipe hash differs), so sharing one would rebuild each time.
debian_suite trixie
BASE_IMG=localhost/jail-ai-test-debian:$DEBIAN_SUITE
STORE=$CACHE/podman-$DEBIAN_SUITE
BUILD_TIMEOUT=${BUILD_TIMEOUT:-1500}
ISO_TAGS=

# agents_cleanup: our containers in the cached storage (workspace under $TMP), ISO_TAGS, and what
# rebuilds left untagged: the cache keeps only the shared layers, so it does not grow per run.
agents_cleanup() {
	local names ns=()
	[ -n "${NS_H:-}" ] && [ -e "/run/netns/$NS_H" ] && ns=(nsenter --net="/run/netns/$NS_H" --)
	names=$(timeout 60 "$PODMAN" ps -a --format '{{.Names}} {{index .Labels "jail-ai.workspace"}}' \
		2>/dev/null | awk -v t="$TMP/" 'index($2 "/", t) == 1 { print $1 }')
	# shellcheck disable=SC2086
	[ -n "$names" ] && timeout -k 5 120 "${ns[@]}" "$PODMAN" rm -f -t 0 $names >/dev/null 2>&1
	# shellcheck disable=SC2086
	pod_parents_remove $names	# removed behind jail-ai's back: their keepers go too
	# shellcheck disable=SC2086
	[ -n "${ISO_TAGS:-}" ] && timeout 120 "$PODMAN" rmi -f $ISO_TAGS >/dev/null 2>&1
	timeout 120 "$PODMAN" image prune -f >/dev/null 2>&1
	podman_umount "$STORE"
	return 0
}

# agents_store: debootstrap's tarball (cached), the cached storage in use (exported, so jail-ai's
# podman sees it), $BASE_IMG in it, JAIL_AI_BASE_IMAGE and the local CA certificates; the exit
# trap cleans up.  Bails out when the base cannot be made.
agents_store() {
	local out t0
	if ! command -v debootstrap >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >"$TMP/apt.log" 2>&1 ||
			skip_all "needs debootstrap (apt-get install debootstrap failed)"
	fi
	trap 'st=$?; agents_cleanup; podman_cleanup; (exit $st); cleanup' EXIT
	t0=$(date +%s)
	debian_tar || bail "debootstrap --variant=minbase $DEBIAN_SUITE failed: $(tail -n 5 \
		"$TMP/debootstrap.log" 2>/dev/null)"
	ok 0 "a Debian minbase root filesystem ($BASE_TAR, $(($(date +%s) - t0))s)"
	podman_conf "$STORE" || bail "cannot write the podman configuration in $STORE"
	export CONTAINERS_CONF=$STORE/containers.conf CONTAINERS_STORAGE_CONF=$STORE/storage.conf
	if ! "$PODMAN" image exists "$BASE_IMG"; then
		out=$("$PODMAN" import "$BASE_TAR" "$BASE_IMG" 2>&1) || bail "podman import: $out"
	fi
	ok 0 "$BASE_IMG in the cached storage"
	export JAIL_AI_BASE_IMAGE=$BASE_IMG
	# A TLS-intercepting proxy's CA (this machine reaches npm through one): the images trust
	# what the host's local CA directory holds.
	if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
		cat /usr/local/share/ca-certificates/*.crt >"$TMP/ca.pem"
		export JAIL_AI_CA_CERTS=$TMP/ca.pem
	fi
}

# images_build DIR ARGS...: `jail-ai images build ARGS` in DIR, real network (outside the test's
# namespaces); output in $TMP/build.log.
images_build() {
	local d=$1
	shift
	(cd "$d" && timeout -k 10 "$BUILD_TIMEOUT" "$JAIL_AI" images build "$@") >"$TMP/build.log" 2>&1
}
