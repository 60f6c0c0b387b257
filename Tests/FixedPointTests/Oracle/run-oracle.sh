#!/usr/bin/env bash
# Differential test of trigrt's FixedPoint module against Xilinx's ap_fixed.h / ap_int.h and
# Mentor's ac_fixed.h / ac_int.h, as shipped in the hls4ml wheel (found through python at run time;
# the headers are never copied into the repository).
#
#   1. locate hls4ml/templates/vivado/ap_types and hls4ml/templates/catapult/ac_types/include;
#   2. compile fixed-oracle.cpp with g++ (4 parts; cached by a hash of source, headers and compiler);
#   3. generate ~1.3 million cases into a temporary directory;
#   4. run `swift test --filter FixedPointTests` with TRIGRT_FIXED_ORACLE pointing at them.
# Exits non-zero on any mismatch, or if the oracle test did not run.
#
# Usage: run-oracle.sh [--scratch-path DIR] [--seed N] [--jobs N] [--keep] [--update-golden]
#   --scratch-path DIR  passed to swift test (or set SWIFT_SCRATCH)
#   --seed N            another random draw of formats and values (default 1; the golden file uses 1)
#   --jobs N            parallel g++ compiles (default ORACLE_JOBS or 1; each needs ~1 GB of memory)
#   --keep              keep the generated case file and print its path
#   --update-golden     rewrite ../Golden/fixed-oracle-golden.txt from this run (every 35th case)
# Environment: PYTHON (default python3), CXX (default g++), ORACLE_CACHE (compiled oracles,
#   default ${TMPDIR:-/tmp}/trigrt-fixed-oracle-cache), SWIFT (default swift).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
src="$here/fixed-oracle.cpp"
golden="$here/../Golden/fixed-oracle-golden.txt"

scratch=${SWIFT_SCRATCH:-}
seed=1
jobs=${ORACLE_JOBS:-1}
keep=0
update_golden=0
while [ $# -gt 0 ]; do
  case "$1" in
    --scratch-path) scratch=$2; shift 2 ;;
    --scratch-path=*) scratch=${1#*=}; shift ;;
    --seed) seed=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --update-golden) update_golden=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "run-oracle.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$seed" in ''|*[!0-9]*) echo "run-oracle.sh: --seed needs a non-negative integer" >&2; exit 2 ;; esac

PYTHON=${PYTHON:-python3}
CXX=${CXX:-g++}
SWIFT=${SWIFT:-swift}

die() { echo "run-oracle.sh: $*" >&2; exit 1; }

# 1. Headers, through the installed hls4ml package.
pkg=$("$PYTHON" -c 'import hls4ml, os; print(os.path.dirname(hls4ml.__file__))' 2>/dev/null) \
  || die "$PYTHON cannot import hls4ml (pip install hls4ml==1.3.0)"
version=$("$PYTHON" -c 'import hls4ml; print(hls4ml.__version__)' 2>/dev/null || echo unknown)
ap="$pkg/templates/vivado/ap_types"
ac="$pkg/templates/catapult/ac_types/include"
[ -f "$ap/ap_fixed.h" ] && [ -f "$ap/ap_int.h" ] || die "no ap_fixed.h / ap_int.h in $ap"
[ -f "$ac/ac_fixed.h" ] && [ -f "$ac/ac_int.h" ] || die "no ac_fixed.h / ac_int.h in $ac"
[ "$version" = "1.3.0" ] || echo "run-oracle.sh: warning: hls4ml $version, the semantics are pinned to 1.3.0" >&2
command -v "$CXX" >/dev/null || die "no C++ compiler '$CXX'"

# 2. Compile (cached).
flags=(-std=c++17 -O1 -DNDEBUG -w "-DSEED=$seed" -I"$ap" -I"$ac")
key=$( { cat "$src" "$ap"/*.h "$ap"/etc/*.h "$ac"/*.h; "$CXX" --version; echo "${flags[*]}"; } | sha256sum | cut -c1-16)
cache=${ORACLE_CACHE:-${TMPDIR:-/tmp}/trigrt-fixed-oracle-cache}/$key
mkdir -p "$cache"
echo "run-oracle.sh: hls4ml $version headers from $pkg"
pids=()
for part in 1 2 3 4; do
  if [ ! -x "$cache/oracle-$part" ]; then
    echo "run-oracle.sh: compiling part $part (about a minute each)"
    ( "$CXX" "${flags[@]}" -DPART=$part "$src" -o "$cache/oracle-$part.tmp" && mv "$cache/oracle-$part.tmp" "$cache/oracle-$part" ) &
    pids+=($!)
    if [ ${#pids[@]} -ge "$jobs" ]; then wait "${pids[0]}" || die "g++ failed on part ${part}"; pids=("${pids[@]:1}"); fi
  fi
done
for p in "${pids[@]}"; do wait "$p" || die "g++ failed"; done

# 3. Generate.
work=$(mktemp -d "${TMPDIR:-/tmp}/trigrt-fixed-oracle.XXXXXX")
if [ "$keep" = 0 ]; then trap 'rm -rf "$work"' EXIT; fi
cases="$work/cases.txt"
for part in 1 2 3 4; do "$cache/oracle-$part" "$work/part-$part.txt" || die "oracle part $part failed"; done
cat "$work"/part-1.txt "$work"/part-2.txt "$work"/part-3.txt "$work"/part-4.txt > "$cases"
rm -f "$work"/part-*.txt
echo "run-oracle.sh: $(grep -vc '^[F#]' "$cases") cases in $cases"

if [ "$update_golden" = 1 ]; then
  [ "$seed" = 1 ] || die "--update-golden needs the default seed 1"
  {
    echo "# FixedPoint golden cases: every 35th case of Oracle/fixed-oracle.cpp (seed 1) computed with hls4ml $version's"
    echo "# ap_fixed.h / ac_fixed.h. Regenerate with Tests/FixedPointTests/Oracle/run-oracle.sh --update-golden."
    # Keep every 35th case and the formats those cases use.
    awk '!/^[F#]/ { if (++n % 35 == 0) { print
                      if ($1 == "X") { used[$3] = 1; used[$4] = 1; used[$5] = 1 }
                      else { used[$2] = 1; if ($1 == "C" || $1 ~ /^[MAUV]$/) used[$3] = 1 } } }
         /^F/ { fmt[$2] = $0; order[++k] = $2 }
         END { for (i = 1; i <= k; i++) if (order[i] in used) print fmt[order[i]] }' "$cases" > "$work/sample.txt"
    # Formats first, then cases.
    grep '^F' "$work/sample.txt"
    grep -v '^F' "$work/sample.txt"
  } > "$golden"
  echo "run-oracle.sh: wrote $(grep -vc '^[F#]' "$golden") cases to $golden"
fi

# 4. Test.
args=(test --package-path "$root" --filter FixedPointTests)
[ -n "$scratch" ] && args+=(--scratch-path "$scratch")
log="$work/swift-test.log"
set +e
TRIGRT_FIXED_ORACLE="$cases" "$SWIFT" "${args[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
summary=$(grep "oracle check of $cases" "$log" || true)
[ -n "$summary" ] || die "the oracle test did not run (see the output above)"
echo "run-oracle.sh: ${summary#*: }"
[ "$status" = 0 ] || die "swift test failed (exit $status)"
case "$summary" in *", 0 mismatches"*) ;; *) die "mismatches against the headers" ;; esac
[ "$keep" = 1 ] && echo "run-oracle.sh: kept $cases"
echo "run-oracle.sh: OK"
