#!/bin/sh
# The chapter-1 benchmark: trains configs/nielsen-ch1.yaml for a few epochs
# and prints the measured seconds per training epoch, evaluation seconds
# and peak memory.
# Usage: scripts/bench.sh [NNLAB] [EPOCHS] [CONFIG]
set -eu

nnlab=${1:-build/release/nnlab}
epochs=${2:-5}
config=${3:-configs/nielsen-ch1.yaml}
out=$(mktemp -d "${TMPDIR:-/tmp}/nnlab-bench.XXXXXX")
trap 'rm -rf "$out"' EXIT

summary=$("$nnlab" run "$config" --set train.epochs="$epochs" --out "$out/run" | tail -n 1)
peak=$(echo "$summary" | sed -n 's/.*peak memory \([0-9]*\) MB.*/\1/p')

echo "nnlab bench: $config, $epochs epochs, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
awk -F, -v peak="$peak" '
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
	t = $col["train_seconds"]; e = $col["eval_seconds"]
	n++; ts += t; es += e
	if (n == 1 || t < tmin) tmin = t
	if (n == 1 || e < emin) emin = e
	printf "  epoch %d: train %.3f s, eval %.3f s, %d / %d\n", $col["epoch"], t, e, $col["eval_correct"], $col["eval_total"]
}
END {
	printf "train seconds per epoch: mean %.3f, best %.3f\n", ts / n, tmin
	printf "eval seconds per epoch:  mean %.3f, best %.3f\n", es / n, emin
	printf "peak memory (RSS): %s MB\n", peak
}' "$out/run/metrics.csv"
