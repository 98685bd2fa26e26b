# pinwatch: `make run` (set up, load the process module, stream events) and
# `make test` (set up, build, run the whole suite). Both need root.
BUILD     ?= build
CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CFLAGS    ?= -O2 -g
# SAN adds sanitizers (make check-sanitize); kept apart so that a CFLAGS
# given on the command line cannot drop the warnings.
SAN       ?=
PW_CFLAGS  = $(CFLAGS) $(SAN) -Wall -Wextra -Werror -Ibpf -Iloader
LDLIBS    := -lbpf -lelf -lz -lpthread
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf -Wall -Werror

MODULES   := $(patsubst bpf/%.bpf.c,%,$(wildcard bpf/*.bpf.c))
BPF_OBJS  := $(patsubst %,$(BUILD)/bpf/%.bpf.o,$(MODULES))
# Objects `pinwatch up` does not load (build/bpf/ondemand/): the uprobe
# object, loaded once per `pinwatch uprobe add`, and the on-demand tools.
ONDEMAND_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(wildcard bpf/ondemand/*.bpf.c))
BPF_HDRS  := $(wildcard bpf/*.h bpf/ondemand/*.h)
LIB_SRCS  := loader/parse.c loader/pwevent.c
LIB_HDRS  := $(wildcard loader/*.h) bpf/pinwatch.h
BINS      := $(BUILD)/pinwatch-load $(BUILD)/pinwatch-read
# On-demand tools: loader/TOOL.c with its object embedded as a skeleton
TOOLS     := profile memleak llcstat
TOOL_BINS := $(patsubst %,$(BUILD)/pinwatch-%,$(TOOLS))
UNIT_TESTS := $(BUILD)/test_pwevent $(BUILD)/test_syms $(BUILD)/test_uprobe_events

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := pwevent parse
FUZZ_SRCS_pwevent := loader/pwevent.c
FUZZ_SRCS_parse := loader/parse.c

.PHONY: all deps run test unit-test clean check-sanitize fuzz fuzz-seeds
all: $(BINS) $(TOOL_BINS) $(BPF_OBJS) $(ONDEMAND_OBJS)

deps:
	scripts/setup

$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/pinwatch-load: loader/load.c loader/parse.c loader/syms.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) loader/load.c loader/parse.c loader/syms.c -o $@ $(LDLIBS)

$(BUILD)/pinwatch-read: loader/read.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) loader/read.c $(LIB_SRCS) -o $@ $(LDLIBS)

$(BUILD)/%.skel.h: $(BUILD)/bpf/ondemand/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(TOOL_BINS): $(BUILD)/pinwatch-%: loader/%.c $(BUILD)/%.skel.h loader/tool.c loader/tool.h \
		loader/syms.c loader/syms.h $(LIB_SRCS) $(LIB_HDRS)
	$(CC) $(PW_CFLAGS) -I$(BUILD) -Ibpf/ondemand $< loader/tool.c loader/syms.c $(LIB_SRCS) -o $@ $(LDLIBS)

$(BUILD)/test_pwevent: loader/tests/test_pwevent.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $< $(LIB_SRCS) -o $@

$(BUILD)/test_uprobe_events: loader/tests/test_uprobe_events.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $< $(LIB_SRCS) -o $@

$(BUILD)/test_syms: loader/tests/test_syms.c loader/syms.c loader/syms.h
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $< loader/syms.c -o $@ -lelf

unit-test: $(UNIT_TESTS)
	$(BUILD)/test_pwevent
	$(BUILD)/test_syms
	$(BUILD)/test_uprobe_events

run: deps
	$(MAKE) all
	scripts/pinwatch up process
	scripts/pinwatch events

test: deps
	$(MAKE) all $(UNIT_TESTS)
	tests/run

# The user-space C built with ASan and UBSan into build-san/, then the unit
# tests and the whole bats suite run against it.
check-sanitize: deps
	$(MAKE) BUILD=build-san SAN="$(SAN_FLAGS)" CFLAGS="-O1 -g" all build-san/test_pwevent build-san/test_syms build-san/test_uprobe_events
	PINWATCH_BUILD=$(CURDIR)/build-san ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 tests/run

$(BUILD)/fuzz/fuzz_%: loader/tests/fuzz_%.c $(LIB_HDRS) loader/pwevent.c loader/parse.c
	@mkdir -p $(@D)
	$(CLANG) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Ibpf -Iloader $< $(FUZZ_SRCS_$*) -o $@

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
