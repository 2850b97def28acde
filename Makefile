# usnsim - build, test, demo, install.
#
#   make              build build/usnsim and the library
#   make demo         install missing Debian packages, build, run the main
#                     study into results.db and print a summary
#   make test         build and run every CUnit suite
#   make test-quick   every unit and model suite (under 30 s)
#   make test-asan    the suite built with AddressSanitizer and UBSan
#   make test-cluster the README's Slurm recipe on a one-node Slurm cluster
#                     started on localhost (root; installs slurm-wlm, munge)
#   make valgrind     memcheck over short runs of bundled scenarios
#   make check-layers fail if a file includes a header of a layer above it
#   make format-check fail if a file differs from .clang-format's layout
#   make fuzz         fuzz the scenario loader (FUZZ_SECONDS=60 by default)
#   make bench        speed and memory against ns-3 (bench/, not in test)
#   make params-md    regenerate docs/reference/parameters.md
#   make install      install bin/usnsim, the man page, analysis/ and the
#                     bundled profiles under PREFIX (default /usr/local;
#                     DESTDIR is honoured)
#
# CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS are the user's: `make CFLAGS=-O0`
# changes the optimization, never the language standard, the warnings or
# the include paths, which live in the USN_* variables below.

CC      ?= cc
CXX     ?= g++
BUILD   ?= build
PREFIX  ?= /usr/local
# The version names what was built, because it is part of every run's key:
# `git describe` for a clean checkout; for a tree with changes (or without
# git), also a hash of every source, so that two different builds never
# share results in a database (a sweep after a change runs again).
DESCRIBE := $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)
SRC_HASH  = $(shell cat $(sort $(wildcard sim/*/*.[ch] sim/engine/ns3/*.[ch] \
	    sim/engine/ns3/*.cc models/*.[ch] analysis/*.[ch])) Makefile | \
	    sha256sum | cut -c1-12)
VERSION  := $(if $(filter %-dirty unknown,$(DESCRIBE)),$(DESCRIBE)+$(SRC_HASH),$(DESCRIBE))

CFLAGS   ?= -O2 -g
CXXFLAGS ?= -O2 -g
# SAN: extra compile and link flags for every object (the sanitizer build).
SAN      ?=

# The layers, bottom up (docs/dev/architecture.md): each folder's headers
# are on the include path; `make check-layers` enforces who may see whom.
LAYERS   := sim/engine sim/engine/ns3 models sim/scenario sim/results \
	    sim/run analysis sim/cli

PKGS     := yaml-0.1 sqlite3 gsl libpcap
USN_WARN := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Werror
USN_CPPFLAGS := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -MMD -MP \
	    $(addprefix -I,$(LAYERS)) \
	    $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
USN_LDLIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lyaml -lsqlite3 -lgsl -lgslcblas -lpcap) -lm

# ns-3 (Debian's libns3-dev) is reached only through
# sim/engine/ns3/ns3c.cc, the one C++ file; C files see its C header
# ns3c.h. Debian's .pc files carry a stray "-I/usr;" token, which is
# dropped.
NS3_PKGS   := ns3-core ns3-network ns3-point-to-point ns3-csma ns3-wifi ns3-mobility \
	      ns3-internet ns3-applications
NS3_CFLAGS := $(foreach f,$(shell pkg-config --cflags $(NS3_PKGS) 2>/dev/null),$(if $(findstring ;,$(f)),,$(f)))
NS3_LIBS   := $(shell pkg-config --libs $(NS3_PKGS) 2>/dev/null || echo -lns3-applications -lns3-internet -lns3-wifi -lns3-csma -lns3-point-to-point -lns3-mobility -lns3-network -lns3-core)
USN_CXXFLAGS := -std=c++17 -Wall -Wextra -Wshadow -Werror -MMD -MP \
	    -Isim/engine/ns3 $(NS3_CFLAGS)
USN_LDLIBS += $(NS3_LIBS) -lstdc++

ALL_CFLAGS   = $(USN_WARN) $(USN_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) $(SAN)
ALL_CXXFLAGS = $(USN_CXXFLAGS) $(CPPFLAGS) $(CXXFLAGS) $(SAN)
ALL_LDFLAGS  = $(CFLAGS) $(SAN) $(LDFLAGS)
ALL_LDLIBS   = $(USN_LDLIBS) $(LDLIBS)

# The simulator proper (what the fuzzer and the benchmarks link), then the
# commands on top of it.
CORE_SRC := $(wildcard sim/engine/*.c models/*.c sim/scenario/*.c \
	      sim/results/*.c sim/run/*.c)
TOOL_SRC := $(wildcard analysis/*.c) $(filter-out sim/cli/main.c,$(wildcard sim/cli/*.c))
LIB_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(CORE_SRC) $(TOOL_SRC)) \
	    $(BUILD)/sim/engine/ns3/ns3c.o
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o) $(BUILD)/tests/main.o $(BUILD)/tests/util.o \
	    $(BUILD)/tests/runs.o
SUITES   := $(patsubst tests/test_%.c,%,$(TEST_SRC))

.PHONY: all test test-quick test-asan fuzz demo deps clean params-md format \
	format-check check-layers install valgrind bench
all: $(BUILD)/usnsim

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) -c -o $@ $<

# The version header is rewritten only when `git describe` changes, so a
# second `make` rebuilds nothing.
$(BUILD)/gen/usnsim_version.h: FORCE
	@mkdir -p $(dir $@)
	@v='#define USNSIM_VERSION "$(VERSION)"'; \
	[ -f $@ ] && [ "$$(cat $@)" = "$$v" ] || echo "$$v" > $@
$(BUILD)/sim/engine/version.o: CPPFLAGS += -I$(BUILD)/gen
$(BUILD)/sim/engine/version.o: $(BUILD)/gen/usnsim_version.h
FORCE:

$(BUILD)/libusnsim.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/usnsim: $(BUILD)/sim/cli/main.o $(BUILD)/libusnsim.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

# The list of suites is generated from the test file names: tests/test_X.c
# defines int suite_X(void). It is rewritten only when it changes.
$(BUILD)/tests/suites.h: $(TEST_SRC)
	@mkdir -p $(dir $@)
	@printf 'SUITE(%s)\n' $(SUITES) > $@.tmp && mv $@.tmp $@
$(BUILD)/tests/main.o: CPPFLAGS += -I$(BUILD)/tests
$(BUILD)/tests/main.o: $(BUILD)/tests/suites.h

$(BUILD)/usnsim-tests: $(TEST_OBJ) $(BUILD)/libusnsim.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS) -lcunit

test: $(BUILD)/usnsim $(BUILD)/usnsim-tests
	$(BUILD)/usnsim-tests

# The quick suites: every unit and model suite, about 15 s of CPU; the
# end-to-end suites that spawn many runs or sweeps (bad inputs, studies,
# reliability, plots, ns-3 against native on every bundled scenario), about
# 40 s, are left to `make test`.
SLOW_SUITES := badinput reliability study plot ns3 durability clicorpus tcpx
test-quick: $(BUILD)/usnsim $(BUILD)/usnsim-tests
	$(BUILD)/usnsim-tests $(filter-out $(SLOW_SUITES),$(SUITES))

# The README's job-array recipe, taken from README.md, on a real one-node
# Slurm cluster with its own configuration, ports and munge key in a
# temporary directory; the merged shards must equal an unsharded sweep,
# also after a lost shard is run again (tests/cluster/run.sh, about a
# minute; needs root).
.PHONY: test-cluster
test-cluster: $(BUILD)/usnsim
	USNSIM_BIN=$(BUILD)/usnsim tests/cluster/run.sh

# Benchmarks, not part of all or test: usnsim-bench (bench/*.c, linked
# against the library) prints one table of the engine's and the pipeline's
# speed and memory next to ns-3's, and PASS/FAIL lines for the required
# ratios that never fail the build (docs/dev/benchmarks.md).
BENCH_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard bench/*.c))
$(BUILD)/usnsim-bench: $(BENCH_OBJ) $(BUILD)/libusnsim.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

bench: $(BUILD)/usnsim-bench
	$(BUILD)/usnsim-bench bench/pipeline.yaml

# Memcheck over short runs of scenarios that use every model (hosts with
# stacks, pools, multiplexers, ns-3): no leak, no invalid access, or the
# target fails.
VALGRIND_RUNS := scenarios/spoof.yaml scenarios/pool_dynamic.yaml \
		 scenarios/ll_share.yaml scenarios/wifi.yaml
valgrind: $(BUILD)/usnsim
	@d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT && \
	for f in $(VALGRIND_RUNS); do \
		echo "valgrind: $$f"; \
		valgrind -q --leak-check=full --show-possibly-lost=no \
			--errors-for-leak-kinds=definite,indirect \
			--error-exitcode=1 $(BUILD)/usnsim sweep "$$f" --db "$$d/v.db" \
			-j 1 --quiet --set duration=3ms --set warmup=0 \
			--shard 1/64 || exit 1; \
	done

# The whole suite under AddressSanitizer (leaks included) and UBSan, built
# in build-asan/; the tests run that build's usnsim. Suite tcpx, ns-3's own
# TCP against usnsim's for tens of simulated seconds, is not usnsim's code
# under test and would take minutes there: it runs in `make test`.
ASAN_SKIP := tcpx
ASAN_FLAGS := -fno-omit-frame-pointer -fsanitize=address,undefined \
	      -fno-sanitize-recover=undefined -Wno-format-truncation \
	      -DUSNSIM_CHECKS
test-asan:
	@$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="-O1 -g" \
		CXXFLAGS="-O1 -g" SAN="$(ASAN_FLAGS)" \
		build-asan/usnsim build-asan/usnsim-tests
	USNSIM_BIN=build-asan/usnsim ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1 build-asan/usnsim-tests \
		$(filter-out $(ASAN_SKIP),$(SUITES))

# libFuzzer on the scenario loader (clang), seeded with every bundled and
# test scenario; a crash is saved as crash-* in build-fuzz/.
FUZZ_SECONDS ?= 60
fuzz: $(BUILD)/sim/engine/ns3/ns3c.o $(BUILD)/gen/usnsim_version.h
	@mkdir -p build-fuzz/corpus
	clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 \
		-D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(addprefix -I,$(LAYERS)) \
		-I$(BUILD)/gen \
		tests/fuzz/fuzz_scenario.c $(CORE_SRC) $(BUILD)/sim/engine/ns3/ns3c.o \
		-o build-fuzz/fuzz_scenario $(ALL_LDLIBS)
	@for f in scenarios/*.yaml scenarios/*/*.yaml tests/bad/*.yaml \
		 tests/fixtures/*.yaml; do \
		cp "$$f" "build-fuzz/corpus/$$(echo "$$f" | tr / _)"; \
	done
	cd build-fuzz && ./fuzz_scenario -max_total_time=$(FUZZ_SECONDS) -timeout=10 corpus

check-layers:
	@sh scripts/check-layers.sh

SRC_FILES = $(wildcard sim/*/*.[ch] sim/engine/ns3/*.h sim/engine/ns3/*.cc \
	    models/*.[ch] analysis/*.[ch] tests/*.[ch] tests/fuzz/*.c bench/*.[ch])
format:
	clang-format -i $(SRC_FILES)

format-check:
	@clang-format --dry-run -Werror $(SRC_FILES)

# The binary, the man page, the analysis templates (which `usnsim plot`
# and `export` find in PREFIX/share/usnsim/analysis) and the bundled
# profiles (which `include: NAME` finds in PREFIX/share/usnsim/profiles).
install: $(BUILD)/usnsim
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/usnsim/analysis \
		$(DESTDIR)$(PREFIX)/share/usnsim/profiles
	install -m 755 $(BUILD)/usnsim $(DESTDIR)$(PREFIX)/bin/usnsim
	install -m 644 docs/man/usnsim.1 $(DESTDIR)$(PREFIX)/share/man/man1/usnsim.1
	install -m 644 analysis/*.sql analysis/*.gp \
		$(DESTDIR)$(PREFIX)/share/usnsim/analysis
	install -m 644 scenarios/profiles/*.yaml \
		$(DESTDIR)$(PREFIX)/share/usnsim/profiles

deps:
	@sh scripts/install-deps.sh

demo: deps
	@$(MAKE) --no-print-directory $(BUILD)/usnsim
	@sh scripts/demo.sh $(BUILD)/usnsim results.db

params-md: $(BUILD)/usnsim
	$(BUILD)/usnsim params --markdown > $(BUILD)/params.md
	@sh scripts/splice-params.sh docs/reference/parameters.md $(BUILD)/params.md

clean:
	rm -rf $(BUILD) build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
