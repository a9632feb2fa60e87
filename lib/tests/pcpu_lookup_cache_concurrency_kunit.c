// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the per-CPU lookup cache, lib/pcpu_lookup_cache.c, on
 * several CPUs: invalidations and flushes that reach other CPUs by IPI,
 * the cpuslocked variants, suspend and resume, CPU hotplug, and a bounded
 * concurrent stress against an RCU-protected table. The cross-CPU and
 * hotplug cases need two or more online CPUs and skip otherwise.
 */

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "pcpu_lookup_cache_kunit.h"

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");

/* --- several CPUs ---------------------------------------------------- */

/**
 * struct plc_remote - a lookup, and fill on a miss, on another CPU
 * @cache: the cache
 * @key: the key
 * @fill: the value to fill on a miss, or NULL
 * @token: with @use_token, the token to fill with; else returns the token
 * @use_token: fill with @token instead of the lookup's
 * @found: what the lookup returned
 */
struct plc_remote {
	struct pcpu_lookup_cache *cache;
	unsigned long key;
	void *fill;
	unsigned long token;
	unsigned int use_token;
	void *found;
};

static void plc_remote_fn(void *info)
{
	struct plc_remote *r = info;
	unsigned long token;

	r->found = pcpu_lookup_cache_lookup(r->cache, r->key, &token);
	if (!r->use_token)
		r->token = token;
	if (!r->found && r->fill)
		pcpu_lookup_cache_fill(r->cache, r->key, r->fill, r->token);
}

static void *plc_on_cpu(struct kunit *test, struct pcpu_lookup_cache *cache,
			unsigned int cpu, unsigned long key, void *fill)
{
	struct plc_remote r = { .cache = cache, .key = key, .fill = fill };

	KUNIT_EXPECT_EQ(test, smp_call_function_single(cpu, plc_remote_fn, &r, 1),
			0);
	return r.found;
}

static void plc_need_smp(struct kunit *test)
{
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs >= 2 online CPUs");
}

/* Check that @cpu's invalidations advanced by @n since @base. */
static void plc_expect_cpu_invalidations(struct kunit *test,
					 struct plc_ctx *ctx, unsigned int cpu,
					 struct pcpu_lookup_cache_stats *base,
					 u64 n, const char *what)
{
	struct pcpu_lookup_cache_stats s;

	pcpu_lookup_cache_stats_cpu(&ctx->cache, cpu, &s);
	KUNIT_EXPECT_EQ_MSG(test, s.invalidations - base->invalidations, n,
			    "%s on CPU %u", what, cpu);
	*base = s;
}

/*
 * Contract 4 across CPUs: tables are per CPU, and invalidate(),
 * invalidate_many() and flush() called on one CPU reach every online CPU,
 * dropping exactly the keys named; a remote fill with a token older than
 * the invalidation is dropped.
 */
