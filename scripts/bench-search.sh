#!/bin/sh
# Search benchmark (make bench-search): one search problem on MNIST, a
# [784, H, 10] net (H int 10..200, eta log-uniform 0.01..10, L2
# log-uniform 0.001..10, mini-batch 10/20/50/100, init large/scaled, cost
# quadratic/cross-entropy) trained on 10,000 images for up to 10 epochs
# per trial, scored on 10,000 validation images, the objective the best
# validation accuracy; a budget of BUDGET epochs (300) per search. Over
# SEEDS search seeds (1 2 3 4 5) it runs
#   random   nnlab's random search, 30 trials of 10 epochs
#   tpe      nnlab's TPE (search: tpe, 10 random first), 30 trials
#   asha     nnlab's random search with ASHA (min_epochs 1, reduction 3),
#            trials until the budget is spent
#   optuna   Debian's python3-optuna TPESampler calling `nnlab run` per
#            trial (scripts/bench/optuna_search.py), 30 trials
# each sweep with -j 1, two searches at a time, and prints per method the
# median and range over the seeds of the best validation accuracy found
# within the budget (trials in the order they ran, counting each one's
# epochs), the epochs spent, the wall seconds, and the epochs spent when
# the best first reached TARGET (96.0%) and when it first reached random
# search's median best ("-" when it did not). The trials of every method
# share one decoded copy of MNIST (NNLAB_DATA_CACHE).
# Usage: scripts/bench-search.sh [NNLAB]   (environment: SEEDS, BUDGET, TARGET, METHODS)
set -eu

nnlab=$(cd "$(dirname "${1:-build/release/nnlab}")" && pwd)/$(basename "${1:-build/release/nnlab}")
seeds=${SEEDS:-"1 2 3 4 5"}
budget=${BUDGET:-300}
target=${TARGET:-96.0}
methods=${METHODS:-"random tpe asha optuna"}
out=$(mktemp -d "${TMPDIR:-/tmp}/nnlab-bench-search.XXXXXX")
trap 'rm -rf "$out"' EXIT
export NNLAB_DATA_CACHE="$out/data-cache"
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
if ! $py -c 'import optuna' 2>/dev/null; then
	echo "bench-search: python3-optuna is not installed (sh scripts/setup.sh python3-optuna): the optuna row is left out" >&2
	methods=$(echo "$methods" | sed 's/optuna//')
fi

# The base config, with a sweep section of the method's own.
config() { # method seed file
	trials=$((budget / 10))
	search=random
	prune=""
	case $1 in
	tpe) search=tpe ;;
	asha) trials=$((budget * 4 / 10)); prune="  prune: {asha: {min_epochs: 1, reduction: 3}}" ;;
	esac
	cat >"$3" <<EOC
name: bench-search
charts: false
data:
  plugin: mnist
  options:
    dir: $PWD/data/mnist
  train_size: 10000
  validation_size: 10000
  eval: validation
model:
  layers: [784, 30, 10]
train:
  epochs: 10
  batch_size: 10
monitor:
  eval_cost: false
sweep:
  random:
    trials: $trials
    seed: $2
    search: $search
    startup: 10
    params:
      model.layers.1: {int: [10, 200]}
      train.eta: {log_uniform: [0.01, 10]}
      train.l2: {log_uniform: [0.001, 10]}
      train.batch_size: {choice: [10, 20, 50, 100]}
      model.init: {choice: [large, scaled]}
      train.cost: {choice: [quadratic, cross_entropy]}
  objective: {metric: eval_accuracy, goal: max}
$prune
EOC
}

# One search: writes "epochs best" per trial, in the order they ran, to
# $out/METHOD-SEED.trials and its wall seconds to .seconds.
search() { # method seed
	d=$out/$1-$2
	config "$1" "$2" "$d.yaml"
	start=$(date +%s.%N)
	if [ "$1" = optuna ]; then
		(cd scripts/bench && $py optuna_search.py "$nnlab" "$d.yaml" "$2" $((budget / 10)) "$d") |
			awk '{ print $4, ($6 == "nan" ? "" : 100 * $6) }' >"$d.trials"
	else
		"$nnlab" sweep "$d.yaml" --out "$d" -j 1 >/dev/null 2>&1 || true
		awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
			{ print $c["epochs"], ($c["best_eval_accuracy"] == "" ? "" : 100 * $c["best_eval_accuracy"]) }' \
			"$d/results.csv" >"$d.trials"
	fi
	awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "%.1f\n", a - b }' >"$d.seconds"
}

# Within the budget: the best found, the epochs spent, the epochs when the
# best first reached the target and the level.
score() { # trials-file level
	awk -v budget="$budget" -v target="$target" -v level="$2" '
	{ if (spent + $1 > budget) exit; spent += $1; if ($2 != "" && $2 > best) best = $2
	  if (reach == "" && best >= target) reach = spent
	  if (lreach == "" && best >= level) lreach = spent }
	END { printf "%.2f %d %s %s\n", best, spent, reach == "" ? "-" : reach, lreach == "" ? "-" : lreach }' "$1"
}

# The median of the numbers on stdin ("-" for none).
median() {
	sort -n | awk '{ v[NR] = $1 } END { if (!NR) print "-"; else print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "nnlab bench-search: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); seeds: $seeds; budget $budget epochs; target $target%"
for m in $methods; do
	set -- $seeds
	while [ $# -gt 0 ]; do
		search "$m" "$1" &
		if [ $# -gt 1 ]; then
			search "$m" "$2" &
			shift
		fi
		shift
		wait
	done
done

# Random search's median best: the level the others are timed to.
level=999
case " $methods " in *" random "*)
	level=$(for s in $seeds; do score "$out/random-$s.trials" 999 | cut -d' ' -f1; done | median) ;;
esac

echo
printf "  %-8s %11s %13s %7s %7s %17s %17s\n" "" "best median" "best range" "epochs" "wall s" "epochs to $target%" "epochs to $level%"
for m in $methods; do
	for s in $seeds; do
		echo "$(score "$out/$m-$s.trials" "$level") $(cat "$out/$m-$s.seconds")"
	done >"$out/$m.scores"
	best=$(cut -d' ' -f1 "$out/$m.scores" | median)
	lo=$(cut -d' ' -f1 "$out/$m.scores" | sort -n | head -n 1)
	hi=$(cut -d' ' -f1 "$out/$m.scores" | sort -n | tail -n 1)
	reach=$(cut -d' ' -f3 "$out/$m.scores" | grep -v -- - | median)
	nreach=$(cut -d' ' -f3 "$out/$m.scores" | grep -cv -- -) || true
	lreach=$(cut -d' ' -f4 "$out/$m.scores" | grep -v -- - | median)
	nlreach=$(cut -d' ' -f4 "$out/$m.scores" | grep -cv -- -) || true
	awk -v m="$m" -v best="$best" -v lo="$lo" -v hi="$hi" -v r="$reach" -v nr="$nreach" -v l="$lreach" -v nl="$nlreach" \
		-v n="$(wc -l <"$out/$m.scores")" '
		{ ep += $2; wall += $5 }
		END { printf "  %-8s %11.2f %6.2f-%-6.2f %7.0f %7.0f %11s (%d/%d) %11s (%d/%d)\n", m, best, lo, hi, ep / n, wall / n, r, nr, n, l, nl, n }' \
		"$out/$m.scores"
done
echo
echo "best: the best validation accuracy (%) found within the budget, trials counted in the order they ran;"
echo "epochs, wall s: per search, means over the seeds; epochs to X%: the median over the seeds whose best got"
echo "there (how many did), $level% being random search's median best."
