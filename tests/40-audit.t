#!/bin/bash
# tests/40-audit.t - AUDIT.md stays true: every "file:line (`token`)"
# reference names a line that contains the token, the line count it states
# for loader.c is the real one, and loader.c stays under 450 lines.
cd "$(dirname "$0")/.." || exit 1
n=0 failed=0
t() {	# t STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
refs=$(grep -oE '`?[a-z_]+\.[ch]:[0-9]+`?,? \(?`[^`]+`' AUDIT.md)
count=0
while IFS= read -r ref; do
	[ -n "$ref" ] || continue
	file=$(printf '%s' "$ref" | sed -E 's/^`?([a-z_]+\.[ch]):.*/\1/')
	line=$(printf '%s' "$ref" | sed -E 's/^`?[a-z_]+\.[ch]:([0-9]+).*/\1/')
	tok=$(printf '%s' "$ref" | sed -E 's/.*`([^`]+)`$/\1/')
	text=$(sed -n "${line}p" "$file")
	case $text in
	*"$tok"*) t 0 "$file:$line has $tok" ;;
	*) t 1 "$file:$line has $tok"; echo "# line $line is: $text" ;;
	esac
	count=$((count + 1))
done <<< "$refs"
[ "$count" -ge 20 ]; t $? "AUDIT.md has file:line references ($count)"
real=$(awk 'NF' loader.c | wc -l)
stated=$(grep -oE 'loader\.c` \(([0-9]+) non-blank lines' AUDIT.md | grep -oE '[0-9]+')
[ "$real" = "$stated" ]; t $? "AUDIT.md states loader.c's non-blank lines ($stated, real $real)"
[ "$real" -lt 450 ]; t $? "loader.c has fewer than 450 non-blank lines ($real)"
echo "1..$n"
[ "$failed" = 0 ]
