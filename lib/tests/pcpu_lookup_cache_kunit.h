/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the KUnit suites of the per-CPU lookup cache,
 * lib/pcpu_lookup_cache.c: the test geometries, and a cache set up on the
 * CPU the test thread is pinned to, with keys that collide in one set and
 * a hook on the lookup path for the nested writers.
 */

#ifndef _LIB_TESTS_PCPU_LOOKUP_CACHE_KUNIT_H
#define _LIB_TESTS_PCPU_LOOKUP_CACHE_KUNIT_H

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/pcpu_lookup_cache.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/sprintf.h>

KUNIT_DEFINE_ACTION_WRAPPER(plc_destroy_action, pcpu_lookup_cache_destroy,
			    struct pcpu_lookup_cache *);

static inline void plc_hit_stats_put_action(void *unused)
{
	pcpu_lookup_cache_hit_stats_put();
}

static inline void plc_hit_stats_get_action(void *unused)
{
	pcpu_lookup_cache_hit_stats_get();
}

/* Count hits and misses until the end of the test (contract point 7). */
static inline void plc_hit_stats_on(struct kunit *test)
{
	pcpu_lookup_cache_hit_stats_get();
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							plc_hit_stats_put_action,
							NULL), 0);
}

/* A value: the object the backing structure holds for @key. */
struct plc_obj {
	unsigned long key;
	unsigned int version;
};

struct plc_geom {
	unsigned int sets;
	unsigned int ways;
	const char *name;
};

static const struct plc_geom plc_geoms[] = {
	{ 1, 1, "1x1" },
	{ 1, 16, "1x16" },
	{ 16, 3, "16x3" },
	{ 8, 5, "8x5" },
	{ 64, 4, "64x4" },
	{ 512, 4, "512x4" },
	{ PCPU_LOOKUP_CACHE_MAX_SETS, PCPU_LOOKUP_CACHE_MAX_WAYS, "max" },
};

KUNIT_ARRAY_PARAM_DESC(plc_geom, plc_geoms, name);

/* What a nested writer does to an interrupted lookup. */
enum plc_inject {
	PLC_INJ_INVALIDATE,
	PLC_INJ_FLUSH,
	PLC_INJ_REFILL,
	PLC_INJ_EVICT,
	PLC_INJ_INVALIDATE_REFILL,
	PLC_INJ_ADVANCE,
	PLC_NR_INJ,
};

/* How the invalidation of plc_fill_undone() reaches the filling CPU. */
enum plc_undo {
	PLC_UNDO_ADVANCE,	/* it begins elsewhere: no IPI here */
	PLC_UNDO_IPI,		/* its IPI, for the key being filled */
	PLC_UNDO_FLUSH,		/* a flush's IPI */
};

/**
 * struct plc_ctx - state of one single-CPU test
 * @cache: the cache under test, its test_hook is plc_hook()
 * @test: the test
 * @cpu: the CPU the test thread is pinned to
 * @set: the set under test, the last one (its end is the table's end)
 * @nr_keys: number of @keys, 2 * ways + 2
 * @keys: keys that all map to @set
 * @obj_a: first object of each key
 * @obj_b: second object of each key
 * @base: this CPU's counters at the last plc_expect_delta()
 * @base_sum: all CPUs' counters at the last plc_expect_delta()
 * @where: what the test is doing, for failure messages
 * @armed: the hook fires at the next (@step, @way)
 * @step: where the hook fires
 * @way: where the hook fires
 * @fired: number of times the hook fired
 * @inject: what the hook does when it fires
 * @kind: the nested writer of a lookup
 * @undo: how the invalidation of plc_fill_undone() reaches this CPU
 * @target: the key of the interrupted lookup or fill
 * @target_way: the way @target is in, or that the fill writes
 * @new_val: the value a nested refill stores
 * @nr_evict: fills the nested evicting writer made
 * @prev: the key that a fill replaces, 0 if none
 * @intruder: the key a fill nested in a fill tries to store
 * @got_target: what a lookup nested in a fill returned for @target
 * @got_prev: what a lookup nested in a fill returned for @prev
 * @other_hits: lookups of the other ways' keys nested in a fill that hit
 * @other_bad: lookups of the other ways' keys that did not return their
 *	own value
 * @nested_misses: misses of lookups nested in a fill
 * @key_reads: the ways that the KEY steps of plc_lookup_recorded() read
 * @nr_key_reads: how many
 * @home: the home way of @keys, 0 unless the test changed it
 * @order: the ways, padding included, in the order that a lookup of a key
 *	of home way @home reads them: @home first, then the others in order
 * @nr_order: how many, nr_ways, plus one if @home is a padding entry
 * @uncounted: hit statistics are off: plc_expect_delta() expects no hit
 *	and no miss to be counted
 */
