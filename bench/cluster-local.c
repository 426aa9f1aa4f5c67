/*
 * cluster-local.c: bench and evaluation driver for lib/cluster_local (not
 * installed).  Reads one keyword per line (optionally "keyword<TAB>volume"
 * with -v) and either prints one "cluster<TAB>keyword" line per input line
 * (-a), or key=value figures: seconds, peak RSS, cluster counts.  -T times
 * only the tokenising pass, the baseline bench/cluster.sh divides by.
 * Tuning knobs for the measurements: -o name=value (see cluster_local_priv.h).
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cluster_local.h"
#include "cluster_local_priv.h"

struct input {
	char **kw;
	double *vol;
	size_t n, cap;
};

static int
read_input(FILE *f, int with_vol, struct input *in)
{
	char *line = NULL, *tab;
	size_t lcap = 0;
	ssize_t len;

	while ((len = getline(&line, &lcap, f)) >= 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (in->n == in->cap) {
			in->cap = in->cap ? in->cap * 2 : 1024;
			in->kw = realloc(in->kw, in->cap * sizeof *in->kw);
			in->vol = realloc(in->vol, in->cap * sizeof *in->vol);
			if (!in->kw || !in->vol)
				return -1;
		}
		in->vol[in->n] = -1;
		tab = strchr(line, '\t');
		if (tab) {
			*tab = '\0';
			if (with_vol)
				in->vol[in->n] = strtod(tab + 1, NULL);
		}
		in->kw[in->n] = strdup(line);
		if (!in->kw[in->n])
			return -1;
		in->n++;
	}
	free(line);
	return 0;
}

static int
set_knob(struct cl_tune *t, const char *arg)
{
	const char *eq = strchr(arg, '=');
	double v;

	if (!eq)
		return -1;
	v = strtod(eq + 1, NULL);
#define KNOB(name, field, type) \
	if (strncmp(arg, name "=", strlen(name) + 1) == 0) { t->field = (type)v; return 0; }
	KNOB("beta", beta, double)
	KNOB("stop", stop_weight, double)
	KNOB("ngram", ngram, unsigned)
	KNOB("knn", knn, unsigned)
	KNOB("verify", verify, unsigned)
	KNOB("window", window, unsigned)
	KNOB("pairs", pairs, unsigned)
	KNOB("floor", floor, double)
	KNOB("single", linkage, int)
	KNOB("linkage", linkage, int)
	KNOB("gamma", gamma, double)
	KNOB("wpow", wpow, double)
	KNOB("adapt", adapt, int)
	KNOB("sentence", sentence, double)
	KNOB("cliff", cliff, double)
	KNOB("gmax", gmax, double)
	KNOB("small", small, size_t)
#undef KNOB
	return -1;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double
peak_mb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024.0;
}

static void
stats(const struct cl_result *r, size_t n, size_t *unc, size_t *largest)
{
	size_t c, i;

	*unc = *largest = 0;
	for (i = 0; i < n; i++)
		*unc += cl_result_cluster_of(r, i) < 0;
	for (c = 0; c < cl_result_nclusters(r); c++)
		if (cl_result_size(r, c) > *largest)
			*largest = cl_result_size(r, c);
}

int
main(int argc, char **argv)
{
	struct cl_local_opts o = { 0, 0, 0 };
	struct cl_tune tune;
	struct input in = { NULL, NULL, 0, 0 };
	struct ig_err err = { 0, "" };
	struct cl_result *r;
	int c, assign = 0, tokonly = 0, with_vol = 0;
	double t0, c0, rss0, times[CL_NPHASE] = { 0 }, gamma = 0;
	size_t i, nwords, unc, largest;

	cl_tune_default(&tune);
	tune.times = times;
	tune.chosen = &gamma;
	while ((c = getopt(argc, argv, "aj:m:o:t:Tv")) != -1) {
		switch (c) {
		case 'a': assign = 1; break;
		case 'j': o.threads = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'm': o.min_size = strtoul(optarg, NULL, 10); break;
		case 'o':
			if (set_knob(&tune, optarg) < 0) {
				fprintf(stderr, "cluster-local: bad knob '%s'\n", optarg);
				return 64;
			}
			break;
		case 't': o.threshold = strtod(optarg, NULL); break;
		case 'T': tokonly = 1; break;
		case 'v': with_vol = 1; break;
		default:
			fprintf(stderr, "usage: cluster-local [-aTv] [-j threads] "
			    "[-m min_size] [-t threshold] [-o knob=value] <keywords\n");
			return 64;
		}
	}
	if (read_input(stdin, with_vol, &in) < 0) {
		fprintf(stderr, "cluster-local: out of memory\n");
		return 70;
	}
	rss0 = peak_mb();
	t0 = now();
	c0 = cpu_s();
	if (tokonly) {
		if (cl_local_tokenize_only((const char *const *)in.kw, in.n,
		    o.threads, &nwords) < 0)
			return 70;
		printf("n=%zu words=%zu seconds=%.3f cpu=%.3f input_mb=%.1f "
		    "peak_mb=%.1f\n", in.n, nwords, now() - t0, cpu_s() - c0, rss0,
		    peak_mb());
		return 0;
	}
	if (cl_local_run_tuned((const char *const *)in.kw, with_vol ? in.vol : NULL,
	    NULL, 0, in.n, &o, &tune, &r, &err) < 0) {
		fprintf(stderr, "cluster-local: %s\n", err.msg);
		return err.code;
	}
	if (assign) {
		for (i = 0; i < in.n; i++)
			printf("%ld\t%s\n", cl_result_cluster_of(r, i), in.kw[i]);
		fprintf(stderr, "gamma=%g\n", gamma);
	} else {
		stats(r, in.n, &unc, &largest);
		printf("n=%zu seconds=%.3f cpu=%.3f input_mb=%.1f peak_mb=%.1f "
		    "clusters=%zu unclustered=%zu largest=%zu "
		    "gamma=%g phases=%.2f/%.2f/%.2f/%.2f/%.2f/%.2f\n",
		    in.n, now() - t0, cpu_s() - c0, rss0, peak_mb(), cl_result_nclusters(r), unc,
		    largest, gamma, times[0], times[1], times[2], times[3], times[4],
		    times[5]);
	}
	cl_result_free(r);
	for (i = 0; i < in.n; i++)
		free(in.kw[i]);
	free(in.kw);
	free(in.vol);
	return 0;
}
