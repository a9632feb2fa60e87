// SPDX-License-Identifier: GPL-2.0
/*
 * Which simulated CPUs an invalidation or flush reaches: CPUs taken
 * offline and back, the CPU hotplug lock taken or held (_cpuslocked), and
 * IPIs only to the CPUs that may hold a key.
 */
#include "test.h"

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
		plc_fill_on(&a, cpu, 42, plc_val(42, cpu));
		plc_fill_on(&a, cpu, 43, plc_val(43, cpu));
		plc_fill_on(&b, cpu, 42, plc_val(42, cpu));
	}

	/* Down and up again with no invalidation: nothing is touched. */
	g2 = plc_seq(&a);
	CHECK_EQ(plc_sim_cpu_down(2), 0);
	CHECK_EQ(plc_sim_cpu_up(2), 0);
	CHECK_EQ(plc_seq(&a), g2);
	CHECK_EQ(plc_invalidations_of(&a, 2), 0);
	CHECK_PTR(plc_lookup_on(&a, 2, 42), plc_val(42, 2));
	CHECK_PTR(plc_lookup_on(&b, 2, 42), plc_val(42, 2));

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
	CHECK_EQ(plc_ipis_of(&a, 2), 0);
	CHECK_EQ(plc_ipis_of(&b, 2), 0);
	/* White-box: CPU 2's tables were cleared all the same. */
	CHECK_EQ(plc_find(&a, 2, 42), -1);
	CHECK_EQ(plc_find(&b, 2, 42), -1);
	CHECK_EQ(plc_way(&b, 2, 0, 0)->key, 0);
	CHECK_PTR(plc_way(&b, 2, 0, 0)->val, NULL);
	CHECK(plc_find(&a, 2, 43) >= 0);
	CHECK_EQ(plc_seq(&a), g2 + 1);
	CHECK_EQ(plc_invalidations_of(&a, 2), 1);
	CHECK_EQ(plc_invalidations_of(&b, 2), 1);
	CHECK_EQ(plc_pc(&a, 2)->fill_busy, 0);
	for_each_online_cpu(cpu) {
		CHECK(!plc_lookup_on(&a, cpu, 42));
		CHECK(!plc_lookup_on(&b, cpu, 42));
		CHECK_EQ(plc_invalidations_of(&a, cpu), 1);
	}
	/* It comes back with no stale entry, and nothing more is cleared. */
	CHECK_EQ(plc_sim_cpu_up(2), 0);
	CHECK_EQ(plc_sim_cpu, 0);
	CHECK(!plc_lookup_on(&a, 2, 42));
	CHECK(!plc_lookup_on(&b, 2, 42));
	CHECK_PTR(plc_lookup_on(&a, 2, 43), plc_val(43, 2));
	CHECK_EQ(plc_seq(&a), g2 + 1);
	CHECK_EQ(plc_invalidations_of(&a, 2), 1);

	/* Flush with CPUs 3 and 1 offline, from CPU 2. */
	plc_fill_on(&b, 0, 7, plc_val(7, 0));
	plc_fill_on(&b, 1, 7, plc_val(7, 1));
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
	CHECK_EQ(plc_invalidations_of(&a, 1), 2);	/* 42, then 43 */
	CHECK_EQ(plc_ipis_of(&a, 1), 1);		/* 42 only */
	CHECK_EQ(plc_ipis_of(&a, 3), 1);
	CHECK_EQ(plc_ipis_of(&a, 2), 1);		/* the flush */
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
	CHECK_EQ(plc_ipis_of(&b, 0), 2);		/* 42, then 7 */
	CHECK_EQ(plc_ipis_of(&b, 1), 1);		/* 42 only */
	CHECK_EQ(plc_find(&b, 1, 7), -1);
	CHECK_EQ(plc_find(&b, 0, 7), -1);
	CHECK_EQ(plc_invalidations_of(&b, 1), 2);
	CHECK_EQ(plc_sim_cpu_up(3), 0);
	CHECK_EQ(plc_sim_cpu_up(1), 0);
	for_each_possible_cpu(cpu) {
		CHECK(!plc_lookup_on(&a, cpu, 43));
		CHECK(!plc_lookup_on(&b, cpu, 7));
	}

	/* suspend() flushes the offline CPU too. */
	plc_fill_on(&a, 3, 44, plc_val(44, 3));
	CHECK_EQ(plc_sim_cpu_down(3), 0);
	CHECK_EQ(pcpu_lookup_cache_suspend(&a), 0);
	CHECK_EQ(plc_find(&a, 3, 44), -1);
	CHECK_EQ(pcpu_lookup_cache_resume(&a), 0);
	CHECK_EQ(plc_sim_cpu_up(3), 0);
	CHECK(!plc_lookup_on(&a, 3, 44));

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
		plc_fill_on(&cache, cpu, 100, plc_val(100, cpu));
		plc_fill_on(&cache, cpu, 200, plc_val(200, cpu));
		plc_fill_on(&cache, cpu, 300, plc_val(300, cpu));
		plc_fill_on(&cache, cpu, 400, plc_val(400, cpu));
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
		CHECK(!plc_lookup_on(&cache, cpu, 100));
		CHECK_PTR(plc_lookup_on(&cache, cpu, 200), plc_val(200, cpu));
		CHECK_EQ(plc_invalidations_of(&cache, cpu), 1);
		CHECK_EQ(plc_ipis_of(&cache, cpu), 1);
	}
	CHECK_EQ(plc_seq(&cache), seq + 1);

	CHECK_EQ(pcpu_lookup_cache_invalidate_many_cpuslocked(&cache, three,
							      3), 0);
	CHECK_EQ(plc_shim.ipis, ipis + 2);
	for_each_possible_cpu(cpu) {
		CHECK(!plc_lookup_on(&cache, cpu, 200));
		CHECK(!plc_lookup_on(&cache, cpu, 300));
		CHECK_PTR(plc_lookup_on(&cache, cpu, 400), plc_val(400, cpu));
		CHECK_EQ(plc_invalidations_of(&cache, cpu), 3);
		CHECK_EQ(plc_ipis_of(&cache, cpu), 2);
	}
	CHECK_EQ(plc_seq(&cache), seq + 2);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many_cpuslocked(&cache, NULL, 2),
		 -EINVAL);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many_cpuslocked(&cache, NULL, 0),
		 0);
	CHECK_EQ(plc_shim.ipis, ipis + 2);

	plc_fill_on(&cache, 1, 500, plc_val(500, 1));
	CHECK_EQ(pcpu_lookup_cache_flush_cpuslocked(&cache), 0);
	CHECK_EQ(plc_shim.ipis, ipis + 3);
	for_each_possible_cpu(cpu) {
		CHECK(!plc_lookup_on(&cache, cpu, 400));
		CHECK(!plc_lookup_on(&cache, cpu, 500));
		CHECK_EQ(plc_invalidations_of(&cache, cpu), cpu == 1 ? 5 : 4);
		CHECK_EQ(plc_ipis_of(&cache, cpu), 3);
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
		plc_fill_on(&cache, cpu, keys[0], plc_val(keys[0], cpu));
		plc_fill_on(&cache, cpu, keys[1], plc_val(keys[1], cpu));
		plc_fill_on(&cache, cpu, keys[2], plc_val(keys[2], cpu));
		plc_fill_on(&cache, cpu, keys[3], plc_val(keys[3], cpu));
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
		CHECK_EQ(plc_ipis_of(&cache, cpu), 0);
		CHECK_EQ(plc_invalidations_of(&cache, cpu), 0);
		CHECK_PTR(plc_lookup_on(&cache, cpu, keys[0]),
			  plc_val(keys[0], cpu));
		CHECK_PTR(plc_lookup_on(&cache, cpu, keys[3]),
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
 * in one round; a flush interrupts exactly the online CPUs that filled
 * since the last flush (here, those that hold a key), and none when no
 * CPU did.
 */
static void inval_targeted(const void *arg)
{
	struct pcpu_lookup_cache cache;
	const unsigned long A = 100, B = 200, C = 300, D = 400, X = 500;
	unsigned long many[3] = { B, C, 0 }, none[2] = { D, A };
	long before[PLC_NR_CPUS], rounds, all, cpus;
	unsigned long seq;
	int cpu;

	CHECK_EQ(pcpu_lookup_cache_init(&cache, 64, 4), 0);
	/* CPU 0: A; CPU 1: A, B; CPU 2: B; CPU 3: C. */
	plc_fill_on(&cache, 0, A, plc_val(A, 0));
	plc_fill_on(&cache, 1, A, plc_val(A, 1));
	plc_fill_on(&cache, 1, B, plc_val(B, 1));
	plc_fill_on(&cache, 2, B, plc_val(B, 2));
	plc_fill_on(&cache, 3, C, plc_val(C, 3));
	for_each_possible_cpu(cpu)
		plc_fill_on(&cache, cpu, X, plc_val(X, cpu));

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
		CHECK_EQ(plc_ipis_of(&cache, cpu), cpu < 2);
		CHECK_EQ(plc_invalidations_of(&cache, cpu), cpu < 2);
		CHECK(!plc_lookup_on(&cache, cpu, A));
		CHECK_PTR(plc_lookup_on(&cache, cpu, X), plc_val(X, cpu));
	}
	CHECK_PTR(plc_lookup_on(&cache, 1, B), plc_val(B, 1));

	/* B and C, from CPU 0, which holds neither: CPUs 1, 2, 3. */
	memcpy(before, plc_shim.ipi_cpu, sizeof(before));
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, many, 3), 0);
	check_ipi_cpus(before, (const long[PLC_NR_CPUS]) { 0, 1, 1, 1 });
	CHECK_EQ(plc_shim.ipis, rounds + 2);
	CHECK_EQ(plc_shim.ipis_all, all);
	CHECK_EQ(plc_shim.ipi_cpus, cpus + 5);
	CHECK_EQ(plc_ipis_of(&cache, 0), 1);
	CHECK_EQ(plc_ipis_of(&cache, 1), 2);
	CHECK_EQ(plc_ipis_of(&cache, 2), 1);
	CHECK_EQ(plc_ipis_of(&cache, 3), 1);
	CHECK_EQ(plc_invalidations_of(&cache, 1), 2);
	for_each_possible_cpu(cpu) {
		CHECK(!plc_lookup_on(&cache, cpu, B));
		CHECK(!plc_lookup_on(&cache, cpu, C));
		CHECK_PTR(plc_lookup_on(&cache, cpu, X), plc_val(X, cpu));
	}

	/* Keys held nowhere any more: none; _cpuslocked alike. */
	memcpy(before, plc_shim.ipi_cpu, sizeof(before));
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, none, 2), 0);
	plc_fill_on(&cache, 3, D, plc_val(D, 3));
	cpus_read_lock();
	CHECK_EQ(pcpu_lookup_cache_invalidate_many_cpuslocked(&cache, none, 2),
		 0);
	cpus_read_unlock();
	check_ipi_cpus(before, (const long[PLC_NR_CPUS]) { 0, 0, 0, 1 });
	CHECK_EQ(plc_shim.ipis, rounds + 3);
	CHECK(!plc_lookup_on(&cache, 3, D));

	/* Flush: every CPU holds X, CPU 2 C too. */
	plc_fill_on(&cache, 2, C, plc_val(C, 2));
	memcpy(before, plc_shim.ipi_cpu, sizeof(before));
	cpus = plc_shim.ipi_cpus;
	CHECK_EQ(pcpu_lookup_cache_flush(&cache), 0);
	check_ipi_cpus(before, (const long[PLC_NR_CPUS]) { 1, 1, 1, 1 });
	CHECK_EQ(plc_shim.ipis, rounds + 4);
	CHECK_EQ(plc_shim.ipis_all, all);
	CHECK_EQ(plc_shim.ipi_cpus, cpus + 4);
	for_each_possible_cpu(cpu) {
		CHECK_EQ(plc_find(&cache, cpu, X), -1);
		CHECK(!plc_lookup_on(&cache, cpu, X));
	}
	/*
	 * No CPU filled since that flush, so every filled flag is clear: no
	 * IPI, though the sequence advances.
	 */
	seq = plc_seq(&cache);
	memcpy(before, plc_shim.ipi_cpu, sizeof(before));
	CHECK_EQ(pcpu_lookup_cache_flush(&cache), 0);
	check_ipi_cpus(before, (const long[PLC_NR_CPUS]) { 0, 0, 0, 0 });
	CHECK_EQ(plc_shim.ipis, rounds + 4);
	CHECK_EQ(plc_seq(&cache), seq + 1);
	/*
	 * CPU 3 alone holds a key, and CPU 2, offline, another: CPU 3 gets
	 * the only IPI, CPU 2 is cleared directly.
	 */
	plc_fill_on(&cache, 3, D, plc_val(D, 3));
	plc_fill_on(&cache, 2, X, plc_val(X, 2));
	CHECK_EQ(plc_sim_cpu_down(2), 0);
	memcpy(before, plc_shim.ipi_cpu, sizeof(before));
	CHECK_EQ(pcpu_lookup_cache_flush(&cache), 0);
	check_ipi_cpus(before, (const long[PLC_NR_CPUS]) { 0, 0, 0, 1 });
	CHECK_EQ(plc_shim.ipis, rounds + 5);
	CHECK_EQ(plc_find(&cache, 2, X), -1);
	CHECK_EQ(plc_find(&cache, 3, D), -1);
	CHECK_EQ(plc_sim_cpu_up(2), 0);
	CHECK_EQ(plc_ipis_of(&cache, 0), 2);
	CHECK_EQ(plc_ipis_of(&cache, 1), 3);
	CHECK_EQ(plc_ipis_of(&cache, 2), 2);
	CHECK_EQ(plc_ipis_of(&cache, 3), 4);
	pcpu_lookup_cache_destroy(&cache);
}