struct plc_ctx {
	struct pcpu_lookup_cache cache;
	struct kunit *test;
	unsigned int cpu;
	unsigned int set;
	unsigned int nr_keys;
	unsigned long *keys;
	struct plc_obj *obj_a;
	struct plc_obj *obj_b;
	struct pcpu_lookup_cache_stats base;
	struct pcpu_lookup_cache_stats base_sum;
	char where[96];

	unsigned int armed;
	enum pcpu_lookup_cache_step step;
	unsigned int way;
	unsigned int fired;
	void (*inject)(struct plc_ctx *ctx);

	enum plc_inject kind;
	enum plc_undo undo;
	unsigned long target;
	unsigned int target_way;
	void *new_val;
	unsigned int nr_evict;
	unsigned long prev;
	unsigned long intruder;
	void *got_target;
	void *got_prev;
	unsigned int other_hits;
	unsigned int other_bad;
	unsigned int nested_misses;
	unsigned int key_reads[2 * PCPU_LOOKUP_CACHE_MAX_WAYS];
	unsigned int nr_key_reads;
	unsigned int home;
	unsigned int order[PCPU_LOOKUP_CACHE_MAX_WAYS + 1];
	unsigned int nr_order;
	bool uncounted;
};

/*
 * The @j-th key (@j from 1 to 4095) whose home way in @cache is @home of
 * set @set. The key is computed, not searched for: the product with
 * GOLDEN_RATIO_PRIME that the cache hashes is built with the set and the
 * home way in their bits and @j in bits that neither uses, and multiplied
 * by the inverse of GOLDEN_RATIO_PRIME, which is odd, modulo 2^BITS_PER_LONG
 * (Newton's iteration doubles the correct low bits each time, from 3).
 * A search over the keys in order takes minutes under QEMU for the
 * largest geometry.
 */
static inline unsigned long plc_key_at(const struct pcpu_lookup_cache *cache,
				       unsigned int set, unsigned int home,
				       unsigned long j)
{
	unsigned long inv = GOLDEN_RATIO_PRIME, prod;
	unsigned int i;

	for (i = 0; i < 6; i++)
		inv *= 2 - GOLDEN_RATIO_PRIME * inv;
#if BITS_PER_LONG == 64
	/* Set bits [hash_shift, 48), home way just below, @j above 48. */
	prod = ((unsigned long)set << cache->hash_shift) |
	       ((unsigned long)home << (cache->hash_shift -
					ilog2(cache->set_stride))) |
	       (j << (BITS_PER_LONG - __PCPU_LOOKUP_CACHE_SKIP_BITS));
#else
	/* Set bits [hash_shift, 16), home way from 16, @j above both. */
	prod = ((unsigned long)set << cache->hash_shift) |
	       ((unsigned long)home << __PCPU_LOOKUP_CACHE_SKIP_BITS) |
	       (j << (__PCPU_LOOKUP_CACHE_SKIP_BITS + ilog2(cache->set_stride)));
#endif
	return prod * inv;
}

/*
 * Store in @keys @n distinct nonzero keys that map to @set and whose home
 * way is way 0: they fill the set's ways in order, and a lookup reads the
 * ways in order, as if the set had no home way.
 */
