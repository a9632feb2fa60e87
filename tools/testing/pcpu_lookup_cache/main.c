// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace tests of lib/pcpu_lookup_cache.c, built with the shims of
 * shim.h. Usage: pcpu_lookup_cache_test [-v] [substring]
 * Runs every sub-test whose name contains the substring and ends with the
 * line "N passed, N failed". Exits 1 if any failed.
 */
#include "test.h"

int plc_test_failed;
static int passed, failed, verbose;
static const char *filter;

void plc_check_failed(const char *file, int line, const char *expr,
		      long long a, long long b, bool values)
{
	if (plc_test_failed++ >= 10)
		return;
	if (values)
		printf("    %s:%d: CHECK(%s) failed: %lld (%#llx) != %lld (%#llx)\n",
		       file, line, expr, a, a, b, b);
	else
		printf("    %s:%d: CHECK(%s) failed\n", file, line, expr);
}

static void plc_collect(unsigned int sets, unsigned int set,
			unsigned long *keys, unsigned int n,
			unsigned long *next, bool home0)
{
	unsigned long k = *next ? *next : 1;
	unsigned int i = 0;

	while (i < n) {
		if (plc_ref_set(sets, k) == set &&
		    (!home0 || !plc_ref_home(sets, PCPU_LOOKUP_CACHE_MAX_WAYS, k)))
			keys[i++] = k;
		k++;
	}
	*next = k;
}

void plc_keys_in_set(unsigned int sets, unsigned int set, unsigned long *keys,
		     unsigned int n, unsigned long *next)
{
	plc_collect(sets, set, keys, n, next, true);
}

void plc_keys_in_set_any(unsigned int sets, unsigned int set,
			 unsigned long *keys, unsigned int n,
			 unsigned long *next)
{
	plc_collect(sets, set, keys, n, next, false);
}

void *plc_get(struct pcpu_lookup_cache *cache, unsigned long key, void *val)
{
	unsigned long token;
	void *v = pcpu_lookup_cache_lookup(cache, key, &token);

	if (!v) {
		pcpu_lookup_cache_fill(cache, key, val, token);
		return NULL;
	}
	return v;
}

void plc_stats(struct pcpu_lookup_cache *cache, int cpu,
	       struct pcpu_lookup_cache_stats *s)
{
	pcpu_lookup_cache_stats_cpu(cache, cpu, s);
}

void __plc_check_uninitialised(struct pcpu_lookup_cache *cache,
			       const char *file, int line)
{
	int failed_before = plc_test_failed;
	unsigned long key = 1;
	long ipis = plc_shim.ipis;

	CHECK_EQ(pcpu_lookup_cache_invalidate(cache, 1), -EINVAL);
	CHECK_EQ(pcpu_lookup_cache_invalidate(cache, 0), -EINVAL);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(cache, &key, 1), -EINVAL);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(cache, NULL, 0), -EINVAL);
	CHECK_EQ(pcpu_lookup_cache_flush(cache), -EINVAL);
	cpus_read_lock();
	CHECK_EQ(pcpu_lookup_cache_invalidate_cpuslocked(cache, 1), -EINVAL);
	CHECK_EQ(pcpu_lookup_cache_invalidate_cpuslocked(cache, 0), -EINVAL);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many_cpuslocked(cache, &key, 1),
		 -EINVAL);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many_cpuslocked(cache, NULL, 0),
		 -EINVAL);
	CHECK_EQ(pcpu_lookup_cache_flush_cpuslocked(cache), -EINVAL);
	cpus_read_unlock();
	CHECK_EQ(pcpu_lookup_cache_suspend(cache), -EINVAL);
	CHECK_EQ(pcpu_lookup_cache_resume(cache), -EINVAL);
	CHECK_EQ(plc_shim.ipis, ipis);
	if (plc_test_failed != failed_before)
		printf("    from %s:%d\n", file, line);
}

