// SPDX-License-Identifier: GPL-2.0
/*
 * The invalidation and cost case of the pcpu_lookup_cache_bench suite
 * (pcpu_lookup_cache_bench_tables.c): the time to invalidate one key and a
 * batch of keys cached on this CPU, and the loops of the unit suite's cost
 * case. Same "plc_bench:" lines, same scale parameters.
 */

#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "pcpu_lookup_cache_bench.h"

/* PLCB_BATCH keys like text addresses, at most @ways of them per set. */
static void plcb_spread_keys(struct pcpu_lookup_cache *cache,
			     unsigned int ways, unsigned long *keys,
			     unsigned int *per_set)
{
	unsigned int n, i;

	memset(per_set, 0, cache->nr_sets * sizeof(*per_set));
	for (n = 0, i = 1; n < PLCB_BATCH; i++) {
		unsigned long key = PLCB_TEXT + i * 37;
		unsigned int set = __pcpu_lookup_cache_set_index(cache, key);

		if (per_set[set] == ways)
			continue;
		per_set[set]++;
		keys[n++] = key;
	}
}

/* Look @keys up and cache them on this CPU, each with itself as value. */
static void plcb_cache_keys(struct kunit *test, struct pcpu_lookup_cache *cache,
			    unsigned long *keys, unsigned int nr)
{
	unsigned long token;
	unsigned int i;

	preempt_disable();
	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_NULL(test,
				  pcpu_lookup_cache_lookup(cache, keys[i], &token));
		pcpu_lookup_cache_fill(cache, keys[i], &keys[i], token);
	}
	preempt_enable();
}

/*
 * @loops lookups of @keys[i & @mask] in @cache, with preemption disabled:
 * returns their time in ns and the sum of the values found in @sum.
 */
static noinline u64 plcb_time_hits(struct pcpu_lookup_cache *cache,
				   const unsigned long *keys, unsigned int mask,
				   unsigned int loops, unsigned long *sum)
{
	unsigned long token, s = 0;
	unsigned int i;
	u64 t0;

	t0 = ktime_get_ns();
	for (i = 0; i < loops; i++)
		s += (unsigned long)pcpu_lookup_cache_lookup(cache,
							     keys[i & mask],
							     &token);
	t0 = ktime_get_ns() - t0;
	*sum = s;
	return t0;
}

/*
 * Invalidation of one key and of PLCB_BATCH keys in one call, all cached
 * on this CPU, then the loops of the unit suite's cost case: hits of 128
 * keys that fit the default geometry, the limit reference, and misses
 * each followed by the fill that evicts the other key on a 1x1 cache;
 * then the same hits with hit statistics off.
 */
