// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures at every step of init, with leak accounting, and
 * destroy in every state.
 */
#include "test.h"

static void alloc_fail(const void *arg)
{
	const struct plc_geom *g = arg;
	struct pcpu_lookup_cache cache;
	long calls, live = plc_shim.live, nr, k;
	int and_after;

	/* How many allocations a successful init makes. */
	calls = plc_shim.calls;
	CHECK_EQ(pcpu_lookup_cache_init(&cache, g->sets, g->ways), 0);
	nr = plc_shim.calls - calls;
	CHECK_EQ(nr, 1 + 2 * PLC_NR_CPUS);
	CHECK_EQ(plc_shim.live, live + nr);
	pcpu_lookup_cache_destroy(&cache);
	CHECK_EQ(plc_shim.live, live);

	for (and_after = 0; and_after <= 1; and_after++) {
		for (k = 1; k <= nr + 1; k++) {
			int ret;

			plc_shim_fail_alloc(k, and_after);
			ret = pcpu_lookup_cache_init(&cache, g->sets, g->ways);
			plc_shim_fail_alloc(0, false);
			if (k <= nr) {
				CHECK_EQ(ret, -ENOMEM);
				CHECK(!cache.pcpu);
				CHECK_EQ(plc_shim.live, live);
				plc_check_uninitialised(&cache);
			} else {
				CHECK_EQ(ret, 0);
				CHECK_EQ(pcpu_lookup_cache_flush(&cache), 0);
			}
			pcpu_lookup_cache_destroy(&cache);
			pcpu_lookup_cache_destroy(&cache);
			CHECK_EQ(plc_shim.live, live);
			if (plc_test_failed) {
				printf("    failing allocation %ld%s\n", k,
				       and_after ? " and after" : "");
				return;
			}
		}
	}
}

static const struct plc_geom alloc_geoms[] = {
	{ 1, 1 }, { 64, 4 }, { 8, 5 },
};

void test_alloc_fail(void)
{
	plc_geom_subtests("alloc_fail", alloc_fail, alloc_geoms,
			  ARRAY_SIZE(alloc_geoms));
}

static void destroy_twice(const void *arg)
{
	struct pcpu_lookup_cache cache;
	struct pcpu_lookup_cache_stats s;
	long live = plc_shim.live, files = plc_shim.debugfs_files;
	int i;

	/* Never initialised, zeroed. */
	memset(&cache, 0, sizeof(cache));
	plc_check_uninitialised(&cache);
	pcpu_lookup_cache_destroy(&cache);

	for (i = 0; i < 3; i++) {
		CHECK_EQ(pcpu_lookup_cache_init(&cache, 64, 4), 0);
		plc_get(&cache, 5, plc_val(5, 0));
		CHECK_EQ(pcpu_lookup_cache_debugfs_create(&cache, "d", NULL),
			 0);
		pcpu_lookup_cache_destroy(&cache);
		CHECK(!cache.pcpu);
		CHECK(!cache.debugfs);
		CHECK_EQ(plc_shim.live, live);
		CHECK_EQ(plc_shim.debugfs_files, files);
		pcpu_lookup_cache_destroy(&cache);
		CHECK_EQ(plc_shim.live, live);
		/* A destroyed cache reads as empty and refuses work. */
		pcpu_lookup_cache_stats_sum(&cache, &s);
		CHECK_EQ(s.fills, 0);
		plc_check_uninitialised(&cache);
		CHECK_EQ(pcpu_lookup_cache_debugfs_create(&cache, "d", NULL),
			 -EINVAL);
	}
	/* A failed init, twice. */
	CHECK_EQ(pcpu_lookup_cache_init(&cache, 3, 3), -EINVAL);
	pcpu_lookup_cache_destroy(&cache);
	pcpu_lookup_cache_destroy(&cache);
}

void test_destroy_twice(void)
{
	plc_subtest("destroy_twice", destroy_twice, NULL);
}
