#!/bin/bash
# make figures: the book's MNIST figures (chapters 3 and 5), from the
# configs in configs/figures/, run two at a time into runs/figures/ and
# drawn there by nnlab plot (PNG, SVG, the .gp script and its data), with
# runs/figures/FIGURES.md showing every image, its settings, its key
# numbers beside the book's and the wall time. Run it again after an
# interruption: finished runs are kept (sweeps resume, single runs are
# skipped when their outcome file says done and their config has not
# changed since).
set -eu
cd "$(dirname "$0")/.."
NNLAB=${NNLAB:-build/release/nnlab}
OUT=runs/figures
JOBS=${JOBS:-2}
mkdir -p "$OUT"
start=$(date +%s)

# Runs a job in the background once fewer than JOBS are running; the job
# writes its wall seconds into $OUT/NAME.seconds.
spawn() {
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || exit 1; done
	"$@" &
}

# Progress on the console: each run as it starts and ends, how many of
# the runs have ended, the time so far and, if the rest take as long as
# those so far, the time left.
TOTAL=19
PROGRESS=$(mktemp "${TMPDIR:-/tmp}/nnlab-figures.XXXXXX")
trap 'rm -f "$PROGRESS"' EXIT
ended() {
	echo "$1" >> "$PROGRESS"
	local n elapsed
	n=$(wc -l < "$PROGRESS")
	elapsed=$(($(date +%s) - start))
	echo "figures: $1 $2; $n of $TOTAL runs ended, ${elapsed} s so far$([ "$n" -lt "$TOTAL" ] &&
		echo ", about $((elapsed * (TOTAL - n) / n)) s left at that pace")"
}

timed() {
	local name=$1
	shift
	local t0
	t0=$(date +%s)
	echo "figures: $name started"
	"$@"
	echo $(($(date +%s) - t0)) > "$OUT/$name.seconds"
	ended "$name" "done in $(cat "$OUT/$name.seconds") s"
}

sweep() {
	timed "$1" "$NNLAB" sweep "configs/figures/$1.yaml" --out "$OUT/$1" -j 1 --quiet
}

# run NAME DIR [--set ...]: one run, skipped when it already finished
# after its config last changed.
run() {
	local name=$1 dir=$2
	shift 2
	if grep -qs '^outcome: done$' "$dir.result" &&
	   [ "$dir/config.yaml" -nt "configs/figures/$name.yaml" ]; then
		ended "$(basename "$dir")" "kept from an earlier make figures"
		return 0
	fi
	timed "$(basename "$dir")" "$NNLAB" run "configs/figures/$name.yaml" --out "$dir" \
		--result "$dir.result" --quiet "$@"
}

spawn sweep learning-rates
for f in overfitting-1000 overfitting-50000 regularized-1000 regularized-50000 \
	 learning-speed-2 learning-speed-3 learning-speed-4; do
	spawn run "$f" "$OUT/$f"
done
spawn sweep weight-init-30
spawn sweep weight-init-100
mkdir -p "$OUT/more-data"
for size in 100 200 500 1000 2000 5000 10000 20000 50000; do
	epochs=$((1500000 / size))
	l2=$(awk -v s="$size" 'BEGIN { printf "%g", s * 0.0001 }')
	spawn run more-data "$OUT/more-data/$size" --set "data.train_size=$size" \
		--set "train.l2=$l2" --set "train.epochs=$epochs" --set "monitor.every=$epochs" \
		--set "name=size $size"
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n || exit 1; done

# --- the charts -------------------------------------------------------------
echo "figures: drawing the charts"
plot() {
	"$NNLAB" plot "$@" > /dev/null
}
plot "$OUT/learning-rates/trials" --metric train_cost -o "$OUT/learning-rates" \
	--title "Training cost per epoch for three learning rates (lambda 5, 30 epochs)"
for r in overfitting-1000 regularized-1000; do
	plot "$OUT/$r" --metric train_cost --from 200 -o "$OUT/$r-train-cost" \
		--title "$r: cost on the training data, from epoch 200"
	plot "$OUT/$r" --metric eval_accuracy --from 200 -o "$OUT/$r-test-accuracy" \
		--title "$r: accuracy (%) on the test data, from epoch 200"
	plot "$OUT/$r" --metric eval_cost -o "$OUT/$r-test-cost" \
		--title "$r: cost on the test data"
	plot "$OUT/$r" --metric train_accuracy -o "$OUT/$r-train-accuracy" \
		--title "$r: accuracy (%) on the training data"
done
for r in overfitting-1000 overfitting-50000 regularized-1000 regularized-50000; do
	plot "$OUT/$r" --metric train_accuracy,eval_accuracy -o "$OUT/$r-accuracy" \
		--title "$r: accuracy (%) on the training and the test data"
done
for h in 30 100; do
	plot "$OUT/weight-init-$h/trials" --metric eval_accuracy -o "$OUT/weight-init-$h" \
		--title "[784, $h, 10]: validation accuracy (%), old (large) and new (scaled) initialisation"
done
plot "$OUT/more-data" --x data.train_size --final --metric eval_accuracy --yrange 60:100 -o "$OUT/more-data-linear" \
	--title "Validation accuracy (%) against the training-set size"
plot "$OUT/more-data" --x data.train_size --final --metric eval_accuracy --yrange 60:100 --logx -o "$OUT/more-data-log" \
	--title "Validation accuracy (%) against the training-set size (log scale)"