void plc_subtest(const char *name, void (*fn)(const void *arg),
		 const void *arg)
{
	struct plc_shim_stats before = plc_shim;
	unsigned int hit_stats;
	int cpu, leaked = 0;

	if (filter && !strstr(name, filter))
		return;
	plc_test_failed = 0;
	plc_sim_set_cpu(0);
	/* Count hits and misses: contract point 7. */
	hit_stats = pcpu_lookup_cache_hit_stats_refs();
	pcpu_lookup_cache_hit_stats_get();
	fn(arg);

	for_each_possible_cpu(cpu) {
		if (!plc_sim_online[cpu]) {
			printf("    CPU %d left offline\n", cpu);
			plc_sim_online[cpu] = true;
			leaked++;
		}
	}
	if (plc_sim_cpu != 0 || plc_sim_irqs_off) {
		printf("    left on CPU %d, IRQs %s\n", plc_sim_cpu,
		       plc_sim_irqs_off ? "off" : "on");
		plc_sim_cpu = 0;
		plc_sim_irqs_off = 0;
		leaked++;
	}
	if (plc_shim.live != before.live) {
		printf("    leaked %ld allocations\n",
		       plc_shim.live - before.live);
		leaked++;
	}
	if (plc_shim.cpumasks_live != before.cpumasks_live) {
		printf("    leaked %ld cpumasks\n",
		       plc_shim.cpumasks_live - before.cpumasks_live);
		leaked++;
	}
	if (plc_shim.mutexes_held != before.mutexes_held) {
		printf("    left %ld mutexes held\n",
		       plc_shim.mutexes_held - before.mutexes_held);
		leaked++;
	}
	if (plc_shim_fail_cpumask(false)) {
		printf("    left cpumask allocation failing\n");
		leaked++;
	}
	if (plc_shim_cpus_locked()) {
		printf("    left cpus_read_lock() held\n");
		cpus_read_unlock();
		leaked++;
	}
	if (plc_shim_expect_bugs(false)) {
		printf("    left shim bug reports expected\n");
		leaked++;
	}
	if (plc_shim.debugfs_files != before.debugfs_files) {
		printf("    leaked %ld debugfs files\n",
		       plc_shim.debugfs_files - before.debugfs_files);
		leaked++;
	}
	/* With IRQs on and cpus_read_lock() released: it may sleep. */
	pcpu_lookup_cache_hit_stats_put();
	if (pcpu_lookup_cache_hit_stats_refs() != hit_stats) {
		printf("    left hit statistics references: %u, not %u\n",
		       pcpu_lookup_cache_hit_stats_refs(), hit_stats);
		leaked++;
	}
	if (plc_shim.bugs != before.bugs) {
		printf("    %ld shim bug reports\n",
		       plc_shim.bugs - before.bugs);
		leaked++;
	}
	if (plc_test_failed || leaked) {
		failed++;
		printf("not ok %d %s\n", passed + failed, name);
	} else {
		passed++;
		if (verbose)
			printf("ok %d %s\n", passed + failed, name);
	}
	fflush(stdout);
}

void plc_geom_subtests(const char *prefix, void (*fn)(const void *arg),
		       const struct plc_geom *geoms, unsigned int nr)
{
	char name[64];
	unsigned int i;

	for (i = 0; i < nr; i++) {
		snprintf(name, sizeof(name), "%s/%ux%u", prefix, geoms[i].sets,
			 geoms[i].ways);
		plc_subtest(name, fn, &geoms[i]);
	}
}

static void (*const tests[])(void) = {
	test_geometry,
	test_basic,
	test_replacement,
	test_home_way,
	test_key_zero,
	test_stats_debugfs,
	test_hit_stats,
	test_invalidate,
	test_hotplug,
	test_cpuslocked,
	test_zero_keys,
	test_token_race,
	test_writes,
	test_inval_no_holder,
	test_inval_targeted,
	test_inval_cpumask_fail,
	test_inval_offline,
	test_suspend,
	test_nested_lookup,
	test_nested_fill,
	test_fill_undone,
	test_ipi_in_fill,
	test_late_flush,
	test_nested_aba,
	test_alloc_fail,
	test_destroy_twice,
	test_model,
};

int main(int argc, char **argv)
{
	size_t t;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else
			filter = argv[i];
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("pcpu_lookup_cache userspace tests, NR_CPUS=%d%s\n",
	       PLC_NR_CPUS, IS_ENABLED(CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST) ?
	       ", test hook" : "");
	/* The library's late_initcall(): the hit_stats file, stats off. */
	if (plc_shim_run_initcalls() ||
	    !plc_shim_debugfs_lookup("pcpu_lookup_cache/hit_stats") ||
	    pcpu_lookup_cache_hit_stats_refs()) {
		printf("initcalls failed\n0 passed, 1 failed\n");
		return 1;
	}
	for (t = 0; t < ARRAY_SIZE(tests); t++)
		tests[t]();
	plc_shim_debugfs_remove_all();
	printf("%d passed, %d failed\n", passed, failed);
	return failed || !passed ? 1 : 0;
}
