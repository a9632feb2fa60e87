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

/* The mutex emulation reports what would deadlock or corrupt it. */
static void mutex_bugs(void)
{
	static DEFINE_MUTEX(m);
	long bugs = plc_shim.expected_bugs;

	plc_shim_expect_bugs(true);
	mutex_lock(&m);
	CHECK_EQ(plc_shim.expected_bugs, bugs);
	mutex_lock(&m);
	CHECK_EQ(plc_shim.expected_bugs, bugs + 1);
	mutex_unlock(&m);
	CHECK_EQ(plc_shim.expected_bugs, bugs + 1);
	mutex_unlock(&m);
	CHECK_EQ(plc_shim.expected_bugs, bugs + 2);
	plc_sim_irqs_off = 1;
	mutex_lock(&m);
	plc_sim_irqs_off = 0;
	CHECK_EQ(plc_shim.expected_bugs, bugs + 3);
	mutex_unlock(&m);
	plc_shim_expect_bugs(false);
	CHECK_EQ(plc_shim.mutexes_held, 0);
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
		CHECK(!lookup_on(&cache, cpu, 200));
		CHECK(!lookup_on(&cache, cpu, 300));
		CHECK_PTR(lookup_on(&cache, cpu, 400), plc_val(400, cpu));
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
	fill_on(&cache, 2, 500, plc_val(500, 2));
	for_each_possible_cpu(cpu)
		tok[cpu] = token_on(&cache, cpu);
	ipi_cpus = plc_shim.ipi_cpus;
	CHECK_EQ(pcpu_lookup_cache_flush(&cache), 0);
	CHECK_EQ(plc_shim.ipis, ipis + 1);
	CHECK_EQ(plc_shim.ipi_cpus, ipi_cpus + PLC_NR_CPUS);
	for_each_possible_cpu(cpu) {
		CHECK(!lookup_on(&cache, cpu, 400));
		CHECK(!lookup_on(&cache, cpu, 500));
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

static u64 ipis_of(struct pcpu_lookup_cache *cache, int cpu)
{
	struct pcpu_lookup_cache_stats s;

	plc_stats(cache, cpu, &s);
	return s.ipis;
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
	unsigned long g2, g1;
	long ipis, ipi_cpus, ipi2;
	int cpu;

	CHECK_EQ(pcpu_lookup_cache_init(&a, 64, 4), 0);
	CHECK_EQ(pcpu_lookup_cache_init(&b, 1, 1), 0);
	for_each_possible_cpu(cpu) {
		fill_on(&a, cpu, 42, plc_val(42, cpu));
		fill_on(&a, cpu, 43, plc_val(43, cpu));
		fill_on(&b, cpu, 42, plc_val(42, cpu));
	}

	/* Down and up again with no invalidation: nothing is touched. */
	g2 = plc_seq(&a);
	CHECK_EQ(plc_sim_cpu_down(2), 0);
	CHECK_EQ(plc_sim_cpu_up(2), 0);
	CHECK_EQ(plc_seq(&a), g2);
	CHECK_EQ(invalidations_of(&a, 2), 0);
	CHECK_PTR(lookup_on(&a, 2, 42), plc_val(42, 2));
	CHECK_PTR(lookup_on(&b, 2, 42), plc_val(42, 2));

	/* Invalidate from CPU 1 with CPU 2 offline. */
	CHECK_EQ(plc_sim_cpu_down(2), 0);
	CHECK(plc_find(&a, 2, 42) >= 0);
	ipis = plc_shim.ipis;
	ipi_cpus = plc_shim.ipi_cpus;
	ipi2 = plc_shim.ipi_cpu[2];
	plc_sim_set_cpu(1);
	CHECK_EQ(pcpu_lookup_cache_invalidate(&a, 42), 0);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&b, pair, 2), 0);
	CHECK_EQ(plc_sim_cpu, 1);
	plc_sim_set_cpu(0);
	/* The IPIs reached the three online CPUs only. */
	CHECK_EQ(plc_shim.ipis, ipis + 2);
	CHECK_EQ(plc_shim.ipi_cpus, ipi_cpus + 2 * (PLC_NR_CPUS - 1));
	CHECK_EQ(plc_shim.ipi_cpu[2], ipi2);
	CHECK_EQ(ipis_of(&a, 2), 0);
	CHECK_EQ(ipis_of(&b, 2), 0);
	/* White-box: CPU 2's tables were cleared all the same. */
	CHECK_EQ(plc_find(&a, 2, 42), -1);
	CHECK_EQ(plc_find(&b, 2, 42), -1);
	CHECK_EQ(plc_way(&b, 2, 0, 0)->key, 0);
	CHECK_PTR(plc_way(&b, 2, 0, 0)->val, NULL);
	CHECK(plc_find(&a, 2, 43) >= 0);
	CHECK_EQ(plc_seq(&a), g2 + 1);
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
	CHECK_EQ(plc_seq(&a), g2 + 1);
	CHECK_EQ(invalidations_of(&a, 2), 1);

	/* Flush with CPUs 3 and 1 offline, from CPU 2. */
	fill_on(&b, 0, 7, plc_val(7, 0));
	fill_on(&b, 1, 7, plc_val(7, 1));
	g1 = plc_seq(&a);
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
	CHECK_EQ(plc_seq(&a), g1 + 1);
	CHECK_EQ(invalidations_of(&a, 1), 2);	/* 42, then 43 */
	CHECK_EQ(ipis_of(&a, 1), 1);		/* 42 only */
	CHECK_EQ(ipis_of(&a, 3), 1);
	CHECK_EQ(ipis_of(&a, 2), 1);		/* the flush */
	/*
	 * The _cpuslocked variants of a key, with them still offline: no
	 * online CPU holds 42, CPU 0 alone holds 7 and gets the only IPI.
	 */
	ipis = plc_shim.ipis;
	ipi_cpus = plc_shim.ipi_cpus;
	cpus_read_lock();
	CHECK_EQ(pcpu_lookup_cache_invalidate_many_cpuslocked(&b, &key42, 1),
		 0);
	CHECK_EQ(plc_shim.ipis, ipis);
	CHECK(plc_find(&b, 1, 7) >= 0);		/* another key: kept */
	CHECK_EQ(pcpu_lookup_cache_invalidate_cpuslocked(&b, 7), 0);
	cpus_read_unlock();
	CHECK_EQ(plc_shim.ipis, ipis + 1);
	CHECK_EQ(plc_shim.ipi_cpus, ipi_cpus + 1);
	CHECK_EQ(ipis_of(&b, 0), 2);		/* 42, then 7 */
	CHECK_EQ(ipis_of(&b, 1), 1);		/* 42 only */
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
	unsigned long three[3] = { 200, 0, 300 }, seq;
	long ipis, fails, bugs;
	int cpu;

	CHECK_EQ(pcpu_lookup_cache_init(&cache, 64, 4), 0);
	for_each_possible_cpu(cpu) {
		fill_on(&cache, cpu, 100, plc_val(100, cpu));
		fill_on(&cache, cpu, 200, plc_val(200, cpu));
		fill_on(&cache, cpu, 300, plc_val(300, cpu));
		fill_on(&cache, cpu, 400, plc_val(400, cpu));
	}
	seq = plc_seq(&cache);

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
		CHECK_EQ(invalidations_of(&cache, cpu), 1);
		CHECK_EQ(ipis_of(&cache, cpu), 1);
	}
	CHECK_EQ(plc_seq(&cache), seq + 1);

	CHECK_EQ(pcpu_lookup_cache_invalidate_many_cpuslocked(&cache, three,
							      3), 0);
	CHECK_EQ(plc_shim.ipis, ipis + 2);
	for_each_possible_cpu(cpu) {
		CHECK(!lookup_on(&cache, cpu, 200));
		CHECK(!lookup_on(&cache, cpu, 300));
		CHECK_PTR(lookup_on(&cache, cpu, 400), plc_val(400, cpu));
		CHECK_EQ(invalidations_of(&cache, cpu), 3);
		CHECK_EQ(ipis_of(&cache, cpu), 2);
	}
	CHECK_EQ(plc_seq(&cache), seq + 2);
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
		CHECK_EQ(invalidations_of(&cache, cpu), cpu == 1 ? 5 : 4);
		CHECK_EQ(ipis_of(&cache, cpu), 3);
	}
	CHECK_EQ(plc_seq(&cache), seq + 3);
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

	/* The shim's mutex reports a recursive lock and a stray unlock. */
	mutex_bugs();

	pcpu_lookup_cache_destroy(&cache);
}

