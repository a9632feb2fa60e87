// SPDX-License-Identifier: GPL-2.0
/*
 * Invalidation and flush of the keys that the simulated CPUs hold: what
 * they clear, the fill token, the write counts and suspend. Which CPUs
 * they interrupt, and CPU hotplug, are in test_cpus.c.
 */
#include "test.h"

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
		plc_fill_on(&cache, cpu, 100, plc_val(100, cpu));
		plc_fill_on(&cache, cpu, 200, plc_val(200, cpu));
		plc_fill_on(&cache, cpu, 300, plc_val(300, cpu));
		plc_fill_on(&cache, cpu, 400, plc_val(400, cpu));
		CHECK_PTR(plc_lookup_on(&cache, cpu, 100), plc_val(100, cpu));
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
		CHECK(!plc_lookup_on(&cache, cpu, 100));
		CHECK_PTR(plc_lookup_on(&cache, cpu, 200), plc_val(200, cpu));
		plc_stats(&cache, cpu, &s);
		CHECK_EQ(s.invalidations, 1);
		CHECK_EQ(s.ipis, 1);
		tok[cpu] = token_on(&cache, cpu);
		CHECK_EQ(tok[cpu], 1);
	}

	/*
	 * A key that is not cached: nothing cleared, no IPI, but every
	 * token advances.
	 */
	ipis = plc_shim.ipis;
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, 999), 0);
	CHECK_EQ(plc_shim.ipis, ipis);
	for_each_possible_cpu(cpu) {
		plc_stats(&cache, cpu, &s);
		CHECK_EQ(s.invalidations, 1);
		CHECK_EQ(s.ipis, 1);
		CHECK_EQ(token_on(&cache, cpu), tok[cpu] + 1);
	}

	/* Many: zeros, duplicates and absent keys; one IPI round. */
	many[0] = 200;
	many[1] = 0;
	many[2] = 300;
	many[3] = 200;
	many[4] = 12345;
	many[5] = 0;
	ipis = plc_shim.ipis;
	ipi_cpus = plc_shim.ipi_cpus;
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, many, 6), 0);
	CHECK_EQ(plc_shim.ipis, ipis + 1);
	CHECK_EQ(plc_shim.ipi_cpus, ipi_cpus + PLC_NR_CPUS);
	for_each_possible_cpu(cpu) {
		CHECK(!plc_lookup_on(&cache, cpu, 200));
		CHECK(!plc_lookup_on(&cache, cpu, 300));
		CHECK_PTR(plc_lookup_on(&cache, cpu, 400), plc_val(400, cpu));
		plc_stats(&cache, cpu, &s);
		CHECK_EQ(s.invalidations, 3);
		CHECK_EQ(s.ipis, 2);
	}

	/* Empty and bad arrays: no IPI, no advance. */
	ipis = plc_shim.ipis;
	tok[0] = plc_seq(&cache);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, many, 0), 0);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, NULL, 0), 0);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, NULL, 2), -EINVAL);
	CHECK_EQ(plc_shim.ipis, ipis);
	CHECK_EQ(plc_seq(&cache), tok[0]);

	/* Flush: everything, on every CPU. */
	plc_fill_on(&cache, 2, 500, plc_val(500, 2));
	for_each_possible_cpu(cpu)
		tok[cpu] = token_on(&cache, cpu);
	ipi_cpus = plc_shim.ipi_cpus;
	CHECK_EQ(pcpu_lookup_cache_flush(&cache), 0);
	CHECK_EQ(plc_shim.ipis, ipis + 1);
	CHECK_EQ(plc_shim.ipi_cpus, ipi_cpus + PLC_NR_CPUS);
	for_each_possible_cpu(cpu) {
		CHECK(!plc_lookup_on(&cache, cpu, 400));
		CHECK(!plc_lookup_on(&cache, cpu, 500));
		CHECK_EQ(token_on(&cache, cpu), tok[cpu] + 1);
		plc_stats(&cache, cpu, &s);
		CHECK_EQ(s.invalidations, cpu == 2 ? 5 : 4);
		CHECK_EQ(s.ipis, 3);
	}
	pcpu_lookup_cache_destroy(&cache);
	plc_check_uninitialised(&cache);
}