for n in 2 3 4; do
	plot "$OUT/learning-speed-$n" --metric 'grad_norm_hidden*' --log -o "$OUT/learning-speed-$n" \
		--title "Speed of learning: $n hidden layers (norm of each layer's bias gradient)"
done

# --- FIGURES.md ---------------------------------------------------------------
# col FILE NAME: the values of column NAME of a CSV, one per line.
col() {
	awk -F, -v want="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == want) c = i; next }
		c { print $c }' "$1"
}
# peak FILE COLUMN: "value epoch" of the first highest value.
peak() {
	awk -F, -v want="$2" 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == want) c = i; if ($i == "epoch") e = i }; next }
		c && $c != "" && (best == "" || $c > best) { best = $c; at = $e }
		END { printf "%.2f%% at epoch %s", 100 * best, at }' "$1"
}
secs() {
	cat "$OUT/$1.seconds" 2> /dev/null || echo "?"
}
img() {
	echo "![$1]($1.png)"
	echo
}
{
	echo "# The book's MNIST figures, drawn by nnlab"
	echo
	echo "Made by \`make figures\` (scripts/figures.sh) on $(date -u +%Y-%m-%d) in $(($(date +%s) - start)) s of wall time"
	echo "for this invocation (runs kept from an earlier one are not timed again). Each figure's config is in"
	echo "configs/figures/; every chart has its .gp script and data beside it."
	echo
	echo "| figure | nnlab | the book |"
	echo "|---|---:|---:|"
	echo "| overfitting-1000: peak test accuracy | $(peak "$OUT/overfitting-1000/metrics.csv" eval_accuracy) | 82.27% near epoch 280 |"
	echo "| regularized-1000: peak test accuracy | $(peak "$OUT/regularized-1000/metrics.csv" eval_accuracy) | 87.10% |"
	echo "| regularized-50000: peak test accuracy | $(peak "$OUT/regularized-50000/metrics.csv" eval_accuracy) | 96.49% |"
	echo "| learning-speed-4: the hidden layers' initial gradient norms | $(tail -n +2 "$OUT/learning-speed-4/initial_gradient_norms.csv" | cut -d, -f2 | awk '{ printf "%s%.3g", (NR > 1 ? " / " : ""), $1 }') | 0.003 / 0.017 / 0.070 / 0.285 |"
	echo
	echo "## 1. Learning rates (chapter 3, choosing hyper-parameters)"
	echo
	echo "configs/figures/learning-rates.yaml: [784, 30, 10], cross-entropy, lambda 5, 30 epochs, eta 0.025 / 0.25 / 2.5. Wall time $(secs learning-rates) s."
	echo
	img learning-rates
	for r in overfitting-1000 regularized-1000; do
		echo "## $r (chapter 3)"
		echo
		echo "configs/figures/$r.yaml: the first 1,000 training images, 400 epochs, eta 0.5. Peak test accuracy $(peak "$OUT/$r/metrics.csv" eval_accuracy) (the book: $([ $r = overfitting-1000 ] && echo '82.27% near epoch 280' || echo '87.10%')). Wall time $(secs $r) s."
		echo
		for p in train-cost test-accuracy test-cost train-accuracy accuracy; do img "$r-$p"; done
	done
	for r in overfitting-50000 regularized-50000; do
		echo "## $r (chapter 3)"
		echo
		echo "configs/figures/$r.yaml: all 50,000 training images, 30 epochs. Peak test accuracy $(peak "$OUT/$r/metrics.csv" eval_accuracy)$([ $r = regularized-50000 ] && echo ' (the book: 96.49%)'). Wall time $(secs $r) s."
		echo
		img "$r-accuracy"
	done
	echo "## Weight initialisation (chapter 3)"
	echo
	echo "configs/figures/weight-init-30.yaml and weight-init-100.yaml: eta 0.1, lambda 5, 30 epochs, validation accuracy. Wall times $(secs weight-init-30) s and $(secs weight-init-100) s."
	echo
	img weight-init-30
	img weight-init-100
	echo "## More training data (chapter 3)"
	echo
	echo "configs/figures/more-data.yaml, once per size: lambda = size * 0.0001, 1,500,000 / size epochs, the validation accuracy after the last epoch."
	echo
	echo "| training images | validation accuracy | wall time (s) |"
	echo "|---:|---:|---:|"
	for size in 100 200 500 1000 2000 5000 10000 20000 50000; do
		acc=$(col "$OUT/more-data/$size/metrics.csv" eval_accuracy | tail -n 1)
		echo "| $size | $(awk -v a="$acc" 'BEGIN { printf "%.2f%%", 100 * a }') | $(secs "$size") |"
	done
	echo
	img more-data-linear
	img more-data-log
	echo "## Learning speed of hidden layers (chapter 5)"
	echo
	echo "configs/figures/learning-speed-{2,3,4}.yaml: the first 1,000 training images, mini-batch 1,000, eta 0.1, lambda 5, 500 epochs."
	echo
	for n in 2 3 4; do
		echo "$n hidden layers, before training: $(tail -n +2 "$OUT/learning-speed-$n/initial_gradient_norms.csv" | tr '\n' ' '). Wall time $(secs learning-speed-$n) s."
		echo
		img "learning-speed-$n"
		img "learning-speed-$n/initial-gradients"
	done
} > "$OUT/FIGURES.md"
echo "figures: $OUT/FIGURES.md, $(($(date +%s) - start)) s"
