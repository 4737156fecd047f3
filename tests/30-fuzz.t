#!/bin/bash
# tests/30-fuzz.t - every fuzz target (one per parser of untrusted input)
# runs briefly from its seed corpus: FUZZ_SECONDS each (default 10).
cd "$(dirname "$0")/.." || exit 1
secs=${FUZZ_SECONDS:-10}
targets="fib_trie if_inet6 ipv6_route resolv request mountinfo allow config text dns control"
n=0 failed=0
tmp=$(mktemp -d /tmp/jail-ai-fuzz.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
for t in $targets; do
	n=$((n + 1))
	bin=fuzz/fuzz_$t seeds=fuzz/seeds-$t
	if [ ! -x "$bin" ]; then
		echo "not ok $n - fuzz_$t: $bin not built (make fuzz)"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$tmp/$t"
	[ -d "$seeds" ] && cp "$seeds"/* "$tmp/$t"/ 2>/dev/null
	if "$bin" -max_total_time="$secs" -artifact_prefix="$tmp/" \
	    -print_final_stats=1 "$tmp/$t" >"$tmp/$t.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$t.log")
		echo "ok $n - fuzz_$t: ${runs:-?} runs in ${secs}s, no crash"
	else
		echo "not ok $n - fuzz_$t: crashed"
		tail -n 30 "$tmp/$t.log" | sed 's/^/# /'
		ls "$tmp"/crash-* "$tmp"/leak-* 2>/dev/null | sed 's/^/# artifact: /'
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" = 0 ]