static inline void plc_collide(struct kunit *test,
			       const struct pcpu_lookup_cache *cache,
			       unsigned int set, unsigned long *keys,
			       unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		keys[i] = plc_key_at(cache, set, 0, i + 1);
		KUNIT_ASSERT_NE(test, keys[i], 0);
		KUNIT_ASSERT_EQ(test, __pcpu_lookup_cache_set_index(cache,
								    keys[i]),
				set);
		KUNIT_ASSERT_EQ(test, __pcpu_lookup_cache_home_offset(cache,
								      keys[i]),
				__pcpu_lookup_cache_set_offset(cache, keys[i]));
	}
}

/* @key's home way in @cache, computed with hash_long() and hash_32(). */
static inline unsigned int plc_home_way(const struct pcpu_lookup_cache *cache,
					unsigned long key)
{
#if BITS_PER_LONG == 64
	return hash_long(key, cache->hash_bits + ilog2(cache->set_stride) +
			 __PCPU_LOOKUP_CACHE_SKIP_BITS) & (cache->set_stride - 1);
#else
	return (hash_32(key, 32) >> __PCPU_LOOKUP_CACHE_SKIP_BITS) &
	       (cache->set_stride - 1);
#endif
}

/* Skip a geometry this machine has no room for, rather than hit OOM. */
static inline void plc_need_memory(struct kunit *test, unsigned int sets,
				   unsigned int ways)
{
	u64 need = (u64)pcpu_lookup_cache_cpu_bytes(sets, ways) *
		   num_possible_cpus();
	u64 avail = (u64)si_mem_available() << PAGE_SHIFT;

	if (need * 2 > avail)
		kunit_skip(test, "%ux%u needs %llu bytes, only %llu available",
			   sets, ways, need, avail);
}

/* Keep the test thread on the CPU it runs on; return that CPU. */
static inline unsigned int plc_pin(struct kunit *test)
{
	unsigned int cpu = raw_smp_processor_id();

	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(cpu)), 0);
	KUNIT_ASSERT_EQ(test, raw_smp_processor_id(), cpu);
	return cpu;
}

static inline void plc_hook(struct pcpu_lookup_cache *cache,
			    enum pcpu_lookup_cache_step step, unsigned int way)
{
	struct plc_ctx *ctx = container_of(cache, struct plc_ctx, cache);

	if (!ctx->armed || step != ctx->step || way != ctx->way)
		return;
	/* Disarm first: the nested lookups and fills call the hook again. */
	ctx->armed = 0;
	ctx->fired++;
	ctx->inject(ctx);
}

static inline void plc_record_key_reads(struct pcpu_lookup_cache *cache,
					enum pcpu_lookup_cache_step step,
					unsigned int way)
{
	struct plc_ctx *ctx = container_of(cache, struct plc_ctx, cache);

	if (step == PCPU_LOOKUP_CACHE_STEP_KEY &&
	    ctx->nr_key_reads < ARRAY_SIZE(ctx->key_reads))
		ctx->key_reads[ctx->nr_key_reads++] = way;
}

/* Make the hook inject once, at the next (@step, @way), and count it. */
static inline void plc_arm(struct plc_ctx *ctx,
			   enum pcpu_lookup_cache_step step, unsigned int way)
{
	ctx->fired = 0;
	ctx->step = step;
	ctx->way = way;
	ctx->armed = 1;
}

static inline void plc_snapshot(struct plc_ctx *ctx)
{
	pcpu_lookup_cache_stats_cpu(&ctx->cache, ctx->cpu, &ctx->base);
	pcpu_lookup_cache_stats_sum(&ctx->cache, &ctx->base_sum);
}

/*
 * Check that this CPU's counters, and their sum over all CPUs, changed by
 * exactly these amounts since the last check, then take a new baseline.
 */