void test_cpuslocked(void)
{
	plc_subtest("cpuslocked", cpuslocked, NULL);
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
		fill_on(&cache, cpu, 100, plc_val(100, cpu));
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
		CHECK_EQ(invalidations_of(&cache, cpu), 0);
		CHECK_EQ(ipis_of(&cache, cpu), 0);
		CHECK(plc_find(&cache, cpu, 100) >= 0);
	}

	/* One nonzero key among them: one round, offline CPU included. */
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, mixed, 3), 0);
	CHECK_EQ(plc_shim.ipis, ipis + 1);
	CHECK_EQ(plc_shim.ipi_cpus, ipi_cpus + PLC_NR_CPUS - 1);
	CHECK_EQ(plc_seq(&cache), seq + 1);
	for_each_possible_cpu(cpu) {
		CHECK_EQ(plc_find(&cache, cpu, 100), -1);
		CHECK_EQ(ipis_of(&cache, cpu), cpu == 2 ? 0 : 1);
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
	CHECK_EQ(s.ipis, 2);		/* the two flushes */

	plc_stats(&cache, 0, &s);
	CHECK_EQ(s.dropped, 8);
	CHECK_EQ(s.fills, 1);
	CHECK_EQ(s.ipis, 3);
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
	pcpu_lookup_cache_lookup(cache, key, &token);
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
	fill_on(&cache, 0, k[0], plc_val(k[0], 0));
	check_writes(&cache, w, 1, 0, 0, 0);
	CHECK_PTR(lookup_on(&cache, 0, k[0]), plc_val(k[0], 0));
	CHECK(!lookup_on(&cache, 1, k[0]));
	CHECK(!lookup_on(&cache, 0, 0));
	check_writes(&cache, w, 0, 0, 0, 0);
	refill_on(&cache, 0, k[0], plc_val(k[0], 1));	/* update */
	CHECK_PTR(lookup_on(&cache, 0, k[0]), plc_val(k[0], 1));
	check_writes(&cache, w, 1, 0, 0, 0);
	for (next = 0; next < 3; next++)		/* the last evicts */
		fill_on(&cache, 2, k[next], plc_val(k[next], 2));
	plc_stats(&cache, 2, &s);
	CHECK_EQ(s.evictions, 1);
	check_writes(&cache, w, 0, 0, 3, 0);

	/* Fills that do nothing or are dropped. */
	fill_on(&cache, 1, 0, plc_val(0, 0));
	fill_on(&cache, 1, k[1], NULL);
	check_writes(&cache, w, 0, 0, 0, 0);
	token = token_on(&cache, 1);
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, none), 0);
	check_writes(&cache, w, 0, 0, 0, 0);		/* nobody holds it */
	plc_sim_set_cpu(1);
	pcpu_lookup_cache_fill(&cache, k[1], plc_val(k[1], 1), token);
	plc_sim_set_cpu(0);
	WRITE_ONCE(plc_pc(&cache, 1)->fill_busy, 1);	/* a nested fill */
	fill_on(&cache, 1, k[1], plc_val(k[1], 1));
	WRITE_ONCE(plc_pc(&cache, 1)->fill_busy, 0);
	check_writes(&cache, w, 0, 0, 0, 0);
	plc_stats(&cache, 1, &s);
	CHECK_EQ(s.dropped, 2);
	CHECK_EQ(plc_find(&cache, 1, k[1]), -1);

	/* Rounds: once per CPU reached, the offline one directly. */
	fill_on(&cache, 3, k[1], plc_val(k[1], 3));
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
	CHECK_EQ(pcpu_lookup_cache_flush(&cache), 0);
	check_writes(&cache, w, 1, 1, 1, 1);
	CHECK(!plc_shim_fail_cpumask(true));
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, none), 0);
	plc_shim_fail_cpumask(false);
	check_writes(&cache, w, 1, 1, 1, 1);
	CHECK_EQ(plc_shim.mutex_locks, locks + 4);
	CHECK_EQ(plc_shim.mutexes_held, 0);

	/* Suspended: the flush writes, the fills do not. */
	CHECK_EQ(pcpu_lookup_cache_suspend(&cache), 0);
	check_writes(&cache, w, 1, 1, 1, 1);
	fill_on(&cache, 0, k[0], plc_val(k[0], 0));
	check_writes(&cache, w, 0, 0, 0, 0);
	CHECK_EQ(pcpu_lookup_cache_resume(&cache), 0);
	fill_on(&cache, 0, k[0], plc_val(k[0], 0));
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