static void plc_test_cross_cpu(struct kunit *test)
{
	struct plc_ctx *ctx;
	struct pcpu_lookup_cache_stats *base;
	unsigned long many[3];
	unsigned int cpu, me, last, i, r, others = 0;
	struct plc_remote rem;

	plc_need_smp(test);
	ctx = plc_setup(test, test->param_value);
	me = ctx->cpu;
	base = kunit_kcalloc(test, nr_cpu_ids, sizeof(*base), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, base);
	r = min(3U, ctx->cache.nr_ways);

	/* A fill on one CPU is not seen by the others. */
	last = cpumask_last(cpu_online_mask);
	if (last == me)
		last = cpumask_first(cpu_online_mask);
	KUNIT_EXPECT_NULL(test, plc_on_cpu(test, &ctx->cache, last, ctx->keys[0],
					   &ctx->obj_a[0]));
	for_each_online_cpu(cpu)
		KUNIT_EXPECT_PTR_EQ_MSG(test,
					plc_on_cpu(test, &ctx->cache, cpu,
						   ctx->keys[0], NULL),
					cpu == last ? (void *)&ctx->obj_a[0] : NULL,
					"CPU %u", cpu);

	/* Fill r keys everywhere. */
	for_each_online_cpu(cpu) {
		for (i = 0; i < r; i++)
			plc_on_cpu(test, &ctx->cache, cpu, ctx->keys[i],
				   &ctx->obj_a[i]);
		for (i = 0; i < r; i++)
			KUNIT_EXPECT_PTR_EQ_MSG(test,
						plc_on_cpu(test, &ctx->cache, cpu,
							   ctx->keys[i], NULL),
						(void *)&ctx->obj_a[i], "CPU %u", cpu);
		pcpu_lookup_cache_stats_cpu(&ctx->cache, cpu, &base[cpu]);
		others += cpu != me;
	}
	KUNIT_EXPECT_GE(test, others, 1);

	/* invalidate() from this CPU drops keys[0], only it, everywhere. */
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate(&ctx->cache,
							   ctx->keys[0]), 0);
	for_each_online_cpu(cpu) {
		plc_expect_cpu_invalidations(test, ctx, cpu, &base[cpu], 1,
					     "invalidate");
		KUNIT_EXPECT_NULL_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
						       ctx->keys[0], NULL),
				      "CPU %u", cpu);
		for (i = 1; i < r; i++)
			KUNIT_EXPECT_PTR_EQ_MSG(test,
						plc_on_cpu(test, &ctx->cache, cpu,
							   ctx->keys[i], NULL),
						(void *)&ctx->obj_a[i], "CPU %u", cpu);
	}

	/* A remote fill with a token from before an invalidation. */
	for_each_online_cpu(cpu) {
		rem = (struct plc_remote){ .cache = &ctx->cache,
					   .key = ctx->keys[0] };
		KUNIT_EXPECT_EQ(test, smp_call_function_single(cpu, plc_remote_fn,
							       &rem, 1), 0);
		KUNIT_EXPECT_NULL(test, rem.found);
		KUNIT_EXPECT_EQ(test,
				pcpu_lookup_cache_invalidate(&ctx->cache,
							     ctx->keys[ctx->nr_keys - 1]),
				0);
		rem.fill = &ctx->obj_a[0];
		rem.use_token = 1;
		KUNIT_EXPECT_EQ(test, smp_call_function_single(cpu, plc_remote_fn,
							       &rem, 1), 0);
		KUNIT_EXPECT_NULL_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
						       ctx->keys[0], NULL),
				      "stale fill cached on CPU %u", cpu);
		pcpu_lookup_cache_stats_cpu(&ctx->cache, cpu, &base[cpu]);
	}

	/* invalidate_many() of keys[0] (refilled), a zero and keys[r - 1]. */
	for_each_online_cpu(cpu) {
		plc_on_cpu(test, &ctx->cache, cpu, ctx->keys[0], &ctx->obj_a[0]);
		pcpu_lookup_cache_stats_cpu(&ctx->cache, cpu, &base[cpu]);
	}
	many[0] = ctx->keys[0];
	many[1] = 0;
	many[2] = ctx->keys[r - 1];
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate_many(&ctx->cache,
								many, 3), 0);
	for_each_online_cpu(cpu) {
		plc_expect_cpu_invalidations(test, ctx, cpu, &base[cpu],
					     r > 1 ? 2 : 1, "invalidate_many");
		for (i = 0; i < r; i++)
			KUNIT_EXPECT_PTR_EQ_MSG(test,
						plc_on_cpu(test, &ctx->cache, cpu,
							   ctx->keys[i], NULL),
						i == 0 || i == r - 1 ? NULL :
						(void *)&ctx->obj_a[i],
						"CPU %u key %u", cpu, i);
	}

	/* flush() empties every CPU. */
	for_each_online_cpu(cpu) {
		for (i = 0; i < r; i++)
			plc_on_cpu(test, &ctx->cache, cpu, ctx->keys[i],
				   &ctx->obj_a[i]);
		pcpu_lookup_cache_stats_cpu(&ctx->cache, cpu, &base[cpu]);
	}
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_flush(&ctx->cache), 0);
	for_each_online_cpu(cpu) {
		plc_expect_cpu_invalidations(test, ctx, cpu, &base[cpu], r,
					     "flush");
		for (i = 0; i < r; i++)
			KUNIT_EXPECT_NULL_MSG(test,
					      plc_on_cpu(test, &ctx->cache, cpu,
							 ctx->keys[i], NULL),
					      "CPU %u key %u", cpu, i);
	}
}

/* The invalidation IPIs that @cpu handled for @cache. */
static u64 plc_ipis(struct pcpu_lookup_cache *cache, unsigned int cpu)
{
	struct pcpu_lookup_cache_stats s;

	pcpu_lookup_cache_stats_cpu(cache, cpu, &s);
	return s.ipis;
}

/* Check @cpu's IPIs against @gen, and take the new count. */
static void plc_expect_gen(struct kunit *test, struct plc_ctx *ctx,
			   unsigned int cpu, unsigned long *gen,
			   unsigned long delta, const char *what)
{
	unsigned long now = plc_ipis(&ctx->cache, cpu);

	KUNIT_EXPECT_EQ_MSG(test, now - *gen, delta, "%s: IPIs on CPU %u",
			    what, cpu);
	*gen = now;
}

/*
 * An invalidation with no nonzero key reaches no CPU: no IPI runs and
 * the sequence stays. The _cpuslocked variants, called with the CPU
 * hotplug lock held, reach every online CPU that holds the keys like the
 * plain ones.
 */
