#!/bin/sh
# The speed benchmark (make bench): trains three nets on the 50,000 MNIST
# training images and prints, per net, seconds per training epoch,
# GFLOP/s and their fraction of the machine's peak, evaluation seconds
# (10,000 test images, and 10,000 validation images for nnlab) and nnlab's
# peak memory. When Debian's python3-torch and python3-numpy are there
# (sh scripts/setup.sh python3-torch python3-numpy), the same nets in
# PyTorch (one thread, and every core) and numpy (scripts/bench/) run in
# turn with nnlab, ROUNDS times, and their time ratio to nnlab and test
# accuracy after the same epochs are printed.
#   ch1    [784, 30, 10] sigmoid, quadratic, eta 3.0, batch 10 (configs/nielsen-ch1.yaml)
#   ce100  [784, 100, 10] sigmoid, cross-entropy, eta 0.5 (configs/book/ch3-100-cross-entropy.yaml)
#   conv2  the book's two conv-pool sigmoid net (configs/book/ch6/2-two-conv-pool.yaml)
# Then the threads: the chapter-1, two-conv and dropout nets on 10,000
# training images, one epoch on 1 and on 2 threads in turn, on the quiet
# machine and beside one busy process that the script starts and stops,
# best of THREAD_ROUNDS (THREADS=0 skips this part).
# Usage: scripts/bench.sh [NNLAB]     (environment: ROUNDS (2), NETS, EPOCHS_DENSE (3), EPOCHS_CONV (1), THREADS (1), THREAD_ROUNDS (4))
set -eu

nnlab=${1:-build/release/nnlab}
rounds=${ROUNDS:-2}
nets=${NETS:-"ch1 ce100 conv2"}
out=$(mktemp -d "${TMPDIR:-/tmp}/nnlab-bench.XXXXXX")
trap 'rm -rf "$out"' EXIT
cores=$(nproc)
export NNLAB_MNIST_DIR="$PWD/data/mnist"
# The machine's single-precision peak on one core and on all, measured
# now by a register-resident multiply-add loop (scripts/bench-peak.c,
# which make bench builds), unless PEAK_GFLOPS_1 and PEAK_GFLOPS_ALL say.
peak=${PEAK:-build/release/bench-peak}
if [ -n "${PEAK_GFLOPS_1:-}" ] && [ -n "${PEAK_GFLOPS_ALL:-}" ]; then
	peak1=$PEAK_GFLOPS_1 peakn=$PEAK_GFLOPS_ALL peak_from="PEAK_GFLOPS_1 and PEAK_GFLOPS_ALL"
elif [ -x "$peak" ]; then
	set -- $("$peak")
	peak1=$1 peakn=$2 peak_from="measured now by scripts/bench-peak.c"
else
	echo "bench.sh: no $peak to measure the machine's peak: run make bench, or set PEAK_GFLOPS_1 and PEAK_GFLOPS_ALL" >&2
	exit 2
fi

config() { case $1 in
	ch1) echo configs/nielsen-ch1.yaml ;;
	ce100) echo configs/book/ch3-100-cross-entropy.yaml ;;
	conv2) echo configs/book/ch6/2-two-conv-pool.yaml ;;
	dropout) echo configs/book/ch6/6-dropout.yaml ;;
esac; }
# Multiply-adds times two per training image: forward, the weight
# gradients, and the input gradients of every layer but the first.
flops() { case $1 in
	ch1) echo 95880 ;;       # 2 * 23,820 * 2 + 2 * 300
	ce100) echo 319600 ;;    # 2 * 79,400 * 2 + 2 * 1,000
	conv2) echo 9222000 ;;   # conv 576,000 * 2 + 2,560,000 * 3, fc 128,000 * 3 + 2,000 * 3
esac; }
epochs() { case $1 in conv2) echo "${EPOCHS_CONV:-1}" ;; *) echo "${EPOCHS_DENSE:-3}" ;; esac; }
threads() { case $1 in conv2) echo "$cores" ;; *) echo 1 ;; esac; }

has_torch=0 has_numpy=0
py=python3
/usr/bin/python3 -c 'import numpy' 2>/dev/null && py=/usr/bin/python3
$py -c 'import torch' 2>/dev/null && has_torch=1
$py -c 'import numpy' 2>/dev/null && has_numpy=1

echo "nnlab bench: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $rounds rounds"
echo "multiply-add peak: $peak1 GFLOP/s on 1 thread, $peakn on $cores ($peak_from)"
[ $has_torch = 1 ] || echo "(PyTorch is not installed: sh scripts/setup.sh python3-torch python3-numpy to compare)"

# nnlab: one line per epoch in the format the peers print.
run_nnlab() { # net
	rm -rf "$out/run"
	summary=$("$nnlab" run "$(config "$1")" --set train.epochs="$(epochs "$1")" --set train.threads="$(threads "$1")" --set charts=false \
		--set monitor.eval_cost=false --out "$out/run" 2>/dev/null | tail -n 1)
	echo "$summary" | sed -n 's/.*peak memory \([0-9]*\) MB.*/\1/p' >"$out/peak"
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ printf "epoch %d train_seconds %s eval_seconds %s correct %d\n", $c["epoch"], $c["train_seconds"], $c["eval_seconds"], $c["eval_correct"] }' \
		"$out/run/metrics.csv"
}

