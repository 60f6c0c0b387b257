#!/usr/bin/env bash
# The consumer programs against sanitizer builds of libtrigrt.so (make sanitize):
#   Tests/Consumers/sanitize.sh ASAN_LIBDIR TSAN_LIBDIR
# ASAN_LIBDIR: swift build --sanitize=address --sanitize=undefined (debug); there consumer_c
# (bad files, every zoo model), consumer_cpp, hygiene (10,000 load/destroy cycles, then
# LeakSanitizer at exit) and threads run under ASan + UBSan + LSan, built with the toolchain's
# clang and the same sanitizers. TSAN_LIBDIR: swift build --sanitize=thread (debug: the
# concurrent-run check is compiled in); threads runs 4 threads x STRESS_RUNS runs (default
# 25000 each: 100,000 runs in all, as verified clean; a debug TSan build runs ~100x slower than
# release) on one shared model, one session each. Any sanitizer report fails the script.
# alloc_check is not run here: it replaces malloc, which the sanitizers own.
set -euo pipefail
asan=$(cd "$1" && pwd)
tsan=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${STRESS_RUNS:-25000}
bin=$(dirname "$(readlink -f "$(command -v swift)")")
cc=$bin/clang
swiftlib=$(dirname "$bin")/lib/swift/linux
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

common=(-g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror -Wno-unused-function -I"$root/include" -I"$here")
ubsan=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)
build() {   # out libdir san... -- sources/flags
  local out=$1 lib=$2; shift 2
  # (gold warns about every local ASan symbol it cannot export: noise)
  "$cc" "${common[@]}" "$@" -L"$lib" -ltrigrt -Wl,-rpath,"$lib" -Wl,-rpath,"$swiftlib" -lm -lpthread -o "$work/$out" \
    2> >(grep -v 'Cannot export local symbol' >&2)
}
build consumer_c "$asan" "${ubsan[@]}" -std=c11 "$here/consumer_c.c"
build consumer_cpp "$asan" "${ubsan[@]}" -std=c++17 -x c++ "$here/consumer_cpp.cpp" -x none -lstdc++ -Wno-unused-command-line-argument
build hygiene "$asan" "${ubsan[@]}" -std=c11 "$here/hygiene.c"
build threads_asan "$asan" "${ubsan[@]}" -std=c11 "$here/threads.c"
# (the toolchain's TSan runtime intercepts libdispatch, so it needs libdispatch and the blocks runtime)
build threads_tsan "$tsan" -fsanitize=thread -std=c11 "$here/threads.c" -L"$swiftlib" -ldispatch -lBlocksRuntime

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
export SWIFT_BACKTRACE=enable=no

models=()
for m in deepcsv jet_tagger tracknn; do models+=("$root/Models/$m.onnx" "$root/Models/$m.inputs.npy" "$root/Models/$m.outputs.npy"); done
log=$work/log
check() {   # name cmd...: runs it, fails on a non-zero exit or any sanitizer report
  local name=$1; shift
  if ! "$@" >"$log" 2>&1 || grep -qE 'ERROR: (Address|Leak|Thread)Sanitizer|WARNING: ThreadSanitizer|runtime error:' "$log"; then
    cat "$log" | head -80; fail "$name"
  fi
  grep -E '^(ok|FAIL)' "$log" | sed "s/^/  [$name] /" || true
}
t0=$(date +%s)
check "consumer_c ASan+UBSan" "$work/consumer_c" "$root/Tests/Fixtures/bad" "${models[@]}"
check "consumer_cpp ASan+UBSan" "$work/consumer_cpp" "${models[0]}" "${models[1]}" "${models[2]}"
check "hygiene ASan+LSan" "$work/hygiene" "$root/Models/jet_tagger.onnx" 10000
check "threads ASan+UBSan" "$work/threads_asan" "${models[3]}" "${models[4]}"
echo "ok  ASan+UBSan+LSan: consumer_c, consumer_cpp, hygiene (10,000 cycles), threads: no report ($(( $(date +%s) - t0 )) s)"
t0=$(date +%s)
check "threads TSan" "$work/threads_tsan" "${models[3]}" "${models[4]}" "$runs"
echo "ok  TSan: 4 threads x $runs runs on one shared jet_tagger model: no report ($(( $(date +%s) - t0 )) s)"
echo "sanitize: all clean"