static void plc_test_cpuslocked_and_zero_keys(struct kunit *test)
{
	static const struct plc_geom geom = { 64, 4, "64x4" };
	unsigned long zeros[3] = { 0, 0, 0 }, *gen, two[2], seq;
	struct plc_ctx *ctx;
	unsigned int cpu;
	int ret;

	ctx = plc_setup(test, &geom);
	gen = kunit_kcalloc(test, nr_cpu_ids, sizeof(*gen), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, gen);
	two[0] = ctx->keys[0];
	two[1] = ctx->keys[1];

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		gen[cpu] = plc_ipis(&ctx->cache, cpu);
		plc_on_cpu(test, &ctx->cache, cpu, two[0], &ctx->obj_a[0]);
		plc_on_cpu(test, &ctx->cache, cpu, two[1], &ctx->obj_a[1]);
	}
	seq = atomic_long_read(&ctx->cache.seq);
	ret = pcpu_lookup_cache_invalidate_many_cpuslocked(&ctx->cache, zeros, 3);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate_cpuslocked(&ctx->cache, 0),
			0);
	cpus_read_unlock();
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate_many(&ctx->cache, zeros,
								3), 0);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate(&ctx->cache, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ctx->cache.seq), seq);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		plc_expect_gen(test, ctx, cpu, &gen[cpu], 0, "zero keys");
		KUNIT_EXPECT_PTR_EQ_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
							 two[0], NULL),
					(void *)&ctx->obj_a[0], "CPU %u", cpu);
	}

	/* One key, with the lock held: every CPU drops it, and only it. */
	ret = pcpu_lookup_cache_invalidate_cpuslocked(&ctx->cache, two[0]);
	KUNIT_EXPECT_EQ(test, ret, 0);
	for_each_online_cpu(cpu) {
		plc_expect_gen(test, ctx, cpu, &gen[cpu], 1, "invalidate");
		KUNIT_EXPECT_NULL_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
						       two[0], NULL), "CPU %u", cpu);
		KUNIT_EXPECT_PTR_EQ_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
							 two[1], NULL),
					(void *)&ctx->obj_a[1], "CPU %u", cpu);
		plc_on_cpu(test, &ctx->cache, cpu, two[0], &ctx->obj_a[0]);
	}
	/* Many keys, one round: both gone everywhere. */
	ret = pcpu_lookup_cache_invalidate_many_cpuslocked(&ctx->cache, two, 2);
	KUNIT_EXPECT_EQ(test, ret, 0);
	for_each_online_cpu(cpu) {
		plc_expect_gen(test, ctx, cpu, &gen[cpu], 1, "invalidate_many");
		KUNIT_EXPECT_NULL_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
						       two[0], NULL), "CPU %u", cpu);
		KUNIT_EXPECT_NULL_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
						       two[1], NULL), "CPU %u", cpu);
		plc_on_cpu(test, &ctx->cache, cpu, two[1], &ctx->obj_a[1]);
	}
	/* And a flush. */
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_flush_cpuslocked(&ctx->cache), 0);
	for_each_online_cpu(cpu) {
		plc_expect_gen(test, ctx, cpu, &gen[cpu], 1, "flush");
		KUNIT_EXPECT_NULL_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
						       two[1], NULL), "CPU %u", cpu);
	}
	cpus_read_unlock();
}

/* Expect @cpu to have handled @n IPIs since @base, and @key to be there. */
static void plc_expect_holder(struct kunit *test, struct plc_ctx *ctx,
			      unsigned int cpu, const u64 *base, u64 n,
			      unsigned long key, void *val, const char *what)
{
	KUNIT_EXPECT_EQ_MSG(test, plc_ipis(&ctx->cache, cpu) - base[cpu], n,
			    "%s: IPIs on CPU %u", what, cpu);
	KUNIT_EXPECT_PTR_EQ_MSG(test, plc_on_cpu(test, &ctx->cache, cpu, key,
						 NULL),
				val, "%s: key on CPU %u", what, cpu);
}

/*
 * Expect @nf IPIs on @first, @ns on @second and none on any other online
 * CPU since @base.
 */
static void plc_expect_ipis(struct kunit *test, struct plc_ctx *ctx,
			    const u64 *base, unsigned int first, u64 nf,
			    unsigned int second, u64 ns, const char *what)
{
	unsigned int cpu;

	for_each_online_cpu(cpu)
		KUNIT_EXPECT_EQ_MSG(test, plc_ipis(&ctx->cache, cpu) - base[cpu],
				    cpu == first ? nf : cpu == second ? ns : 0,
				    "%s: IPIs on CPU %u", what, cpu);
}

/*
 * Contract 4, targeted: an invalidation IPIs only the online CPUs whose
 * set holds one of its keys, and none when no CPU holds them (a key 0
 * among them included), though the sequence advances each time; a flush
 * IPIs only the online CPUs that stored a key since the last flush.
 */
