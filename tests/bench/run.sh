#!/bin/sh
# Run the page-table benchmark. Where perf_event_open is refused (VMs without a
# PMU, perf_event_paranoid), instruction counts come from one callgrind pass of
# every workload (valgrind, if installed); the timed run reads them back.
set -eu
bin=${1:-build/bench/bench_pt}
dir=$(dirname "$bin")/callgrind
insns=$(dirname "$bin")/insns.txt

if ! "$bin" --probe-perf 2>/dev/null && command -v valgrind >/dev/null 2>&1; then
	rm -rf "$dir" && mkdir -p "$dir"
	echo "counting instructions under callgrind (one pass, takes a minute) ..."
	valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no \
		--callgrind-out-file="$dir/cg.out" "$bin" --count-only >/dev/null 2>"$dir/log" || {
		cat "$dir/log" >&2; exit 1; }
	# Each dump names its workload in "desc: Trigger: Client Request: KEY"
	# and carries the instruction total in "summary:" or "totals:".
	for f in "$dir"/cg.out.*; do
		awk '/^desc: Trigger: Client Request: /{sub(/^desc: Trigger: Client Request: /,""); k=$0}
		     /^(summary|totals): /{v=$2} END{if (k != "") print k " " v}' "$f"
	done > "$insns"
	exec "$bin" --insns "$insns"
fi
exec "$bin"