/* Whether every CPU's IPI count moved by @want[cpu] since @before. */
static void check_ipi_cpus(const long *before, const long *want)
{
	int cpu;

	for_each_possible_cpu(cpu)
		CHECK_EQ(plc_shim.ipi_cpu[cpu] - before[cpu], want[cpu]);
}

/*
 * Contract 4: an invalidation of keys that no CPU holds interrupts no
 * CPU, not even for a key of a set that is full on every CPU, but it
 * still advances the sequence, so a token read before it is stale.
 */
static void inval_no_holder(const void *arg)
{
	struct pcpu_lookup_cache cache;
	struct plc_shim_stats before = plc_shim;
	unsigned long keys[6], next = 1, token, seq, many[3];
	long masks;
	int cpu;

	CHECK_EQ(pcpu_lookup_cache_init(&cache, 64, 4), 0);
	/* Five keys of set 7: four cached everywhere, one nowhere. */
	plc_keys_in_set(64, 7, keys, 5, &next);
	for_each_possible_cpu(cpu) {
		fill_on(&cache, cpu, keys[0], plc_val(keys[0], cpu));
		fill_on(&cache, cpu, keys[1], plc_val(keys[1], cpu));
		fill_on(&cache, cpu, keys[2], plc_val(keys[2], cpu));
		fill_on(&cache, cpu, keys[3], plc_val(keys[3], cpu));
	}
	keys[5] = keys[4] + 1;		/* another set, also nowhere */
	many[0] = keys[4];
	many[1] = 0;
	many[2] = keys[5];

	seq = plc_seq(&cache);
	before = plc_shim;
	masks = plc_shim.cpumasks;
	plc_sim_set_cpu(2);
	CHECK(!pcpu_lookup_cache_lookup(&cache, keys[4], &token));
	plc_sim_set_cpu(1);
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, keys[4]), 0);
	CHECK_EQ(plc_seq(&cache), seq + 1);
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, keys[5]), 0);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, many, 3), 0);
	cpus_read_lock();
	CHECK_EQ(pcpu_lookup_cache_invalidate_cpuslocked(&cache, keys[4]), 0);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many_cpuslocked(&cache, many,
							      3), 0);
	cpus_read_unlock();
	CHECK_EQ(plc_sim_cpu, 1);
	plc_sim_set_cpu(0);

	/* Five rounds: five advances, five masks, not one IPI. */
	CHECK_EQ(plc_seq(&cache), seq + 5);
	CHECK_EQ(plc_shim.cpumasks, masks + 5);
	CHECK_EQ(plc_shim.cpumasks_live, before.cpumasks_live);
	CHECK_EQ(plc_shim.ipis, before.ipis);
	CHECK_EQ(plc_shim.ipis_all, before.ipis_all);
	CHECK_EQ(plc_shim.ipi_cpus, before.ipi_cpus);
	for_each_possible_cpu(cpu) {
		CHECK_EQ(plc_shim.ipi_cpu[cpu], before.ipi_cpu[cpu]);
		CHECK_EQ(ipis_of(&cache, cpu), 0);
		CHECK_EQ(invalidations_of(&cache, cpu), 0);
		CHECK_PTR(lookup_on(&cache, cpu, keys[0]),
			  plc_val(keys[0], cpu));
		CHECK_PTR(lookup_on(&cache, cpu, keys[3]),
			  plc_val(keys[3], cpu));
	}

	/* The token CPU 2 read before them is stale. */
	plc_sim_set_cpu(2);
	pcpu_lookup_cache_fill(&cache, keys[4], plc_val(keys[4], 0), token);
	plc_sim_set_cpu(0);
	CHECK_EQ(plc_find(&cache, 2, keys[4]), -1);
	CHECK_EQ(plc_find(&cache, 2, keys[0]), 0);
	pcpu_lookup_cache_destroy(&cache);
}