static void plc_test_ipi_only_holders(struct kunit *test)
{
	static const struct plc_geom geom = { 64, 4, "64x4" };
	unsigned long a, b, c, bc[2], zc[2] = { 0 }, seq;
	unsigned int cpu, first, second;
	struct plc_ctx *ctx;
	u64 *base;

	plc_need_smp(test);
	ctx = plc_setup(test, &geom);
	base = kunit_kcalloc(test, nr_cpu_ids, sizeof(*base), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, base);
	a = ctx->keys[0];
	b = ctx->keys[1];
	c = ctx->keys[2];
	bc[0] = b;
	bc[1] = c;

	cpus_read_lock();
	first = cpumask_first(cpu_online_mask);
	second = cpumask_next(first, cpu_online_mask);
	/* a on the first CPU, b on the second, c nowhere. */
	plc_on_cpu(test, &ctx->cache, first, a, &ctx->obj_a[0]);
	plc_on_cpu(test, &ctx->cache, second, b, &ctx->obj_a[1]);
	for_each_online_cpu(cpu)
		base[cpu] = plc_ipis(&ctx->cache, cpu);
	seq = atomic_long_read(&ctx->cache.seq);

	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate_cpuslocked(&ctx->cache,
								      c), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ctx->cache.seq), seq + 1);
	plc_expect_ipis(test, ctx, base, first, 0, second, 0,
			"key held nowhere");
	plc_expect_holder(test, ctx, first, base, 0, a, &ctx->obj_a[0],
			  "key held nowhere");
	plc_expect_holder(test, ctx, second, base, 0, b, &ctx->obj_a[1],
			  "key held nowhere");

	/* A key 0 among them matches no empty way: still no IPI. */
	zc[1] = c;
	KUNIT_EXPECT_EQ(test,
			pcpu_lookup_cache_invalidate_many_cpuslocked(&ctx->cache,
								     zc, 2), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ctx->cache.seq), seq + 2);
	plc_expect_ipis(test, ctx, base, first, 0, second, 0,
			"0 and a key held nowhere");

	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate_cpuslocked(&ctx->cache,
								      a), 0);
	plc_expect_ipis(test, ctx, base, first, 1, second, 0, "a");
	plc_expect_holder(test, ctx, first, base, 1, a, NULL, "a");
	plc_expect_holder(test, ctx, second, base, 0, b, &ctx->obj_a[1], "a");

	KUNIT_EXPECT_EQ(test,
			pcpu_lookup_cache_invalidate_many_cpuslocked(&ctx->cache,
								     bc, 2), 0);
	plc_expect_ipis(test, ctx, base, first, 1, second, 1, "b, c");
	plc_expect_holder(test, ctx, second, base, 1, b, NULL, "b, c");

	/*
	 * Every table empty, but the first and second CPU stored keys since
	 * the last flush: a flush IPIs those two alone.
	 */
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_flush_cpuslocked(&ctx->cache), 0);
	plc_expect_ipis(test, ctx, base, first, 2, second, 2, "first flush");
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ctx->cache.seq), seq + 5);

	/* c on the second CPU alone: a flush IPIs it alone. */
	plc_on_cpu(test, &ctx->cache, second, c, &ctx->obj_a[2]);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_flush_cpuslocked(&ctx->cache), 0);
	plc_expect_ipis(test, ctx, base, first, 2, second, 3, "second flush");
	plc_expect_holder(test, ctx, second, base, 3, c, NULL, "second flush");

	/* Nothing stored since: a flush IPIs no CPU. */
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_flush_cpuslocked(&ctx->cache), 0);
	plc_expect_ipis(test, ctx, base, first, 2, second, 3, "third flush");
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ctx->cache.seq), seq + 7);
	cpus_read_unlock();
}

/*
 * suspend() empties every online CPU in one round of IPIs and drops every
 * fill, also with a token read after it, until the last nested resume();
 * resume() sends no IPI and refuses a cache that is not suspended.
 */
