# pinwatch: `make run` (set up, load the process module, stream events) and
# `make test` (set up, build, run the whole suite). Both need root.
BUILD     ?= build
CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CFLAGS    ?= -O2 -g
CFLAGS    += -Wall -Wextra -Werror -Ibpf -Iloader
LDLIBS    := -lbpf -lelf -lz -lpthread
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf -Wall -Werror

# bpf/tpwatch.bpf.c is no module (`pinwatch tp watch` loads it): it is built
# outside build/bpf/, where `pinwatch up` looks for modules.
TOOL_BPF  := tpwatch
MODULES   := $(filter-out $(TOOL_BPF),$(patsubst bpf/%.bpf.c,%,$(wildcard bpf/*.bpf.c)))
BPF_OBJS  := $(patsubst %,$(BUILD)/bpf/%.bpf.o,$(MODULES))
TOOL_OBJS := $(patsubst %,$(BUILD)/%.bpf.o,$(TOOL_BPF))
BPF_HDRS  := $(wildcard bpf/*.h)
LIB_SRCS  := loader/parse.c loader/pwevent.c loader/tpformat.c
LIB_HDRS  := $(wildcard loader/*.h) bpf/pinwatch.h
BINS      := $(BUILD)/pinwatch-load $(BUILD)/pinwatch-read $(BUILD)/pinwatch-tp
UNIT_TESTS := $(BUILD)/test_pwevent $(BUILD)/test_tpformat

PREFIX    ?= /usr/local
DESTDIR   ?=
PW_LIBDIR  = $(PREFIX)/lib/pinwatch
SBINDIR    = $(PREFIX)/sbin
UNITDIR   ?= $(PREFIX)/lib/systemd/system
UNITS     := scripts/systemd/pinwatch.service scripts/systemd/pinwatch-events.service

.PHONY: all deps run test unit-test clean install uninstall
all: $(BINS) $(BPF_OBJS) $(TOOL_OBJS)

deps:
	scripts/setup

$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/pinwatch-load: loader/load.c loader/parse.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) loader/load.c loader/parse.c -o $@ $(LDLIBS)

READ_SRCS := loader/read.c loader/output.c loader/tpwatch.c

$(BUILD)/pinwatch-read: $(READ_SRCS) $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(READ_SRCS) $(LIB_SRCS) -o $@ $(LDLIBS)

$(BUILD)/pinwatch-tp: loader/tptool.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) loader/tptool.c $(LIB_SRCS) -o $@ $(LDLIBS)

$(BUILD)/test_pwevent: loader/tests/test_pwevent.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< $(LIB_SRCS) -o $@

$(BUILD)/test_tpformat: loader/tests/test_tpformat.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< $(LIB_SRCS) -o $@

unit-test: $(UNIT_TESTS)
	$(BUILD)/test_pwevent
	$(BUILD)/test_tpformat

run: deps
	$(MAKE) all
	scripts/pinwatch up process
	scripts/pinwatch events

test: deps
	$(MAKE) all $(UNIT_TESTS)
	tests/run

# Installs the tree the control plane expects (scripts/ next to build/)
# under $(PREFIX)/lib/pinwatch, commands in $(PREFIX)/sbin and the systemd
# units in $(UNITDIR), their paths rewritten for $(PREFIX).
install: all
	install -d $(DESTDIR)$(PW_LIBDIR)/scripts/lib $(DESTDIR)$(PW_LIBDIR)/scripts/libexec \
		$(DESTDIR)$(PW_LIBDIR)/build/bpf $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR)
	install -m 0755 scripts/pinwatch $(DESTDIR)$(PW_LIBDIR)/scripts/
	install -m 0644 scripts/lib/*.bash $(DESTDIR)$(PW_LIBDIR)/scripts/lib/
	install -m 0755 scripts/libexec/pinwatch-* $(DESTDIR)$(PW_LIBDIR)/scripts/libexec/
	install -m 0755 $(BINS) $(DESTDIR)$(PW_LIBDIR)/build/
	install -m 0644 $(BPF_OBJS) $(DESTDIR)$(PW_LIBDIR)/build/bpf/
	install -m 0644 $(TOOL_OBJS) $(DESTDIR)$(PW_LIBDIR)/build/
	ln -sfn ../lib/pinwatch/scripts/pinwatch $(DESTDIR)$(SBINDIR)/pinwatch
	ln -sfn ../lib/pinwatch/build/pinwatch-read $(DESTDIR)$(SBINDIR)/pinwatch-read
	ln -sfn ../lib/pinwatch/build/pinwatch-load $(DESTDIR)$(SBINDIR)/pinwatch-load
	for u in $(UNITS); do \
		sed 's|/usr/local/|$(PREFIX)/|g' $$u >$(DESTDIR)$(UNITDIR)/$${u##*/} && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done

uninstall:
	rm -rf $(DESTDIR)$(PW_LIBDIR)
	rm -f $(DESTDIR)$(SBINDIR)/pinwatch $(DESTDIR)$(SBINDIR)/pinwatch-read $(DESTDIR)$(SBINDIR)/pinwatch-load
	for u in $(UNITS); do rm -f $(DESTDIR)$(UNITDIR)/$${u##*/}; done

clean:
	rm -rf $(BUILD)
