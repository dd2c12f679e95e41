#!/bin/sh
# Reproduces the book's MNIST table: runs every config in configs/book/
# with seeds 1, 2 and 3 (as many at a time as there are cores), then
# writes runs/book/REPORT.md comparing nnlab's numbers with the book's.
# Usage: scripts/reproduce.sh [NNLAB]     (environment: SEEDS, JOBS)
set -eu

nnlab=${1:-build/release/nnlab}
seeds=${SEEDS:-"1 2 3"}
jobs=${JOBS:-$(nproc)}
out=runs/book
mkdir -p "$out"
: >"$out/times.txt"
export nnlab out

start=$(date +%s.%N)
for config in configs/book/*.yaml; do
	for seed in $seeds; do
		echo "$config $seed"
	done
done | xargs -P "$jobs" -L 1 sh -c '
	name=$(basename "$0" .yaml)
	t0=$(date +%s.%N)
	if "$nnlab" run "$0" --set seed="$1" --out "$out/$name-s$1" --quiet; then
		status=ok
	else
		status=failed
	fi
	t1=$(date +%s.%N)
	echo "$name $1 $status $(awk -v a="$t0" -v b="$t1" "BEGIN { print b - a }")" >>"$out/times.txt"
	echo "reproduce: $name seed $1: $status" >&2
'
total=$(awk -v a="$start" -v b="$(date +%s.%N)" "BEGIN { print b - a }")

# One number per run: the peak accuracy of the evaluated split, or the
# test accuracy at the epoch of best validation accuracy.
score() { # metrics.csv metric
	awk -F, -v metric="$2" '
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{
		acc = 100 * $col["eval_correct"] / $col["eval_total"]
		if (metric == "peak") {
			if (n == 0 || acc > best) best = acc
		} else {
			v = $col["validation_correct"]
			if (n == 0 || v > bestv) { bestv = v; best = acc }
		}
		n++
	}
	END { if (n) printf "%.2f %d\n", best, n }' "$1"
}

report=$out/REPORT.md
{
	echo "# nnlab and the book's MNIST table"
	echo
	echo "Made by \`make reproduce\` on $(date -u +%Y-%m-%d), on $(nproc) cores of"
	echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $jobs runs at a time."
	echo "Each row is run with seeds $(echo $seeds | sed 's/ /, /g'); *best* and *mean* are over those runs."
	echo "*peak*: the highest accuracy of the evaluated split over all epochs;"
	echo "*test at best validation*: test accuracy at the epoch of best validation accuracy."
	echo "Rows more than 0.3 points below the book are marked **below**."
	echo
	echo "| config | metric | book | nnlab best | nnlab mean | best - book | epochs | wall s (all seeds) | |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
	for config in configs/book/*.yaml; do
		name=$(basename "$config" .yaml)
		book=$(sed -n 's/^# book: *//p' "$config")
		metric=$(sed -n 's/^# metric: *//p' "$config")
		scores=""
		epochs=0
		for seed in $seeds; do
			m="$out/$name-s$seed/metrics.csv"
			[ -f "$m" ] || continue
			set -- $(score "$m" "$metric")
			[ $# -eq 2 ] || continue
			scores="$scores $1"
			[ "$2" -gt "$epochs" ] && epochs=$2
		done
		wall=$(awk -v n="$name" '$1 == n { s += $4 } END { printf "%.0f", s }' "$out/times.txt")
		failed=$(awk -v n="$name" '$1 == n && $3 != "ok" { c++ } END { print c + 0 }' "$out/times.txt")
		if [ -z "$scores" ]; then
			echo "| $name | $metric | $book | - | - | - | - | $wall | all runs failed |"
			continue
		fi
		echo "$scores" | awk -v name="$name" -v metric="$metric" -v book="$book" \
			-v epochs="$epochs" -v wall="$wall" -v failed="$failed" '{
			best = $1; sum = 0
			for (i = 1; i <= NF; i++) { if ($i > best) best = $i; sum += $i }
			mark = best < book - 0.3 ? "**below**" : ""
			if (failed > 0) mark = mark " " failed " failed"
			m = metric == "peak" ? "peak" : "test at best validation"
			printf "| %s | %s | %.2f | %.2f | %.2f | %+.2f | %d | %s | %s |\n",
				name, m, book, best, sum / NF, best - book, epochs, wall, mark
		}'
	done
	echo
	echo "Total wall time: $(printf '%.0f' "$total") s."
} >"$report"
cat "$report"
echo "reproduce: total wall time $(printf '%.0f' "$total") s; report in $report" >&2
