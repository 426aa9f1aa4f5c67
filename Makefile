# igny8: build libigny8.a and the binaries over it, run the tests, install.
# GNU make; no configure step.  `make SANITIZE=1` builds with ASan and UBSan
# into build/san; `make WERROR=1` turns warnings into errors (CI does both).

VERSION = 0.1.0
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
SYSCONFDIR ?= /etc
DESTDIR ?=

PKGS = libcurl libcjson sqlite3 yaml-0.1 md4c-html libxml-2.0 libutf8proc libcrypto
# Asked of pkg-config the first time a recipe needs them, not when the
# Makefile is read: on a fresh machine the -dev packages (and pkg-config
# itself) only exist once the `deps` step below has run.  The eval keeps
# the answer, so pkg-config runs once per make, not once per compile.
PKG_CFLAGS = $(eval PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS = $(eval PKG_LIBS := $(shell pkg-config --libs $(PKGS)))$(PKG_LIBS)

CC ?= cc
CFLAGS ?= -O2 -g
override CFLAGS += -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-missing-field-initializers -pthread $(PKG_CFLAGS) \
	-DIG_VERSION='"$(VERSION)"' -DIG_DATADIR='"$(DATADIR)/igny8"' \
	-DIG_SYSCONFDIR='"$(SYSCONFDIR)"'
override LDLIBS += $(PKG_LIBS) -lm -pthread

ifeq ($(WERROR),1)
override CFLAGS += -Werror
endif

ifeq ($(SANITIZE),1)
O ?= build/san
override CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
override LDFLAGS += -fsanitize=address,undefined
else ifeq ($(TSAN),1)
O ?= build/tsan
override CFLAGS += -fsanitize=thread -fno-omit-frame-pointer
override LDFLAGS += -fsanitize=thread
else
O ?= .
endif

LIB_SRC := $(sort $(wildcard lib/*.c))
LIB_HDR := $(sort $(wildcard lib/*.h))
CMD_SRC := $(sort $(wildcard cmd/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/t-*.c))
DATA := $(sort $(wildcard data/*.yaml))
PROMPTS := $(sort $(wildcard prompts/*.md))

LIB_OBJ := $(LIB_SRC:%.c=$(O)/%.o)
LIBA := $(O)/lib/libigny8.a
BINS := $(CMD_SRC:cmd/%.c=$(O)/bin/%)
T := $(if $(filter .,$(O)),build/t,$(O)/t)
UNITS := $(UNIT_SRC:tests/unit/%.c=$(T)/%)
HELPERS := $(T)/ioerr.so
# Shipped data staged beside bin/ so <exe>/../share/igny8 finds it uninstalled.
DATA_STAGED := $(DATA:data/%=$(O)/share/igny8/%) $(PROMPTS:%=$(O)/share/igny8/%)

all: $(LIBA) $(BINS) $(DATA_STAGED)

# One install step per make, which everything that compiles or tests waits
# for (order-only): two apt-get runs started side by side by `make -j`
# would fight over the dpkg lock.  The test packages come along when a
# goal runs the tests.
DEPS_SET := $(if $(filter check check-valgrind,$(MAKECMDGOALS)),test,build)
deps:
	@scripts/deps $(DEPS_SET)

$(O)/lib/%.o: lib/%.c $(LIB_HDR) | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(O)/bin/%: cmd/%.c $(LIBA) $(LIB_HDR) | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ilib $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

$(T)/%: tests/unit/%.c tests/unit/tap.h $(LIBA) $(LIB_HDR) | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ilib $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

$(O)/share/igny8/%: data/%
	@mkdir -p $(@D)
	cp $< $@

$(O)/share/igny8/prompts/%: prompts/%
	@mkdir -p $(@D)
	cp $< $@

$(T)/ioerr.so: tests/inject/ioerr.c | deps
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -Wall -shared -fPIC -o $@ $< -ldl -lsqlite3 -pthread

# The test suite: C unit tests, then the shell end-to-end tests, all TAP,
# all run by prove, ending in its summary line.
PROVE_JOBS ?= 2
# CHECK_E2E picks end-to-end tests (tests/fresh/run runs a few).
CHECK_E2E ?= tests/e2e/*.t
check: all $(UNITS) $(HELPERS) | deps
	IGNY8_BUILD=$(abspath $(O)) IGNY8_T=$(abspath $(T)) prove -j$(PROVE_JOBS) --exec '' $(UNITS) :: && \
	IGNY8_BUILD=$(abspath $(O)) IGNY8_T=$(abspath $(T)) prove -j$(PROVE_JOBS) $(CHECK_E2E)

check-sanitize:
	$(MAKE) SANITIZE=1 WERROR=$(WERROR) check

# The suite under ThreadSanitizer: every report is kept in build/tsan/log
# and any report at all fails the target, whatever the tests said.  No
# sleep at exit (atexit_sleep_ms, 1 s by default, taken whenever another
# thread is alive): it counted against 8410's "Ctrl-C ends the run within
# a second", which then failed about one run in six (the run ends 35 ms
# after Ctrl-C, 1.04 s with TSan's sleep).
TSAN_LOG = $(abspath build/tsan/log)
check-tsan:
	rm -rf $(TSAN_LOG) && mkdir -p $(TSAN_LOG)
	@st=0; TSAN_OPTIONS="log_path=$(TSAN_LOG)/tsan second_deadlock_stack=1 atexit_sleep_ms=0 $(TSAN_OPTIONS)" \
		$(MAKE) TSAN=1 WERROR=$(WERROR) check || st=$$?; \
	if [ -n "$$(ls $(TSAN_LOG))" ]; then cat $(TSAN_LOG)/* >&2; \
		echo "check-tsan: ThreadSanitizer reports above" >&2; exit 1; fi; \
	exit $$st

# The end-to-end runs of every stage, under valgrind (leaks are errors).
VALGRIND_TESTS = $(wildcard tests/e2e/2000-*.t tests/e2e/3000-*.t tests/e2e/5*.t tests/e2e/61*.t \
	tests/e2e/8100-*.t tests/e2e/1100-*.t tests/e2e/7100-*.t)
check-valgrind: all | deps
	IGNY8_BUILD=$(abspath $(O)) IGNY8_T=$(abspath $(T)) IGNY8_VALGRIND=1 \
		prove -j$(PROVE_JOBS) $(VALGRIND_TESTS)

include bench/bench.mk

bench: all $(BENCH_BINS)
	@bench/run

demo: all
	@scripts/demo

fuzz:
	@scripts/deps fuzz
	@$(MAKE) -f tests/fuzz/fuzz.mk run FUZZ_SECONDS=$(FUZZ_SECONDS)

fuzz-replay:
	@scripts/deps fuzz
	@$(MAKE) -j2 -f tests/fuzz/fuzz.mk replay

lint:
	@! grep -nE '\b(sprintf|strcpy|strcat|strtok|atoi|gets)\(' lib/*.c cmd/*.c || \
		{ echo "lint: banned call above" >&2; exit 1; }

format:
	clang-format -i lib/*.c lib/*.h cmd/*.c

# Installed layout: binaries, libigny8.a with its public headers (the
# *_priv.h stay private) and igny8.pc, man pages, completions where bash,
# zsh and fish look for them, and the shipped data under $(DATADIR)/igny8,
# which the installed tools find as <exe>/../share/igny8.  Uninstall removes
# exactly these files.  igny8.pc is rebuilt every time so that it carries
# the PREFIX of this `make install`, not of an earlier one.
PUB_HDR := $(filter-out %_priv.h,$(LIB_HDR))
MAN1 := $(wildcard man/*.1)
MAN5 := $(wildcard man/*.5)
MAN7 := $(wildcard man/*.7)
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATADIR)/zsh/site-functions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d
# bash-completion and fish load a file named after the command being
# completed, so the one script goes in once per binary; zsh reads #compdef.
BASHCOMP_NAMES := $(notdir $(BINS))

$(O)/igny8.pc: igny8.pc.in FORCE
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@VERSION@|$(VERSION)|; s|@PKGS@|$(PKGS)|' igny8.pc.in > $@

install: all $(O)/igny8.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCLUDEDIR)/igny8 $(DESTDIR)$(DATADIR)/igny8/prompts \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 644 $(LIBA) $(DESTDIR)$(LIBDIR)/
	install -m 644 $(O)/igny8.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 644 $(PUB_HDR) $(DESTDIR)$(INCLUDEDIR)/igny8/
	install -m 644 $(PROMPTS) $(DESTDIR)$(DATADIR)/igny8/prompts/
	install -m 644 $(DATA) $(DESTDIR)$(DATADIR)/igny8/
	$(if $(MAN1),install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/)
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7/)
	for n in $(BASHCOMP_NAMES); do \
		install -m 644 completions/igny8.bash $(DESTDIR)$(BASHCOMPDIR)/$$n || exit; done
	install -m 644 completions/_igny8 $(DESTDIR)$(ZSHCOMPDIR)/
	for n in $(BASHCOMP_NAMES); do \
		install -m 644 completions/igny8.fish $(DESTDIR)$(FISHCOMPDIR)/$$n.fish || exit; done

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(BINS)))
	rm -f $(DESTDIR)$(LIBDIR)/libigny8.a $(DESTDIR)$(LIBDIR)/pkgconfig/igny8.pc
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/igny8/,$(notdir $(PUB_HDR)))
	rm -f $(addprefix $(DESTDIR)$(DATADIR)/igny8/prompts/,$(notdir $(PROMPTS)))
	rm -f $(addprefix $(DESTDIR)$(DATADIR)/igny8/,$(notdir $(DATA)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(MAN7)))
	rm -f $(addprefix $(DESTDIR)$(BASHCOMPDIR)/,$(BASHCOMP_NAMES))
	rm -f $(DESTDIR)$(ZSHCOMPDIR)/_igny8
	rm -f $(addsuffix .fish,$(addprefix $(DESTDIR)$(FISHCOMPDIR)/,$(BASHCOMP_NAMES)))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/igny8 $(DESTDIR)$(DATADIR)/igny8/prompts \
		$(DESTDIR)$(DATADIR)/igny8 2>/dev/null

clean:
	rm -rf lib/*.o lib/libigny8.a bin build share igny8.pc demo

.PHONY: all deps check check-tsan check-sanitize check-valgrind bench demo \
	fuzz fuzz-replay lint format install uninstall clean FORCE
FORCE:
