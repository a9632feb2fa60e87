// SPDX-License-Identifier: GPL-2.0
/*
 * Invalidation and flush across the simulated CPUs, CPU hotplug and the
 * fill token.
 */
#include "test.h"

static void fill_on(struct pcpu_lookup_cache *cache, int cpu,
		    unsigned long key, void *val)
{
	plc_sim_set_cpu(cpu);
	plc_get(cache, key, val);
	plc_sim_set_cpu(0);
}

static void *lookup_on(struct pcpu_lookup_cache *cache, int cpu,
		       unsigned long key)
{
	unsigned long token;
	void *v;

	plc_sim_set_cpu(cpu);
	v = pcpu_lookup_cache_lookup(cache, key, &token);
	plc_sim_set_cpu(0);
	return v;
}

static unsigned long token_on(struct pcpu_lookup_cache *cache, int cpu)
{
	unsigned long token;

	plc_sim_set_cpu(cpu);
	pcpu_lookup_cache_lookup(cache, 0, &token);
	plc_sim_set_cpu(0);
	return token;
}

static void invalidate(const void *arg)
{
	struct pcpu_lookup_cache cache;
	struct pcpu_lookup_cache_stats s;
	unsigned long many[6], tok[PLC_NR_CPUS];
	long ipis, ipi_cpus;
	int cpu;

	CHECK_EQ(pcpu_lookup_cache_init(&cache, 64, 4), 0);
	for_each_possible_cpu(cpu) {
		fill_on(&cache, cpu, 100, plc_val(100, cpu));
		fill_on(&cache, cpu, 200, plc_val(200, cpu));
		fill_on(&cache, cpu, 300, plc_val(300, cpu));
		fill_on(&cache, cpu, 400, plc_val(400, cpu));
		CHECK_PTR(lookup_on(&cache, cpu, 100), plc_val(100, cpu));
	}

	/* One key, from CPU 1: every CPU drops it, keeps the others. */
	ipis = plc_shim.ipis;
	ipi_cpus = plc_shim.ipi_cpus;
	plc_sim_set_cpu(1);
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, 100), 0);
	CHECK_EQ(plc_sim_cpu, 1);
	plc_sim_set_cpu(0);
	CHECK_EQ(plc_shim.ipis, ipis + 1);
	CHECK_EQ(plc_shim.ipi_cpus, ipi_cpus + PLC_NR_CPUS);
	for_each_possible_cpu(cpu) {
		CHECK(!lookup_on(&cache, cpu, 100));
		CHECK_PTR(lookup_on(&cache, cpu, 200), plc_val(200, cpu));
		plc_stats(&cache, cpu, &s);
		CHECK_EQ(s.invalidations, 1);
		tok[cpu] = token_on(&cache, cpu);
		CHECK_EQ(tok[cpu], 1);
	}

	/* A key that is not cached: nothing cleared, tokens still advance. */
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, 999), 0);
	for_each_possible_cpu(cpu) {
		plc_stats(&cache, cpu, &s);
		CHECK_EQ(s.invalidations, 1);
		CHECK(token_on(&cache, cpu) != tok[cpu]);
	}

	/* Many: zeros, duplicates and absent keys; one IPI round. */
	many[0] = 200;
	many[1] = 0;
	many[2] = 300;
	many[3] = 200;
	many[4] = 12345;
	many[5] = 0;
	ipis = plc_shim.ipis;
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, many, 6), 0);
	CHECK_EQ(plc_shim.ipis, ipis + 1);
	for_each_possible_cpu(cpu) {
		CHECK(!lookup_on(&cache, cpu, 200));
		CHECK(!lookup_on(&cache, cpu, 300));
		CHECK_PTR(lookup_on(&cache, cpu, 400), plc_val(400, cpu));
		plc_stats(&cache, cpu, &s);
		CHECK_EQ(s.invalidations, 3);
	}

	/* Empty and bad arrays. */
	ipis = plc_shim.ipis;
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, many, 0), 0);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, NULL, 0), 0);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, NULL, 2), -EINVAL);
	CHECK_EQ(plc_shim.ipis, ipis);

	/* Flush: everything, on every CPU. */
	fill_on(&cache, 2, 500, plc_val(500, 2));
	for_each_possible_cpu(cpu)
		tok[cpu] = token_on(&cache, cpu);
	CHECK_EQ(pcpu_lookup_cache_flush(&cache), 0);
	CHECK_EQ(plc_shim.ipis, ipis + 1);
	for_each_possible_cpu(cpu) {
		CHECK(!lookup_on(&cache, cpu, 400));
		CHECK(!lookup_on(&cache, cpu, 500));
		CHECK_EQ(token_on(&cache, cpu), tok[cpu] + 1);
		plc_stats(&cache, cpu, &s);
		CHECK_EQ(s.invalidations, cpu == 2 ? 5 : 4);
	}
	pcpu_lookup_cache_destroy(&cache);
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, 1), -EINVAL);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, many, 1), -EINVAL);
	CHECK_EQ(pcpu_lookup_cache_flush(&cache), -EINVAL);
}

