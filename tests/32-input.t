#!/bin/bash
# tests/32-input.t - bad input to `jail-ai run --block-host` is refused quickly with a message
# that shows the rule as parsed, and good input adds up: two --deny-file both block; a
# device, a directory, a file over 16 MiB or an endless pipe as --deny-file stop at once;
# an --allow that opens a whole fixed range needs --force; an --allow that re-opens a host
# address is said; "::1:8080" is refused with both readings; a --proxy URL has the same
# 127-character limit and takes one of the 64 allows.

. "$(dirname "$0")/lib.sh"
require_root
require_tools
require_cgroup2
require_binaries
netns_setup
serve "$NS_P" p4 10.77.0.2 7101
serve "$NS_P" p6 fd77::2 7102

# refused DESC WANT_TEXT ARGS...: exit 125 within 5 s, stderr holds WANT_TEXT, CMD never ran.
refused() {
	local desc=$1 want=$2 st t0 t1
	shift 2
	t0=$(date +%s%N)
	out=$(jail run "$@" -- echo RAN 2>"$TMP/err")
	st=$?
	t1=$(date +%s%N)
	[ "$st" = 125 ] && [[ "$(cat "$TMP/err")" == *"$want"* ]] && [[ "$out" != *RAN* ]] &&
		[ $(((t1 - t0) / 1000000)) -lt 5000 ]
	ok $? "$desc" || diag "exit $st after $(((t1 - t0) / 1000000)) ms, stdout: $out" \
		"stderr: $(head -c 600 "$TMP/err")" "wanted: $want"
}

# ---- two --deny-file add up ----
echo 10.77.0.2 >"$TMP/deny-a"
printf '# v6\nfd77::2/128' >"$TMP/deny-b"
out=$(jail run --block-host -- "$PROBE" tcp 10.77.0.2 7101 2>"$TMP/err")
[ "${out##*$'\n'}" = ok ]
ok $? "control: without --deny-file the peer 10.77.0.2 is reached" || diag "$out" "$(cat "$TMP/err")"
n=$(arrivals p4 p6)
for dst in "10.77.0.2 7101" "fd77::2 7102"; do
	out=$(jail run --block-host --deny-file "$TMP/deny-a" --deny-file "$TMP/deny-b" -- \
		"$PROBE" tcp $dst 2>"$TMP/err")
	st=$?
	expect_probe "two --deny-file: ${dst% *} (from the $([ "${dst%% *}" = 10.77.0.2 ] &&
		echo first || echo second) file) is EPERM" 1 EPERM "$st" "$out"
done
sleep 0.05
[ "$(arrivals p4 p6)" = "$n" ]
ok $? "two --deny-file: the peer's listeners received nothing"

# ---- input files: type and size ----
refused "--deny-file /dev/zero stops at once" "--deny-file /dev/zero: not a regular file or a pipe" \
	--block-host --deny-file /dev/zero
refused "--deny-file of a directory is refused" "--deny-file $TMP: Is a directory" \
	--block-host --deny-file "$TMP"
head -c $((16 * 1024 * 1024 + 1)) /dev/zero | tr '\0' '#' >"$TMP/big"
refused "--deny-file over 16 MiB is refused before it is read" "larger than 16 MiB" \
	--block-host --deny-file "$TMP/big"
refused "--deny-file of an endless pipe stops at 16 MiB" "larger than 16 MiB" \
	--block-host --deny-file <(yes '# a comment')
out=$(jail run --block-host --deny-file <(echo 10.77.0.2) -- "$PROBE" tcp 10.77.0.2 7101 \
	2>"$TMP/err")
expect_probe "--deny-file from a pipe (<(...)) works" 1 EPERM "$?" "$out"
args=()
for i in 1 2 3 4 5 6 7 8 9; do args+=(--deny-file "$TMP/deny-a"); done
refused "a ninth --deny-file is refused" "more than 8 --deny-file" --block-host "${args[@]}"
long=$(printf '1%.0s' $(seq 128))
refused "an --allow of 128 characters is refused, naming the limit" "128 characters, more than 127" \
	--block-host --allow "$long"
args=()
for i in $(seq 65); do args+=(--allow "10.9.$i.1"); done
refused "a 65th --allow is refused" "more than 64 --allow" --block-host "${args[@]}"
args=()
for i in $(seq 65); do args+=(--deny "10.9.$i.1"); done
refused "a 65th --deny is refused" "more than 64 --deny" --block-host "${args[@]}"
refused "a --deny of 128 characters is refused, naming the limit" "128 characters, more than 127" \
	--block-host --deny "$long"
refused "--force alone needs --block-host" "add --block-host" --force
refused "a --proxy URL of 128 characters is refused, naming the limit" \
	"128 characters, more than 127" --proxy "http://10.77.0.2:3128/${long:0:106}"