static void plc_test_suspend(struct kunit *test)
{
	static const struct plc_geom geom = { 64, 4, "64x4" };
	struct pcpu_lookup_cache_stats *base, s;
	struct plc_ctx *ctx;
	unsigned long *gen, key;
	unsigned int cpu;
	void *obj;

	ctx = plc_setup(test, &geom);
	key = ctx->keys[0];
	obj = &ctx->obj_a[0];
	base = kunit_kcalloc(test, nr_cpu_ids, sizeof(*base), GFP_KERNEL);
	gen = kunit_kcalloc(test, nr_cpu_ids, sizeof(*gen), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, base);
	KUNIT_ASSERT_NOT_NULL(test, gen);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_resume(&ctx->cache), -EINVAL);

	for_each_online_cpu(cpu) {
		plc_on_cpu(test, &ctx->cache, cpu, key, obj);
		KUNIT_EXPECT_PTR_EQ_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
							 key, NULL),
					obj, "CPU %u", cpu);
		gen[cpu] = plc_ipis(&ctx->cache, cpu);
		pcpu_lookup_cache_stats_cpu(&ctx->cache, cpu, &base[cpu]);
	}

	/* The second suspend's flush finds every filled flag clear: no IPI. */
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_suspend(&ctx->cache), 0);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_suspend(&ctx->cache), 0);
	for_each_online_cpu(cpu) {
		plc_expect_gen(test, ctx, cpu, &gen[cpu], 1, "two suspends");
		plc_expect_cpu_invalidations(test, ctx, cpu, &base[cpu], 1,
					     "suspend");
		/* Misses, and its fill, with a fresh token, is dropped. */
		KUNIT_EXPECT_NULL_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
						       key, obj),
				      "CPU %u", cpu);
		KUNIT_EXPECT_NULL_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
						       key, NULL),
				      "CPU %u", cpu);
		pcpu_lookup_cache_stats_cpu(&ctx->cache, cpu, &s);
		KUNIT_EXPECT_EQ_MSG(test, s.dropped - base[cpu].dropped, 1,
				    "CPU %u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, s.fills, base[cpu].fills, "CPU %u",
				    cpu);
	}

	/* The inner resume: still suspended, no IPI. */
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_resume(&ctx->cache), 0);
	for_each_online_cpu(cpu) {
		plc_expect_gen(test, ctx, cpu, &gen[cpu], 0, "inner resume");
		KUNIT_EXPECT_NULL_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
						       key, obj),
				      "CPU %u", cpu);
		KUNIT_EXPECT_NULL(test, plc_on_cpu(test, &ctx->cache, cpu, key,
						   NULL));
	}

	/* The outer resume: fills store again. */
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_resume(&ctx->cache), 0);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_resume(&ctx->cache), -EINVAL);
	for_each_online_cpu(cpu) {
		plc_expect_gen(test, ctx, cpu, &gen[cpu], 0, "resume");
		KUNIT_EXPECT_NULL(test, plc_on_cpu(test, &ctx->cache, cpu, key,
						   obj));
		KUNIT_EXPECT_PTR_EQ_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
							 key, NULL),
					obj, "CPU %u", cpu);
	}
}

/* What the test's CPU hotplug callback saw of the cache. */
static struct {
	struct pcpu_lookup_cache *cache;
	unsigned long key;
	unsigned int cpu;
	unsigned int calls;
	unsigned int ran_on;
	void *found;
} plc_hp;

static int plc_hp_online(unsigned int cpu)
{
	unsigned long token;

	if (cpu != READ_ONCE(plc_hp.cpu) || !READ_ONCE(plc_hp.cache))
		return 0;
	preempt_disable();
	plc_hp.ran_on = smp_processor_id();
	plc_hp.found = pcpu_lookup_cache_lookup(plc_hp.cache, plc_hp.key,
						&token);
	preempt_enable();
	plc_hp.calls++;
	return 0;
}

static void plc_hp_remove_state(void *state)
{
	cpuhp_remove_state_nocalls((enum cpuhp_state)(long)state);
	WRITE_ONCE(plc_hp.cache, NULL);
}

static void plc_hp_online_again(void *cpu)
{
	if (!cpu_online((long)cpu))
		add_cpu((long)cpu);
}

/*
 * Contract 4, CPU hotplug: the invalidation clears the table of a CPU that
 * is offline directly, without a hotplug callback, so the CPU comes back
 * with no stale entry: even its CPUHP_AP_ONLINE_DYN callbacks miss.
 */
