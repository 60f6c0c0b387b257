# trigrt — the two commands of the README are `make demo` and `make test`; both install what is
# missing first (Debian packages with apt-get, Python packages into .venv with pip).
#
#   make            release build: libtrigrt.so (static Swift runtime, trigrt_* exports only) + CLI
#   make demo       build, run the zoo through the CLI, print batch-1 latency per model
#   make test       swift test, C/C++ consumer + allocation + thread tests, the CMake / pkg-config examples, Python package
#   make bench      trigrt next to its peers on every zoo model, float and fixed → Benchmarks/RESULTS.md + plots
#   make bench-micro   Swift kernel micro-benchmarks (ordo-one/benchmark; Benchmarks/Micro)
#   make bench-profile instruction counts per call under callgrind → Benchmarks/results/profile.md
#   make fuzz       each libFuzzer harness for FUZZ_SECONDS (default 900) on an ASan+fuzzer build
#   make sanitize   C/C++ consumers + hygiene under ASan+UBSan, 4-thread stress under TSan
#   make install PREFIX=DIR

PREFIX ?= /usr/local
SHELL := /bin/bash
ROOT := $(abspath .)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
DIST := $(ROOT)/.build-dist
LIB := $(DIST)/release/libtrigrt.so
CLI := $(DIST)/release/trigrt-cli
APT_PACKAGES := libopenblas-dev libprotobuf-c-dev protobuf-c-compiler g++ make python3-venv python3-pip qemu-user cmake pkgconf
# make bench embeds the Python interpreter (ONNX Runtime's Python API) in its C++ driver; bench-profile runs callgrind
BENCH_APT_PACKAGES := python3-dev valgrind
# The version is written once, in include/trigrt.h: libtrigrt.so.X.Y.Z with SONAME libtrigrt.so.X.
VERSION := $(shell sed -n 's/^\#define TRIGRT_VERSION "\(.*\)"/\1/p' include/trigrt.h)
MAJOR := $(firstword $(subst ., ,$(VERSION)))
ABI := $(shell sed -n 's/^\#define TRIGRT_ABI_VERSION \([0-9]*\)/\1/p' include/trigrt.h)
ZOO := deepcsv jet_tagger tracknn jet_image_cnn conv1d_tracks econ_encoder calo_pool_cnn calo_avgpool_cnn
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps apt-deps py-deps build prefix demo test swift-test oracle-test consumer-test examples-test python-test docs-test firmware-test bench-cli-test python-overhead bench bench-cnn bench-micro bench-profile install clean \
  fuzz fuzz-build fuzz-short sanitize

all: build

deps: apt-deps py-deps

