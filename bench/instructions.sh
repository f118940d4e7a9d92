#!/usr/bin/env bash
# Instructions per request of the example app (plugin) and the hand-written route (baseline),
# counted by valgrind's callgrind around BENCH_COUNT requests after BENCH_WARM warm-up ones:
# steadier than time on a busy machine, though the collector and the compiler move a run by a few percent. A tool for changing lib/, not the benchmark.
#   bench/instructions.sh [phases...]     (create update hooked by default)
# BENCH_WARM (12000) warm-up requests first: after 3,000 TurboFan is still compiling in the counted
# window (a tenth of the plugin's count). BENCH_KINDS (plugin baseline): which apps. BENCH_CG_OUT: keep
# callgrind's output there (for callgrind_annotate); BENCH_CG_NODE_FLAGS: more node flags
# (--perf-basic-prof writes /tmp/perf-<pid>.map, which names the compiled functions' addresses).
# BENCH_CG_FLAGS: more callgrind flags (--cache-sim=yes --branch-sim=yes: simulated cache misses and
# mispredicted branches, in callgrind's output file).
# Run one at a time: the script finds its valgrind process by name.
set -euo pipefail
cd "$(dirname "$0")/.."
WARM=${BENCH_WARM:-12000}
COUNT=${BENCH_COUNT:-3000}
for phase in "${@:-create update hooked}"; do for phase1 in $phase; do for kind in ${BENCH_KINDS:-plugin baseline}; do
  out=$(mktemp)
  coproc RUN { BENCH_HANDSHAKE=1 BENCH_KIND=$kind BENCH_PHASE=$phase1 BENCH_WARM=$WARM BENCH_COUNT=$COUNT BENCH_TMP=/dev/shm \
    valgrind --tool=callgrind --smc-check=all-non-file --instr-atstart=no --callgrind-out-file=${BENCH_CG_OUT:-/dev/null} ${BENCH_CG_FLAGS:-} \
    node --single-threaded ${BENCH_CG_NODE_FLAGS:-} --import tsx bench/count.ts 2>"$out"; }
  read -r _ <&"${RUN[0]}"
  callgrind_control -i on "$(pgrep -f 'valgrind.*bench/count.ts' | head -n 1)" >/dev/null
  echo go >&"${RUN[1]}"
  read -r _ <&"${RUN[0]}"
  callgrind_control -i off "$(pgrep -f 'valgrind.*bench/count.ts' | head -n 1)" >/dev/null
  echo end >&"${RUN[1]}"
  wait "$RUN_PID" || true
  total=$(grep -h 'Collected :' "$out" | awk '{print $4}')
  rm -f "$out"
  echo "$phase1 $kind $((total / COUNT)) instructions/request"
done; done; done