static void plc_test_hotplug(struct kunit *test)
{
	static const struct plc_geom geom = { 64, 4, "64x4" };
	struct pcpu_lookup_cache_stats s0, s1;
	struct plc_ctx *ctx;
	unsigned long key;
	unsigned int cpu, n = nr_cpu_ids;
	int state, ret;

	if (!IS_ENABLED(CONFIG_HOTPLUG_CPU))
		kunit_skip(test, "needs CONFIG_HOTPLUG_CPU");
	plc_need_smp(test);
	ctx = plc_setup(test, &geom);
	key = ctx->keys[0];
	/* Not the boot CPU, which may not go offline, nor ours. */
	for_each_online_cpu(cpu)
		if (cpu != 0 && cpu != ctx->cpu)
			n = cpu;
	if (n >= nr_cpu_ids)
		kunit_skip(test, "no online CPU other than CPU 0 and this one");

	KUNIT_EXPECT_NULL(test, plc_on_cpu(test, &ctx->cache, n, key,
					   &ctx->obj_a[0]));
	KUNIT_ASSERT_PTR_EQ(test, plc_on_cpu(test, &ctx->cache, n, key, NULL),
			    (void *)&ctx->obj_a[0]);

	plc_hp.cache = &ctx->cache;
	plc_hp.key = key;
	plc_hp.cpu = n;
	plc_hp.calls = 0;
	plc_hp.ran_on = nr_cpu_ids;
	plc_hp.found = ERR_PTR(-EINVAL);
	state = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN,
					  "lib/pcpu_lookup_cache_kunit:online",
					  plc_hp_online, NULL);
	KUNIT_ASSERT_GT(test, state, 0);
	ret = kunit_add_action_or_reset(test, plc_hp_remove_state,
					(void *)(long)state);
	KUNIT_ASSERT_EQ(test, ret, 0);

	ret = remove_cpu(n);
	if (ret)
		kunit_skip(test, "remove_cpu(%u) failed: %d", n, ret);
	ret = kunit_add_action_or_reset(test, plc_hp_online_again,
					(void *)(long)n);
	KUNIT_ASSERT_EQ(test, ret, 0);

	pcpu_lookup_cache_stats_cpu(&ctx->cache, n, &s0);
	/* White-box: the offline CPU still holds the entry. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(plc_entry(ctx, n, 0)->key), key);
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(plc_entry(ctx, n, 0)->val),
			    (void *)&ctx->obj_a[0]);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate(&ctx->cache, key), 0);
	/* No IPI reached it, but its table was cleared from here. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(plc_entry(ctx, n, 0)->key), 0);
	KUNIT_EXPECT_NULL(test, READ_ONCE(plc_entry(ctx, n, 0)->val));
	pcpu_lookup_cache_stats_cpu(&ctx->cache, n, &s1);
	KUNIT_EXPECT_EQ(test, s1.invalidations, s0.invalidations + 1);

	ret = add_cpu(n);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "add_cpu(%u)", n);
	/* Early bring-up: the callback ran on CPU n and missed. */
	KUNIT_EXPECT_EQ(test, plc_hp.calls, 1);
	KUNIT_EXPECT_EQ(test, plc_hp.ran_on, n);
	KUNIT_EXPECT_NULL(test, plc_hp.found);
	KUNIT_EXPECT_EQ(test, READ_ONCE(plc_entry(ctx, n, 0)->key), 0);
	/* Nothing more was cleared on the way up. */
	pcpu_lookup_cache_stats_cpu(&ctx->cache, n, &s1);
	KUNIT_EXPECT_EQ(test, s1.invalidations, s0.invalidations + 1);
	KUNIT_EXPECT_EQ(test, s1.misses, s0.misses + 1);
	KUNIT_EXPECT_NULL(test, plc_on_cpu(test, &ctx->cache, n, key, NULL));
	/* And the CPU caches again. */
	KUNIT_EXPECT_NULL(test, plc_on_cpu(test, &ctx->cache, n, key,
					   &ctx->obj_b[0]));
	KUNIT_EXPECT_PTR_EQ(test, plc_on_cpu(test, &ctx->cache, n, key, NULL),
			    (void *)&ctx->obj_b[0]);
}

/* --- concurrent stress ----------------------------------------------- */

#define PLC_STRESS_KEYS		48
#define PLC_STRESS_MS		1500
#define PLC_MAGIC_LIVE		0x4c495645UL
#define PLC_MAGIC_DEAD		0xdeadbeefUL

struct plc_sobj {
	unsigned long key;
	unsigned long magic;
};

/**
 * struct plc_stress - the stress test's state
 * @cache: the cache, 16 sets x 2 ways: fewer entries than keys
 * @slot: the backing table, one RCU pointer per key
 * @irq_lookups: lookups from hardirq context
 * @irq_bad: of these, results that were not live objects of their key
 */
struct plc_stress {
	struct pcpu_lookup_cache cache;
	struct plc_sobj __rcu *slot[PLC_STRESS_KEYS];
	atomic_long_t irq_lookups;
	atomic_long_t irq_bad;
};

/**
 * struct plc_reader - one reader thread
 * @s: the shared state
 * @task: the thread
 * @seed: its key sequence
 * @lookups: validated lookups
 * @bad: lookups that returned a freed object or another key's
 */
struct plc_reader {
	struct plc_stress *s;
	struct task_struct *task;
	unsigned int seed;
	unsigned long lookups;
	unsigned long bad;
};

static unsigned long plc_stress_key(unsigned int i)
{
	return 0x1000UL * (i + 1) + 0x40;
}

/*
 * One lookup as a user does it, with preemption disabled: the cache, then
 * the backing table and a fill on a miss; then use the object. Returns
 * false if the object is not the live one of this key.
 */
static bool plc_stress_one(struct plc_stress *s, unsigned int i)
{
	unsigned long key = plc_stress_key(i), token;
	struct plc_sobj *obj;

	obj = pcpu_lookup_cache_lookup(&s->cache, key, &token);
	if (!obj) {
		obj = rcu_dereference_sched(s->slot[i]);
		if (!obj)
			return true;	/* being replaced */
		pcpu_lookup_cache_fill(&s->cache, key, obj, token);
	}
	return READ_ONCE(obj->key) == key &&
	       READ_ONCE(obj->magic) == PLC_MAGIC_LIVE;
}