void test_inval_no_holder(void)
{
	plc_subtest("inval_no_holder", inval_no_holder, NULL);
}

/*
 * Contract 4: an invalidation interrupts exactly the online CPUs that
 * hold one of its keys, the invalidating CPU included when it holds one,
 * in one round; a flush interrupts every online CPU, holding or not.
 */
static void inval_targeted(const void *arg)
{
	struct pcpu_lookup_cache cache;
	const unsigned long A = 100, B = 200, C = 300, D = 400, X = 500;
	unsigned long many[3] = { B, C, 0 }, none[2] = { D, A };
	long before[PLC_NR_CPUS], rounds, all, cpus;
	int cpu;

	CHECK_EQ(pcpu_lookup_cache_init(&cache, 64, 4), 0);
	/* CPU 0: A; CPU 1: A, B; CPU 2: B; CPU 3: C. */
	fill_on(&cache, 0, A, plc_val(A, 0));
	fill_on(&cache, 1, A, plc_val(A, 1));
	fill_on(&cache, 1, B, plc_val(B, 1));
	fill_on(&cache, 2, B, plc_val(B, 2));
	fill_on(&cache, 3, C, plc_val(C, 3));
	for_each_possible_cpu(cpu)
		fill_on(&cache, cpu, X, plc_val(X, cpu));

	/* A, from CPU 1: CPUs 0 and 1, CPU 1 itself included. */
	memcpy(before, plc_shim.ipi_cpu, sizeof(before));
	rounds = plc_shim.ipis;
	all = plc_shim.ipis_all;
	cpus = plc_shim.ipi_cpus;
	plc_sim_set_cpu(1);
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, A), 0);
	CHECK_EQ(plc_sim_cpu, 1);
	plc_sim_set_cpu(0);
	check_ipi_cpus(before, (const long[PLC_NR_CPUS]) { 1, 1, 0, 0 });
	CHECK_EQ(plc_shim.ipis, rounds + 1);
	CHECK_EQ(plc_shim.ipis_all, all);
	CHECK_EQ(plc_shim.ipi_cpus, cpus + 2);
	for_each_possible_cpu(cpu) {
		CHECK_EQ(ipis_of(&cache, cpu), cpu < 2);
		CHECK_EQ(invalidations_of(&cache, cpu), cpu < 2);
		CHECK(!lookup_on(&cache, cpu, A));
		CHECK_PTR(lookup_on(&cache, cpu, X), plc_val(X, cpu));
	}
	CHECK_PTR(lookup_on(&cache, 1, B), plc_val(B, 1));

	/* B and C, from CPU 0, which holds neither: CPUs 1, 2, 3. */
	memcpy(before, plc_shim.ipi_cpu, sizeof(before));
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, many, 3), 0);
	check_ipi_cpus(before, (const long[PLC_NR_CPUS]) { 0, 1, 1, 1 });
	CHECK_EQ(plc_shim.ipis, rounds + 2);
	CHECK_EQ(plc_shim.ipis_all, all);
	CHECK_EQ(plc_shim.ipi_cpus, cpus + 5);
	CHECK_EQ(ipis_of(&cache, 0), 1);
	CHECK_EQ(ipis_of(&cache, 1), 2);
	CHECK_EQ(ipis_of(&cache, 2), 1);
	CHECK_EQ(ipis_of(&cache, 3), 1);
	CHECK_EQ(invalidations_of(&cache, 1), 2);
	for_each_possible_cpu(cpu) {
		CHECK(!lookup_on(&cache, cpu, B));
		CHECK(!lookup_on(&cache, cpu, C));
		CHECK_PTR(lookup_on(&cache, cpu, X), plc_val(X, cpu));
	}

	/* Keys held nowhere any more: none; _cpuslocked alike. */
	memcpy(before, plc_shim.ipi_cpu, sizeof(before));
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, none, 2), 0);
	fill_on(&cache, 3, D, plc_val(D, 3));
	cpus_read_lock();
	CHECK_EQ(pcpu_lookup_cache_invalidate_many_cpuslocked(&cache, none, 2),
		 0);
	cpus_read_unlock();
	check_ipi_cpus(before, (const long[PLC_NR_CPUS]) { 0, 0, 0, 1 });
	CHECK_EQ(plc_shim.ipis, rounds + 3);
	CHECK(!lookup_on(&cache, 3, D));

	/* Flush: every online CPU, each holding only X or nothing. */
	fill_on(&cache, 2, C, plc_val(C, 2));
	memcpy(before, plc_shim.ipi_cpu, sizeof(before));
	CHECK_EQ(pcpu_lookup_cache_flush(&cache), 0);
	check_ipi_cpus(before, (const long[PLC_NR_CPUS]) { 1, 1, 1, 1 });
	CHECK_EQ(plc_shim.ipis, rounds + 4);
	CHECK_EQ(plc_shim.ipis_all, all + 1);
	for_each_possible_cpu(cpu)
		CHECK(!lookup_on(&cache, cpu, X));
	/* Even an empty cache; with a CPU offline, the others. */
	CHECK_EQ(plc_sim_cpu_down(2), 0);
	memcpy(before, plc_shim.ipi_cpu, sizeof(before));
	CHECK_EQ(pcpu_lookup_cache_flush(&cache), 0);
	check_ipi_cpus(before, (const long[PLC_NR_CPUS]) { 1, 1, 0, 1 });
	CHECK_EQ(plc_sim_cpu_up(2), 0);
	CHECK_EQ(ipis_of(&cache, 0), 3);
	CHECK_EQ(ipis_of(&cache, 1), 4);
	CHECK_EQ(ipis_of(&cache, 2), 2);
	CHECK_EQ(ipis_of(&cache, 3), 4);
	pcpu_lookup_cache_destroy(&cache);
}

