#!/bin/sh
# check-build-id.sh - a sweep after a change to a model runs again.
#
# Every run's key holds the usnsim version, which for a tree with changes
# holds a hash of the sources (Makefile, VERSION). This clones the
# repository, changes a model's source (a comment line: a build with
# changes, as a researcher's is), sweeps a small study, changes the source
# again, rebuilds and sweeps into the same database: the runs of the second
# build must run, not be taken from the first build's results, although
# `git describe` says "-dirty" for both. Run from the repository root; it
# builds usnsim twice in a temporary clone.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git clone -q . "$tmp/src"
cd "$tmp/src"
study="tests/fixtures/sweep-12.yaml --shard 1/12 -j 1 --db $tmp/r.db"
echo "/* a change */" >>models/sink.c
make -s -j2 build/usnsim >/dev/null
build/usnsim sweep $study --quiet
first=$(build/usnsim --version)
echo "/* another change */" >>models/sink.c
make -s -j2 build/usnsim >/dev/null
second=$(build/usnsim --version)
out=$(build/usnsim sweep $study)
echo "$first -> $second: $out"
[ "$first" != "$second" ] || { echo "FAIL: the version did not change" >&2; exit 1; }
echo "$out" | grep -q ': ran 3 in ' ||
	{ echo "FAIL: the changed build did not run its runs" >&2; exit 1; }
n=$(sqlite3 "$tmp/r.db" "SELECT count(DISTINCT version) FROM runs")
[ "$n" = 2 ] || { echo "FAIL: $n versions in the database" >&2; exit 1; }
echo "check-build-id: a changed build runs again"
