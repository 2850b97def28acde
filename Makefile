# usnsim - build, test, demo.
#
#   make          build build/usnsim and the library
#   make demo     install missing Debian packages, build, run the bundled
#                 scenarios into results.db and print a summary
#   make test     build and run the CUnit suites
#   make test-asan  the test suite built with AddressSanitizer and UBSan
#   make fuzz       fuzz the scenario loader (FUZZ_SECONDS=60 by default)
#   make valgrind   memcheck over short runs of bundled scenarios
#   make params-md  regenerate the README parameter table
#   make bench      speed and memory against ns-3 (bench/, not in test)

CC      ?= cc
CXX     ?= g++
BUILD   ?= build
VERSION := $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)

PKGS    := yaml-0.1 sqlite3 gsl
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Werror \
	   -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -MMD -MP \
	   -Isim -Imodels $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# SAN: extra compile and link flags for every object (the sanitizer build).
SAN     ?=
CFLAGS  += $(SAN)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lyaml -lsqlite3 -lgsl -lgslcblas) -lm

# ns-3 (Debian's libns3-dev) is reached only through sim/ns3/ns3c.cc, the one
# C++ file; C files see its C header ns3c.h. Debian's .pc files carry a stray
# "-I/usr;" token, which is dropped.
NS3_PKGS   := ns3-core ns3-network ns3-point-to-point ns3-csma ns3-wifi ns3-mobility \
	      ns3-internet ns3-applications
NS3_CFLAGS := $(foreach f,$(shell pkg-config --cflags $(NS3_PKGS) 2>/dev/null),$(if $(findstring ;,$(f)),,$(f)))
NS3_LIBS   := $(shell pkg-config --libs $(NS3_PKGS) 2>/dev/null || echo -lns3-applications -lns3-internet -lns3-wifi -lns3-csma -lns3-point-to-point -lns3-mobility -lns3-network -lns3-core)
CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++17 -Wall -Wextra -Wshadow -Werror -MMD -MP -Isim/ns3 $(NS3_CFLAGS) $(SAN)
CFLAGS  += -Isim/ns3
LDLIBS  += $(NS3_LIBS) -lstdc++

LIB_SRC  := $(filter-out sim/main.c,$(wildcard sim/*.c)) $(wildcard models/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/sim/ns3/ns3c.o
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o) $(BUILD)/tests/main.o $(BUILD)/tests/util.o \
	    $(BUILD)/tests/runs.o
SUITES   := $(patsubst tests/test_%.c,%,$(TEST_SRC))

.PHONY: all test test-asan fuzz demo deps clean params-md format
all: $(BUILD)/usnsim

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c -o $@ $<

$(BUILD)/sim/version.o: CFLAGS += -DUSNSIM_VERSION='"$(VERSION)"'
$(BUILD)/sim/version.o: FORCE
FORCE:

$(BUILD)/libusnsim.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/usnsim: $(BUILD)/sim/main.o $(BUILD)/libusnsim.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The list of suites is generated from the test file names: tests/test_X.c
# defines int suite_X(void).
$(BUILD)/tests/suites.h: $(TEST_SRC)
	@mkdir -p $(dir $@)
	@printf 'SUITE(%s)\n' $(SUITES) > $@.tmp && mv $@.tmp $@
$(BUILD)/tests/main.o: CFLAGS += -I$(BUILD)/tests
$(BUILD)/tests/main.o: $(BUILD)/tests/suites.h

$(BUILD)/usnsim-tests: $(TEST_OBJ) $(BUILD)/libusnsim.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lcunit

test: $(BUILD)/usnsim $(BUILD)/usnsim-tests
	$(BUILD)/usnsim-tests

# Benchmarks, not part of all or test: usnsim-bench (bench/*.c, linked
# against the library) prints one table of the engine's and the pipeline's
# speed and memory next to ns-3's, and PASS/FAIL lines for the required
# ratios that never fail the build (README, "Benchmarks").
BENCH_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard bench/*.c))
$(BUILD)/usnsim-bench: $(BENCH_OBJ) $(BUILD)/libusnsim.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Memcheck over short runs of scenarios that use every model (hosts with
# stacks, pools, multiplexers, ns-3): no leak, no invalid access, or the
# target fails.
VALGRIND_RUNS := scenarios/spoof.yaml scenarios/pool_dynamic.yaml \
		 scenarios/ll_share.yaml scenarios/wifi.yaml
.PHONY: valgrind
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

.PHONY: bench
bench: $(BUILD)/usnsim-bench
	$(BUILD)/usnsim-bench bench/pipeline.yaml

# The whole suite under AddressSanitizer (leaks included) and UBSan, built
# in build-asan/; the tests run that build's usnsim.
ASAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	      -fno-sanitize-recover=undefined -Wno-format-truncation \
	      -DUSNSIM_CHECKS
test-asan:
	@$(MAKE) --no-print-directory BUILD=build-asan SAN="$(ASAN_FLAGS)" \
		build-asan/usnsim build-asan/usnsim-tests
	USNSIM_BIN=build-asan/usnsim ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1 build-asan/usnsim-tests

# libFuzzer on the scenario loader (clang), seeded with every bundled and
# test scenario; a crash is saved as crash-* in build-fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_SRC := $(filter-out sim/main.c sim/plot.c sim/export.c sim/check.c sim/compare.c,$(LIB_SRC))
fuzz: $(BUILD)/sim/ns3/ns3c.o
	@mkdir -p build-fuzz/corpus
	clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 \
		-D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Isim -Imodels -Isim/ns3 \
		tests/fuzz/fuzz_scenario.c $(FUZZ_SRC) $(BUILD)/sim/ns3/ns3c.o \
		-o build-fuzz/fuzz_scenario $(LDLIBS)
	@for f in scenarios/*.yaml scenarios/*/*.yaml tests/bad/*.yaml \
		 tests/fixtures/*.yaml; do \
		cp "$$f" "build-fuzz/corpus/$$(echo "$$f" | tr / _)"; \
	done
	cd build-fuzz && ./fuzz_scenario -max_total_time=$(FUZZ_SECONDS) -timeout=10 corpus

deps:
	@sh scripts/install-deps.sh

demo: deps
	@$(MAKE) --no-print-directory $(BUILD)/usnsim
	@sh scripts/demo.sh $(BUILD)/usnsim results.db

params-md: $(BUILD)/usnsim
	$(BUILD)/usnsim params --markdown > $(BUILD)/params.md
	@sh scripts/splice-params.sh README.md $(BUILD)/params.md

format:
	clang-format -i sim/*.[ch] sim/ns3/*.h sim/ns3/*.cc models/*.[ch] tests/*.[ch] bench/*.[ch]

clean:
	rm -rf $(BUILD) build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