void test_invalidate(void)
{
	plc_subtest("invalidate", invalidate, NULL);
}

/*
 * An invalidation with no nonzero key sends no IPI, and clears no offline
 * CPU either: the sequence and every counter stay, every entry hits.
 */
static void zero_keys(const void *arg)
{
	struct pcpu_lookup_cache cache;
	unsigned long zeros[3] = { 0, 0, 0 }, mixed[3] = { 0, 100, 0 };
	unsigned long seq;
	long ipis, ipi_cpus;
	int cpu;

	CHECK_EQ(pcpu_lookup_cache_init(&cache, 64, 4), 0);
	for_each_possible_cpu(cpu)
		plc_fill_on(&cache, cpu, 100, plc_val(100, cpu));
	seq = plc_seq(&cache);
	CHECK_EQ(plc_sim_cpu_down(2), 0);

	ipis = plc_shim.ipis;
	ipi_cpus = plc_shim.ipi_cpus;
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, 0), 0);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, zeros, 3), 0);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, zeros, 1), 0);
	cpus_read_lock();
	CHECK_EQ(pcpu_lookup_cache_invalidate_cpuslocked(&cache, 0), 0);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many_cpuslocked(&cache, zeros,
							      3), 0);
	cpus_read_unlock();
	CHECK_EQ(plc_shim.ipis, ipis);
	CHECK_EQ(plc_shim.ipi_cpus, ipi_cpus);
	CHECK_EQ(plc_seq(&cache), seq);
	for_each_possible_cpu(cpu) {
		CHECK_EQ(plc_invalidations_of(&cache, cpu), 0);
		CHECK_EQ(plc_ipis_of(&cache, cpu), 0);
		CHECK(plc_find(&cache, cpu, 100) >= 0);
	}

	/* One nonzero key among them: one round, offline CPU included. */
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, mixed, 3), 0);
	CHECK_EQ(plc_shim.ipis, ipis + 1);
	CHECK_EQ(plc_shim.ipi_cpus, ipi_cpus + PLC_NR_CPUS - 1);
	CHECK_EQ(plc_seq(&cache), seq + 1);
	for_each_possible_cpu(cpu) {
		CHECK_EQ(plc_find(&cache, cpu, 100), -1);
		CHECK_EQ(plc_ipis_of(&cache, cpu), cpu == 2 ? 0 : 1);
	}
	CHECK_EQ(plc_sim_cpu_up(2), 0);
	pcpu_lookup_cache_destroy(&cache);
}

void test_zero_keys(void)
{
	plc_subtest("zero_keys", zero_keys, NULL);
}

