# pinwatch: `make run` (set up, load the process module, stream events),
# `make test` (set up, build, run the whole suite) and `make bench` (set up,
# build, run the benchmarks of tests/bench/). All need root.
BUILD     ?= build
CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CFLAGS    ?= -O2 -g
# SAN adds sanitizers (make check-sanitize); kept apart so that a CFLAGS
# given on the command line cannot drop the warnings.
SAN       ?=
PW_CFLAGS  = $(CFLAGS) $(SAN) -Wall -Wextra -Werror -Ibpf -Iloader -I$(BUILD)/gen
LDLIBS    := -lbpf -lelf -lz -lpthread
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf -Wall -Werror

MODULES   := $(patsubst bpf/%.bpf.c,%,$(wildcard bpf/*.bpf.c))
BPF_OBJS  := $(patsubst %,$(BUILD)/bpf/%.bpf.o,$(MODULES))
BPF_HDRS  := $(wildcard bpf/*.h)
LIB_SRCS  := loader/parse.c loader/pwevent.c
GEN_HDRS  := $(BUILD)/gen/syscall_names.h $(BUILD)/gen/cap_names.h
LIB_HDRS  := $(wildcard loader/*.h) bpf/pinwatch.h $(GEN_HDRS)
BINS      := $(BUILD)/pinwatch-load $(BUILD)/pinwatch-read
UNIT_TESTS := $(BUILD)/test_pwevent

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := pwevent parse
FUZZ_SRCS_pwevent := loader/pwevent.c
FUZZ_SRCS_parse := loader/parse.c

.PHONY: all deps run test unit-test clean check-sanitize fuzz fuzz-seeds bench bench-build
all: $(BINS) $(BPF_OBJS) $(BUILD)/syscalls.txt

deps:
	scripts/setup

$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

# Syscall names, generated from the libc headers of this architecture (never
# typed by hand): "nr name" per line, read by the scripts (pinwatch syscount,
# pinwatch config set syscalls); the consumer's C table is made from it. The
# second pass lets cpp resolve numbers defined through other macros (arm64).
$(BUILD)/syscalls.txt:
	@mkdir -p $(@D)
	printf '#include <asm/unistd.h>\n' | $(CC) -E -dM -x c - | \
		sed -n 's/^#define __NR_\([a-z0-9_]*\) .*/\1/p' | grep -vx syscalls | sort -u | \
		awk 'BEGIN { print "#include <asm/unistd.h>" } { print $$1, "__NR_" $$1 }' | \
		$(CC) -E -P -x c - | awk 'NF == 2 && $$2 ~ /^[0-9]+$$/ { print $$2, $$1 }' | \
		sort -n >$@.tmp
	test -s $@.tmp && mv $@.tmp $@

$(BUILD)/gen/syscall_names.h: $(BUILD)/syscalls.txt
	@mkdir -p $(@D)
	awk '{ printf "\t[%s] = \"%s\",\n", $$1, $$2 }' $< >$@.tmp && mv $@.tmp $@

# Capability names (CAP_CHOWN = 0, ...), from linux/capability.h.
$(BUILD)/gen/cap_names.h:
	@mkdir -p $(@D)
	printf '#include <linux/capability.h>\n' | $(CC) -E -dM -x c - | \
		awk '$$1 == "#define" && $$2 ~ /^CAP_[A-Z_]+$$/ && $$3 ~ /^[0-9]+$$/ && $$2 != "CAP_LAST_CAP" \
			{ printf "\t[%s] = \"%s\",\n", $$3, $$2 }' | sort -t[ -k2 -n >$@.tmp
	test -s $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/pinwatch-load: loader/load.c loader/parse.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) loader/load.c loader/parse.c -o $@ $(LDLIBS)

$(BUILD)/pinwatch-read: loader/read.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) loader/read.c $(LIB_SRCS) -o $@ $(LDLIBS)

$(BUILD)/test_pwevent: loader/tests/test_pwevent.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $< $(LIB_SRCS) -o $@

unit-test: $(UNIT_TESTS)
	$(BUILD)/test_pwevent

run: deps
	$(MAKE) all
	scripts/pinwatch up process
	scripts/pinwatch events

test: deps
	$(MAKE) all $(UNIT_TESTS)
	tests/run

# Benchmarks (BENCHMARKS.md): bench-only BPF objects and C programs,
# kept out of `all` and of the module list. Never part of `make test`.
BENCH_BPF  := $(BUILD)/bench/empty.bpf.o $(BUILD)/bench/bench_rb.bpf.o
BENCH_BINS := $(BUILD)/bench/pw-bench $(BUILD)/bench/pw-bench-loop

bench-build: $(BENCH_BPF) $(BENCH_BINS)

$(BUILD)/bench/%.bpf.o: tests/bench/bpf/%.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/pw-bench: tests/bench/harness.c bpf/pinwatch.h
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $< -o $@ $(LDLIBS)

$(BUILD)/bench/pw-bench-loop: tests/bench/loop.c
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $< -o $@

# BENCH_QUICK=1: a short smoke run (fewer rounds and operations).
bench: deps
	$(MAKE) all bench-build
	tests/bench/run

# The user-space C built with ASan and UBSan into build-san/, then the unit
# tests and the whole bats suite run against it.
check-sanitize: deps
	$(MAKE) BUILD=build-san SAN="$(SAN_FLAGS)" CFLAGS="-O1 -g" all build-san/test_pwevent
	PINWATCH_BUILD=$(CURDIR)/build-san ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 tests/run

$(BUILD)/fuzz/fuzz_%: loader/tests/fuzz_%.c $(LIB_HDRS) loader/pwevent.c loader/parse.c
	@mkdir -p $(@D)
	$(CLANG) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Ibpf -Iloader -I$(BUILD)/gen $< $(FUZZ_SRCS_$*) -o $@

# FUZZ_SECONDS per target, starting from the committed seed corpus (copied,
# so the repository is not written to). Prints one line per target.
fuzz: $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
		work=$(BUILD)/fuzz/corpus-$$t; rm -rf $$work; mkdir -p $$work; \
		cp tests/fuzz/corpus/$$t/* $$work/; \
		if $(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
			-artifact_prefix=$(BUILD)/fuzz/crash-$$t- $$work >$(BUILD)/fuzz/$$t.log 2>&1; then \
			echo "fuzz $$t: ok, $$(grep -o 'Done [0-9]* runs' $(BUILD)/fuzz/$$t.log) in $(FUZZ_SECONDS) s"; \
		else echo "fuzz $$t: FAILED (see $(BUILD)/fuzz/$$t.log)"; tail -20 $(BUILD)/fuzz/$$t.log; exit 1; fi; \
	done

fuzz-seeds: $(BUILD)/make_seeds
	mkdir -p tests/fuzz/corpus/pwevent
	$(BUILD)/make_seeds tests/fuzz/corpus/pwevent

$(BUILD)/make_seeds: loader/tests/make_seeds.c bpf/pinwatch.h
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $< -o $@

clean:
	rm -rf $(BUILD) build-san