void test_invalidate(void)
{
	plc_subtest("invalidate", invalidate, NULL);
}

/*
 * Fill on CPU 2, take it offline, invalidate (the IPI skips it), bring it
 * up: the PREPARE callback, on the control CPU, flushes it before it runs.
 */
static void hotplug(const void *arg)
{
	struct pcpu_lookup_cache a, b, c;
	struct pcpu_lookup_cache_stats s;
	unsigned long tok2;
	long prep;
	int cpu;

	CHECK_EQ(pcpu_lookup_cache_init(&a, 64, 4), 0);
	CHECK_EQ(pcpu_lookup_cache_init(&b, 1, 1), 0);
	CHECK_EQ(pcpu_lookup_cache_init(&c, 16, 3), 0);
	for_each_possible_cpu(cpu) {
		fill_on(&a, cpu, 42, plc_val(42, cpu));
		fill_on(&a, cpu, 43, plc_val(43, cpu));
		fill_on(&b, cpu, 42, plc_val(42, cpu));
	}
	tok2 = token_on(&a, 2);

	CHECK_EQ(plc_sim_cpu_down(2), 0);
	CHECK_EQ(pcpu_lookup_cache_invalidate(&a, 42), 0);
	CHECK_EQ(pcpu_lookup_cache_invalidate(&b, 42), 0);
	for_each_possible_cpu(cpu) {
		if (cpu == 2)
			continue;
		CHECK(!lookup_on(&a, cpu, 42));
		CHECK(!lookup_on(&b, cpu, 42));
	}
	/* The offline CPU keeps the stale entry, unseen, for now. */
	CHECK(plc_find(&a, 2, 42) >= 0);
	CHECK(plc_find(&b, 2, 42) >= 0);
	plc_stats(&a, 2, &s);
	CHECK_EQ(s.invalidations, 0);

	prep = plc_shim.prepare_calls;
	CHECK_EQ(plc_sim_cpu_up(2), 0);
	CHECK_EQ(plc_shim.prepare_calls, prep + 3);
	CHECK_EQ(plc_sim_cpu, 0);
	CHECK(!lookup_on(&a, 2, 42));
	CHECK(!lookup_on(&a, 2, 43));	/* flushed: every key */
	CHECK(!lookup_on(&b, 2, 42));
	CHECK(token_on(&a, 2) != tok2);
	plc_stats(&a, 2, &s);
	CHECK_EQ(s.invalidations, 2);
	CHECK_PTR(lookup_on(&a, 1, 43), plc_val(43, 1));

	/* A destroyed cache is no longer called back. */
	pcpu_lookup_cache_destroy(&b);
	CHECK_EQ(plc_sim_cpu_down(3), 0);
	CHECK_EQ(plc_sim_cpu_down(1), 0);
	prep = plc_shim.prepare_calls;
	CHECK_EQ(plc_sim_cpu_up(3), 0);
	CHECK_EQ(plc_shim.prepare_calls, prep + 2);
	CHECK(!lookup_on(&a, 3, 43));
	CHECK_PTR(lookup_on(&a, 0, 43), plc_val(43, 0));
	/* Flush with CPU 1 offline, then up. */
	CHECK_EQ(pcpu_lookup_cache_flush(&a), 0);
	CHECK(plc_find(&a, 1, 43) >= 0);
	CHECK_EQ(plc_sim_cpu_up(1), 0);
	CHECK(!lookup_on(&a, 1, 43));
	CHECK_EQ(plc_find(&a, 1, 43), -1);

	pcpu_lookup_cache_destroy(&a);
	pcpu_lookup_cache_destroy(&c);
	/* No instances left: hotplug calls nothing. */
	CHECK_EQ(plc_sim_cpu_down(2), 0);
	prep = plc_shim.prepare_calls;
	CHECK_EQ(plc_sim_cpu_up(2), 0);
	CHECK_EQ(plc_shim.prepare_calls, prep);
}

void test_hotplug(void)
{
	plc_subtest("hotplug", hotplug, NULL);
}

