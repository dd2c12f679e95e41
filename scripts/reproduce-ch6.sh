#!/bin/sh
# Reproduces the book's chapter-6 table (convolutional networks): each
# config in configs/book/ch6/ runs once per seed (SEEDS, default "1 2 3";
# the dropout row ENSEMBLE_SEEDS, default "1 2 3 4 5", whose five nets
# then vote), each as a sweep of one trial under runs/book/ch6/NAME/seed-N:
# one run at a time on every core, or with JOBS=N, N seeds of a row side
# by side on cores/N threads each. A sweep resumes where it stopped,
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

jobs=${JOBS:-1}
case $jobs in
'' | *[!0-9]* | 0) echo "reproduce-ch6: JOBS is '$jobs': expected a whole number from 1" >&2; exit 2 ;;
esac
if [ "$jobs" -gt 1 ] && [ -z "${NNLAB_THREADS:-}" ]; then
	NNLAB_THREADS=$(($(nproc) / jobs))
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
for row in $rows; do
	config=configs/book/ch6/$row.yaml
	[ -f "$config" ] || { echo "reproduce-ch6: no config '$config'" >&2; exit 2; }
	s=$seeds
	grep -q '^# ensemble:' "$config" && s=$ensemble_seeds
	running=0
	for seed in $s; do
		if [ "$jobs" -eq 1 ]; then
			run_seed "$config" "$row" "$seed"
			continue
		fi
		run_seed "$config" "$row" "$seed" &
		running=$((running + 1))
		if [ "$running" -eq "$jobs" ]; then
			wait
			running=0
		fi
	done
	wait
done

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