static int plc_stress_reader(void *arg)
{
	struct plc_reader *r = arg;
	unsigned long max = IS_ENABLED(CONFIG_KASAN) ? 400000 : 2000000;
	unsigned int j;

	while (!kthread_should_stop()) {
		if (r->lookups >= max) {
			schedule_timeout_idle(1);
			continue;
		}
		/* IRQs stay on: the invalidation IPI may land anywhere. */
		preempt_disable();
		for (j = 0; j < 16; j++) {
			/* Mostly a few hot keys, sometimes any. */
			r->seed = r->seed * 1103515245 + 12345;
			if (!plc_stress_one(r->s, (r->seed >> 16) %
					    (j & 3 ? 8 : PLC_STRESS_KEYS)))
				r->bad++;
			r->lookups++;
		}
		preempt_enable();
		cond_resched();
	}
	return 0;
}

static void plc_stress_irq(void *arg)
{
	struct plc_stress *s = arg;
	unsigned int i, cpu = smp_processor_id();

	for (i = 0; i < 4; i++) {
		if (!plc_stress_one(s, (cpu + i * 5) % PLC_STRESS_KEYS))
			atomic_long_inc(&s->irq_bad);
		atomic_long_inc(&s->irq_lookups);
	}
}

/* Lookups in hardirq context on every CPU, via IPIs, until stopped. */
static int plc_stress_ipi(void *arg)
{
	while (!kthread_should_stop()) {
		on_each_cpu(plc_stress_irq, arg, 1);
		usleep_range(200, 400);
	}
	return 0;
}

static struct plc_sobj *plc_stress_new(unsigned int i)
{
	struct plc_sobj *obj = kmalloc(sizeof(*obj), GFP_KERNEL);

	if (obj) {
		obj->key = plc_stress_key(i);
		obj->magic = PLC_MAGIC_LIVE;
	}
	return obj;
}

static void plc_stress_free(struct plc_sobj *obj)
{
	/* Poison before the free: KCSAN builds have no KASAN to catch a UAF. */
	WRITE_ONCE(obj->magic, PLC_MAGIC_DEAD);
	WRITE_ONCE(obj->key, 0);
	kfree(obj);
}

/* Ways of any CPU's table that hold @obj. */
static unsigned int plc_stress_cached(struct plc_stress *s,
				      struct plc_sobj *obj)
{
	unsigned int cpu, i, n = 0, nr = s->cache.nr_sets * s->cache.set_stride;

	for_each_possible_cpu(cpu) {
		struct pcpu_lookup_cache_entry *e =
			per_cpu_ptr(s->cache.pcpu, cpu)->entries;

		for (i = 0; i < nr; i++)
			n += READ_ONCE(e[i].val) == obj;
	}
	return n;
}

/*
 * Contract 5 under load: readers on every CPU, with IRQs on, and lookups
 * from hardirq context, while a writer retires and replaces objects in
 * the documented order. No reader may ever use a freed object or another
 * key's; KASAN and the poison catch use-after-free. Contract 3 across
 * CPUs: once the grace period after an invalidation has ended, no fill
 * that found a retired object can still be running, so no CPU's table
 * may hold it, whether or not the invalidation sent that CPU an IPI.
 */
