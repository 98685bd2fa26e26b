# pinwatch: `make run` (set up, load the process module, stream events) and
# `make test` (set up, build, run the whole suite). Both need root.
BUILD     ?= build
CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CFLAGS    ?= -O2 -g
CFLAGS    += -Wall -Wextra -Werror -Ibpf -Iloader -I$(BUILD)/gen
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

.PHONY: all deps run test unit-test clean
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
	$(CC) $(CFLAGS) loader/load.c loader/parse.c -o $@ $(LDLIBS)

$(BUILD)/pinwatch-read: loader/read.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) loader/read.c $(LIB_SRCS) -o $@ $(LDLIBS)

$(BUILD)/test_pwevent: loader/tests/test_pwevent.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< $(LIB_SRCS) -o $@

unit-test: $(UNIT_TESTS)
	$(BUILD)/test_pwevent

run: deps
	$(MAKE) all
	scripts/pinwatch up process
	scripts/pinwatch events

test: deps
	$(MAKE) all $(UNIT_TESTS)
	tests/run

clean:
	rm -rf $(BUILD)