void test_inval_targeted(void)
{
	plc_subtest("inval_targeted", inval_targeted, NULL);
}

/*
 * If the cpumask cannot be allocated, an invalidation interrupts every
 * online CPU instead, and still clears exactly its keys everywhere, the
 * offline CPUs directly. A flush needs no cpumask.
 */
static void inval_cpumask_fail(const void *arg)
{
	struct pcpu_lookup_cache cache;
	unsigned long two[2] = { 0, 200 }, token, seq;
	long before[PLC_NR_CPUS], rounds, all, masks;
	int cpu;

	CHECK_EQ(pcpu_lookup_cache_init(&cache, 64, 4), 0);
	fill_on(&cache, 0, 100, plc_val(100, 0));
	fill_on(&cache, 2, 200, plc_val(200, 2));
	fill_on(&cache, 3, 100, plc_val(100, 3));
	fill_on(&cache, 3, 300, plc_val(300, 3));
	CHECK_EQ(plc_sim_cpu_down(3), 0);
	plc_sim_set_cpu(1);
	CHECK(!pcpu_lookup_cache_lookup(&cache, 100, &token));
	plc_sim_set_cpu(0);

	seq = plc_seq(&cache);
	rounds = plc_shim.ipis;
	all = plc_shim.ipis_all;
	masks = plc_shim.cpumasks;
	memcpy(before, plc_shim.ipi_cpu, sizeof(before));
	CHECK(!plc_shim_fail_cpumask(true));
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, 100), 0);
	/* Every online CPU, CPU 1 and 2 that do not hold it included. */
	check_ipi_cpus(before, (const long[PLC_NR_CPUS]) { 1, 1, 1, 0 });
	CHECK_EQ(plc_shim.ipis, rounds + 1);
	CHECK_EQ(plc_shim.ipis_all, all + 1);
	CHECK_EQ(plc_shim.cpumasks, masks + 1);
	CHECK_EQ(plc_seq(&cache), seq + 1);
	CHECK_EQ(plc_find(&cache, 0, 100), -1);
	CHECK_EQ(plc_find(&cache, 3, 100), -1);	/* offline: directly */
	CHECK(plc_find(&cache, 3, 300) >= 0);
	CHECK_PTR(lookup_on(&cache, 2, 200), plc_val(200, 2));
	for_each_possible_cpu(cpu) {
		CHECK_EQ(ipis_of(&cache, cpu), cpu != 3);
		CHECK_EQ(invalidations_of(&cache, cpu), cpu == 0 || cpu == 3);
	}
	/* A fill with the token read before it is dropped. */
	plc_sim_set_cpu(1);
	pcpu_lookup_cache_fill(&cache, 100, plc_val(100, 1), token);
	plc_sim_set_cpu(0);
	CHECK_EQ(plc_find(&cache, 1, 100), -1);

	/* invalidate_many, and a key held nowhere: all online CPUs too. */
	memcpy(before, plc_shim.ipi_cpu, sizeof(before));
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, two, 2), 0);
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, 999), 0);
	check_ipi_cpus(before, (const long[PLC_NR_CPUS]) { 2, 2, 2, 0 });
	CHECK_EQ(plc_shim.ipis_all, all + 3);
	CHECK_EQ(plc_seq(&cache), seq + 3);
	CHECK_EQ(plc_find(&cache, 2, 200), -1);
	CHECK_EQ(invalidations_of(&cache, 2), 1);

	/* Neither a flush nor an all-zero array allocates one. */
	masks = plc_shim.cpumasks;
	two[1] = 0;
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, two, 2), 0);
	CHECK_EQ(pcpu_lookup_cache_flush(&cache), 0);
	CHECK_EQ(plc_shim.cpumasks, masks);
	CHECK_EQ(plc_find(&cache, 3, 300), -1);
	CHECK(plc_shim_fail_cpumask(false));
	CHECK_EQ(plc_sim_cpu_up(3), 0);
	pcpu_lookup_cache_destroy(&cache);
}

