# bench.mk: build rule for the clustering bench driver (included by the
# main Makefile, or run as `make -f Makefile -f bench/bench.mk bench-cluster`).
# Outputs go under build/bench, which git ignores.

BENCH_CLUSTER := $(O)/build/bench/cluster-local

$(BENCH_CLUSTER): bench/cluster-local.c $(LIBA) $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ilib $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

bench-cluster-build: $(BENCH_CLUSTER)

bench-cluster: $(BENCH_CLUSTER)
	bench/cluster.sh

.PHONY: bench-cluster-build bench-cluster
