# tests/fuzz/fuzz.mk: build every tests/fuzz/fuzz-NAME.c as a libFuzzer
# binary over the library sources (ASan and UBSan on) and run each for
# FUZZ_SECONDS with the seeds in tests/fuzz/NAME/.  Run via `make fuzz`.

CLANG ?= clang
FUZZ_SECONDS ?= 60
FO := build/fuzz
PKGS ?= libcurl libcjson sqlite3 yaml-0.1 md4c-html libxml-2.0 libutf8proc libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# The library is compiled once with coverage instrumentation (fuzzer-no-link)
# and every harness links against that archive.
FUZZ_BASE := -std=c11 -g -O1 -fno-sanitize-recover=undefined -pthread -Ilib \
	$(PKG_CFLAGS) -DIG_VERSION='"fuzz"' -DIG_DATADIR='"/nonexistent"' \
	-DIG_SYSCONFDIR='"/nonexistent"'
FUZZ_LIB_CFLAGS := $(FUZZ_BASE) -fsanitize=fuzzer-no-link,address,undefined
FUZZ_CFLAGS := $(FUZZ_BASE) -fsanitize=fuzzer,address,undefined

LIB_SRC := $(sort $(wildcard lib/*.c))
LIB_OBJ := $(LIB_SRC:lib/%.c=$(FO)/obj/%.o)
FUZZ_LIB := $(FO)/libigny8-fuzz.a
HARNESSES := $(patsubst tests/fuzz/%.c,$(FO)/%,$(wildcard tests/fuzz/fuzz-*.c))

run: $(HARNESSES)
	@for h in $(HARNESSES); do \
		name=$${h#$(FO)/fuzz-}; mkdir -p $(FO)/corpus-$$name; \
		dict=; [ -f tests/fuzz/$$name.dict ] && dict=-dict=tests/fuzz/$$name.dict; \
		echo "fuzz: $$name for $(FUZZ_SECONDS) s"; \
		$$h -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			$$dict $(FO)/corpus-$$name tests/fuzz/$$name || exit 1; \
	done

$(FO)/obj/%.o: lib/%.c $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_LIB_CFLAGS) -c -o $@ $<

$(FUZZ_LIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(FO)/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZ_LIB)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB) $(PKG_LIBS) -lm

.PHONY: run

# Replays every seed (and every saved crash reproducer) once, no fuzzing:
# what CI runs so each corpus stays a regression test.
replay: $(HARNESSES)
	@for h in $(HARNESSES); do \
		name=$${h#$(FO)/fuzz-}; \
		echo "fuzz replay: $$name"; \
		$$h -runs=0 tests/fuzz/$$name >/dev/null 2>$(FO)/replay-$$name.log || \
			{ cat $(FO)/replay-$$name.log; exit 1; }; \
	done

.PHONY: replay