for net in $nets; do
	: >"$out/$net.nnlab"; : >"$out/$net.torch1"; : >"$out/$net.torchn"; : >"$out/$net.numpy"
	r=0
	while [ $r -lt "$rounds" ]; do
		run_nnlab "$net" >>"$out/$net.nnlab"
		cp "$out/peak" "$out/$net.peak"
		if [ $has_torch = 1 ]; then
			(cd scripts/bench && $py torch_nets.py "$net" "$(epochs "$net")" 1) >>"$out/$net.torch1"
			[ "$cores" -gt 1 ] && (cd scripts/bench && $py torch_nets.py "$net" "$(epochs "$net")" "$cores") >>"$out/$net.torchn"
		fi
		[ $has_numpy = 1 ] && [ "$net" != conv2 ] && (cd scripts/bench && $py numpy_nets.py "$net" "$(epochs "$net")") >>"$out/$net.numpy"
		r=$((r + 1))
	done
	echo
	echo "$net: $(epochs "$net") epochs x $rounds rounds, $(flops "$net") flop per training image; nnlab on $(threads "$net") thread(s), peak memory $(cat "$out/$net.peak") MB"
	printf "  %-22s %10s %10s %9s %8s %10s %9s %9s\n" "" "train s" "best s" "GFLOP/s" "of peak" "eval s" "accuracy" "x nnlab"
	nnlab_best=$(awk '{ if (n == 0 || $4 < b) b = $4; n++ } END { print b }' "$out/$net.nnlab")
	for who in nnlab torch1 torchn numpy; do
		[ -s "$out/$net.$who" ] || continue
		case $who in
			nnlab) label="nnlab"; t=$(threads "$net") ;;
			torch1) label="PyTorch, 1 thread"; t=1 ;;
			torchn) label="PyTorch, $cores threads"; t=$cores ;;
			numpy) label="numpy"; t=1 ;;
		esac
		pk=$peak1; [ "$t" -gt 1 ] && pk=$peakn
		awk -v label="$label" -v f="$(flops "$net")" -v pk="$pk" -v base="$nnlab_best" '
		{ t = $4; e = $6; n++; ts += t; es += e; if (n == 1 || t < b) b = t; c = $8 }
		END {
			g = f * 50000 / b / 1e9
			printf "  %-22s %10.3f %10.3f %9.1f %7.0f%% %10.3f %8.2f%% %9.2f\n", label, ts / n, b, g, 100 * g / pk, es / n, c / 100, b / base
		}' "$out/$net.$who"
	done
done
echo
echo "train s: mean seconds per 50,000-image training epoch; best s: the fastest epoch, from which GFLOP/s,"
echo "the fraction of the peak ($peak1 GFLOP/s on one core, $peakn on $cores) and the ratio to nnlab come;"
echo "accuracy: the test accuracy after the last epoch of the last round."

[ "${THREADS:-1}" = 1 ] && [ "$cores" -gt 1 ] || exit 0
thread_rounds=${THREAD_ROUNDS:-4}

# One epoch of 10,000 images: its training seconds.
epoch_10k() { # net threads
	rm -rf "$out/run"
	"$nnlab" run "$(config "$1")" --set train.epochs=1 --set data.train_size=10000 --set data.validation_size=1000 \
		--set data.expand=false --set train.threads="$2" --set charts=false --set monitor.eval_cost=false \
		--out "$out/run" >/dev/null 2>&1
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { print $c["train_seconds"] }' "$out/run/metrics.csv"
}

# Rounds of 1 and 2 threads in turn, so that the machine's drift (this
# kind of virtual machine runs 10-40% slower for minutes at a time) falls
# on both: prints the best of each, "ONE TWO".
best_10k() { # net
	r=0
	while [ $r -lt "$thread_rounds" ]; do
		echo "1 $(epoch_10k "$1" 1)"
		echo "2 $(epoch_10k "$1" 2)"
		r=$((r + 1))
	done | awk '!($1 in best) || $2 < best[$1] { best[$1] = $2 } END { print best[1], best[2] }'
}

busy_pid=""
trap 'rm -rf "$out"; [ -z "$busy_pid" ] || kill "$busy_pid" 2>/dev/null' EXIT
echo
echo "threads: seconds per epoch of 10,000 training images, best of $thread_rounds rounds of 1 and 2 threads in turn; 2 / 1 is the time on 2 threads over the time on 1"
printf "  %-8s %9s %9s %7s   %9s %9s %7s\n" "" "quiet, 1" "quiet, 2" "2 / 1" "busy, 1" "busy, 2" "2 / 1"
for net in ch1 conv2 dropout; do
	set -- $(best_10k $net)
	q1=$1 q2=$2
	$py -c 'while 1: pass' &
	busy_pid=$!
	set -- $(best_10k $net)
	b1=$1 b2=$2
	kill "$busy_pid"; wait "$busy_pid" 2>/dev/null || true; busy_pid=""
	awk -v n=$net -v q1="$q1" -v q2="$q2" -v b1="$b1" -v b2="$b2" \
		'BEGIN { printf "  %-8s %9.3f %9.3f %7.2f   %9.3f %9.3f %7.2f\n", n, q1, q2, q2 / q1, b1, b2, b2 / b1 }'
done
echo "busy: beside one process that spins on a core ($py -c 'while 1: pass'), as a browser or a second run would."