/* A token read before an invalidation or flush cannot fill after it. */
static void token_race(const void *arg)
{
	struct pcpu_lookup_cache cache;
	struct pcpu_lookup_cache_stats s;
	unsigned long token, t2, seq;
	long ipis, ipi0;

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

	/* The _cpuslocked variants. */
	t2 = 78;
	cpus_read_lock();
	CHECK_EQ(pcpu_lookup_cache_invalidate_cpuslocked(&cache, 77), 0);
	pcpu_lookup_cache_fill(&cache, 77, plc_val(77, 0), token);
	CHECK(!pcpu_lookup_cache_lookup(&cache, 77, &token));
	CHECK_EQ(pcpu_lookup_cache_invalidate_many_cpuslocked(&cache, &t2, 1),
		 0);
	pcpu_lookup_cache_fill(&cache, 77, plc_val(77, 0), token);
	CHECK(!pcpu_lookup_cache_lookup(&cache, 77, &token));
	CHECK_EQ(pcpu_lookup_cache_flush_cpuslocked(&cache), 0);
	pcpu_lookup_cache_fill(&cache, 77, plc_val(77, 0), token);
	CHECK(!pcpu_lookup_cache_lookup(&cache, 77, &token));
	cpus_read_unlock();

	/*
	 * The whole invalidations as KUnit runs them on this CPU: each
	 * advances the sequence itself, even with no key.
	 */
	seq = plc_seq(&cache);
	pcpu_lookup_cache_invalidate_local(&cache, &t2, 0);
	CHECK_EQ(plc_seq(&cache), seq + 1);
	pcpu_lookup_cache_fill(&cache, 77, plc_val(77, 0), token);
	CHECK(!pcpu_lookup_cache_lookup(&cache, 77, &token));
	pcpu_lookup_cache_flush_local(&cache);
	CHECK_EQ(plc_seq(&cache), seq + 2);
	pcpu_lookup_cache_fill(&cache, 77, plc_val(77, 0), token);
	CHECK(!pcpu_lookup_cache_lookup(&cache, 77, &token));

	/*
	 * flush_cpu(), the direct clear of a CPU that is not online, which
	 * a flush does after its advance, advances nothing by itself.
	 */
	CHECK_EQ(plc_sim_cpu_down(1), 0);
	pcpu_lookup_cache_flush_cpu(&cache, 1);
	CHECK_EQ(plc_sim_cpu_up(1), 0);
	CHECK_EQ(plc_seq(&cache), seq + 2);
	pcpu_lookup_cache_fill(&cache, 77, plc_val(77, 0), token);
	CHECK_PTR(pcpu_lookup_cache_lookup(&cache, 77, &token),
		  plc_val(77, 0));

	/*
	 * The token is the cache's, not the CPU's: an invalidation that
	 * sends CPU 1 no IPI (CPU 0 alone holds the key) still makes the
	 * token CPU 1 read before it stale.
	 */
	plc_sim_set_cpu(1);
	CHECK(!pcpu_lookup_cache_lookup(&cache, 77, &t2));
	plc_sim_set_cpu(0);
	ipis = plc_shim.ipi_cpu[1];
	ipi0 = plc_shim.ipi_cpu[0];
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, 77), 0);
	CHECK_EQ(plc_shim.ipi_cpu[1], ipis);
	CHECK_EQ(plc_shim.ipi_cpu[0], ipi0 + 1);
	plc_sim_set_cpu(1);
	pcpu_lookup_cache_fill(&cache, 77, plc_val(77, 1), t2);
	plc_sim_set_cpu(0);
	CHECK_EQ(plc_find(&cache, 1, 77), -1);
	CHECK_EQ(plc_find(&cache, 0, 77), -1);
	plc_stats(&cache, 1, &s);
	CHECK_EQ(s.dropped, 1);
	CHECK_EQ(s.fills, 0);
	/*
	 * No IPI to CPU 1 from any invalidation or flush: it had not filled
	 * before them (its one fill, dropped, comes last), so it held no key
	 * and its filled flag was clear.
	 */
	CHECK_EQ(s.ipis, 0);

	plc_stats(&cache, 0, &s);
	CHECK_EQ(s.dropped, 8);
	CHECK_EQ(s.fills, 1);
	CHECK_EQ(s.ipis, 1);	/* the invalidation of the 77 it held */
	pcpu_lookup_cache_destroy(&cache);
}

void test_token_race(void)
{
	plc_subtest("token_race", token_race, NULL);
}

/* Check that each CPU's write count moved by @want since @before. */
static void __check_writes(struct pcpu_lookup_cache *cache,
			   unsigned int *before, const unsigned int *want,
			   int line)
{
	int failed_before = plc_test_failed, cpu;

	for_each_possible_cpu(cpu) {
		CHECK_EQ(plc_pc(cache, cpu)->writes - before[cpu], want[cpu]);
		before[cpu] = plc_pc(cache, cpu)->writes;
	}
	if (plc_test_failed != failed_before)
		printf("    from line %d\n", line);
}

#define check_writes(cache, before, ...)				\
	__check_writes(cache, before,					\
		       (const unsigned int[PLC_NR_CPUS]) { __VA_ARGS__ },	\
		       __LINE__)

/* Fill @key on @cpu with a token read now, even if the lookup hits. */
static void refill_on(struct pcpu_lookup_cache *cache, int cpu,
		      unsigned long key, void *val)
{
	unsigned long token;

	plc_sim_set_cpu(cpu);
	plc_lookup_for_fill(cache, key, &token);
	pcpu_lookup_cache_fill(cache, key, val, token);
	plc_sim_set_cpu(0);
}