void test_inval_targeted(void)
{
	plc_subtest("inval_targeted", inval_targeted, NULL);
}

/*
 * If the cpumask cannot be allocated, an invalidation or a flush
 * interrupts every online CPU instead, and still clears exactly its keys
 * everywhere, the offline CPUs directly.
 */
static void inval_cpumask_fail(const void *arg)
{
	struct pcpu_lookup_cache cache;
	unsigned long two[2] = { 0, 200 }, token, seq;
	long before[PLC_NR_CPUS], rounds, all, masks;
	int cpu;

	CHECK_EQ(pcpu_lookup_cache_init(&cache, 64, 4), 0);
	plc_fill_on(&cache, 0, 100, plc_val(100, 0));
	plc_fill_on(&cache, 2, 200, plc_val(200, 2));
	plc_fill_on(&cache, 3, 100, plc_val(100, 3));
	plc_fill_on(&cache, 3, 300, plc_val(300, 3));
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
	CHECK_PTR(plc_lookup_on(&cache, 2, 200), plc_val(200, 2));
	for_each_possible_cpu(cpu) {
		CHECK_EQ(plc_ipis_of(&cache, cpu), cpu != 3);
		CHECK_EQ(plc_invalidations_of(&cache, cpu), cpu == 0 || cpu == 3);
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
	CHECK_EQ(plc_invalidations_of(&cache, 2), 1);

	/* An all-zero array tries no allocation. */
	masks = plc_shim.cpumasks;
	two[1] = 0;
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, two, 2), 0);
	CHECK_EQ(plc_shim.cpumasks, masks);
	/* A flush: every online CPU, though none holds a key. */
	memcpy(before, plc_shim.ipi_cpu, sizeof(before));
	CHECK_EQ(pcpu_lookup_cache_flush(&cache), 0);
	check_ipi_cpus(before, (const long[PLC_NR_CPUS]) { 1, 1, 1, 0 });
	CHECK_EQ(plc_shim.ipis_all, all + 4);
	CHECK_EQ(plc_shim.cpumasks, masks + 1);
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
	plc_fill_on(&cache, 2, 100, plc_val(100, 2));
	plc_fill_on(&cache, 3, 100, plc_val(100, 3));
	plc_fill_on(&cache, 3, 200, plc_val(200, 3));
	plc_fill_on(&cache, 3, 300, plc_val(300, 3));
	plc_fill_on(&cache, 1, 300, plc_val(300, 1));
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
	CHECK_EQ(plc_invalidations_of(&cache, 2), 1);
	CHECK_EQ(plc_invalidations_of(&cache, 3), 2);
	for_each_possible_cpu(cpu) {
		CHECK_EQ(plc_ipis_of(&cache, cpu), 0);
		CHECK_EQ(plc_pc(&cache, cpu)->fill_busy, 0);
	}

	/* Key 300: CPU 1 gets the IPI, offline CPU 3 is cleared directly. */
	before = plc_shim;
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, 300), 0);
	CHECK_EQ(plc_shim.ipis, before.ipis + 1);
	CHECK_EQ(plc_shim.ipi_cpus, before.ipi_cpus + 1);
	CHECK_EQ(plc_shim.ipi_cpu[1], before.ipi_cpu[1] + 1);
	CHECK_EQ(plc_find(&cache, 3, 300), -1);
	CHECK_EQ(plc_ipis_of(&cache, 1), 1);
	CHECK_EQ(plc_ipis_of(&cache, 3), 0);

	/* They come back with nothing stale. */
	CHECK_EQ(plc_sim_cpu_up(2), 0);
	CHECK_EQ(plc_sim_cpu_up(3), 0);
	for_each_possible_cpu(cpu) {
		CHECK(!plc_lookup_on(&cache, cpu, 100));
		CHECK(!plc_lookup_on(&cache, cpu, 200));
		CHECK(!plc_lookup_on(&cache, cpu, 300));
	}
	pcpu_lookup_cache_destroy(&cache);
}

void test_inval_offline(void)
{
	plc_subtest("inval_offline", inval_offline, NULL);
}