apt-deps:
	@missing=""; for p in $(APT_PACKAGES) $(BENCH_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: requirements.txt
	@[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

py-deps: $(VENV)/.installed

build: apt-deps
	TRIGRT_DIST=1 swift build -c release --static-swift-stdlib --scratch-path $(DIST)
	@echo "built $(LIB) and $(CLI)"

demo: deps build
	@for m in $(ZOO); do \
	  echo "== $$m"; \
	  $(CLI) run Models/$$m.onnx --input Models/$$m.inputs.npy --output /tmp/trigrt-demo-$$m.npy >/dev/null && \
	  $(PY) scripts/compare_npy.py /tmp/trigrt-demo-$$m.npy Models/$$m.outputs.npy --atol 1e-5 && \
	  $(CLI) bench Models/$$m.onnx --batch 1 --iterations 100000 || exit 1; \
	done

test: deps build swift-test oracle-test consumer-test examples-test fuzz-short python-test docs-test firmware-test bench-cli-test
	@echo "make test: all passed"

swift-test:
	swift test

# FixedPoint against Xilinx's ap_fixed.h / ap_int.h and ac_fixed.h from the hls4ml wheel
# (≥ 1 million random cases, compiled with g++ at test time; compiled oracles cached in /tmp).
oracle-test: py-deps
	PYTHON=$(PY) Tests/FixedPointTests/Oracle/run-oracle.sh

consumer-test: prefix
	Tests/Consumers/run.sh $(DIST)/prefix

# --- fuzzing (Tests/Fuzz/README.md). One fuzzer at a time; corpora are kept in FUZZ_WORK.
FUZZ_BUILD := $(ROOT)/.build-fuzz
FUZZ_WORK ?= $(FUZZ_BUILD)/work
FUZZ_SECONDS ?= 900
FUZZ_HARNESSES := load_float load_fixed config run

# The library built with -sanitize=fuzzer,address, harnesses too. swiftc -sanitize=fuzzer alone
# gives the Swift code no coverage instrumentation (only ASan): -sanitize-coverage adds it.
fuzz-build: apt-deps
	swift build -c release --scratch-path $(FUZZ_BUILD) --sanitize=fuzzer --sanitize=address --product trigrt \
	  -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp
	Tests/Fuzz/build.sh $(FUZZ_BUILD)/release $(FUZZ_BUILD)/harness asan

fuzz: fuzz-build
	@bad=0; for h in $(FUZZ_HARNESSES); do \
	  FUZZ_KEEP_GOING=1 SWIFT_BACKTRACE=enable=no nice -n 10 Tests/Fuzz/run.sh $(FUZZ_BUILD)/harness $(FUZZ_WORK) $$h $(FUZZ_SECONDS) || bad=1; \
	done; exit $$bad

# Part of make test: the regression fixtures of every harness, then 25 s of each against the
# installed library (coverage from the harnesses only), with fresh corpora: 100 s in all.
fuzz-short: prefix
	@Tests/Fuzz/build.sh $(DIST)/prefix/lib $(DIST)/fuzz-harness
	@rm -rf $(addprefix $(DIST)/fuzz-short/,$(FUZZ_HARNESSES))   # fresh corpora; seeds.sh output kept
	@for h in $(FUZZ_HARNESSES); do \
	  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS= Tests/Fuzz/run.sh $(DIST)/fuzz-harness $(DIST)/fuzz-short $$h 25 || exit 1; \
	done

# --- sanitizers (Tests/Consumers/sanitize.sh): the library built with ASan (Swift and C) +
# UBSan (its C code: swiftc has no -sanitize=undefined on Linux; Swift traps on overflow and
# out-of-bounds by itself) and with TSan; debug builds, so the debug-only concurrent-run check
# is exercised too.
sanitize: apt-deps
	swift build --scratch-path $(ROOT)/.build-asan --sanitize=address -Xcc -fsanitize=undefined --product trigrt
	swift build --scratch-path $(ROOT)/.build-tsan --sanitize=thread --product trigrt
	Tests/Consumers/sanitize.sh $(ROOT)/.build-asan/debug $(ROOT)/.build-tsan/debug

# bindings/cpp (CMake, find_package) and bindings/c (pkg-config) built against the installed tree
# and run on the zoo and a fixed-mode golden set; the layout, SONAME links and version checks.
examples-test: apt-deps prefix
	Tests/Consumers/examples.sh $(DIST)/prefix $(DIST)/examples

prefix: build
	@$(MAKE) --no-print-directory install PREFIX=$(DIST)/prefix >/dev/null

python-test: py-deps prefix
	$(PY) Models/generate.py --check
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --force-reinstall ./bindings/python
	TRIGRT_TEST_INSTALLED=1 TRIGRT_LIBRARY=$(DIST)/prefix/lib/libtrigrt.so $(PY) -m pytest -q bindings/python/tests firmware-sim/tests
	@for m in $(ZOO); do \
	  $(CLI) run Models/$$m.onnx --input Models/$$m.inputs.npy --output $(DIST)/cli-$$m.npy --batch 32 >/dev/null && \
	  $(PY) scripts/compare_npy.py $(DIST)/cli-$$m.npy Models/$$m.outputs.npy --atol 1e-5 || exit 1; \
	done

# docs/c-api.md is what scripts/gen-c-api-doc.py makes of include/trigrt.h.
docs-test:
	python3 scripts/gen-c-api-doc.py --check

# Per-call time at batch 1 from Python: trigrt's package against ONNX Runtime's Python API, interleaved.
python-overhead: py-deps prefix
	TRIGRT_LIBRARY=$(DIST)/prefix/lib/libtrigrt.so PYTHONPATH=bindings/python/src $(PY) bindings/python/benchmarks/overhead.py --json $(DIST)/python-overhead.json

# trigrt's fixed mode against hls4ml 1.3.0's C simulation, bit for bit, on every golden set
# (10,000 rows each) and the QONNX models against qonnx; then the goldens themselves are
# recomputed with hls4ml (conversion + g++ builds, cached in ~/.cache/trigrt/fwsim); then
# `trigrt trace` layer by layer against hls4ml's traced csim, and `trigrt tb` files run through
# hls4ml's own generated testbench.
firmware-test: py-deps prefix
	TRIGRT_LIBRARY=$(DIST)/prefix/lib/libtrigrt.so $(PY) firmware-sim/scripts/compare_trigrt.py --json $(DIST)/compare_trigrt.json
	$(PY) firmware-sim/scripts/csim_goldens.py --check
	$(PY) firmware-sim/scripts/check_trace.py --cli $(CLI) --json $(DIST)/check_trace.json
	$(PY) firmware-sim/scripts/check_tb.py --cli $(CLI) --json $(DIST)/check_tb.json
	TRIGRT_FWSIM_CSIM=1 TRIGRT_CLI=$(CLI) TRIGRT_LIBRARY=$(DIST)/prefix/lib/libtrigrt.so $(PY) -m pytest -q \
	  firmware-sim/tests/test_check_trace.py firmware-sim/tests/test_check_tb.py

# `trigrt bench` as a CI gate: budgets, exit status, --threads, --json (a few seconds).
bench-cli-test: py-deps prefix
	Benchmarks/test_cli_bench.sh $(CLI) $(PY)

# Every zoo model, float and fixed, next to the plain C loop, OpenBLAS, ONNX Runtime and hls4ml's C
# simulation in one C++ process; rewrites Benchmarks/RESULTS.md and Benchmarks/results/ (~15 min here).
# BENCH_MODELS=a,b picks models; BENCH_ARGS passes options (--cycles N, --quick, --no-write).
bench: deps prefix
	$(PY) Benchmarks/bench.py $(DIST)/prefix $(BENCH_ARGS)

# Issue 6's float CNN next to a plain C -O3 loop of it (and ONNX Runtime's C API with ORT_INCLUDE/ORT_LIB).
bench-cnn: deps prefix
	PY=$(PY) Benchmarks/cnn.sh $(DIST) $(CNN_CYCLES)

# Kernel micro-benchmarks (percentiles and malloc counts), a separate package (Benchmarks/Micro).
bench-micro: deps
	$(PY) Benchmarks/Micro/make_models.py --check
	cd Benchmarks/Micro && swift package --scratch-path $(DIST)-micro benchmark $(BENCH_MICRO_ARGS)

bench-profile: deps prefix
	$(PY) Benchmarks/profile.py $(DIST)

install: build
	@[ -n "$(VERSION)" ] && [ -n "$(MAJOR)" ] && [ -n "$(ABI)" ] || { echo "cannot read the version macros of include/trigrt.h"; exit 1; }
	install -d $(PREFIX)/lib $(PREFIX)/include $(PREFIX)/bin $(PREFIX)/lib/cmake/trigrt $(PREFIX)/lib/pkgconfig
	install -m 755 $(LIB) $(PREFIX)/lib/libtrigrt.so.$(VERSION)
	strip --strip-unneeded $(PREFIX)/lib/libtrigrt.so.$(VERSION)
	ln -sfn libtrigrt.so.$(VERSION) $(PREFIX)/lib/libtrigrt.so.$(MAJOR)
	ln -sfn libtrigrt.so.$(MAJOR) $(PREFIX)/lib/libtrigrt.so
	install -m 644 include/trigrt.h include/trigrt.hpp $(PREFIX)/include/
	install -m 755 $(CLI) $(PREFIX)/bin/trigrt
	strip $(PREFIX)/bin/trigrt
	for f in trigrtConfig.cmake trigrtConfigVersion.cmake; do \
	  sed -e 's/@VERSION@/$(VERSION)/g' -e 's/@MAJOR@/$(MAJOR)/g' -e 's/@ABI@/$(ABI)/g' bindings/cmake/$$f.in > $(PREFIX)/lib/cmake/trigrt/$$f; \
	done
	sed -e 's/@VERSION@/$(VERSION)/g' bindings/cmake/trigrt.pc.in > $(PREFIX)/lib/pkgconfig/trigrt.pc

clean:
	rm -rf .build $(DIST)