/*
 * Contract 2: a CPU's write count advances once for each fill that passes
 * its checks and stores (an update and an eviction too), and once for
 * each invalidation or flush that reaches the CPU, by IPI, or directly
 * while the CPU is offline, however many keys the round drops; never for
 * a lookup, a fill that does nothing, or a dropped fill. The round takes
 * the offline-clear mutex once and allocates its cpumask without
 * sleeping or warning.
 */
static void writes(const void *arg)
{
	unsigned long k[3], two[2], next = 1, token, none = 999999;
	struct pcpu_lookup_cache_stats s;
	struct pcpu_lookup_cache cache;
	unsigned int w[PLC_NR_CPUS] = { 0 };
	long locks;
	int cpu;

	CHECK_EQ(pcpu_lookup_cache_init(&cache, 16, 2), 0);
	plc_keys_in_set(16, 5, k, 3, &next);
	check_writes(&cache, w, 0, 0, 0, 0);

	/* Fills that store; hits and misses write nothing. */
	plc_fill_on(&cache, 0, k[0], plc_val(k[0], 0));
	check_writes(&cache, w, 1, 0, 0, 0);
	CHECK_PTR(plc_lookup_on(&cache, 0, k[0]), plc_val(k[0], 0));
	CHECK(!plc_lookup_on(&cache, 1, k[0]));
	CHECK(!plc_lookup_on(&cache, 0, 0));
	check_writes(&cache, w, 0, 0, 0, 0);
	refill_on(&cache, 0, k[0], plc_val(k[0], 1));	/* update */
	CHECK_PTR(plc_lookup_on(&cache, 0, k[0]), plc_val(k[0], 1));
	check_writes(&cache, w, 1, 0, 0, 0);
	for (next = 0; next < 3; next++)		/* the last evicts */
		plc_fill_on(&cache, 2, k[next], plc_val(k[next], 2));
	plc_stats(&cache, 2, &s);
	CHECK_EQ(s.evictions, 1);
	check_writes(&cache, w, 0, 0, 3, 0);

	/* Fills that do nothing or are dropped. */
	plc_fill_on(&cache, 1, 0, plc_val(0, 0));
	plc_fill_on(&cache, 1, k[1], NULL);
	check_writes(&cache, w, 0, 0, 0, 0);
	token = token_on(&cache, 1);
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, none), 0);
	check_writes(&cache, w, 0, 0, 0, 0);		/* nobody holds it */
	plc_sim_set_cpu(1);
	pcpu_lookup_cache_fill(&cache, k[1], plc_val(k[1], 1), token);
	plc_sim_set_cpu(0);
	WRITE_ONCE(plc_pc(&cache, 1)->fill_busy, 1);	/* a nested fill */
	plc_fill_on(&cache, 1, k[1], plc_val(k[1], 1));
	WRITE_ONCE(plc_pc(&cache, 1)->fill_busy, 0);
	check_writes(&cache, w, 0, 0, 0, 0);
	plc_stats(&cache, 1, &s);
	CHECK_EQ(s.dropped, 2);
	CHECK_EQ(plc_find(&cache, 1, k[1]), -1);

	/* Rounds: once per CPU reached, the offline one directly. */
	plc_fill_on(&cache, 3, k[1], plc_val(k[1], 3));
	check_writes(&cache, w, 0, 0, 0, 1);
	CHECK_EQ(plc_sim_cpu_down(3), 0);
	locks = plc_shim.mutex_locks;
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, none), 0);
	check_writes(&cache, w, 0, 0, 0, 1);
	CHECK_EQ(plc_shim.mutex_locks, locks + 1);
	CHECK(plc_shim.cpumask_gfp & __GFP_NOWARN);
	CHECK(!(plc_shim.cpumask_gfp & __GFP_DIRECT_RECLAIM));
	/* CPU 2 holds k[1] and k[2]: one round, one write. */
	two[0] = k[0];
	two[1] = k[2];
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, two, 2), 0);
	check_writes(&cache, w, 1, 0, 1, 1);
	CHECK_EQ(plc_find(&cache, 2, k[2]), -1);
	two[0] = 0;
	two[1] = 0;
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, two, 2), 0);
	check_writes(&cache, w, 0, 0, 0, 0);		/* no round at all */
	CHECK_EQ(plc_shim.mutex_locks, locks + 2);
	/*
	 * A flush: CPU 0 and 2 have filled since the last flush, though
	 * CPU 0 holds nothing now; CPU 1's fills were dropped before they
	 * stored; CPU 3 is cleared directly.
	 */
	CHECK_EQ(pcpu_lookup_cache_flush(&cache), 0);
	check_writes(&cache, w, 1, 0, 1, 1);
	CHECK(!plc_shim_fail_cpumask(true));
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, none), 0);
	plc_shim_fail_cpumask(false);
	check_writes(&cache, w, 1, 1, 1, 1);
	CHECK_EQ(plc_shim.mutex_locks, locks + 4);
	CHECK_EQ(plc_shim.mutexes_held, 0);

	/* Suspended: the flush writes (all empty: CPU 3 only), fills do not. */
	CHECK_EQ(pcpu_lookup_cache_suspend(&cache), 0);
	check_writes(&cache, w, 0, 0, 0, 1);
	plc_fill_on(&cache, 0, k[0], plc_val(k[0], 0));
	check_writes(&cache, w, 0, 0, 0, 0);
	CHECK_EQ(pcpu_lookup_cache_resume(&cache), 0);
	plc_fill_on(&cache, 0, k[0], plc_val(k[0], 0));
	check_writes(&cache, w, 1, 0, 0, 0);
	CHECK_EQ(plc_sim_cpu_up(3), 0);

	/* CPU 0 to 2 were online throughout: every write was one of these. */
	for (cpu = 0; cpu < 3; cpu++) {
		plc_stats(&cache, cpu, &s);
		CHECK_EQ(plc_pc(&cache, cpu)->writes, s.fills + s.ipis);
	}
	pcpu_lookup_cache_destroy(&cache);
}

