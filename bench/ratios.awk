# bench/ratios.awk - statistics of bench/interleave.c output, for bench/run.
#
#   awk -f bench/ratios.awk -v mode=MODE -v base=NAME [-v est=median|min] FILE
#
# Input lines: ROUND SLICE MODE NAME N WALL_NS CPU_NS.  For each worker NAME
# and round, its CPU ns per operation is the median over the round's slices
# (a preempted slice carries another task's cache and TLB damage in its CPU
# time: the median drops it); the rate is 1e9 / that ("per CPU-second": the
# rate the sender would have on a CPU of its own).  The wall-clock rate,
# N / WALL over the round, is printed too but says more about the machine's
# other load than about the variant.  Ratio: per round, the variant's rate
# over base's rate of the same round; its median and quartiles over rounds.
# One line per NAME, in order of first appearance:
#
#   NAME RATE_MIN RATE_MED RATE_MAX RATIO_MED RATIO_P25 RATIO_P75 NS_MED WALLRATE_MED ROUNDS
#
# est=min takes the fastest slice of a round instead of the median.

function sort_n(a, n,    i, j, t) {	# insertion sort, a[1..n] ascending
	for (i = 2; i <= n; i++) {
		t = a[i]
		for (j = i - 1; j >= 1 && a[j] > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
}
function median(a, n) {
	sort_n(a, n)
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function q(a, n, p) {	# nearest-rank quantile of a sorted a[1..n]
	return a[int((n - 1) * p) + 1]
}
$3 == mode {
	k = $4 SUBSEP $1
	ns[k, ++cnt[k]] = $7 / $5
	wall[k] += $6
	ops[k] += $5
	if (!($4 in seen)) {
		seen[$4] = 1
		order[++nnames] = $4
	}
	if (!($1 in rseen)) {
		rseen[$1] = 1
		rounds[++nrounds] = $1
	}
}
END {
	if (est == "")
		est = "median"
	for (i = 1; i <= nnames; i++)
		for (j = 1; j <= nrounds; j++) {
			k = order[i] SUBSEP rounds[j]
			n = cnt[k]
			if (n == 0)
				continue
			delete v
			for (s = 1; s <= n; s++)
				v[s] = ns[k, s]
			if (est == "min") {
				sort_n(v, n)
				per[k] = v[1]
			} else
				per[k] = median(v, n)
		}
	for (i = 1; i <= nnames; i++) {
		name = order[i]
		nr = 0
		delete rate
		delete ratio
		delete nsr
		delete wr
		for (j = 1; j <= nrounds; j++) {
			k = name SUBSEP rounds[j]
			b = base SUBSEP rounds[j]
			if (!(k in per) || !(b in per))
				continue
			nr++
			rate[nr] = 1e9 / per[k]
			ratio[nr] = per[b] / per[k]
			nsr[nr] = per[k]
			wr[nr] = wall[k] > 0 ? ops[k] * 1e9 / wall[k] : 0
		}
		if (nr == 0)
			continue
		sort_n(rate, nr)
		sort_n(ratio, nr)
		printf "%s %.0f %.0f %.0f %.4f %.4f %.4f %.1f %.0f %d\n", name,
		    rate[1], median(rate, nr), rate[nr], median(ratio, nr),
		    q(ratio, nr, 0.25), q(ratio, nr, 0.75), median(nsr, nr),
		    median(wr, nr), nr
	}
}
