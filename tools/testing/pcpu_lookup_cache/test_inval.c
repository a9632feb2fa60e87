// SPDX-License-Identifier: GPL-2.0
/*
 * Invalidation and flush across the simulated CPUs, with the CPU hotplug
 * lock taken or held (_cpuslocked), CPUs taken offline, and the fill token.
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
	plc_check_uninitialised(&cache);
}

void test_invalidate(void)
{
	plc_subtest("invalidate", invalidate, NULL);
}

static unsigned long gen_of(struct pcpu_lookup_cache *cache, int cpu)
{
	return READ_ONCE(plc_pc(cache, cpu)->gen);
}

static u64 invalidations_of(struct pcpu_lookup_cache *cache, int cpu)
{
	struct pcpu_lookup_cache_stats s;

	plc_stats(cache, cpu, &s);
	return s.invalidations;
}

/*
 * Contract 4: going offline and coming back calls nothing in the library.
 * An invalidation or flush while a CPU is offline skips it with the IPI
 * but clears its table directly, from the invalidating CPU, so that it
 * comes back with no stale entry, and with the entries nobody invalidated.
 */
static void hotplug(const void *arg)
{
	struct pcpu_lookup_cache a, b;
	unsigned long key42 = 42, pair[2] = { 0, 42 };
	unsigned long g2, g1, g3;
	long ipis, ipi_cpus;
	int cpu;

	CHECK_EQ(pcpu_lookup_cache_init(&a, 64, 4), 0);
	CHECK_EQ(pcpu_lookup_cache_init(&b, 1, 1), 0);
	for_each_possible_cpu(cpu) {
		fill_on(&a, cpu, 42, plc_val(42, cpu));
		fill_on(&a, cpu, 43, plc_val(43, cpu));
		fill_on(&b, cpu, 42, plc_val(42, cpu));
	}

	/* Down and up again with no invalidation: nothing is touched. */
	g2 = gen_of(&a, 2);
	CHECK_EQ(plc_sim_cpu_down(2), 0);
	CHECK_EQ(plc_sim_cpu_up(2), 0);
	CHECK_EQ(gen_of(&a, 2), g2);
	CHECK_EQ(invalidations_of(&a, 2), 0);
	CHECK_PTR(lookup_on(&a, 2, 42), plc_val(42, 2));
	CHECK_PTR(lookup_on(&b, 2, 42), plc_val(42, 2));

	/* Invalidate from CPU 1 with CPU 2 offline. */
	CHECK_EQ(plc_sim_cpu_down(2), 0);
	CHECK(plc_find(&a, 2, 42) >= 0);
	ipis = plc_shim.ipis;
	ipi_cpus = plc_shim.ipi_cpus;
	plc_sim_set_cpu(1);
	CHECK_EQ(pcpu_lookup_cache_invalidate(&a, 42), 0);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&b, pair, 2), 0);
	CHECK_EQ(plc_sim_cpu, 1);
	plc_sim_set_cpu(0);
	/* The IPIs reached the three online CPUs only. */
	CHECK_EQ(plc_shim.ipis, ipis + 2);
	CHECK_EQ(plc_shim.ipi_cpus, ipi_cpus + 2 * (PLC_NR_CPUS - 1));
	/* White-box: CPU 2's tables were cleared all the same. */
	CHECK_EQ(plc_find(&a, 2, 42), -1);
	CHECK_EQ(plc_find(&b, 2, 42), -1);
	CHECK_EQ(plc_way(&b, 2, 0, 0)->key, 0);
	CHECK_PTR(plc_way(&b, 2, 0, 0)->val, NULL);
	CHECK(plc_find(&a, 2, 43) >= 0);
	CHECK_EQ(gen_of(&a, 2), g2 + 1);
	CHECK_EQ(invalidations_of(&a, 2), 1);
	CHECK_EQ(invalidations_of(&b, 2), 1);
	CHECK_EQ(plc_pc(&a, 2)->fill_busy, 0);
	for_each_online_cpu(cpu) {
		CHECK(!lookup_on(&a, cpu, 42));
		CHECK(!lookup_on(&b, cpu, 42));
		CHECK_EQ(invalidations_of(&a, cpu), 1);
	}
	/* It comes back with no stale entry, and nothing more is cleared. */
	CHECK_EQ(plc_sim_cpu_up(2), 0);
	CHECK_EQ(plc_sim_cpu, 0);
	CHECK(!lookup_on(&a, 2, 42));
	CHECK(!lookup_on(&b, 2, 42));
	CHECK_PTR(lookup_on(&a, 2, 43), plc_val(43, 2));
	CHECK_EQ(gen_of(&a, 2), g2 + 1);
	CHECK_EQ(invalidations_of(&a, 2), 1);

	/* Flush with CPUs 3 and 1 offline, from CPU 2. */
	fill_on(&b, 0, 7, plc_val(7, 0));
	fill_on(&b, 1, 7, plc_val(7, 1));
	g1 = gen_of(&a, 1);
	g3 = gen_of(&a, 3);
	CHECK_EQ(plc_sim_cpu_down(3), 0);
	CHECK_EQ(plc_sim_cpu_down(1), 0);
	CHECK(plc_find(&a, 1, 43) >= 0);
	CHECK(plc_find(&a, 3, 43) >= 0);
	ipi_cpus = plc_shim.ipi_cpus;
	plc_sim_set_cpu(2);
	CHECK_EQ(pcpu_lookup_cache_flush(&a), 0);
	plc_sim_set_cpu(0);
	CHECK_EQ(plc_shim.ipi_cpus, ipi_cpus + PLC_NR_CPUS - 2);
	CHECK_EQ(plc_find(&a, 1, 43), -1);
	CHECK_EQ(plc_find(&a, 3, 43), -1);
	CHECK_EQ(gen_of(&a, 1), g1 + 1);
	CHECK_EQ(gen_of(&a, 3), g3 + 1);
	CHECK_EQ(invalidations_of(&a, 1), 2);	/* 42, then 43 */
	/* The _cpuslocked variants of a key, with them still offline. */
	cpus_read_lock();
	CHECK_EQ(pcpu_lookup_cache_invalidate_many_cpuslocked(&b, &key42, 1),
		 0);
	CHECK(plc_find(&b, 1, 7) >= 0);		/* another key: kept */
	CHECK_EQ(pcpu_lookup_cache_invalidate_cpuslocked(&b, 7), 0);
	cpus_read_unlock();
	CHECK_EQ(plc_find(&b, 1, 7), -1);
	CHECK_EQ(plc_find(&b, 0, 7), -1);
	CHECK_EQ(invalidations_of(&b, 1), 2);
	CHECK_EQ(plc_sim_cpu_up(3), 0);
	CHECK_EQ(plc_sim_cpu_up(1), 0);
	for_each_possible_cpu(cpu) {
		CHECK(!lookup_on(&a, cpu, 43));
		CHECK(!lookup_on(&b, cpu, 7));
	}

	/* suspend() flushes the offline CPU too. */
	fill_on(&a, 3, 44, plc_val(44, 3));
	CHECK_EQ(plc_sim_cpu_down(3), 0);
	CHECK_EQ(pcpu_lookup_cache_suspend(&a), 0);
	CHECK_EQ(plc_find(&a, 3, 44), -1);
	CHECK_EQ(pcpu_lookup_cache_resume(&a), 0);
	CHECK_EQ(plc_sim_cpu_up(3), 0);
	CHECK(!lookup_on(&a, 3, 44));

	pcpu_lookup_cache_destroy(&a);
	pcpu_lookup_cache_destroy(&b);
}

