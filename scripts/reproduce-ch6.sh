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

# network3.py's score: the test accuracy at the last epoch of best
# validation accuracy (it keeps a later epoch that ties the best; the
# configs' monitor.ties: last, so best.json and the vote agree), that
# epoch (as metrics.csv numbers it), the epochs run and the seconds the
# epochs took (their sum: training and scoring, without loading the data).
score() { # metrics.csv
	awk -F, '
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{
		v = $col["validation_correct"]
		if (n == 0 || v >= bestv) { bestv = v; best = 100 * $col["eval_correct"] / $col["eval_total"]; at = $col["epoch"] }
		n++; secs += $col["seconds"]
	}
	END { if (n) printf "%.2f %d %d %.0f\n", best, at, n, secs }' "$1"
}

# How a run (a trial directory) ended: done, stopped, ...; nothing while
# it has no result file (still going, or killed).
outcome() { # trial directory
	[ ! -f "$1/result" ] || sed -n 's/^outcome: *//p' "$1/result"
}

# The threads a run trained on, from its resolved config.
threads() { # config.yaml
	sed -n 's/^  threads: *//p' "$1"
}

report=runs/book/REPORT-ch6.md
{
	echo "# nnlab and the book's chapter-6 table"
	echo
	echo "Made by \`make reproduce-ch6\` on $(date -u +%Y-%m-%d), on $(nproc) cores of"
	echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); the threads each run trained on are under *Runs*."
	echo "Each number is the test accuracy at the epoch of best validation accuracy (network3.py's rule:"
	echo "a later epoch that ties the best validation accuracy replaces it); *best* and *mean* are over"
	echo "the seeds that finished. Rows more than 0.3 points below the book are marked **below**."
	echo
	echo "| row | book | nnlab best | nnlab mean | best - book | seeds done | epochs | epochs' s per run | |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
	for c in configs/book/ch6/*.yaml; do
		row=$(basename "$c" .yaml)
		book=$(sed -n 's/^# book: *//p' "$c")
		scores="" epochs=0 wall=0 n=0 done_dirs=""
		for m in "$out/$row"/seed-*/trials/*/metrics.csv; do
			[ -f "$m" ] || continue
			[ "$(outcome "${m%/metrics.csv}")" = done ] || continue
			set -- $(score "$m")
			[ $# -eq 4 ] || continue
			scores="$scores $1"; epochs=$3; wall=$((wall + $4)); n=$((n + 1))
			done_dirs="$done_dirs ${m%/trials/*}"
		done
		ens=$(sed -n 's/^# ensemble: *\([0-9.]*\).*/\1/p' "$c")
		if [ -z "$scores" ]; then
			echo "| $row | $book | not yet run | | | 0 | | | |"
			[ -n "$ens" ] && echo "| $row, vote of 5 | $ens | not yet run | | | 0 | | | |"
			continue
		fi
		echo "$scores" | awk -v row="$row" -v book="$book" -v epochs="$epochs" -v wall="$wall" -v n="$n" '{
			best = $1; sum = 0
			for (i = 1; i <= NF; i++) { if ($i > best) best = $i; sum += $i }
			printf "| %s | %.2f | %.2f | %.2f | %+.2f | %d | %d | %.0f | %s |\n", row, book, best,
				sum / NF, best - book, n, epochs, wall / n, best < book - 0.3 ? "**below**" : ""
		}'
		# The ensemble: the plurality vote of the row's first five finished
		# nets (each run's best.json), with the vote's mistakes drawn.
		if [ -n "$ens" ]; then
			if [ "$n" -ge 2 ]; then
				vote=""
				if "$nnlab" eval $(echo $done_dirs | tr ' ' '\n' | head -n 5) "$c" --out "$out/$row/vote" \
					>/dev/null 2>&1; then
					vote=$(awk -F, '$1 == "vote" { printf "%d %.2f\n", NR - 2, 100 * $3 / $4 }' "$out/$row/vote/eval.csv")
				fi
				set -- $vote
				echo "| $row, vote of ${1:-?} | $ens | ${2:--} | | ${2:+$(awk -v a="$2" -v b="$ens" 'BEGIN { printf "%+.2f", a - b }')} | | | | |"
			else
				echo "| $row, vote of 5 | $ens | not yet run | | | $n | | | |"
			fi
		fi
	done
	echo
	echo "## Runs"
	echo
	echo "| row | seed | outcome | test accuracy | at epoch | epochs | epochs' s | threads |"
	echo "|---|---:|---|---:|---:|---:|---:|---:|"
	for c in configs/book/ch6/*.yaml; do
		row=$(basename "$c" .yaml)
		for d in "$out/$row"/seed-*/trials/*; do
			[ -f "$d/metrics.csv" ] || continue
			seed=${d%/trials/*}; seed=${seed##*/seed-}
			ended=$(outcome "$d")
			set -- $(score "$d/metrics.csv") "" "" "" ""
			echo "| $row | $seed | ${ended:-unfinished} | $1 | $2 | $3 | $4 | $(threads "$d/config.yaml") |"
		done
	done
} >"$report"
cat "$report"