static inline void plc_expect_delta(struct plc_ctx *ctx, u64 hits, u64 misses,
				    u64 fills, u64 dropped, u64 evictions,
				    u64 invalidations)
{
	struct kunit *test = ctx->test;
	struct pcpu_lookup_cache_stats s, sum;

	if (ctx->uncounted) {
		hits = 0;
		misses = 0;
	}
	pcpu_lookup_cache_stats_cpu(&ctx->cache, ctx->cpu, &s);
	pcpu_lookup_cache_stats_sum(&ctx->cache, &sum);
	KUNIT_EXPECT_EQ_MSG(test, s.hits - ctx->base.hits, hits, "%s", ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, s.misses - ctx->base.misses, misses, "%s",
			    ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, s.fills - ctx->base.fills, fills, "%s",
			    ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, s.dropped - ctx->base.dropped, dropped, "%s",
			    ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, s.evictions - ctx->base.evictions, evictions,
			    "%s", ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, s.invalidations - ctx->base.invalidations,
			    invalidations, "%s", ctx->where);
	/* Everything happened on this CPU. */
	KUNIT_EXPECT_EQ_MSG(test, sum.hits - ctx->base_sum.hits, hits, "%s",
			    ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, sum.misses - ctx->base_sum.misses, misses,
			    "%s", ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, sum.fills - ctx->base_sum.fills, fills, "%s",
			    ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, sum.dropped - ctx->base_sum.dropped, dropped,
			    "%s", ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, sum.evictions - ctx->base_sum.evictions,
			    evictions, "%s", ctx->where);
	KUNIT_EXPECT_EQ_MSG(test,
			    sum.invalidations - ctx->base_sum.invalidations,
			    invalidations, "%s", ctx->where);
	ctx->base = s;
	ctx->base_sum = sum;
}

/* White-box: way @way of the set under test on @cpu. */
static inline struct pcpu_lookup_cache_entry *plc_entry(struct plc_ctx *ctx,
							unsigned int cpu,
							unsigned int way)
{
	return __pcpu_lookup_cache_set(&ctx->cache,
				       per_cpu_ptr(ctx->cache.pcpu, cpu),
				       ctx->set) + way;
}

/* White-box: the way of the set under test on this CPU holding @key. */
static inline int plc_way_of(struct plc_ctx *ctx, unsigned long key)
{
	unsigned int way;

	for (way = 0; way < ctx->cache.nr_ways; way++)
		if (READ_ONCE(plc_entry(ctx, ctx->cpu, way)->key) == key)
			return way;
	return -1;
}

/* White-box: the next way the set under test evicts on this CPU. */
static inline unsigned int plc_victim(struct plc_ctx *ctx)
{
	return per_cpu_ptr(ctx->cache.pcpu, ctx->cpu)->victim[ctx->set];
}

static inline void *plc_lookup(struct plc_ctx *ctx, unsigned long key,
			       unsigned long *token)
{
	unsigned long unused;
	void *val;

	preempt_disable();
	val = pcpu_lookup_cache_lookup(&ctx->cache, key, token ?: &unused);
	preempt_enable();
	return val;
}

static inline void plc_fill(struct plc_ctx *ctx, unsigned long key, void *val,
			    unsigned long token)
{
	preempt_disable();
	pcpu_lookup_cache_fill(&ctx->cache, key, val, token);
	preempt_enable();
}

/* Look @key up as a user does and fill @val on a miss. */
static inline void *plc_get(struct plc_ctx *ctx, unsigned long key, void *val)
{
	unsigned long token;
	void *found;

	preempt_disable();
	found = pcpu_lookup_cache_lookup(&ctx->cache, key, &token);
	if (!found)
		pcpu_lookup_cache_fill(&ctx->cache, key, val, token);
	preempt_enable();
	return found;
}

static inline void plc_invalidate_local(struct plc_ctx *ctx, unsigned long key)
{
	unsigned long flags;

	/* As in the IPI. */
	local_irq_save(flags);
	pcpu_lookup_cache_invalidate_local(&ctx->cache, &key, 1);
	local_irq_restore(flags);
}

