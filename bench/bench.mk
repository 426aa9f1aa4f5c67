# bench.mk: build rules for the bench helpers (included by the main
# Makefile, or run as `make -f Makefile -f bench/bench.mk bench-cluster`):
# the clustering bench driver and bench/fastfake, the C fake API that
# bench/run's concurrency figures run against.  Outputs go under
# build/bench, which git ignores.

BENCH_CLUSTER := $(O)/build/bench/cluster-local
BENCH_FASTFAKE := $(O)/build/bench/fastfake
# What `make bench` builds besides `all`.
BENCH_BINS := $(BENCH_CLUSTER) $(BENCH_FASTFAKE)

$(BENCH_CLUSTER): bench/cluster-local.c $(LIBA) $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ilib $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

# No libraries but pthreads: it stands in for a server, not for igny8.
$(BENCH_FASTFAKE): bench/fastfake.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -Wall -Wextra -Wpedantic -Werror -pthread $(LDFLAGS) -o $@ $<

bench-cluster-build: $(BENCH_CLUSTER)

bench-fastfake-build: $(BENCH_FASTFAKE)

bench-cluster: $(BENCH_CLUSTER)
	bench/cluster.sh

# Quality of every offline method on the labelled sets (scripts/deps bench).
bench-quality: $(BENCH_CLUSTER)
	/usr/bin/python3 bench/quality/run.py

.PHONY: bench-cluster-build bench-cluster bench-quality bench-fastfake-build

# bench/floor: the least work a record must cost, the CPU baseline.
BENCH_FLOOR := $(O)/build/bench/floor
BENCH_BINS += $(BENCH_FLOOR)

$(BENCH_FLOOR): bench/floor.c $(LIBA) $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ilib $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

bench-floor-build: $(BENCH_FLOOR)

.PHONY: bench-floor-build

# Rate limits learned from the headers: request- and token-bound runs at
# --jobs 32 against tests/fakeapi/fakeapi.py in its limit mode (issue 19);
# writes bench/RESULTS-ratelimit.md.
bench-ratelimit: all
	/usr/bin/python3 bench/ratelimit.py

.PHONY: bench-ratelimit

# Tokens and estimated cost per article on the demo pipeline, with the
# prompts of the commit before issue 21's rework and with this tree's
# (bench/tokens.py); writes bench/RESULTS-tokens.md.  `make bench` runs it.
bench-tokens: all
	/usr/bin/python3 bench/tokens.py

.PHONY: bench-tokens