args=()
for i in $(seq 64); do args+=(--allow "10.9.$i.1"); done
refused "--proxy and 64 --allow: refused (the proxy takes one of the 64)" \
	"more than 63 --allow with --proxy" --proxy http://10.77.0.2:3128 "${args[@]}"
refused "64 --allow, then --proxy: refused the same" \
	"more than 63 --allow with --proxy" "${args[@]}" --proxy http://10.77.0.2:3128

# ---- allows that open whole fixed ranges need --force ----
for a in 0.0.0.0/0 ::/0 127.0.0.0/8 ::ffff:0:0/96; do
	refused "--allow $a is refused without --force, shown as parsed" \
		"--allow $a (read as " --block-host --allow "$a"
done
grep -q -- "--force" "$TMP/err"
ok $? "the refusal names --force" || diag "$(cat "$TMP/err")"
out=$(jail run --block-host --allow 127.0.0.0/8 --force -- "$PROBE" tcp ::1 9 2>"$TMP/err")
expect_probe "--allow 127.0.0.0/8 --force runs (and ::1 stays blocked)" 1 EPERM "$?" "$out"

# ---- an allow that re-opens a host address is said ----
out=$(jail run --block-host --allow 127.0.0.1:8080 -- true 2>&1)
st=$?
[ "$st" = 0 ] && [[ "$out" == *"--allow 127.0.0.1:8080 (read as 127.0.0.1/32, port 8080) re-opens the blocked 127.0.0.0/8"* ]]
ok $? "--allow 127.0.0.1:8080 runs with a warning that names the rule as parsed" ||
	diag "exit $st:" "$out"
out=$(jail run --block-host --allow 10.77.0.9 -- true 2>&1)
[ "$?" = 0 ] && [[ "$out" != *re-opens* ]]
ok $? "--allow of an address that is not the host's gives no warning" || diag "$out"

# ---- unbracketed IPv6 never has a port ----
refused "--allow ::1:8080 is refused with both readings" \
	"--allow ::1:8080 is ambiguous: write [::1]:8080 for port 8080 of ::1, or ::1:8080/128 for the address" \
	--block-host --allow ::1:8080
refused "--allow fe80::1:443 is refused with both readings" "[fe80::1]:443" \
	--block-host --allow fe80::1:443
out=$(jail run --block-host --allow ::1:8080/128 -- true 2>&1)
[ "$?" = 0 ] && [[ "$out" != *ambiguous* ]]
ok $? "--allow ::1:8080/128 is accepted as the address" || diag "$out"
out=$(jail run --block-host --allow '[::1]:8080' -- true 2>&1)
[ "$?" = 0 ] && [[ "$out" == *"(read as ::1/128, port 8080)"* ]]
ok $? "--allow [::1]:8080 is port 8080 of ::1, shown as parsed" || diag "$out"

# ---- podman jails: two --deny-file add up there too, and again after a restart ----
if command -v podman >/dev/null && command -v runc >/dev/null && [ -x /bin/busybox ]; then
	. tests/podman-env.sh	# its own exit trap: our containers, then lib.sh's cleanup
	PODMAN=$(command -v podman)
	podman_conf "$TMP/pd" && podman_env "$TMP/pd" && podman_image || bail "podman setup failed"
	mkdir -p "$TMP/ws"
	jp create "$JT-deny" --image "$TEST_IMAGE" --workspace "$TMP/ws" --network host \
		--block-host --deny-file "$TMP/deny-a" --deny-file "$TMP/deny-b" >"$TMP/out" 2>"$TMP/err"
	ok $? "podman: create --block-host with two --deny-file" || diag "$(cat "$TMP/err")"
	lab=$(pm inspect --format '{{index .Config.Labels "jail-ai.deny-file"}}' "$JT-deny" 2>&1)
	[ "$lab" = "$TMP/deny-a $TMP/deny-b" ]
	ok $? "podman: the label keeps both files" || diag "label: $lab"
	for round in create restart; do
		[ $round = restart ] && { jp stop "$JT-deny" >/dev/null 2>&1; jp start "$JT-deny" \
			>/dev/null 2>"$TMP/err" || diag "start: $(cat "$TMP/err")"; }
		n=$(arrivals p4 p6)
		for dst in "10.77.0.2 7101" "fd77::2 7102"; do
			jx "$JT-deny" probe tcp $dst
			[ "$ST" = 1 ] && [ "${OUT##*$'\n'}" = EPERM ]
			ok $? "podman, after $round: tcp ${dst% *} (deny file $([ "${dst%% *}" = \
				10.77.0.2 ] && echo one || echo two)) is EPERM" ||
				diag "exit $ST: $OUT" "$(tail -n 3 "$TMP/err")"
		done
		sleep 0.05
		[ "$(arrivals p4 p6)" = "$n" ]
		ok $? "podman, after $round: the peer's listeners received nothing"
	done
else
	skip "podman, runc or /bin/busybox missing: the podman --deny-file case"
fi

done_testing
