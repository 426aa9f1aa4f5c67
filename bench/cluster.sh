#!/bin/sh
# cluster.sh: speed and memory of local clustering at 10k, 100k and 1M
# synthetic keywords (bench/gen-keywords.py), each against a baseline
# measured in the same run on the same input: the tokenising pass alone.
# Prints wall and CPU seconds, peak RSS, and "clustering costs X times
# tokenising".  Outputs live in build/bench (ignored by git).
# Usage: bench/cluster.sh [sizes...]   (default: 10000 100000 1000000)
# Environment: THREADS (default 2), BIN (the bench driver).
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bench/cluster-local}
THREADS=${THREADS:-2}
OUT=build/bench
mkdir -p "$OUT"
[ -x "$BIN" ] || { echo "cluster.sh: build $BIN first (make -f Makefile -f bench/bench.mk bench-cluster-build)" >&2; exit 1; }
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
printf '%-8s %9s %9s %9s %9s %9s %8s %10s %9s\n' keywords tok_s clu_s clu_cpu x_tok peak_mb mb/1k clusters unclust
for n in ${*:-10000 100000 1000000}; do
	f=$OUT/kw-$n.txt
	[ -s "$f" ] || python3 bench/gen-keywords.py "$n" > "$f"
	tok=$("$BIN" -T -j "$THREADS" < "$f")
	clu=$("$BIN" -j "$THREADS" < "$f")
	echo "$clu" >> "$OUT/cluster-$n.log"
	ts=$(field seconds "$tok"); cs=$(field seconds "$clu"); cc=$(field cpu "$clu")
	pk=$(field peak_mb "$clu"); in=$(field input_mb "$clu")
	awk -v n="$n" -v ts="$ts" -v cs="$cs" -v cc="$cc" -v pk="$pk" -v inmb="$in" \
	    -v k="$(field clusters "$clu")" -v u="$(field unclustered "$clu")" 'BEGIN {
		printf "%-8d %9.2f %9.2f %9.2f %9.1f %9.0f %8.2f %10d %9d\n",
		    n, ts, cs, cc, cs / ts, pk, (pk - inmb) * 1000 / n, k, u }'
done
echo "(x_tok: clustering wall time over tokenising wall time, same input," \
    "$THREADS threads; mb/1k: peak RSS above the loaded input per 1000 keywords)"