void test_hotplug(void)
{
	plc_subtest("hotplug", hotplug, NULL);
}

/*
 * The _cpuslocked variants, with cpus_read_lock() held, do what the plain
 * calls do in the same one round of IPIs and leave the lock held; without
 * it the shim's lockdep_assert_cpus_held() reports every call, and the
 * plain calls with it held are reported as a recursive cpus_read_lock().
 */
static void cpuslocked(const void *arg)
{
	struct pcpu_lookup_cache cache;
	unsigned long three[3] = { 200, 0, 300 }, gen[PLC_NR_CPUS];
	long ipis, fails, bugs;
	int cpu;

	CHECK_EQ(pcpu_lookup_cache_init(&cache, 64, 4), 0);
	for_each_possible_cpu(cpu) {
		fill_on(&cache, cpu, 100, plc_val(100, cpu));
		fill_on(&cache, cpu, 200, plc_val(200, cpu));
		fill_on(&cache, cpu, 300, plc_val(300, cpu));
		fill_on(&cache, cpu, 400, plc_val(400, cpu));
		gen[cpu] = gen_of(&cache, cpu);
	}

	ipis = plc_shim.ipis;
	fails = plc_shim.cpus_held_fails;
	cpus_read_lock();
	plc_sim_set_cpu(3);
	CHECK_EQ(pcpu_lookup_cache_invalidate_cpuslocked(&cache, 100), 0);
	CHECK_EQ(plc_sim_cpu, 3);
	plc_sim_set_cpu(0);
	CHECK(plc_shim_cpus_locked());
	CHECK_EQ(plc_shim.ipis, ipis + 1);
	for_each_possible_cpu(cpu) {
		CHECK(!lookup_on(&cache, cpu, 100));
		CHECK_PTR(lookup_on(&cache, cpu, 200), plc_val(200, cpu));
		CHECK_EQ(gen_of(&cache, cpu), gen[cpu] + 1);
		CHECK_EQ(invalidations_of(&cache, cpu), 1);
	}

	CHECK_EQ(pcpu_lookup_cache_invalidate_many_cpuslocked(&cache, three,
							      3), 0);
	CHECK_EQ(plc_shim.ipis, ipis + 2);
	for_each_possible_cpu(cpu) {
		CHECK(!lookup_on(&cache, cpu, 200));
		CHECK(!lookup_on(&cache, cpu, 300));
		CHECK_PTR(lookup_on(&cache, cpu, 400), plc_val(400, cpu));
		CHECK_EQ(gen_of(&cache, cpu), gen[cpu] + 2);
		CHECK_EQ(invalidations_of(&cache, cpu), 3);
	}
	CHECK_EQ(pcpu_lookup_cache_invalidate_many_cpuslocked(&cache, NULL, 2),
		 -EINVAL);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many_cpuslocked(&cache, NULL, 0),
		 0);
	CHECK_EQ(plc_shim.ipis, ipis + 2);

	fill_on(&cache, 1, 500, plc_val(500, 1));
	CHECK_EQ(pcpu_lookup_cache_flush_cpuslocked(&cache), 0);
	CHECK_EQ(plc_shim.ipis, ipis + 3);
	for_each_possible_cpu(cpu) {
		CHECK(!lookup_on(&cache, cpu, 400));
		CHECK(!lookup_on(&cache, cpu, 500));
		CHECK_EQ(gen_of(&cache, cpu), gen[cpu] + 3);
		CHECK_EQ(invalidations_of(&cache, cpu), cpu == 1 ? 5 : 4);
	}
	CHECK(plc_shim_cpus_locked());
	cpus_read_unlock();
	CHECK_EQ(plc_shim.cpus_held_fails, fails);

	/* Without the lock: each call is reported by the assertion. */
	bugs = plc_shim.expected_bugs;
	plc_shim_expect_bugs(true);
	fails = plc_shim.cpus_held_fails;
	pcpu_lookup_cache_invalidate_cpuslocked(&cache, 100);
	CHECK(plc_shim.cpus_held_fails > fails);
	fails = plc_shim.cpus_held_fails;
	pcpu_lookup_cache_invalidate_many_cpuslocked(&cache, three, 3);
	CHECK(plc_shim.cpus_held_fails > fails);
	fails = plc_shim.cpus_held_fails;
	pcpu_lookup_cache_flush_cpuslocked(&cache);
	CHECK(plc_shim.cpus_held_fails > fails);
	/* Even where nothing is sent: the assertion comes first. */
	fails = plc_shim.cpus_held_fails;
	pcpu_lookup_cache_invalidate_cpuslocked(&cache, 0);
	CHECK(plc_shim.cpus_held_fails > fails);
	CHECK(plc_shim.expected_bugs > bugs);

	/* The plain calls with the lock held take it again. */
	fails = plc_shim.cpus_held_fails;
	cpus_read_lock();
	bugs = plc_shim.expected_bugs;
	pcpu_lookup_cache_invalidate(&cache, 100);
	CHECK(plc_shim.expected_bugs > bugs);
	bugs = plc_shim.expected_bugs;
	pcpu_lookup_cache_invalidate_many(&cache, three, 3);
	CHECK(plc_shim.expected_bugs > bugs);
	bugs = plc_shim.expected_bugs;
	pcpu_lookup_cache_flush(&cache);
	CHECK(plc_shim.expected_bugs > bugs);
	cpus_read_unlock();
	plc_shim_expect_bugs(false);
	CHECK_EQ(plc_shim.cpus_held_fails, fails);

	pcpu_lookup_cache_destroy(&cache);
}