static inline void plc_flush_local(struct plc_ctx *ctx)
{
	unsigned long flags;

	local_irq_save(flags);
	pcpu_lookup_cache_flush_local(&ctx->cache);
	local_irq_restore(flags);
}

/* Look @key up, recording in @ctx the ways that it reads. */
static inline void *plc_lookup_recorded(struct plc_ctx *ctx,
					unsigned long key)
{
	void *got;

	ctx->nr_key_reads = 0;
	ctx->cache.test_hook = plc_record_key_reads;
	got = plc_lookup(ctx, key, NULL);
	ctx->cache.test_hook = plc_hook;
	return got;
}

/*
 * The next key of the set under test with home way @home: *@next counts
 * the keys made. For home way 0, start it past the ones of plc_collide(),
 * which are keys 1 to nr_keys of that way; keys of another home way never
 * equal them.
 */
static inline unsigned long plc_key_with_home(struct plc_ctx *ctx,
					      unsigned int home,
					      unsigned long *next)
{
	unsigned long key = plc_key_at(&ctx->cache, ctx->set, home, (*next)++);

	KUNIT_ASSERT_NE(ctx->test, key, 0);
	KUNIT_ASSERT_EQ(ctx->test, __pcpu_lookup_cache_set_index(&ctx->cache,
								 key),
			ctx->set);
	KUNIT_ASSERT_EQ(ctx->test, plc_home_way(&ctx->cache, key), home);
	return key;
}

/*
 * Fill @ctx->order for keys of home way @ctx->home. A fill into an empty
 * set takes the ways in the same order, without a padding entry.
 */
static inline void plc_set_order(struct plc_ctx *ctx)
{
	unsigned int way;

	ctx->nr_order = 0;
	ctx->order[ctx->nr_order++] = ctx->home;
	for (way = 0; way < ctx->cache.nr_ways; way++)
		if (way != ctx->home)
			ctx->order[ctx->nr_order++] = way;
}

/* Set up a cache of @geom on this CPU, with colliding keys and objects. */
static inline struct plc_ctx *plc_setup(struct kunit *test,
					const struct plc_geom *geom)
{
	struct plc_ctx *ctx;
	unsigned int i;

	plc_need_memory(test, geom->sets, geom->ways);
	plc_hit_stats_on(test);
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test, pcpu_lookup_cache_init(&ctx->cache, geom->sets,
						     geom->ways), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, plc_destroy_action,
							&ctx->cache), 0);
	ctx->cache.test_hook = plc_hook;
	ctx->test = test;
	ctx->cpu = plc_pin(test);
	ctx->set = geom->sets - 1;
	ctx->nr_keys = 2 * geom->ways + 2;
	ctx->keys = kunit_kcalloc(test, ctx->nr_keys, sizeof(*ctx->keys),
				  GFP_KERNEL);
	ctx->obj_a = kunit_kcalloc(test, ctx->nr_keys, sizeof(*ctx->obj_a),
				   GFP_KERNEL);
	ctx->obj_b = kunit_kcalloc(test, ctx->nr_keys, sizeof(*ctx->obj_b),
				   GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->keys);
	KUNIT_ASSERT_NOT_NULL(test, ctx->obj_a);
	KUNIT_ASSERT_NOT_NULL(test, ctx->obj_b);
	plc_collide(test, &ctx->cache, ctx->set, ctx->keys, ctx->nr_keys);
	plc_set_order(ctx);
	for (i = 0; i < ctx->nr_keys; i++) {
		ctx->obj_a[i] = (struct plc_obj){ ctx->keys[i], 1 };
		ctx->obj_b[i] = (struct plc_obj){ ctx->keys[i], 2 };
	}
	snprintf(ctx->where, sizeof(ctx->where), "%s", geom->name);
	plc_snapshot(ctx);
	return ctx;
}

#endif /* _LIB_TESTS_PCPU_LOOKUP_CACHE_KUNIT_H */
