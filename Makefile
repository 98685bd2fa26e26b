# pinwatch: `make run` (set up, load the process module, stream events),
# `make test` (set up, build, run the whole test job), `make vmtest` (the
# kernel-dependent tests again on Debian's 6.1 kernel in a qemu guest; see tests/vm/run) and
# `make bench` (the benchmarks of tests/bench/). All need root.
BUILD     ?= build
CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CFLAGS    ?= -O2 -g
# SAN adds sanitizers (make check-sanitize); kept apart so that a CFLAGS
# given on the command line cannot drop the warnings.
SAN       ?=
PW_CFLAGS  = $(CPPFLAGS) $(CFLAGS) $(SAN) -Wall -Wextra -Werror -Ibpf -Iloader -I$(BUILD)/gen
LDLIBS    := $(LDFLAGS) -lbpf -lelf -lz -lpthread
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf -Wall -Werror

# bpf/tpwatch.bpf.c is no module (`pinwatch tp watch` loads it): it is built
# outside build/bpf/, where `pinwatch up` looks for modules.
TOOL_BPF  := tpwatch
MODULES   := $(filter-out $(TOOL_BPF),$(patsubst bpf/%.bpf.c,%,$(wildcard bpf/*.bpf.c)))
BPF_OBJS  := $(patsubst %,$(BUILD)/bpf/%.bpf.o,$(MODULES))
TOOL_OBJS := $(patsubst %,$(BUILD)/%.bpf.o,$(TOOL_BPF))
# Objects `pinwatch up` does not load (build/bpf/ondemand/): the uprobe
# object, loaded once per `pinwatch uprobe add`, and the on-demand tools.
ONDEMAND_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(wildcard bpf/ondemand/*.bpf.c))
BPF_HDRS  := $(wildcard bpf/*.h bpf/ondemand/*.h)
LIB_SRCS  := loader/parse.c loader/writer.c loader/pwevent.c loader/tpformat.c loader/container.c loader/lineage.c
GEN_HDRS  := $(BUILD)/gen/syscall_names.h $(BUILD)/gen/cap_names.h $(BUILD)/gen/iouring_names.h \
	$(BUILD)/gen/ptrace_requests.h
# Generated headers the BPF objects include too.
BPF_GEN_HDRS := $(BUILD)/gen/ptrace_requests.h
GEN_HDRS  += $(BUILD)/gen/bpf_names.h
LIB_HDRS  := $(wildcard loader/*.h loader/ondemand/*.h loader/tests/*.h) bpf/pinwatch.h $(GEN_HDRS)
BINS      := $(BUILD)/pinwatch-load $(BUILD)/pinwatch-read $(BUILD)/pinwatch-tp $(BUILD)/pinwatch-rule
# On-demand tools: pinwatch-TOOL is built from loader/ondemand/TOOL.c, its
# object (bpf/ondemand/TOOL.bpf.c) embedded as a skeleton
# (build/ondemand/TOOL.skel.h), and what the tools share.
TOOLS     := profile memleak llcstat funclatency
TOOL_BINS := $(patsubst %,$(BUILD)/pinwatch-%,$(TOOLS))
TOOL_SRCS := loader/ondemand/tool.c loader/bpfobj.c loader/syms.c loader/parse.c loader/writer.c loader/fold.c
UNIT_TESTS := $(BUILD)/test_pwevent $(BUILD)/test_parse $(BUILD)/test_tpformat \
	$(BUILD)/test_syms $(BUILD)/test_uprobe_events $(BUILD)/test_bpfobj $(BUILD)/test_hash \
	$(BUILD)/test_consumer $(BUILD)/test_rule

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := pwevent parse tpformat writer
FUZZ_SRCS_pwevent := loader/writer.c loader/pwevent.c loader/tpformat.c loader/lineage.c
FUZZ_SRCS_parse := loader/parse.c
FUZZ_SRCS_tpformat := loader/tpformat.c loader/writer.c loader/pwevent.c loader/lineage.c
FUZZ_SRCS_writer := loader/writer.c

PREFIX    ?= /usr/local
DESTDIR   ?=
PW_LIBDIR  = $(PREFIX)/lib/pinwatch
SBINDIR    = $(PREFIX)/sbin
UNITDIR   ?= $(PREFIX)/lib/systemd/system
UNITS     := scripts/systemd/pinwatch.service scripts/systemd/pinwatch-events.service
MANDIR     = $(PREFIX)/share/man
DOCDIR     = $(PREFIX)/share/doc/pinwatch
COMPLETIONDIR = $(PREFIX)/share/bash-completion/completions
# Prometheus alerting and recording rules, for prometheus.yml's rule_files
RULESDIR   = $(PREFIX)/share/pinwatch/prometheus
DOCS      := README.md pinned-layout.md BENCHMARKS.md docs/tracepoints.md

# The version has one source, debian/changelog's first entry. The git
# revision is the checkout's (with -dirty for uncommitted changes), "unknown"
# where the tree is no git checkout of its own; `make deb` builds in a copy
# and passes it in. $(BUILD)/gen/pw_version.h holds both (loader/version.h).
PW_VERSION := $(shell sed -n '1s/^pinwatch .\([^ ]*\). .*/\1/p' debian/changelog)
ifndef PW_GIT_REV
PW_GIT_REV := $(shell [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ] && \
	git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
endif
# The changelog entry's date: man pages carry it (reproducible builds).
ifndef SOURCE_DATE_EPOCH
SOURCE_DATE_EPOCH := $(shell date -d "$$(sed -n 's/^ -- .*>  //p' debian/changelog | head -n 1)" +%s)
endif
export SOURCE_DATE_EPOCH

.PHONY: all deps run test check unit-test clean check-sanitize fuzz fuzz-seeds install uninstall vmtest vmtest-full vmtest-systemd \
	bench bench-build man deb FORCE
all: $(BINS) $(TOOL_BINS) $(BPF_OBJS) $(ONDEMAND_OBJS) $(TOOL_OBJS) $(BUILD)/syscalls.txt man

# Rewritten only when its text changes, so that a new revision rebuilds the
# programs that print it and nothing else.
$(BUILD)/gen/pw_version.h: FORCE
	@mkdir -p $(@D)
	@printf '#define PW_VERSION "%s"\n#define PW_GIT_REV "%s"\n' '$(PW_VERSION)' '$(PW_GIT_REV)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi
FORCE:

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

# ptrace requests (PTRACE_ATTACH = 16, ...), from linux/ptrace.h and the
# architecture's asm/ptrace-abi.h: PW_PTRACE_REQ(NAME, number, reported),
# one per number (of two names, the first in sort order). reported: the
# ptrace module reports it by default (attach, detach and every write:
# POKE*, SET*); the others (reads, CONT, SINGLESTEP, ...) only with config
# ptrace_all_requests.
# PEEKUSR/POKEUSR are spelled PEEKUSER/POKEUSER, as glibc and strace do.
$(BUILD)/gen/ptrace_requests.h:
	@mkdir -p $(@D)
	printf '#include <linux/ptrace.h>\n' | $(CC) -E -dM -x c - | \
		awk '$$1 == "#define" && $$2 ~ /^PTRACE_[A-Z0-9_]+$$/ && \
			$$2 !~ /^PTRACE_(EVENT|O|SYSCALL_INFO|EVENTMSG)_/ && $$2 != "PTRACE_PEEKSIGINFO_SHARED" && \
			$$3 ~ /^(0x[0-9a-fA-F]+|[0-9]+)$$/ { print $$3, substr($$2, 8) }' | sort -k2 | \
		awk '!seen[$$1]++ { name = $$2; sub(/USR$$/, "USER", name); \
			rep = name ~ /^(POKE|SET|OLDSET)/ || name ~ /^(ATTACH|SEIZE|TRACEME|DETACH)$$/; \
			printf "\tPW_PTRACE_REQ(%s, %s, %d)\n", name, $$1, rep }' >$@.tmp
	grep -q 'PW_PTRACE_REQ(ATTACH, 16, 1)' $@.tmp && mv $@.tmp $@

# bpf() command, map, program and attach type names, from the enums of
# linux/bpf.h: PW_BPF_<ENUM>_NAMES, "[BPF_MAP_CREATE] = "MAP_CREATE"," per
# member (the values resolved by the compiler; an alias "A = B" gives B's
# slot the name A).
BPF_ENUMS := bpf_cmd:BPF_ bpf_map_type:BPF_MAP_TYPE_ bpf_prog_type:BPF_PROG_TYPE_ bpf_attach_type:BPF_
$(BUILD)/gen/bpf_names.h:
	@mkdir -p $(@D)
	for e in $(BPF_ENUMS); do \
		printf '#include <linux/bpf.h>\n' | $(CC) -E -P -x c - | \
		awk -v e="$${e%%:*}" -v p="$${e#*:}" ' \
			$$0 ~ "^enum " e " *\\{" { on = 1; next } \
			on && /^ *\}/ { on = 0 } \
			on && match($$0, /^[ \t]*[A-Z][A-Z0-9_]*/) { \
				m = substr($$0, RSTART, RLENGTH); gsub(/[ \t]/, "", m); \
				if (m ~ /^__/ || m !~ "^" p) next; \
				if (match($$0, /= *[A-Z_][A-Z0-9_]*/)) { \
					a = substr($$0, RSTART, RLENGTH); sub(/= */, "", a); alias[a] = m; next } \
				order[n++] = m } \
			END { if (!n) exit 1; print "#define PW_" toupper(e) "_NAMES \\"; \
				for (i = 0; i < n; i++) { m = order[i]; nm = (m in alias) ? alias[m] : m; \
					sub("^" p, "", nm); printf "\t[%s] = \"%s\", \\\n", m, nm } \
				print "" }' || exit 1; \
	done >$@.tmp
	mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(BPF_GEN_HDRS) $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# io_uring names, from linux/io_uring.h: X-macro lists of the names after
# their prefix (the compiler takes the values from the header itself):
# PW_GEN_IORING_OPS (IORING_OP_*, enum io_uring_op, so from the preprocessed
# text), PW_GEN_IORING_REGISTER_OPS (IORING_[UN]REGISTER_*, the enum from
# IORING_REGISTER_BUFFERS to its LAST marker, without the USE_REGISTERED_RING
# flag bit; other enums reuse the prefix for flags), PW_GEN_IORING_SETUP
# (IORING_SETUP_* flags, defines).
$(BUILD)/gen/iouring_names.h:
	@mkdir -p $(@D)
	{ printf '#define PW_GEN_IORING_OPS(X)'; \
	  printf '#include <linux/io_uring.h>\n' | $(CC) -E -x c - | \
		awk '/enum io_uring_op/, /IORING_OP_LAST/' | \
		grep -oE '\bIORING_OP_[A-Z0-9_]+\b' | grep -vx IORING_OP_LAST | awk '!s[$$0]++' | \
		sed 's/^IORING_OP_\(.*\)/ X(\1)/' | tr -d '\n'; echo; \
	  printf '#define PW_GEN_IORING_REGISTER_OPS(X)'; \
	  printf '#include <linux/io_uring.h>\n' | $(CC) -E -x c - | \
		awk '/IORING_REGISTER_BUFFERS[ \t]*=/, /IORING_REGISTER_LAST/' | \
		grep -oE '\bIORING_(UN)?REGISTER_[A-Z0-9_]+\b' | \
		grep -vxE 'IORING_REGISTER_(LAST|USE_REGISTERED_RING)' | awk '!s[$$0]++' | \
		sed 's/^IORING_\(.*\)/ X(\1)/' | tr -d '\n'; echo; \
	  printf '#define PW_GEN_IORING_SETUP(X)'; \
	  printf '#include <linux/io_uring.h>\n' | $(CC) -E -dM -x c - | \
		awk '$$1 == "#define" && $$2 ~ /^IORING_SETUP_[A-Z0-9_]+$$/ { print $$2 }' | sort | \
		sed 's/^IORING_SETUP_\(.*\)/ X(\1)/' | tr -d '\n'; echo; } >$@.tmp
	grep -q 'X(OPENAT)' $@.tmp && grep -q 'X(REGISTER_FILES)' $@.tmp && grep -q 'X(SQPOLL)' $@.tmp
	mv $@.tmp $@

LOAD_SRCS := loader/load.c loader/mapsize.c loader/abi.c loader/probe.c loader/uprobe.c loader/bpfobj.c loader/parse.c \
	loader/syms.c loader/snapshot.c loader/ps.c loader/writer.c loader/container.c loader/fold.c loader/stacks.c

$(BUILD)/pinwatch-load: $(LOAD_SRCS) $(LIB_HDRS) $(BUILD)/gen/pw_version.h
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $(LOAD_SRCS) -o $@ $(LDLIBS)

READ_SRCS := loader/read.c loader/consumer.c loader/output.c loader/tpwatch.c loader/bpfobj.c \
	loader/hash.c

# The consumer alone hashes executed files (loader/hash.c): SHA-256 from
# OpenSSL's libcrypto (libssl-dev; libssl3 at run time).
$(BUILD)/pinwatch-read: $(READ_SRCS) $(LIB_SRCS) $(LIB_HDRS) $(BUILD)/gen/pw_version.h
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $(READ_SRCS) $(LIB_SRCS) -o $@ $(LDLIBS) -lcrypto

# pinwatch-rule: the rules' control plane (`pinwatch rule`).
# It links the loader's probes (loader/probe.c, with bpfobj.c for the map
# allocation probe): a deny rule names what the kernel lacks.
$(BUILD)/pinwatch-rule: loader/rule.c loader/probe.c loader/bpfobj.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) loader/rule.c loader/probe.c loader/bpfobj.c $(LIB_SRCS) -o $@ $(LDLIBS)

TP_SRCS := loader/tp.c loader/bpfobj.c loader/tpformat.c loader/writer.c

$(BUILD)/pinwatch-tp: $(TP_SRCS) $(LIB_HDRS) $(BUILD)/gen/pw_version.h
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $(TP_SRCS) -o $@ $(LDLIBS)

$(BUILD)/ondemand/%.skel.h: $(BUILD)/bpf/ondemand/%.bpf.o
	@mkdir -p $(@D)
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(TOOL_BINS): $(BUILD)/pinwatch-%: loader/ondemand/%.c $(BUILD)/ondemand/%.skel.h $(TOOL_SRCS) $(LIB_HDRS) \
		$(BUILD)/gen/pw_version.h
	$(CC) $(PW_CFLAGS) -I$(BUILD)/ondemand -Ibpf/ondemand $< $(TOOL_SRCS) $(TOOL_EXTRA_$*) -o $@ $(LDLIBS)
# funclatency probes its variants on the function as pinwatch-load does
TOOL_EXTRA_funclatency := loader/probe.c
$(BUILD)/pinwatch-funclatency: $(TOOL_EXTRA_funclatency)

$(BUILD)/test_pwevent: loader/tests/test_pwevent.c loader/tests/check.h $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $< $(LIB_SRCS) -o $@

$(BUILD)/test_parse: loader/tests/test_parse.c loader/tests/check.h loader/parse.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $< loader/parse.c -o $@

$(BUILD)/test_tpformat: loader/tests/test_tpformat.c loader/tests/check.h $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $< $(LIB_SRCS) -o $@


$(BUILD)/test_uprobe_events: loader/tests/test_uprobe_events.c loader/tests/check.h $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $< $(LIB_SRCS) -o $@

$(BUILD)/test_bpfobj: loader/tests/test_bpfobj.c loader/tests/check.h loader/bpfobj.c loader/bpfobj.h
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $< loader/bpfobj.c -o $@ $(LDLIBS)

$(BUILD)/test_hash: loader/tests/test_hash.c loader/tests/check.h loader/hash.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $< loader/hash.c loader/writer.c -o $@ -lpthread -lcrypto

# test_rule includes loader/rule.c whole (its parser is static).
$(BUILD)/test_rule: loader/tests/test_rule.c loader/tests/check.h loader/rule.c loader/probe.c loader/bpfobj.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $< loader/probe.c loader/bpfobj.c $(LIB_SRCS) -o $@ $(LDLIBS)

$(BUILD)/test_consumer: loader/tests/test_consumer.c loader/tests/check.h loader/consumer.c loader/consumer.h bpf/pinwatch.h
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $< loader/consumer.c -o $@ $(LDLIBS)

$(BUILD)/test_syms: loader/tests/test_syms.c loader/tests/check.h loader/syms.c loader/syms.h
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $< loader/syms.c -o $@ -lelf

# Man pages, into $(BUILD)/man/: pinwatch(8) from the dispatcher's --help
# and each command's (man/mkpinwatch8), pinwatch-read(8) and pinwatch-load(8)
# from their --help (help2man), pinwatch-layout(7) from pinned-layout.md
# (lowdown: a small C markdown translator with a man backend that renders
# the document's tables through tbl; go-md2man drops its HTML blocks and
# pandoc is a 170 MB install). The date is the changelog entry's.
MAN_PAGES := $(BUILD)/man/pinwatch.8 $(BUILD)/man/pinwatch-read.8 $(BUILD)/man/pinwatch-load.8 \
	$(BUILD)/man/pinwatch-layout.7
MAN_DATE   = $(shell date -u -d @$(SOURCE_DATE_EPOCH) '+%B %Y')
man: $(MAN_PAGES)

$(BUILD)/man/pinwatch.8: man/mkpinwatch8 scripts/pinwatch $(wildcard scripts/libexec/pinwatch-*) debian/changelog
	@mkdir -p $(@D)
	man/mkpinwatch8 scripts/pinwatch '$(PW_VERSION)' '$(MAN_DATE)' >$@.tmp && mv $@.tmp $@

$(BUILD)/man/pinwatch-%.8: $(BUILD)/pinwatch-% man/pinwatch-%.h2m
	@mkdir -p $(@D)
	help2man --no-info --no-discard-stderr --section 8 --include man/pinwatch-$*.h2m $< -o $@.tmp && mv $@.tmp $@

# A NAME section first; the document's title becomes DESCRIPTION. The
# tables fit 80 columns (man --warnings says none is squeezed or has a line
# it cannot break): the page is left-adjusted (.ad l), the tables have no
# rules between cells (tbl allbox), tables of 5 columns or more a gap of 1
# en between columns (tbl's default is 3), and cells may break after / _ . , =
# (\:, a zero-width break point; paths and identifiers have no hyphens).
$(BUILD)/man/pinwatch-layout.7: pinned-layout.md debian/changelog
	@mkdir -p $(@D)
	{ printf '# NAME\n\npinwatch-layout - the pins pinwatch leaves under /sys/fs/bpf/pinwatch\n\n'; \
	  sed '1s/^# .*/# DESCRIPTION/' $<; } | \
		lowdown -s -Tman --nroff-nolinks -M title=pinwatch-layout -M section=7 \
			-M date=$$(date -u -d @$(SOURCE_DATE_EPOCH) +%F) -M 'source=pinwatch $(PW_VERSION)' \
			-M volume=pinwatch | \
		sed 's/^tab(|) expand allbox;$$/tab(|) expand;/' | \
		awk '/^\.TH / { print; print ".ad l"; next } /^T\}/ { c = 0 } /T\{$$/ { c = 1; print; next } \
			c && !/^\./ { gsub(/[\/_.,=]/, "&\\:") } \
			/^l[b l]*\.?$$/ && NF >= 5 { for (i = 1; i < NF; i++) $$i = $$i "1" } { print }' >$@.tmp && mv $@.tmp $@

unit-test: $(UNIT_TESTS)
	for t in $(UNIT_TESTS); do $$t || exit 1; done

run: deps
	$(MAKE) all
	scripts/pinwatch up process
	scripts/pinwatch events

# The whole test job (README's test command, .ci/run): host suite, the
# suite under ASan/UBSan, a short fuzzing run, the suite on 6.1 under qemu.
test: deps
	$(MAKE) all $(UNIT_TESTS)
	tests/all

# Only the unit tests and the bats suite on this kernel (for development).
check: deps
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
# tests and the bats files of SAN_BATS run against it: those whose claims go
# through user-space C of their own (the consumer's delivery, merging and
# state; every parser of user input; the loader's commands; the on-demand
# tools; the writers, hashing, lineage and containers; rules), and the three
# busiest modules' formatters. The other files' events are formatted by the
# same emitter table, which the unit tests and the pwevent fuzz target drive
# for every event type under the same sanitizers; running them again here
# took about a quarter of the CI job. SAN_BATS=all: the whole suite.
SAN_BATS ?= abi badinput cli consumer container deny execctx export flood funclatency hash hist \
	llcstat loader lineage memleak net process profile prometheus rules rulesel tamper \
	hardening stats tp uprobe file
check-sanitize: deps
	$(MAKE) BUILD=build-san SAN="$(SAN_FLAGS)" CFLAGS="-O1 -g" all build-san/test_pwevent build-san/test_parse \
		build-san/test_tpformat build-san/test_syms build-san/test_uprobe_events build-san/test_bpfobj \
		build-san/test_hash build-san/test_consumer build-san/test_rule
	PINWATCH_BUILD=$(CURDIR)/build-san ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		tests/run $(if $(filter all,$(SAN_BATS)),,$(foreach f,$(SAN_BATS),$(wildcard tests/$(f).bats)))

$(BUILD)/fuzz/fuzz_%: loader/tests/fuzz_%.c $(LIB_HDRS) $(LIB_SRCS)
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

# Regenerates the committed seed corpora: pwevent (one record of every event
# type the decoder knows, make_seeds checks each with the decoder) and
# tpformat (this kernel's format files with filters and records; needs
# tracefs). The parse and writer corpora are hand-written.
fuzz-seeds: $(BUILD)/make_seeds
	rm -rf tests/fuzz/corpus/pwevent tests/fuzz/corpus/tpformat
	mkdir -p tests/fuzz/corpus/pwevent
	$(BUILD)/make_seeds tests/fuzz/corpus/pwevent
	tests/fuzz/make-tpformat-seeds tests/fuzz/corpus/tpformat

$(BUILD)/make_seeds: loader/tests/make_seeds.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PW_CFLAGS) $< $(LIB_SRCS) -o $@

# Installs the tree the control plane expects (scripts/ next to build/)
# under $(PREFIX)/lib/pinwatch, commands in $(PREFIX)/sbin and the systemd
# units in $(UNITDIR), their paths rewritten for $(PREFIX).
# Everything the scripts look up under build/ is installed: the binaries
# (the on-demand tools too), the module objects, the on-demand objects
# (build/bpf/ondemand/: uprobe), tpwatch.bpf.o (next to pinwatch-read) and
# syscalls.txt (syscount, config set syscalls, hist). tests/systemd.bats
# checks each path the scripts name against the installed tree.
# The default rule pack (scripts/rules/default/*.rules) and its canaries
# (scripts/selftest/*.bash) go under scripts/ too: `up` and `selftest` find
# them next to themselves.
PACK_RULES = $(wildcard scripts/rules/default/*.rules)
PACK_CANARIES = $(wildcard scripts/selftest/*.bash)
install: all
	install -d $(DESTDIR)$(PW_LIBDIR)/scripts/lib $(DESTDIR)$(PW_LIBDIR)/scripts/libexec \
		$(DESTDIR)$(PW_LIBDIR)/scripts/rules/default $(DESTDIR)$(PW_LIBDIR)/scripts/selftest \
		$(DESTDIR)$(PW_LIBDIR)/build/bpf/ondemand $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(RULESDIR)
	install -m 0755 scripts/pinwatch $(DESTDIR)$(PW_LIBDIR)/scripts/
	install -m 0644 scripts/lib/*.bash $(DESTDIR)$(PW_LIBDIR)/scripts/lib/
	install -m 0755 scripts/libexec/pinwatch-* $(DESTDIR)$(PW_LIBDIR)/scripts/libexec/
	$(if $(PACK_RULES),install -m 0644 $(PACK_RULES) $(DESTDIR)$(PW_LIBDIR)/scripts/rules/default/)
	$(if $(PACK_CANARIES),install -m 0644 $(PACK_CANARIES) $(DESTDIR)$(PW_LIBDIR)/scripts/selftest/)
	install -m 0755 $(BINS) $(TOOL_BINS) $(DESTDIR)$(PW_LIBDIR)/build/
	install -m 0644 $(BPF_OBJS) $(DESTDIR)$(PW_LIBDIR)/build/bpf/
	install -m 0644 $(ONDEMAND_OBJS) $(DESTDIR)$(PW_LIBDIR)/build/bpf/ondemand/
	install -m 0644 $(TOOL_OBJS) $(BUILD)/syscalls.txt $(DESTDIR)$(PW_LIBDIR)/build/
	ln -sfn ../lib/pinwatch/scripts/pinwatch $(DESTDIR)$(SBINDIR)/pinwatch
	ln -sfn ../lib/pinwatch/build/pinwatch-read $(DESTDIR)$(SBINDIR)/pinwatch-read
	ln -sfn ../lib/pinwatch/build/pinwatch-load $(DESTDIR)$(SBINDIR)/pinwatch-load
	for u in $(UNITS); do \
		sed 's|/usr/local/|$(PREFIX)/|g' $$u >$(DESTDIR)$(UNITDIR)/$${u##*/} && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done
	install -m 0644 $(filter %.8,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(filter %.7,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man7/
	install -m 0644 scripts/completion/pinwatch $(DESTDIR)$(COMPLETIONDIR)/pinwatch
	install -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	install -m 0644 scripts/prometheus/pinwatch.rules.yml $(DESTDIR)$(RULESDIR)/

# The Debian package (debian/): build/deb/pinwatch_VERSION_ARCH.deb, built
# with dpkg-buildpackage in a copy of the tree under build/deb/ (the work
# tree stays clean): the files git knows, uncommitted changes included, or
# everything but the build directories outside a git checkout. The copy is
# no checkout: the git revision is passed in. lintian must find no error or
# warning (debian/pinwatch.lintian-overrides justifies each override).
DEB_ARCH   = $(shell dpkg --print-architecture)
DEB_FILE   = $(BUILD)/deb/pinwatch_$(PW_VERSION)_$(DEB_ARCH).deb
deb:
	scripts/setup --deb
	rm -rf $(BUILD)/deb
	mkdir -p $(BUILD)/deb/pinwatch-$(PW_VERSION)
	if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ]; then \
		git ls-files -z --cached --others --exclude-standard | \
			tar --null -T - --ignore-failed-read -cf - 2>/dev/null; \
	else \
		tar --exclude-vcs --exclude=./build --exclude=./build-san --exclude='./$(BUILD)' -cf - .; \
	fi | tar -C $(BUILD)/deb/pinwatch-$(PW_VERSION) -xf -
	cd $(BUILD)/deb/pinwatch-$(PW_VERSION) && \
		PW_GIT_REV='$(PW_GIT_REV)' dpkg-buildpackage -b -us -uc -jauto >../build.log 2>&1 || \
		{ tail -n 40 ../build.log; exit 1; }
	lintian --fail-on error,warning --info $(DEB_FILE)
	@echo "built $(DEB_FILE)"

uninstall:
	rm -rf $(DESTDIR)$(PW_LIBDIR)
	rm -f $(DESTDIR)$(SBINDIR)/pinwatch $(DESTDIR)$(SBINDIR)/pinwatch-read $(DESTDIR)$(SBINDIR)/pinwatch-load
	for u in $(UNITS); do rm -f $(DESTDIR)$(UNITDIR)/$${u##*/}; done
	for m in $(notdir $(MAN_PAGES)); do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$$m; done
	rm -f $(DESTDIR)$(COMPLETIONDIR)/pinwatch
	rm -rf $(DESTDIR)$(DOCDIR)
	rm -rf $(DESTDIR)$(PREFIX)/share/pinwatch

# The guest runs the same build: build/ is seen through its 9p root. vmtest
# runs the tests tagged vm-ci (what CI runs), vmtest-full every test; both
# then boot the guest again with systemd as PID 1 for the tests tagged
# vm-systemd (vmtest-systemd alone: tests/systemctl.bats, the units under a
# real systemd) and print one total (tests/vm/ci).
vmtest vmtest-full:
	scripts/setup --vm
	$(MAKE) all $(UNIT_TESTS)
	tests/vm/ci $(if $(filter vmtest-full,$@),--full)

vmtest-systemd:
	scripts/setup --vm
	$(MAKE) all $(UNIT_TESTS)
	tests/vm/run --systemd

clean:
	rm -rf $(BUILD) build-san