void test_writes(void)
{
	plc_subtest("writes", writes, NULL);
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
		plc_fill_on(&cache, cpu, 100, plc_val(100, cpu));

	ipis = plc_shim.ipis;
	gps = plc_shim.grace_periods;
	CHECK_EQ(pcpu_lookup_cache_suspend(&cache), 0);
	CHECK_EQ(plc_shim.ipis, ipis + 1);
	for_each_possible_cpu(cpu) {
		CHECK(!plc_lookup_on(&cache, cpu, 100));
		CHECK_EQ(plc_find(&cache, cpu, 100), -1);
	}
	/* A fill with a token read after the suspend is dropped too. */
	CHECK(!pcpu_lookup_cache_lookup(&cache, 100, &token));
	pcpu_lookup_cache_fill(&cache, 100, plc_val(100, 0), token);
	CHECK_EQ(plc_find(&cache, 0, 100), -1);

	/*
	 * Nested: the first resume keeps dropping fills. The nested
	 * suspend's flush finds every filled flag clear and sends no IPI.
	 */
	CHECK_EQ(pcpu_lookup_cache_suspend(&cache), 0);
	CHECK_EQ(pcpu_lookup_cache_resume(&cache), 0);
	CHECK(!pcpu_lookup_cache_lookup(&cache, 100, &token));
	pcpu_lookup_cache_fill(&cache, 100, plc_val(100, 0), token);
	CHECK_EQ(plc_find(&cache, 0, 100), -1);
	CHECK_EQ(plc_shim.ipis, ipis + 1);

	/* The last resume waits for a grace period and fills store again. */
	CHECK_EQ(pcpu_lookup_cache_resume(&cache), 0);
	CHECK_EQ(plc_shim.grace_periods, gps + 2);
	CHECK_EQ(plc_shim.ipis, ipis + 1);
	CHECK(!pcpu_lookup_cache_lookup(&cache, 100, &token));
	pcpu_lookup_cache_fill(&cache, 100, plc_val(100, 0), token);
	CHECK_PTR(plc_lookup_on(&cache, 0, 100), plc_val(100, 0));
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
