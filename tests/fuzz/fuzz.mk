# tests/fuzz/fuzz.mk: build every tests/fuzz/fuzz-NAME.c with libFuzzer and
# run it for FUZZ_SECONDS on the seed corpus in tests/fuzz/NAME/ (copied,
# so new inputs do not land in the source tree).  Used by `make fuzz`.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_O := build/fuzz
PKGS = libcurl libcjson sqlite3 yaml-0.1 md4c-html libxml-2.0 libutf8proc libcrypto
FUZZ_CFLAGS := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -pthread -Ilib \
	$(shell pkg-config --cflags $(PKGS)) -DIG_VERSION='"fuzz"'
FUZZ_LIBS := $(shell pkg-config --libs $(PKGS)) -lm -pthread
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZERS := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_O)/%)
LIB_SRC := $(sort $(wildcard lib/*.c))

run: $(FUZZERS)
	@for f in $(FUZZERS); do \
		n=$${f##*/fuzz-}; c=$(FUZZ_O)/corpus-$$n; \
		mkdir -p $$c && cp tests/fuzz/$$n/* $$c/ 2>/dev/null; \
		echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_O)/crash-$$n- $$c || exit 1; \
	done

$(FUZZ_O)/fuzz-%: tests/fuzz/fuzz-%.c $(LIB_SRC) $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRC) $(FUZZ_LIBS)

.PHONY: run
