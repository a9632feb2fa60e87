/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two files of the pcpu_lookup_cache_bench module share: the
 * suite's context, which holds one cache per measured geometry, and the
 * limit reference's per-CPU slots. The table scenarios and the suite are
 * in pcpu_lookup_cache_bench_tables.c, the invalidation and cost case in
 * pcpu_lookup_cache_bench_inval.c.
 */

#ifndef _LIB_TESTS_PCPU_LOOKUP_CACHE_BENCH_H
#define _LIB_TESTS_PCPU_LOOKUP_CACHE_BENCH_H

#include <kunit/test.h>
#include <linux/math64.h>
#include <linux/pcpu_lookup_cache.h>
#include <linux/percpu.h>
#include <linux/prandom.h>
#include <linux/rhashtable.h>

#define PLCB_TEXT	0xffffffff81000000UL
#define PLCB_BATCH	128	/* keys per invalidate_many() call */
#define PLCB_MAX_SETS	512	/* the largest geometry measured */

/* The cache geometries measured: the default and the 2014 patch's. */
static const unsigned int plcb_geom[][2] = {
	{ PCPU_LOOKUP_CACHE_DEFAULT_SETS, PCPU_LOOKUP_CACHE_DEFAULT_WAYS },
	{ PLCB_MAX_SETS, 4 },
};

#define PLCB_NR_GEOM	ARRAY_SIZE(plcb_geom)

struct plcb_scale;
struct plcb_obj;
struct plcb_access;

/* This CPU's slots of the limit reference: slot[rank] = object. */
struct plcb_ref {
	void **slot;
};

DECLARE_PER_CPU(struct plcb_ref, plcb_ref);

/* The suite's context, test->priv of every case. */
struct plcb_ctx {
	struct kunit *test;
	const struct plcb_scale *sc;
	unsigned int reps, target_us, seq_len;
	struct rnd_state rnd;
	unsigned int n;
	struct plcb_obj **objs;		/* by key index */
	struct hlist_head *hl64, *hl512;
	struct rhashtable rht;
	bool rht_ok;
	struct pcpu_lookup_cache cache[PLCB_NR_GEOM];
	unsigned int *hot;		/* key indexes of the hot set */
	u64 *cdf;			/* Zipf(1.0) over ranks, 2^32 / rank */
	struct plcb_access *seq;
	struct plcb_obj **want;		/* the object each access must return */
	unsigned long want_sum;		/* their sum over one pass */
	unsigned int mkl_misses;	/* of the last checking pass */
	bool stats_on;			/* holds a hit statistics reference */
};

static inline unsigned long long plcb_ps(u64 ns, u64 ops)
{
	return ops ? div64_u64(ns * 1000, ops) : 0;
}

void plcb_test_invalidate_cost(struct kunit *test);

#endif /* _LIB_TESTS_PCPU_LOOKUP_CACHE_BENCH_H */