static void plc_test_stress(struct kunit *test)
{
	unsigned long max_iter = IS_ENABLED(CONFIG_KASAN) ? 100 : 400;
	unsigned long start, deadline, iter, lookups = 0, bad = 0, keys[2];
	unsigned long stale = 0, rounds;
	struct plc_sobj *old[2], *new[2];
	struct pcpu_lookup_cache_stats sum;
	unsigned int cpu, i, nr = 0, ran = 0, slots[2], nomem = 0;
	struct plc_reader *readers;
	struct task_struct *ipi;
	struct plc_stress *s;
	int ret = 0;

	plc_hit_stats_on(test);
	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_EQ(test, pcpu_lookup_cache_init(&s->cache, 16, 2), 0);
	for (i = 0; i < PLC_STRESS_KEYS; i++) {
		struct plc_sobj *obj = plc_stress_new(i);

		KUNIT_ASSERT_NOT_NULL(test, obj);
		RCU_INIT_POINTER(s->slot[i], obj);
	}
	readers = kunit_kcalloc(test, nr_cpu_ids, sizeof(*readers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, readers);

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct plc_reader *r = &readers[nr];

		r->s = s;
		r->seed = cpu + 1;
		r->task = kthread_create_on_cpu(plc_stress_reader, r, cpu,
						"plc_reader/%u");
		if (IS_ERR(r->task)) {
			r->task = NULL;
			continue;
		}
		wake_up_process(r->task);
		nr++;
	}
	cpus_read_unlock();
	ipi = kthread_run(plc_stress_ipi, s, "plc_ipi");

	/* The writer: retire (a..d of contract 5) and replace, on a timer. */
	start = jiffies;
	deadline = start + msecs_to_jiffies(PLC_STRESS_MS);
	for (iter = 0; time_before(jiffies, deadline); iter++) {
		unsigned int n = iter % 4 == 3 ? 2 : 1;

		/* Enough rounds, and the IPI thread got to run? */
		if (iter >= max_iter && atomic_long_read(&s->irq_lookups))
			break;
		/* Let the readers run, even without preemption. */
		usleep_range(100, 200);

		for (i = 0; i < n; i++) {
			/* Two different slots, odd rounds among the hot keys. */
			slots[i] = (iter * 7 + i * 3) % PLC_STRESS_KEYS;
			if (iter & 1)
				slots[i] %= 8;
			keys[i] = plc_stress_key(slots[i]);
			new[i] = plc_stress_new(slots[i]);
			if (!new[i])
				break;
		}
		if (i < n) {
			while (i--)
				kfree(new[i]);
			nomem = 1;
			break;
		}
		for (i = 0; i < n; i++)
			old[i] = rcu_replace_pointer(s->slot[slots[i]], NULL,
						     true);
		if (iter % 16 == 15)
			ret |= pcpu_lookup_cache_flush(&s->cache);
		else if (n == 2)
			ret |= pcpu_lookup_cache_invalidate_many(&s->cache, keys,
								 2);
		else
			ret |= pcpu_lookup_cache_invalidate(&s->cache, keys[0]);
		synchronize_rcu();
		for (i = 0; i < n; i++) {
			stale += plc_stress_cached(s, old[i]);
			plc_stress_free(old[i]);
			rcu_assign_pointer(s->slot[slots[i]], new[i]);
		}
	}

	if (!IS_ERR(ipi))
		kthread_stop(ipi);
	for (i = 0; i < nr; i++) {
		kthread_stop(readers[i].task);
		lookups += readers[i].lookups;
		bad += readers[i].bad;
		ran += readers[i].lookups > 0;
	}
	synchronize_rcu();
	pcpu_lookup_cache_stats_sum(&s->cache, &sum);
	rounds = atomic_long_read(&s->cache.seq);
	pcpu_lookup_cache_destroy(&s->cache);
	for (i = 0; i < PLC_STRESS_KEYS; i++)
		plc_stress_free(rcu_dereference_protected(s->slot[i], true));

	kunit_info(test, "%u ms, %u readers, %lu writer rounds, %lu lookups, %ld in IRQ, hits %llu fills %llu dropped %llu evictions %llu invalidations %llu, %lu invalidation rounds sent %llu IPIs\n",
		   jiffies_to_msecs(jiffies - start), nr, iter, lookups,
		   atomic_long_read(&s->irq_lookups),
		   sum.hits, sum.fills, sum.dropped, sum.evictions,
		   sum.invalidations, rounds, sum.ipis);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, nomem, 0);
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, stale, 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->irq_bad), 0);
	KUNIT_EXPECT_EQ(test, rounds, iter);
	/* Not vacuous. */
	KUNIT_EXPECT_EQ(test, nr, num_online_cpus());
	KUNIT_EXPECT_EQ(test, ran, nr);
	KUNIT_EXPECT_FALSE(test, IS_ERR(ipi));
	KUNIT_EXPECT_GE(test, iter, 10);
	KUNIT_EXPECT_GE(test, lookups, 10000);
	KUNIT_EXPECT_GT(test, atomic_long_read(&s->irq_lookups), 0);
	KUNIT_EXPECT_GT(test, sum.hits, 0);
	KUNIT_EXPECT_GT(test, sum.fills, 0);
	KUNIT_EXPECT_GT(test, sum.evictions, 0);
	KUNIT_EXPECT_GT(test, sum.invalidations, 0);
}

static struct kunit_case plc_concurrency_test_cases[] = {
	KUNIT_CASE_PARAM(plc_test_cross_cpu, plc_geom_gen_params),
	KUNIT_CASE(plc_test_cpuslocked_and_zero_keys),
	KUNIT_CASE(plc_test_ipi_only_holders),
	KUNIT_CASE(plc_test_suspend),
	KUNIT_CASE(plc_test_hotplug),
	KUNIT_CASE_SLOW(plc_test_stress),
	{}
};

static struct kunit_suite plc_concurrency_test_suite = {
	.name = "pcpu_lookup_cache_concurrency",
	.test_cases = plc_concurrency_test_cases,
};

kunit_test_suite(plc_concurrency_test_suite);

MODULE_DESCRIPTION("KUnit tests for the per-CPU lookup cache on several CPUs");
MODULE_LICENSE("GPL");