void test_cpuslocked(void)
{
	plc_subtest("cpuslocked", cpuslocked, NULL);
}

/*
 * An invalidation with no nonzero key sends no IPI, and clears no offline
 * CPU either: every generation and counter stays, every entry hits.
 */
static void zero_keys(const void *arg)
{
	struct pcpu_lookup_cache cache;
	unsigned long zeros[3] = { 0, 0, 0 }, mixed[3] = { 0, 100, 0 };
	unsigned long gen[PLC_NR_CPUS];
	long ipis, ipi_cpus;
	int cpu;

	CHECK_EQ(pcpu_lookup_cache_init(&cache, 64, 4), 0);
	for_each_possible_cpu(cpu) {
		fill_on(&cache, cpu, 100, plc_val(100, cpu));
		gen[cpu] = gen_of(&cache, cpu);
	}
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
	for_each_possible_cpu(cpu) {
		CHECK_EQ(gen_of(&cache, cpu), gen[cpu]);
		CHECK_EQ(invalidations_of(&cache, cpu), 0);
		CHECK(plc_find(&cache, cpu, 100) >= 0);
	}

	/* One nonzero key among them: one round, offline CPU included. */
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, mixed, 3), 0);
	CHECK_EQ(plc_shim.ipis, ipis + 1);
	CHECK_EQ(plc_shim.ipi_cpus, ipi_cpus + PLC_NR_CPUS - 1);
	for_each_possible_cpu(cpu) {
		CHECK_EQ(gen_of(&cache, cpu), gen[cpu] + 1);
		CHECK_EQ(plc_find(&cache, cpu, 100), -1);
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
	CHECK_EQ(s.dropped, 9);
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