void plcb_test_invalidate_cost(struct kunit *test)
{
	struct plcb_ctx *c = test->priv;
	struct pcpu_lookup_cache_stats s0, s1;
	struct pcpu_lookup_cache *thrash;
	unsigned long *keys, token, sum, want;
	unsigned int g, i, n, rep, cpu, rounds, loops, *per_set;
	u64 t0, t_one, t_many, t_hit, t_ref, t_miss, t_hit_off;
	bool off;
	void **slot;
	int ret = 0;

	keys = kunit_kcalloc(test, PLCB_BATCH, sizeof(*keys), GFP_KERNEL);
	slot = kunit_kcalloc(test, PLCB_BATCH, sizeof(*slot), GFP_KERNEL);
	thrash = kunit_kzalloc(test, sizeof(*thrash), GFP_KERNEL);
	per_set = kunit_kcalloc(test, PLCB_MAX_SETS, sizeof(*per_set),
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, per_set);
	KUNIT_ASSERT_NOT_NULL(test, keys);
	KUNIT_ASSERT_NOT_NULL(test, slot);
	KUNIT_ASSERT_NOT_NULL(test, thrash);
	KUNIT_ASSERT_EQ(test, pcpu_lookup_cache_init(thrash, 1, 1), 0);
	/* Enough rounds for target_us at about 1 us per invalidation. */
	rounds = max(1U, c->target_us / PLCB_BATCH);
	loops = max(1000U, c->target_us * 100);

	for (g = 0; g < PLCB_NR_GEOM; g++) {
		struct pcpu_lookup_cache *cache = &c->cache[g];
		unsigned int sets = plcb_geom[g][0], ways = plcb_geom[g][1];

		plcb_spread_keys(cache, ways, keys, per_set);

		for (rep = 0; rep < c->reps; rep++) {
			t_one = 0;
			t_many = 0;
			/*
			 * Summed over CPUs: the test may migrate between
			 * rounds, and each key is cached on one CPU only.
			 */
			pcpu_lookup_cache_stats_sum(cache, &s0);
			for (n = 0; n < rounds; n++) {
				plcb_cache_keys(test, cache, keys, PLCB_BATCH);
				t0 = ktime_get_ns();
				for (i = 0; i < PLCB_BATCH; i++)
					ret |= pcpu_lookup_cache_invalidate(cache,
									    keys[i]);
				t_one += ktime_get_ns() - t0;

				plcb_cache_keys(test, cache, keys, PLCB_BATCH);
				t0 = ktime_get_ns();
				ret |= pcpu_lookup_cache_invalidate_many(cache, keys,
									 PLCB_BATCH);
				t_many += ktime_get_ns() - t0;
			}
			KUNIT_ASSERT_EQ(test, ret, 0);
			pcpu_lookup_cache_stats_sum(cache, &s1);
			/* Each round removed every key twice. */
			KUNIT_EXPECT_EQ(test, s1.invalidations - s0.invalidations,
					(u64)rounds * 2 * PLCB_BATCH);
			kunit_info(test,
				   "plc_bench: kind inval cache %ux%u rep %u cpus %u one_ps %llu batch %u batch_ps %llu rounds %u loop_ns %llu\n",
				   sets, ways, rep, num_online_cpus(),
				   plcb_ps(t_one, (u64)rounds * PLCB_BATCH),
				   PLCB_BATCH, plcb_ps(t_many, rounds), rounds,
				   min(t_one, t_many));
			cond_resched();
		}
	}

	/*
	 * The unit suite's cost loops, on the default geometry, with hit
	 * statistics on: they count the hits and misses checked below.
	 */
	pcpu_lookup_cache_hit_stats_get();
	c->stats_on = true;
	for (rep = 0; rep < c->reps; rep++) {
		struct pcpu_lookup_cache *cache = &c->cache[0];
		unsigned int mask = PLCB_BATCH - 1;

		plcb_spread_keys(cache, plcb_geom[0][1], keys, per_set);
		KUNIT_ASSERT_EQ(test, pcpu_lookup_cache_flush(cache), 0);
		KUNIT_ASSERT_EQ(test, pcpu_lookup_cache_flush(thrash), 0);

		for (i = 0; i < PLCB_BATCH; i++)
			slot[i] = &keys[i];

		/* Fill and hit on the same CPU: no migration in between. */
		preempt_disable();
		plcb_cache_keys(test, cache, keys, PLCB_BATCH);
		cpu = smp_processor_id();
		this_cpu_ptr(&plcb_ref)->slot = slot;

		pcpu_lookup_cache_stats_cpu(cache, cpu, &s0);
		t_hit = plcb_time_hits(cache, keys, mask, loops, &want);
		pcpu_lookup_cache_stats_cpu(cache, cpu, &s1);

		sum = 0;
		t0 = ktime_get_ns();
		for (i = 0; i < loops; i++)
			sum += (unsigned long)READ_ONCE(this_cpu_ptr(&plcb_ref)->slot[i & mask]);
		t_ref = ktime_get_ns() - t0;
		this_cpu_ptr(&plcb_ref)->slot = NULL;
		KUNIT_EXPECT_EQ(test, s1.hits - s0.hits, (u64)loops);
		KUNIT_EXPECT_EQ(test, s1.misses, s0.misses);
		KUNIT_EXPECT_EQ(test, sum, want);

		pcpu_lookup_cache_stats_cpu(thrash, cpu, &s0);
		t0 = ktime_get_ns();
		for (i = 0; i < loops; i++) {
			unsigned long key = keys[i & 1];

			if (!pcpu_lookup_cache_lookup(thrash, key, &token))
				pcpu_lookup_cache_fill(thrash, key,
						       &keys[i & 1], token);
		}
		t_miss = ktime_get_ns() - t0;
		pcpu_lookup_cache_stats_cpu(thrash, cpu, &s1);
		preempt_enable();
		KUNIT_EXPECT_EQ(test, s1.misses - s0.misses, (u64)loops);
		KUNIT_EXPECT_EQ(test, s1.fills - s0.fills, (u64)loops);

		/* The hit again, with hit statistics off (contract point 7). */
		pcpu_lookup_cache_hit_stats_put();
		c->stats_on = false;
		off = !pcpu_lookup_cache_hit_stats_enabled();
		KUNIT_ASSERT_EQ(test, pcpu_lookup_cache_flush(cache), 0);
		preempt_disable();
		plcb_cache_keys(test, cache, keys, PLCB_BATCH);
		t_hit_off = plcb_time_hits(cache, keys, mask, loops, &sum);
		preempt_enable();
		pcpu_lookup_cache_hit_stats_get();
		c->stats_on = true;
		KUNIT_EXPECT_EQ(test, sum, want);

		kunit_info(test,
			   "plc_bench: kind cost geometry %ux%u rep %u loops %u hit_ps %llu ref_ps %llu miss_fill_ps %llu hit_nostats_ps %llu nostats %d loop_ns %llu\n",
			   plcb_geom[0][0], plcb_geom[0][1], rep, loops,
			   plcb_ps(t_hit, loops), plcb_ps(t_ref, loops),
			   plcb_ps(t_miss, loops), plcb_ps(t_hit_off, loops),
			   off, min3(t_hit, t_ref, t_miss));
		cond_resched();
	}
	pcpu_lookup_cache_hit_stats_put();
	c->stats_on = false;
	pcpu_lookup_cache_destroy(thrash);
}
