#!/bin/sh
# Reproduces the book's chapter-6 table (convolutional networks): each
# config in configs/book/ch6/ runs once per seed (SEEDS, default "1 2 3";
# the dropout row ENSEMBLE_SEEDS, default "1 2 3 4 5", whose five nets
# then vote), each as a sweep of one trial under runs/book/ch6/NAME/seed-N.
# The runs of all rows form one queue, the longest first (the dropout
# row's, then those on the expanded data, then the rest), which JOBS
# slots take from as they come free, each run on cores/JOBS threads:
# JOBS is the number of cores by default (at most 4), as runs side by
# side on a thread each do more in an hour than one run on every core;
# JOBS=1 runs one at a time on every core. A sweep resumes where it stopped,
# so running this again after an interruption (or with more seeds)
# finishes the table without redoing a done run. Writes
# runs/book/REPORT-ch6.md (REPORT_ONLY=1: only that, from the runs made).
# Usage: scripts/reproduce-ch6.sh [NNLAB] [ROW...]   (ROW: a config's base name)
set -eu

nnlab=${1:-build/release/nnlab}
[ $# -gt 0 ] && shift
seeds=${SEEDS:-"1 2 3"}
ensemble_seeds=${ENSEMBLE_SEEDS:-"1 2 3 4 5"}
out=runs/book/ch6
mkdir -p "$out"
rows=${*:-$(for c in configs/book/ch6/*.yaml; do basename "$c" .yaml; done)}

cores=$(nproc)
jobs=${JOBS:-$((cores < 4 ? cores : 4))}
case $jobs in
'' | *[!0-9]* | 0) echo "reproduce-ch6: JOBS is '$jobs': expected a whole number from 1" >&2; exit 2 ;;
esac
if [ "$jobs" -gt 1 ] && [ -z "${NNLAB_THREADS:-}" ]; then
	NNLAB_THREADS=$((cores / jobs))
	[ "$NNLAB_THREADS" -ge 1 ] || NNLAB_THREADS=1
	export NNLAB_THREADS
fi

# One seed's run; a failed run is in the report, and the others still run.
run_seed() { # config row seed
	echo "reproduce-ch6: $2, seed $3" >&2
	"$nnlab" sweep "$1" --out "$out/$2/seed-$3" -j 1 --set "sweep={grid: {seed: [$3]}}" ||
		echo "reproduce-ch6: $2 seed $3 failed (see $out/$2/seed-$3/results.csv)" >&2
}

[ "${REPORT_ONLY:-0}" = 1 ] && rows=""
# The queue, a line "CONFIG ROW SEED" per run, longest first: rows that
# vote (the dropout net, the most work an epoch), then rows on the
# expanded data (five times the images), then the others.
queue=$(mktemp "${TMPDIR:-/tmp}/reproduce-ch6.XXXXXX")
claims=$queue.claims
trap 'rm -rf "$queue" "$claims"' EXIT
mkdir "$claims"
for pass in vote expanded other; do
	for row in $rows; do
		config=configs/book/ch6/$row.yaml
		[ -f "$config" ] || { echo "reproduce-ch6: no config '$config'" >&2; exit 2; }
		kind=other
		grep -q '^ *expand: *true' "$config" && kind=expanded
		grep -q '^# ensemble:' "$config" && kind=vote
		[ "$kind" = "$pass" ] || continue
		s=$seeds
		[ "$kind" = vote ] && s=$ensemble_seeds
		for seed in $s; do
			echo "$config $row $seed" >>"$queue"
		done
	done
done

# A slot: takes the queue's runs in order, each that no other slot has
# claimed (mkdir is the claim: it succeeds for one slot only).
slot() {
	n=0
	while read -r config row seed; do
		n=$((n + 1))
		mkdir "$claims/$n" 2>/dev/null || continue
		run_seed "$config" "$row" "$seed"
	done <"$queue"
}
i=0
while [ "$i" -lt "$jobs" ]; do
	slot &
	i=$((i + 1))
done
wait

# How a run (a trial directory) ended: done, stopped, ...; nothing while
# it has no result file (still going, or killed).
outcome() { # trial directory
	[ ! -f "$1/result" ] || sed -n 's/^outcome: *//p' "$1/result"
}

# The references (the book's numbers, from the configs' comments) and the
# dropout row's vote: the plurality vote of its first five finished nets
# (each run's best.json, which the configs' monitor.ties: last makes the
# epoch the table scores), with the vote's mistakes drawn.
refs=""
for c in configs/book/ch6/*.yaml; do
	row=$(basename "$c" .yaml)
	refs="$refs --reference $row=$(sed -n 's/^# book: *//p' "$c")"
	ens=$(sed -n 's/^# ensemble: *\([0-9.]*\).*/\1/p' "$c")
	[ -n "$ens" ] || continue
	refs="$refs --reference $row/vote=$ens"
	done_dirs=""
	for d in "$out/$row"/seed-*/trials/*; do
		[ "$(outcome "$d")" = done ] && done_dirs="$done_dirs ${d%/trials/*}"
	done
	set -- $done_dirs
	if [ $# -ge 2 ]; then
		rm -rf "$out/$row/vote"
		"$nnlab" eval $(echo $done_dirs | tr ' ' '\n' | head -n 5) "$c" --out "$out/$row/vote" >/dev/null 2>&1 ||
			echo "reproduce-ch6: the vote of $row failed" >&2
	fi
done

report=runs/book/REPORT-ch6.md
{
	echo "# nnlab and the book's chapter-6 table"
	echo
	echo "Made by \`make reproduce-ch6\` on $(date -u +%Y-%m-%d), on $(nproc) cores of"
	echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); the threads each run trained on are under *Runs*."
	echo "*reference* is the book's number. Each score is the test accuracy at the epoch of best validation"
	echo "accuracy (network3.py's rule, which the configs set with monitor.ties: last: a later epoch that"
	echo "ties the best validation accuracy replaces it); *best* and *mean* are over the seeds that finished."
	echo "Rows more than 0.3 points below the book are marked **below**. Written by"
	echo "\`nnlab report --table $out\` with the references."
	echo
	# shellcheck disable=SC2086
	"$nnlab" report --table "$out" $refs
} >"$report"
cat "$report"
