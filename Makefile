# pinwatch: `make run` (set up, load the process module, stream events),
# `make test` (set up, build, run the whole suite) and `make vmtest` (the
# suite again on Debian's 6.1 kernel in a qemu guest; see tests/vm/run).
# All need root.
BUILD     ?= build
CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CFLAGS    ?= -O2 -g
CFLAGS    += -Wall -Wextra -Werror -Ibpf -Iloader
LDLIBS    := -lbpf -lelf -lz -lpthread
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf -Wall -Werror

MODULES   := $(patsubst bpf/%.bpf.c,%,$(wildcard bpf/*.bpf.c))
BPF_OBJS  := $(patsubst %,$(BUILD)/bpf/%.bpf.o,$(MODULES))
BPF_HDRS  := $(wildcard bpf/*.h)
LIB_SRCS  := loader/parse.c loader/pwevent.c
LIB_HDRS  := $(wildcard loader/*.h) bpf/pinwatch.h
BINS      := $(BUILD)/pinwatch-load $(BUILD)/pinwatch-read
UNIT_TESTS := $(BUILD)/test_pwevent

.PHONY: all deps run test unit-test vmtest vmtest-full clean
all: $(BINS) $(BPF_OBJS)

deps:
	scripts/setup

$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

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

# The guest runs the same build: build/ is seen through its 9p root.
vmtest vmtest-full:
	scripts/setup --vm
	$(MAKE) all $(UNIT_TESTS)
	tests/vm/run $(if $(filter vmtest-full,$@),--full)

clean:
	rm -rf $(BUILD)