void test_inval_cpumask_fail(void)
{
	plc_subtest("inval_cpumask_fail", inval_cpumask_fail, NULL);
}

/*
 * Contract 4: an offline CPU gets no IPI, holding the key or not, but its
 * table loses the key all the same, directly; the online CPUs that do not
 * hold it are not interrupted either.
 */
static void inval_offline(const void *arg)
{
	struct pcpu_lookup_cache cache;
	struct plc_shim_stats before;
	unsigned long b = 200;
	int cpu;

	CHECK_EQ(pcpu_lookup_cache_init(&cache, 16, 2), 0);
	fill_on(&cache, 2, 100, plc_val(100, 2));
	fill_on(&cache, 3, 100, plc_val(100, 3));
	fill_on(&cache, 3, 200, plc_val(200, 3));
	fill_on(&cache, 3, 300, plc_val(300, 3));
	fill_on(&cache, 1, 300, plc_val(300, 1));
	CHECK_EQ(plc_sim_cpu_down(2), 0);
	CHECK_EQ(plc_sim_cpu_down(3), 0);

	before = plc_shim;
	plc_sim_set_cpu(1);
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, 100), 0);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, &b, 1), 0);
	plc_sim_set_cpu(0);
	CHECK_EQ(plc_shim.ipis, before.ipis);
	CHECK_EQ(plc_shim.ipi_cpus, before.ipi_cpus);
	CHECK_EQ(plc_seq(&cache), 2);
	CHECK_EQ(plc_find(&cache, 2, 100), -1);
	CHECK_EQ(plc_find(&cache, 3, 100), -1);
	CHECK_EQ(plc_find(&cache, 3, 200), -1);
	CHECK(plc_find(&cache, 3, 300) >= 0);
	CHECK_EQ(invalidations_of(&cache, 2), 1);
	CHECK_EQ(invalidations_of(&cache, 3), 2);
	for_each_possible_cpu(cpu) {
		CHECK_EQ(ipis_of(&cache, cpu), 0);
		CHECK_EQ(plc_pc(&cache, cpu)->fill_busy, 0);
	}

	/* Key 300: CPU 1 gets the IPI, offline CPU 3 is cleared directly. */
	before = plc_shim;
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, 300), 0);
	CHECK_EQ(plc_shim.ipis, before.ipis + 1);
	CHECK_EQ(plc_shim.ipi_cpus, before.ipi_cpus + 1);
	CHECK_EQ(plc_shim.ipi_cpu[1], before.ipi_cpu[1] + 1);
	CHECK_EQ(plc_find(&cache, 3, 300), -1);
	CHECK_EQ(ipis_of(&cache, 1), 1);
	CHECK_EQ(ipis_of(&cache, 3), 0);

	/* They come back with nothing stale. */
	CHECK_EQ(plc_sim_cpu_up(2), 0);
	CHECK_EQ(plc_sim_cpu_up(3), 0);
	for_each_possible_cpu(cpu) {
		CHECK(!lookup_on(&cache, cpu, 100));
		CHECK(!lookup_on(&cache, cpu, 200));
		CHECK(!lookup_on(&cache, cpu, 300));
	}
	pcpu_lookup_cache_destroy(&cache);
}

void test_inval_offline(void)
{
	plc_subtest("inval_offline", inval_offline, NULL);
}
