#!/bin/sh
# Writes a small CSV example for configs/csv-example.yaml: 600 points of
# three named colours in four numeric features (a header row, string
# labels, a quoted field), generated with a fixed seed, so the CSV plugin
# can be tried with no download.
# Usage: scripts/make-csv-example.sh [FILE]   (default data/csv/colours.csv)
set -eu

out=${1:-data/csv/colours.csv}
mkdir -p "$(dirname "$out")"
tmp="$out.part.$$"
trap 'rm -f "$tmp"' EXIT INT TERM
awk 'BEGIN {
	srand(7)
	print "hue,saturation,\"value, scaled\",size,colour"
	split("red green blue", name, " ")
	for (i = 0; i < 600; i++) {
		c = i % 3 + 1
		# Box-Muller for Gaussian clusters around a centre per class
		u = rand(); v = rand(); if (u < 1e-12) u = 1e-12
		g1 = sqrt(-2 * log(u)) * cos(6.283185307 * v)
		g2 = sqrt(-2 * log(u)) * sin(6.283185307 * v)
		u = rand(); v = rand(); if (u < 1e-12) u = 1e-12
		g3 = sqrt(-2 * log(u)) * cos(6.283185307 * v)
		g4 = sqrt(-2 * log(u)) * sin(6.283185307 * v)
		printf "%.2f,%.3f,%.1f,%.2f,%s\n", 120 * (c - 1) + 25 * g1, 0.6 + 0.15 * g2, \
			50 * c + 30 * g3, 10 + 3 * g4, name[c]
	}
}' >"$tmp"
mv -f "$tmp" "$out"
trap - EXIT INT TERM
echo "make-csv-example: wrote $out" >&2