/* A token read before an invalidation or flush cannot fill after it. */
static void token_race(const void *arg)
{
	struct pcpu_lookup_cache cache;
	struct pcpu_lookup_cache_stats s;
	unsigned long token, t2;

	CHECK_EQ(pcpu_lookup_cache_init(&cache, 64, 4), 0);

	/* invalidate() of this very key. */
	CHECK(!pcpu_lookup_cache_lookup(&cache, 77, &token));
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, 77), 0);
	pcpu_lookup_cache_fill(&cache, 77, plc_val(77, 0), token);
	CHECK(!pcpu_lookup_cache_lookup(&cache, 77, &t2));
	CHECK_EQ(plc_find(&cache, 0, 77), -1);
	plc_stats(&cache, 0, &s);
	CHECK_EQ(s.dropped, 1);
	CHECK_EQ(s.fills, 0);

	/* Of another key, and in a batch. */
	CHECK(!pcpu_lookup_cache_lookup(&cache, 77, &token));
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, &t2, 1), 0);
	pcpu_lookup_cache_fill(&cache, 77, plc_val(77, 0), token);
	CHECK(!pcpu_lookup_cache_lookup(&cache, 77, &token));

	/* flush(). */
	CHECK_EQ(pcpu_lookup_cache_flush(&cache), 0);
	pcpu_lookup_cache_fill(&cache, 77, plc_val(77, 0), token);
	CHECK(!pcpu_lookup_cache_lookup(&cache, 77, &token));

	/* The IPI bodies, as KUnit calls them. */
	pcpu_lookup_cache_invalidate_local(&cache, &t2, 0);
	pcpu_lookup_cache_fill(&cache, 77, plc_val(77, 0), token);
	CHECK(!pcpu_lookup_cache_lookup(&cache, 77, &token));
	pcpu_lookup_cache_flush_local(&cache);
	pcpu_lookup_cache_fill(&cache, 77, plc_val(77, 0), token);
	CHECK(!pcpu_lookup_cache_lookup(&cache, 77, &token));

	/* An invalidation on another CPU only (offline) leaves this token. */
	plc_sim_set_cpu(1);
	pcpu_lookup_cache_flush_cpu(&cache, 0);
	plc_sim_set_cpu(0);
	pcpu_lookup_cache_fill(&cache, 77, plc_val(77, 0), token);
	CHECK(!pcpu_lookup_cache_lookup(&cache, 77, &token));
	pcpu_lookup_cache_flush_cpu(&cache, 1);
	pcpu_lookup_cache_fill(&cache, 77, plc_val(77, 0), token);
	CHECK_PTR(pcpu_lookup_cache_lookup(&cache, 77, &token),
		  plc_val(77, 0));

	plc_stats(&cache, 0, &s);
	CHECK_EQ(s.dropped, 6);
	CHECK_EQ(s.fills, 1);
	pcpu_lookup_cache_destroy(&cache);
}

void test_token_race(void)
{
	plc_subtest("token_race", token_race, NULL);
}

/*
 * suspend() empties every CPU in one round and drops fills until the last
 * resume(), which waits for a grace period first.
 */
static void suspend(const void *arg)
{
	struct pcpu_lookup_cache cache = { 0 }, none = { 0 };
	struct pcpu_lookup_cache_stats s;
	long ipis, gps;
	unsigned long token;
	int cpu;

	CHECK_EQ(pcpu_lookup_cache_suspend(&none), -EINVAL);
	CHECK_EQ(pcpu_lookup_cache_resume(&none), -EINVAL);
	CHECK_EQ(pcpu_lookup_cache_init(&cache, 64, 4), 0);
	CHECK_EQ(pcpu_lookup_cache_resume(&cache), -EINVAL);
	for_each_possible_cpu(cpu)
		fill_on(&cache, cpu, 100, plc_val(100, cpu));

	ipis = plc_shim.ipis;
	gps = plc_shim.grace_periods;
	CHECK_EQ(pcpu_lookup_cache_suspend(&cache), 0);
	CHECK_EQ(plc_shim.ipis, ipis + 1);
	for_each_possible_cpu(cpu) {
		CHECK(!lookup_on(&cache, cpu, 100));
		CHECK_EQ(plc_find(&cache, cpu, 100), -1);
	}
	/* A fill with a token read after the suspend is dropped too. */
	CHECK(!pcpu_lookup_cache_lookup(&cache, 100, &token));
	pcpu_lookup_cache_fill(&cache, 100, plc_val(100, 0), token);
	CHECK_EQ(plc_find(&cache, 0, 100), -1);

	/* Nested: the first resume keeps dropping fills. */
	CHECK_EQ(pcpu_lookup_cache_suspend(&cache), 0);
	CHECK_EQ(pcpu_lookup_cache_resume(&cache), 0);
	CHECK(!pcpu_lookup_cache_lookup(&cache, 100, &token));
	pcpu_lookup_cache_fill(&cache, 100, plc_val(100, 0), token);
	CHECK_EQ(plc_find(&cache, 0, 100), -1);
	CHECK_EQ(plc_shim.ipis, ipis + 2);

	/* The last resume waits for a grace period and fills store again. */
	CHECK_EQ(pcpu_lookup_cache_resume(&cache), 0);
	CHECK_EQ(plc_shim.grace_periods, gps + 2);
	CHECK_EQ(plc_shim.ipis, ipis + 2);
	CHECK(!pcpu_lookup_cache_lookup(&cache, 100, &token));
	pcpu_lookup_cache_fill(&cache, 100, plc_val(100, 0), token);
	CHECK_PTR(lookup_on(&cache, 0, 100), plc_val(100, 0));
	plc_stats(&cache, 0, &s);
	CHECK_EQ(s.dropped, 2);
	CHECK_EQ(pcpu_lookup_cache_resume(&cache), -EINVAL);
	CHECK_EQ(plc_shim.grace_periods, gps + 2);
	pcpu_lookup_cache_destroy(&cache);
}

void test_suspend(void)
{
	plc_subtest("suspend", suspend, NULL);
}
