#!/bin/sh
# Installs the Debian packages usnsim needs, and only those missing.
# Idempotent: does nothing (not even apt-get update) when all are present.
set -e
PKGS="build-essential pkg-config git libyaml-dev libsqlite3-dev sqlite3 libgsl-dev libcunit1-dev gnuplot-nox libns3-dev parallel libpcap-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "usnsim: installing Debian packages:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y $missing
