#!/usr/bin/env bash
# Runs one libFuzzer harness for a time, then replays its regression fixtures.
#   Tests/Fuzz/run.sh HARNESS_DIR WORK_DIR NAME SECONDS
# NAME: load_float | load_fixed | config | run. The corpus lives in WORK_DIR/NAME/corpus (seeded
# by seeds.sh on first use, kept between runs), crashes go to WORK_DIR/NAME/crashes, the log to
# WORK_DIR/NAME/log.txt. Exits non-zero when the fuzzer found something (the crashing input is
# in crashes/: copy it to Tests/Fuzz/regressions/NAME/ once fixed).
set -euo pipefail
hdir=$(cd "$1" && pwd)
work=$2
name=$3
secs=$4
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$work"
work=$(cd "$work" && pwd)
[ -d "$work/seeds/load" ] || "$here/seeds.sh" "$work/seeds"
d=$work/$name
mkdir -p "$d/corpus" "$d/crashes"
case $name in
  load_float|load_fixed) bin=fuzz_$name; seeds=$work/seeds/load; dict=$here/onnx.dict; max=400000 ;;
  config) bin=fuzz_config; seeds=$work/seeds/config; dict=$here/config.dict; max=8192 ;;
  run) bin=fuzz_run; seeds=$work/seeds/run; dict=; max=4096 ;;
  *) echo "unknown harness $name" >&2; exit 2 ;;
esac
export FUZZ_MODELS=$("$here/models.sh" config)
export FUZZ_RUN_MODELS=$("$here/models.sh" run)
# ASan: a hostile file must fail with a status, not take the host's memory: 2 GiB is an OOM.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1:abort_on_error=0}
args=(-max_len=$max -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=${FUZZ_TIMEOUT:-60}
      -artifact_prefix="$d/crashes/" -print_final_stats=1)
# FUZZ_KEEP_GOING=1 (make fuzz): fork mode, one child at a time, going on after a finding so the
# run lasts its time; every finding is kept in crashes/ and the exit status says there was one.
fuzz_args=(-max_total_time="$secs")
[ "${FUZZ_KEEP_GOING:-0}" = 1 ] && fuzz_args+=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
[ -n "$dict" ] && args+=(-dict="$dict")
# regressions first: each must pass
reg=$here/regressions/$name
if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
  "$hdir/$bin" "${args[@]}" -runs=0 "$reg"/* >"$d/regressions.log" 2>&1 || { tail -40 "$d/regressions.log"; exit 1; }
fi
touch "$d/log.txt.start"
rc=0
"$hdir/$bin" "${args[@]}" "${fuzz_args[@]}" "$d/corpus" "$seeds" >"$d/log.txt" 2>&1 || rc=$?
found=$(find "$d/crashes" -type f -newer "$d/log.txt.start" 2>/dev/null | wc -l)
execs=$(grep -oE '^(stat::number_of_executed_units: *[0-9]+|#[0-9]+)' "$d/log.txt" | tail -1 | grep -oE '[0-9]+$' || echo 0)
echo "$name: ${secs}s, $execs execs, $found new findings in $d/crashes"
[ "$found" = 0 ] || rc=1
exit $rc
