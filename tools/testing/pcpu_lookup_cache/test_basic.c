// SPDX-License-Identifier: GPL-2.0
/*
 * Geometry, lookups and fills on one CPU, the replacement order,
 * key 0, statistics and the debugfs file.
 */
#include "test.h"

static size_t ref_bytes(unsigned int sets, unsigned int ways)
{
	unsigned int stride = roundup_pow_of_two(ways);

	return (size_t)sets * stride * 16 + sets + 80;
}

static void geometry(const void *arg)
{
	static const struct plc_geom bad[] = {
		{ 0, 1 }, { 0, 0 }, { 3, 4 }, { 6, 4 }, { 96, 4 },
		{ 65537, 4 }, { 131072, 4 }, { 1u << 31, 4 }, { UINT_MAX, 4 },
		{ 64, 0 }, { 64, 17 }, { 1, UINT_MAX }, { 65536, 17 },
		{ 16384, 1 }, { 65536, 1 },
	};
	static const struct plc_geom good[] = {
		{ 1, 1 }, { 1, 16 }, { 2, 3 }, { 16, 3 }, { 8, 5 }, { 64, 4 },
		{ 512, 4 }, { 4096, 2 }, { 8192, 1 }, { 8192, 16 }, { 4, 9 },
	};
	struct pcpu_lookup_cache cache;
	struct pcpu_lookup_cache_stats s;
	unsigned int i, k;

	CHECK_EQ(sizeof(struct pcpu_lookup_cache_cpu), 80);
#if !IS_ENABLED(CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST)
	/* One line from kmalloc(), as struct pcpu_lookup_cache's doc says. */
	CHECK_EQ(sizeof(struct pcpu_lookup_cache), 64);
#endif
	CHECK_EQ(sizeof(struct pcpu_lookup_cache_entry), 16);
	CHECK_EQ(pcpu_lookup_cache_cpu_bytes(64, 4), 4240);
	CHECK_EQ(pcpu_lookup_cache_cpu_bytes(PCPU_LOOKUP_CACHE_DEFAULT_SETS,
					     PCPU_LOOKUP_CACHE_DEFAULT_WAYS),
		 4240);
	CHECK_EQ(pcpu_lookup_cache_cpu_bytes(8192, 16),
		 8192ul * 16 * 16 + 8192 + 80);
	CHECK_EQ(pcpu_lookup_cache_cpu_bytes(16384, 16), 0);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		long calls = plc_shim.calls;

		memset(&cache, 0xa5, sizeof(cache));
		CHECK_EQ(pcpu_lookup_cache_init(&cache, bad[i].sets,
						bad[i].ways), -EINVAL);
		CHECK(!cache.pcpu);
		CHECK_EQ(plc_shim.calls, calls);
		CHECK_EQ(pcpu_lookup_cache_cpu_bytes(bad[i].sets, bad[i].ways),
			 0);
		plc_check_uninitialised(&cache);
		CHECK_EQ(pcpu_lookup_cache_debugfs_create(&cache, "x", NULL),
			 -EINVAL);
		pcpu_lookup_cache_stats_sum(&cache, &s);
		CHECK_EQ(s.hits + s.misses + s.fills, 0);
		pcpu_lookup_cache_destroy(&cache);
		pcpu_lookup_cache_destroy(&cache);
	}

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		unsigned int sets = good[i].sets, ways = good[i].ways;

		memset(&cache, 0xa5, sizeof(cache));
		CHECK_EQ(pcpu_lookup_cache_cpu_bytes(sets, ways),
			 ref_bytes(sets, ways));
		CHECK_EQ(pcpu_lookup_cache_init(&cache, sets, ways), 0);
		CHECK(cache.pcpu);
		CHECK_EQ(cache.nr_sets, sets);
		CHECK_EQ(cache.nr_ways, ways);
		CHECK_EQ(cache.set_stride, roundup_pow_of_two(ways));
		CHECK_EQ(cache.hash_bits, sets > 1 ? ilog2(sets) : 1);
		/* The lookup's set offset: the reference set, in bytes. */
		for (k = 0; k < 4096; k++) {
			unsigned long key = k * 0x9e3779b97f4a7c15ul + k;

			CHECK_EQ(__pcpu_lookup_cache_set_offset(&cache, key),
				 (size_t)plc_ref_set(sets, key) *
				 cache.set_stride * 16);
			CHECK_EQ(__pcpu_lookup_cache_set_index(&cache, key),
				 plc_ref_set(sets, key));
			/* And its home way's, in the same set. */
			CHECK_EQ(__pcpu_lookup_cache_home_offset(&cache, key),
				 ((size_t)plc_ref_set(sets, key) *
				  cache.set_stride +
				  plc_ref_home(sets, ways, key)) * 16);
		}
		CHECK(!cache.debugfs);
#if IS_ENABLED(CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST)
		CHECK(!cache.test_hook);
#endif
		pcpu_lookup_cache_destroy(&cache);
	}
}

void test_geometry(void)
{
	plc_subtest("geometry", geometry, NULL);
}

/*
 * Fill every way of the tested sets on CPU 0 and check the hits, the
 * ways used, that other CPUs miss, the statistics and one eviction per set.
 */
static void basic(const void *arg)
{
	const struct plc_geom *g = arg;
	struct pcpu_lookup_cache cache;
	struct pcpu_lookup_cache_stats s;
	unsigned int nr_test_sets = g->sets <= 512 ? g->sets : 97;
	unsigned int step = g->sets / nr_test_sets, i, w, set;
	unsigned long *keys, next = 1, extra, token;
	u64 n = 0;

	keys = calloc((size_t)nr_test_sets * g->ways, sizeof(*keys));
	CHECK_EQ(pcpu_lookup_cache_init(&cache, g->sets, g->ways), 0);
	for (i = 0; i < nr_test_sets; i++) {
		set = i * step;
		plc_keys_in_set(g->sets, set, keys + i * g->ways, g->ways,
				&next);
	}
	/* Keys in key order: sets fill in an interleaved order. */
	for (i = 0; i < nr_test_sets; i++) {
		for (w = 0; w < g->ways; w++) {
			unsigned long k = keys[i * g->ways + w];

			CHECK(!pcpu_lookup_cache_lookup(&cache, k, &token));
			CHECK_EQ(token, 0);
			pcpu_lookup_cache_fill(&cache, k, plc_val(k, 0), token);
			n++;
		}
	}
	for (i = 0; i < nr_test_sets; i++) {
		set = i * step;
		for (w = 0; w < g->ways; w++) {
			unsigned long k = keys[i * g->ways + w];

			CHECK_PTR(pcpu_lookup_cache_lookup(&cache, k, &token),
				  plc_val(k, 0));
			CHECK_EQ(plc_way(&cache, 0, set, w)->key, k);
			CHECK_PTR(plc_way(&cache, 0, set, w)->val,
				  plc_val(k, 0));
		}
		/* The padding ways of a set stay empty. */
		for (w = g->ways; w < cache.set_stride; w++)
			CHECK_EQ(plc_way(&cache, 0, set, w)->key, 0);
	}
	plc_stats(&cache, 0, &s);
	CHECK_EQ(s.misses, n);
	CHECK_EQ(s.fills, n);
	CHECK_EQ(s.hits, n);
	CHECK_EQ(s.evictions, 0);
	CHECK_EQ(s.dropped, 0);
	CHECK_EQ(s.invalidations, 0);

	/* Per-CPU: CPU 3 has none of them. */
	plc_sim_set_cpu(3);
	CHECK(!pcpu_lookup_cache_lookup(&cache, keys[0], &token));
	plc_sim_set_cpu(0);

	/* One more key per set evicts way 0, the first victim. */
	for (i = 0; i < nr_test_sets; i++) {
		set = i * step;
		plc_keys_in_set(g->sets, set, &extra, 1, &next);
		CHECK(!plc_get(&cache, extra, plc_val(extra, 0)));
		CHECK_PTR(plc_get(&cache, extra, NULL), plc_val(extra, 0));
		CHECK_EQ(plc_way(&cache, 0, set, 0)->key, extra);
		CHECK(!pcpu_lookup_cache_lookup(&cache, keys[i * g->ways],
						&token));
		if (g->ways > 1) {
			unsigned long k = keys[i * g->ways + 1];

			CHECK_PTR(pcpu_lookup_cache_lookup(&cache, k, &token),
				  plc_val(k, 0));
		}
	}
	plc_stats(&cache, 0, &s);
	CHECK_EQ(s.evictions, nr_test_sets);
	CHECK_EQ(s.fills, n + nr_test_sets);

	pcpu_lookup_cache_destroy(&cache);
	free(keys);
}

static const struct plc_geom basic_geoms[] = {
	{ 1, 1 }, { 1, 16 }, { 2, 3 }, { 16, 3 }, { 8, 5 }, { 64, 4 },
	{ 512, 4 }, { 8192, 16 },
};

void test_basic(void)
{
	plc_geom_subtests("basic", basic, basic_geoms,
			  ARRAY_SIZE(basic_geoms));
}

/* A reference set, for the replacement order. */
struct ref_set {
	unsigned int sets, ways;
	unsigned long key[PCPU_LOOKUP_CACHE_MAX_WAYS];
	unsigned int victim;
	unsigned int evictions;
};

/*
 * The way of @r that a fill of @key takes: the way that holds it, else
 * its home way if empty, else the first empty way, else its home way if a
 * guest (a key whose own home way is another) holds it, else the victim.
 */
static unsigned int ref_fill(struct ref_set *r, unsigned long key)
{
	unsigned int h = plc_ref_home(r->sets, r->ways, key), w;

	for (w = 0; w < r->ways; w++)
		if (r->key[w] == key)
			return w;
	if (h < r->ways && !r->key[h]) {
		w = h;
		goto store;
	}
	for (w = 0; w < r->ways; w++)
		if (!r->key[w])
			goto store;
	r->evictions++;
	if (h < r->ways && plc_ref_home(r->sets, r->ways, r->key[h]) != h) {
		w = h;
		goto store;
	}
	w = r->victim;
	r->victim = (w + 1) % r->ways;
store:
	r->key[w] = key;
	return w;
}

static void check_set(struct pcpu_lookup_cache *cache, unsigned int set,
		      const struct ref_set *r, const unsigned int *ver)
{
	unsigned int w;

	for (w = 0; w < cache->nr_ways; w++) {
		struct pcpu_lookup_cache_entry *e = plc_way(cache, 0, set, w);

		CHECK_EQ(e->key, r->key[w]);
		if (r->key[w])
			CHECK_PTR(e->val, plc_val(r->key[w], ver[r->key[w]]));
		else
			CHECK(!e->val);
	}
	CHECK_EQ(plc_pc(cache, 0)->victim[set], r->victim);
}

/* The worked example of the header, on a 64 x 4 cache. */
static void replacement_example(void)
{
	struct pcpu_lookup_cache cache;
	struct pcpu_lookup_cache_stats s;
	unsigned long k[9], next = 1000, token;
	unsigned int set = 5, i;

	CHECK_EQ(pcpu_lookup_cache_init(&cache, 64, 4), 0);
	plc_keys_in_set(64, set, k, 9, &next);
	for (i = 0; i < 4; i++)
		plc_get(&cache, k[i], plc_val(k[i], 0));
	for (i = 0; i < 4; i++)
		CHECK_EQ(plc_way(&cache, 0, set, i)->key, k[i]);
	/* Full: k4 evicts way 0, k5 way 1. */
	plc_get(&cache, k[4], plc_val(k[4], 0));
	CHECK_EQ(plc_way(&cache, 0, set, 0)->key, k[4]);
	/* An existing key is updated in place, the victim stays. */
	token = 0;
	pcpu_lookup_cache_fill(&cache, k[2], plc_val(k[2], 1), token);
	CHECK_EQ(plc_way(&cache, 0, set, 2)->key, k[2]);
	CHECK_PTR(plc_way(&cache, 0, set, 2)->val, plc_val(k[2], 1));
	CHECK_EQ(plc_pc(&cache, 0)->victim[set], 1);
	plc_get(&cache, k[5], plc_val(k[5], 0));
	CHECK_EQ(plc_way(&cache, 0, set, 1)->key, k[5]);
	/* [k4 k5 k2 k3], victim 2. Empty way 3 is reused before way 2. */
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, k[3]), 0);
	plc_get(&cache, k[6], plc_val(k[6], 0));
	CHECK_EQ(plc_way(&cache, 0, set, 3)->key, k[6]);
	CHECK_EQ(plc_pc(&cache, 0)->victim[set], 2);
	plc_get(&cache, k[7], plc_val(k[7], 0));
	CHECK_EQ(plc_way(&cache, 0, set, 2)->key, k[7]);
	plc_get(&cache, k[8], plc_val(k[8], 0));
	CHECK_EQ(plc_way(&cache, 0, set, 3)->key, k[8]);
	CHECK_EQ(plc_pc(&cache, 0)->victim[set], 0);
	/* The first of two empty ways is used first. */
	pcpu_lookup_cache_invalidate(&cache, k[7]);
	pcpu_lookup_cache_invalidate(&cache, k[5]);
	plc_get(&cache, k[0], plc_val(k[0], 0));
	CHECK_EQ(plc_way(&cache, 0, set, 1)->key, k[0]);
	plc_get(&cache, k[1], plc_val(k[1], 0));
	CHECK_EQ(plc_way(&cache, 0, set, 2)->key, k[1]);
	plc_stats(&cache, 0, &s);
	CHECK_EQ(s.evictions, 4);
	/* Hits never change the table or the victim. */
	for (i = 0; i < 100; i++)
		plc_get(&cache, k[i % 2], NULL);
	CHECK_EQ(plc_pc(&cache, 0)->victim[set], 0);
	CHECK_EQ(plc_way(&cache, 0, set, 0)->key, k[4]);
	pcpu_lookup_cache_destroy(&cache);
}

/* A pseudo-random sequence of fills into one set against ref_fill(). */
static void replacement(const void *arg)
{
	const struct plc_geom *g = arg;
	struct pcpu_lookup_cache cache;
	struct pcpu_lookup_cache_stats s;
	struct ref_set r = { .sets = g->sets, .ways = g->ways };
	unsigned long keys[2 * PCPU_LOOKUP_CACHE_MAX_WAYS + 1], next = 1;
	unsigned int ver[4096] = { 0 }, nk = 2 * g->ways + 1;
	unsigned int set = g->sets - 1, i, w;
	u64 rnd = 0x12345;

	if (g->sets == 64 && g->ways == 4)
		replacement_example();
	CHECK_EQ(pcpu_lookup_cache_init(&cache, g->sets, g->ways), 0);
	/* Keys of every home way: guests, and keys that evict them. */
	plc_keys_in_set_any(g->sets, set, keys, nk, &next);
	CHECK(keys[nk - 1] < ARRAY_SIZE(ver));
	for (i = 0; i < 2000; i++) {
		unsigned long k;
		unsigned long token;

		rnd = rnd * 6364136223846793005ull + 1442695040888963407ull;
		k = keys[(rnd >> 33) % nk];
		if ((rnd >> 20) % 8 == 0) {
			/* Invalidate: leaves an empty way. */
			CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, k), 0);
			for (w = 0; w < g->ways; w++)
				if (r.key[w] == k)
					r.key[w] = 0;
		} else {
			if (!pcpu_lookup_cache_lookup(&cache, k, &token)) {
				for (w = 0; w < g->ways; w++)
					CHECK(r.key[w] != k);
			} else {
				CHECK_EQ(token, PCPU_LOOKUP_CACHE_NO_TOKEN);
				/* Turn the hit down, to refill in place. */
				token = pcpu_lookup_cache_token(&cache);
			}
			/* Refill even on a hit: updates in place. */
			ver[k]++;
			pcpu_lookup_cache_fill(&cache, k, plc_val(k, ver[k]),
					       token);
			ref_fill(&r, k);
		}
		check_set(&cache, set, &r, ver);
		if (plc_test_failed)
			break;
	}
	plc_stats(&cache, 0, &s);
	CHECK_EQ(s.evictions, r.evictions);
	pcpu_lookup_cache_destroy(&cache);
}

#if IS_ENABLED(CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST)
/* The ways that the lookup's KEY steps read, in order. */
static struct {
	unsigned int way[2 * PCPU_LOOKUP_CACHE_MAX_WAYS];
	unsigned int n;
} key_reads;

static void record_key_reads(struct pcpu_lookup_cache *cache,
			     enum pcpu_lookup_cache_step step, unsigned int way)
{
	if (step == PCPU_LOOKUP_CACHE_STEP_KEY &&
	    key_reads.n < ARRAY_SIZE(key_reads.way))
		key_reads.way[key_reads.n++] = way;
}
#endif

/* Store in @key the first key >= *@next of set @set with home way @home. */
static unsigned long key_with_home(const struct plc_geom *g, unsigned int set,
				   unsigned int home, unsigned long *next)
{
	unsigned long key;

	do {
		plc_keys_in_set_any(g->sets, set, &key, 1, next);
	} while (plc_ref_home(g->sets, g->ways, key) != home);
	return key;
}

/*
 * Home ways: a key goes to its home way when it is empty, a lookup reads
 * that way first and then the others in order, and a full set gives a
 * guest's way to the key whose home it is, but keeps its round-robin
 * order when the home way's key is at home.
 */
static void home_way(const void *arg)
{
	const struct plc_geom *g = arg;
	unsigned int stride = roundup_pow_of_two(g->ways);
	unsigned int set = g->sets / 2, h, w;
	struct pcpu_lookup_cache cache;
	struct pcpu_lookup_cache_stats s;
	unsigned long key, guests[PCPU_LOOKUP_CACHE_MAX_WAYS], next = 1;
#if IS_ENABLED(CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST)
	unsigned long token;
#endif

	CHECK_EQ(pcpu_lookup_cache_init(&cache, g->sets, g->ways), 0);
	for (h = 0; h < stride; h++) {
		/* Alone in its set: its home way, or way 0 past the last. */
		key = key_with_home(g, set, h, &next);
		CHECK(!plc_get(&cache, key, plc_val(key, 0)));
		CHECK_EQ(plc_find(&cache, 0, key), h < g->ways ? (int)h : 0);
#if IS_ENABLED(CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST)
		/* The home way first, even a padding entry past the last. */
		key_reads.n = 0;
		cache.test_hook = record_key_reads;
		CHECK_PTR(pcpu_lookup_cache_lookup(&cache, key, &token),
			  plc_val(key, 0));
		cache.test_hook = NULL;
		CHECK_EQ(key_reads.n, h < g->ways ? 1 : 2);
		CHECK_EQ(key_reads.way[0], h);
		if (h >= g->ways)
			CHECK_EQ(key_reads.way[1], 0);
#endif
		CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, key), 0);
		CHECK_EQ(plc_find(&cache, 0, key), -1);
	}

	/* Keys of home way 0 fill the set in way order. */
	plc_keys_in_set(g->sets, set, guests, g->ways, &next);
	for (w = 0; w < g->ways; w++)
		CHECK(!plc_get(&cache, guests[w], plc_val(guests[w], 0)));
	for (w = 0; w < g->ways; w++) {
		CHECK_EQ(plc_find(&cache, 0, guests[w]), (int)w);
		/* A key out of its home way is still found. */
		CHECK_PTR(plc_get(&cache, guests[w], NULL),
			  plc_val(guests[w], 0));
	}
#if IS_ENABLED(CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST)
	if (g->ways > 2) {
		/* Way 0, then the others in order: way 2 is read third. */
		key_reads.n = 0;
		cache.test_hook = record_key_reads;
		CHECK(pcpu_lookup_cache_lookup(&cache, guests[2], &token));
		cache.test_hook = NULL;
		CHECK_EQ(key_reads.n, 3);
		for (w = 0; w < 3; w++)
			CHECK_EQ(key_reads.way[w], w);
	}
#endif
	/* The set is full: the owner of a guest's way evicts the guest. */
	for (h = 1; h < g->ways; h++) {
		key = key_with_home(g, set, h, &next);
		CHECK(!plc_get(&cache, key, plc_val(key, 0)));
		CHECK_EQ(plc_find(&cache, 0, key), (int)h);
		CHECK_EQ(plc_find(&cache, 0, guests[h]), -1);
		CHECK_EQ(plc_pc(&cache, 0)->victim[set], 0);
	}
	/* Every key is home: round-robin, from way 0. */
	plc_keys_in_set(g->sets, set, &key, 1, &next);
	CHECK(!plc_get(&cache, key, plc_val(key, 0)));
	CHECK_EQ(plc_find(&cache, 0, key), 0);
	CHECK_EQ(plc_pc(&cache, 0)->victim[set], g->ways > 1 ? 1 : 0);
	plc_stats(&cache, 0, &s);
	CHECK_EQ(s.evictions, g->ways);
	pcpu_lookup_cache_destroy(&cache);
}

static const struct plc_geom home_geoms[] = {
	{ 1, 1 }, { 2, 3 }, { 64, 4 }, { 8, 5 }, { 1, 16 },
};

void test_home_way(void)
{
	plc_geom_subtests("home_way", home_way, home_geoms,
			  ARRAY_SIZE(home_geoms));
}

static const struct plc_geom repl_geoms[] = {
	{ 1, 1 }, { 1, 2 }, { 2, 3 }, { 64, 4 }, { 8, 5 }, { 1, 16 },
};

void test_replacement(void)
{
	plc_geom_subtests("replacement", replacement, repl_geoms,
			  ARRAY_SIZE(repl_geoms));
}

static void key_zero(const void *arg)
{
	struct pcpu_lookup_cache cache;
	struct pcpu_lookup_cache_stats s;
	unsigned long token = 12345, zero[2] = { 0, 0 };
	unsigned int w;
	long ipis;

	CHECK_EQ(pcpu_lookup_cache_init(&cache, 1, 4), 0);
	/* The token is the sequence, for key 0 too: move it off 0 first. */
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, 5), 0);
	CHECK_EQ(plc_seq(&cache), 1);
	CHECK(!pcpu_lookup_cache_lookup(&cache, 0, &token));
	CHECK_EQ(token, 1);
	pcpu_lookup_cache_fill(&cache, 0, plc_val(0, 1), token);
	pcpu_lookup_cache_fill(&cache, 7, NULL, token);
	for (w = 0; w < 4; w++) {
		CHECK_EQ(plc_way(&cache, 0, 0, w)->key, 0);
		CHECK(!plc_way(&cache, 0, 0, w)->val);
	}
	CHECK(!pcpu_lookup_cache_lookup(&cache, 0, &token));
	CHECK(!pcpu_lookup_cache_lookup(&cache, 7, &token));
	plc_stats(&cache, 0, &s);
	CHECK_EQ(s.misses, 1);		/* key 7 only */
	CHECK_EQ(s.hits, 0);
	CHECK_EQ(s.fills, 0);
	CHECK_EQ(s.dropped, 0);

	/* A NULL fill of a cached key leaves it. */
	pcpu_lookup_cache_fill(&cache, 7, plc_val(7, 0), token);
	pcpu_lookup_cache_fill(&cache, 7, NULL, token);
	CHECK_PTR(pcpu_lookup_cache_lookup(&cache, 7, &token), plc_val(7, 0));
	/* Invalidating key 0 is harmless: no IPI, no advance. */
	ipis = plc_shim.ipis;
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, 0), 0);
	CHECK_EQ(pcpu_lookup_cache_invalidate_many(&cache, zero, 2), 0);
	CHECK_EQ(plc_shim.ipis, ipis);
	CHECK_EQ(plc_seq(&cache), 1);
	CHECK_PTR(pcpu_lookup_cache_lookup(&cache, 7, &token), plc_val(7, 0));
	plc_stats(&cache, 0, &s);
	CHECK_EQ(s.invalidations, 0);
	CHECK_EQ(s.ipis, 0);
	pcpu_lookup_cache_destroy(&cache);
}

void test_key_zero(void)
{
	plc_subtest("key_zero", key_zero, NULL);
}

static void stats_debugfs(const void *arg)
{
	struct pcpu_lookup_cache cache;
	struct pcpu_lookup_cache_stats s, sum;
	unsigned long keys[6], next = 1, token;
	char buf[2048], line[128];
	long files = plc_shim.debugfs_files;
	const char *header;
	unsigned int i;
	int cpu;

	CHECK_EQ(pcpu_lookup_cache_init(&cache, 64, 4), 0);
	plc_keys_in_set(64, 9, keys, 6, &next);
	/* CPU 1: 6 misses, 6 fills, 2 evictions, 1 hit, 1 dropped. */
	plc_sim_set_cpu(1);
	for (i = 0; i < 6; i++)
		plc_get(&cache, keys[i], plc_val(keys[i], 0));
	plc_get(&cache, keys[5], NULL);
	pcpu_lookup_cache_lookup(&cache, keys[0], &token);
	plc_sim_set_cpu(0);
	/* CPU 0: 1 miss, 1 fill. */
	plc_get(&cache, keys[0], plc_val(keys[0], 0));
	/*
	 * Invalidation: CPU 0 alone holds keys[0], CPU 1 alone keys[5]:
	 * each loses one entry and handles one IPI.
	 */
	pcpu_lookup_cache_invalidate(&cache, keys[0]);
	pcpu_lookup_cache_invalidate(&cache, keys[5]);
	plc_sim_set_cpu(1);
	pcpu_lookup_cache_fill(&cache, keys[0], plc_val(keys[0], 0), token);
	plc_sim_set_cpu(0);

	plc_stats(&cache, 1, &s);
	CHECK_EQ(s.hits, 1);
	CHECK_EQ(s.misses, 7);
	CHECK_EQ(s.fills, 6);
	CHECK_EQ(s.dropped, 1);
	CHECK_EQ(s.evictions, 2);
	CHECK_EQ(s.invalidations, 1);
	CHECK_EQ(s.ipis, 1);
	plc_stats(&cache, 0, &s);
	CHECK_EQ(s.hits, 0);
	CHECK_EQ(s.misses, 1);
	CHECK_EQ(s.fills, 1);
	CHECK_EQ(s.invalidations, 1);
	CHECK_EQ(s.ipis, 1);
	for (cpu = 2; cpu < PLC_NR_CPUS; cpu++) {
		plc_stats(&cache, cpu, &s);
		CHECK_EQ(s.hits + s.misses + s.invalidations + s.ipis, 0);
	}
	pcpu_lookup_cache_stats_sum(&cache, &sum);
	CHECK_EQ(sum.hits, 1);
	CHECK_EQ(sum.misses, 8);
	CHECK_EQ(sum.fills, 7);
	CHECK_EQ(sum.dropped, 1);
	CHECK_EQ(sum.evictions, 2);
	CHECK_EQ(sum.invalidations, 2);
	CHECK_EQ(sum.ipis, 2);

	CHECK_EQ(pcpu_lookup_cache_debugfs_create(&cache, "plc_test", NULL),
		 0);
	CHECK_EQ(plc_shim.debugfs_files, files + 1);
	CHECK_EQ(pcpu_lookup_cache_debugfs_create(&cache, "again", NULL),
		 -EINVAL);
	CHECK_EQ(plc_shim.debugfs_files, files + 1);
	CHECK(!strcmp(plc_shim_debugfs_name(cache.debugfs), "plc_test"));
	CHECK_EQ(plc_shim_debugfs_read(cache.debugfs, buf, sizeof(buf)), 0);
	/* Two rounds: the two invalidations; hits counted. */
	header = "sets 64 ways 4 bytes_per_cpu 4240 rounds 2 hit_stats 1\n";
	CHECK(!strncmp(buf, header, strlen(header)));
	snprintf(line, sizeof(line),
		 "%-6s %12s %12s %12s %12s %12s %12s %12s\n", "cpu", "hits",
		 "misses", "fills", "dropped", "evictions", "invalidations",
		 "ipis");
	CHECK(strstr(buf, line));
	for_each_possible_cpu(cpu) {
		plc_stats(&cache, cpu, &s);
		snprintf(line, sizeof(line),
			 "\n%-6d %12llu %12llu %12llu %12llu %12llu %12llu %12llu\n",
			 cpu, s.hits, s.misses, s.fills, s.dropped,
			 s.evictions, s.invalidations, s.ipis);
		CHECK(strstr(buf, line));
	}
	snprintf(line, sizeof(line),
		 "\n%-6s %12llu %12llu %12llu %12llu %12llu %12llu %12llu\n",
		 "total", sum.hits, sum.misses, sum.fills, sum.dropped,
		 sum.evictions, sum.invalidations, sum.ipis);
	CHECK(strstr(buf, line));
	CHECK_EQ(buf[strlen(buf) - 1], '\n');
	if (plc_test_failed)
		printf("%s", buf);
	pcpu_lookup_cache_destroy(&cache);
	CHECK(!cache.debugfs);

	/* Without debugfs: no error, nothing to remove. */
	CHECK_EQ(pcpu_lookup_cache_init(&cache, 1, 1), 0);
	plc_shim_fail_debugfs(-ENODEV);
	CHECK_EQ(pcpu_lookup_cache_debugfs_create(&cache, "x", NULL), 0);
	CHECK(!cache.debugfs);
	/* A failed create leaves no file behind, so a retry may create it. */
	plc_shim_fail_debugfs(0);
	CHECK_EQ(pcpu_lookup_cache_debugfs_create(&cache, "x", NULL), 0);
	CHECK(cache.debugfs);
	CHECK_EQ(plc_shim.debugfs_files, files + 1);
	pcpu_lookup_cache_destroy(&cache);
	CHECK_EQ(plc_shim.debugfs_files, files);
}

void test_stats_debugfs(void)
{
	plc_subtest("stats_debugfs", stats_debugfs, NULL);
}

/* Contract point 7: hits and misses counted only while hit stats are on. */

/* A copy of @cpu's whole table: the struct, the ways and the victims. */
struct plc_snap {
	struct pcpu_lookup_cache_cpu pc;
	struct pcpu_lookup_cache_entry entries[64 * 4];
	u8 victim[64];
};

static void plc_snap(struct pcpu_lookup_cache *cache, int cpu,
		     struct plc_snap *s)
{
	struct pcpu_lookup_cache_cpu *pc = plc_pc(cache, cpu);

	memset(s, 0, sizeof(*s));
	s->pc = *pc;
	memcpy(s->entries, pc->entries,
	       sizeof(*pc->entries) * cache->nr_sets * cache->set_stride);
	memcpy(s->victim, pc->victim, cache->nr_sets);
}

static void hit_stats_off(const void *arg)
{
	struct pcpu_lookup_cache cache;
	struct pcpu_lookup_cache_stats s;
	struct plc_snap *a, *b;
	unsigned long keys[5], next = 1, token, stale;
	unsigned int i;

	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	/* Drop the harness's reference: hit statistics off. */
	pcpu_lookup_cache_hit_stats_put();
	CHECK_EQ(__pcpu_lookup_cache_slow_max, 0);
	CHECK_EQ(pcpu_lookup_cache_init(&cache, 64, 4), 0);
	CHECK(cache.nr_sets * cache.set_stride <= ARRAY_SIZE(a->entries));
	plc_keys_in_set(64, 3, keys, 5, &next);

	/* A miss, a fill, a hit: only the fill is counted. */
	CHECK(!pcpu_lookup_cache_lookup(&cache, keys[0], &token));
	pcpu_lookup_cache_fill(&cache, keys[0], plc_val(keys[0], 0), token);
	token = 0;
	CHECK_PTR(pcpu_lookup_cache_lookup(&cache, keys[0], &token),
		  plc_val(keys[0], 0));
	/* This copy's hit returns the token that every fill drops too. */
	CHECK_EQ(token, PCPU_LOOKUP_CACHE_NO_TOKEN);
	plc_stats(&cache, 0, &s);
	CHECK_EQ(s.hits, 0);
	CHECK_EQ(s.misses, 0);
	CHECK_EQ(s.fills, 1);

	/* A lookup writes nothing at all: hit, miss and key 0. */
	plc_snap(&cache, 0, a);
	CHECK_PTR(pcpu_lookup_cache_lookup(&cache, keys[0], &token),
		  plc_val(keys[0], 0));
	CHECK(!pcpu_lookup_cache_lookup(&cache, keys[1], &token));
	CHECK(!pcpu_lookup_cache_lookup(&cache, 0, &token));
	plc_snap(&cache, 0, b);
	CHECK(!memcmp(a, b, sizeof(*a)));

	/* Evictions, drops, invalidations and IPIs are always counted. */
	stale = plc_seq(&cache);
	for (i = 1; i < 5; i++)
		plc_get(&cache, keys[i], plc_val(keys[i], 0));
	CHECK_EQ(pcpu_lookup_cache_invalidate(&cache, keys[4]), 0);
	pcpu_lookup_cache_fill(&cache, keys[4], plc_val(keys[4], 1), stale);
	plc_stats(&cache, 0, &s);
	CHECK_EQ(s.hits, 0);
	CHECK_EQ(s.misses, 0);
	CHECK_EQ(s.fills, 5);
	CHECK_EQ(s.evictions, 1);
	CHECK_EQ(s.dropped, 1);
	CHECK_EQ(s.invalidations, 1);
	CHECK_EQ(s.ipis, 1);

	/* On again: the same lookups count. */
	pcpu_lookup_cache_hit_stats_get();
	CHECK_EQ(__pcpu_lookup_cache_slow_max, ULONG_MAX);
	CHECK(plc_get(&cache, keys[3], NULL));
	CHECK(!plc_get(&cache, keys[0], plc_val(keys[0], 0)));
	CHECK(!pcpu_lookup_cache_lookup(&cache, 0, &token));
	plc_stats(&cache, 0, &s);
	CHECK_EQ(s.hits, 1);
	CHECK_EQ(s.misses, 1);
	CHECK_EQ(s.fills, 6);
	pcpu_lookup_cache_destroy(&cache);
	free(a);
	free(b);
}

/* Hits of @key on CPU 0 counted by one more hit. */
static long plc_hits_after_hit(struct pcpu_lookup_cache *cache,
			       unsigned long key)
{
	struct pcpu_lookup_cache_stats s0, s1;
	unsigned long token;

	plc_stats(cache, 0, &s0);
	CHECK(pcpu_lookup_cache_lookup(cache, key, &token));
	plc_stats(cache, 0, &s1);
	return (long)(s1.hits - s0.hits);
}

static void hit_stats_refs(const void *arg)
{
	struct pcpu_lookup_cache cache;
	long expected, locks;

	CHECK_EQ(pcpu_lookup_cache_init(&cache, 1, 1), 0);
	plc_get(&cache, 5, plc_val(5, 0));
	/* The harness's reference: on, every key takes the slow path. */
	CHECK_EQ(pcpu_lookup_cache_hit_stats_refs(), 1);
	CHECK_EQ(__pcpu_lookup_cache_slow_max, ULONG_MAX);
	CHECK_EQ(plc_hits_after_hit(&cache, 5), 1);
	pcpu_lookup_cache_hit_stats_put();
	/* Off: only key 0 does. */
	CHECK_EQ(__pcpu_lookup_cache_slow_max, 0);
	CHECK_EQ(plc_hits_after_hit(&cache, 5), 0);

	/* get, get, put: on throughout; each takes the mutex. */
	locks = plc_shim.mutex_locks;
	pcpu_lookup_cache_hit_stats_get();
	CHECK_EQ(plc_hits_after_hit(&cache, 5), 1);
	pcpu_lookup_cache_hit_stats_get();
	CHECK_EQ(plc_hits_after_hit(&cache, 5), 1);
	pcpu_lookup_cache_hit_stats_put();
	CHECK_EQ(__pcpu_lookup_cache_slow_max, ULONG_MAX);
	CHECK_EQ(plc_hits_after_hit(&cache, 5), 1);
	CHECK_EQ(plc_shim.mutex_locks, locks + 3);
	/* The last put: off. */
	pcpu_lookup_cache_hit_stats_put();
	CHECK_EQ(__pcpu_lookup_cache_slow_max, 0);
	CHECK_EQ(plc_hits_after_hit(&cache, 5), 0);

	/*
	 * A put too many warns and changes nothing: one get still turns
	 * statistics on, and its put off. get and put sleep: with IRQs off
	 * the shim's mutex reports it.
	 */
	expected = plc_shim.expected_bugs;
	plc_shim_expect_bugs(true);
	pcpu_lookup_cache_hit_stats_put();
	CHECK_EQ(plc_shim.expected_bugs, expected + 1);
	CHECK_EQ(pcpu_lookup_cache_hit_stats_refs(), 0);
	CHECK_EQ(__pcpu_lookup_cache_slow_max, 0);
	plc_sim_irqs_off = 1;
	pcpu_lookup_cache_hit_stats_get();
	plc_sim_irqs_off = 0;
	CHECK_EQ(plc_shim.expected_bugs, expected + 2);
	plc_shim_expect_bugs(false);
	CHECK_EQ(pcpu_lookup_cache_hit_stats_refs(), 1);
	CHECK_EQ(__pcpu_lookup_cache_slow_max, ULONG_MAX);
	pcpu_lookup_cache_hit_stats_put();
	CHECK_EQ(pcpu_lookup_cache_hit_stats_refs(), 0);
	CHECK_EQ(__pcpu_lookup_cache_slow_max, 0);

	/* Back to the harness's reference. */
	pcpu_lookup_cache_hit_stats_get();
	pcpu_lookup_cache_destroy(&cache);
}

static int plc_hit_stats_read(struct dentry *d)
{
	char buf[32];

	if (plc_shim_debugfs_attr_read(d, buf, sizeof(buf)))
		return -1;
	if (!strcmp(buf, "0\n"))
		return 0;
	if (!strcmp(buf, "1\n"))
		return 1;
	return -1;
}

/* The "hit_stats %d" at the end of the first line of @cache's file. */
static int plc_header_hit_stats(struct pcpu_lookup_cache *cache)
{
	char buf[2048], *p, *nl;

	if (plc_shim_debugfs_read(cache->debugfs, buf, sizeof(buf)))
		return -1;
	nl = strchr(buf, '\n');
	if (!nl)
		return -1;
	*nl = '\0';
	p = strstr(buf, " hit_stats ");
	if (!p || p[12] != '\0' || (p[11] != '0' && p[11] != '1'))
		return -1;
	return p[11] - '0';
}

static void hit_stats_debugfs(const void *arg)
{
	struct dentry *d = plc_shim_debugfs_lookup("pcpu_lookup_cache/hit_stats");
	struct pcpu_lookup_cache cache;
	long locks;

	CHECK(d);
	if (!d)
		return;
	CHECK(plc_shim_debugfs_lookup("pcpu_lookup_cache"));
	CHECK_EQ(pcpu_lookup_cache_init(&cache, 1, 1), 0);
	CHECK_EQ(pcpu_lookup_cache_debugfs_create(&cache, "plc_test", NULL),
		 0);
	/* The harness's reference: reads 1, and so does the header. */
	CHECK_EQ(plc_hit_stats_read(d), 1);
	CHECK_EQ(plc_header_hit_stats(&cache), 1);
	pcpu_lookup_cache_hit_stats_put();
	CHECK_EQ(plc_hit_stats_read(d), 0);
	CHECK_EQ(plc_header_hit_stats(&cache), 0);

	/* Writing 1 takes one reference, however often; 0 drops it. */
	locks = plc_shim.mutex_locks;
	CHECK_EQ(plc_shim_debugfs_attr_write(d, 1), 0);
	CHECK_EQ(pcpu_lookup_cache_hit_stats_refs(), 1);
	CHECK_EQ(plc_hit_stats_read(d), 1);
	CHECK_EQ(plc_header_hit_stats(&cache), 1);
	CHECK_EQ(plc_shim_debugfs_attr_write(d, 1), 0);
	CHECK_EQ(pcpu_lookup_cache_hit_stats_refs(), 1);
	CHECK_EQ(plc_shim_debugfs_attr_write(d, 0), 0);
	CHECK_EQ(pcpu_lookup_cache_hit_stats_refs(), 0);
	CHECK_EQ(plc_hit_stats_read(d), 0);
	CHECK_EQ(plc_header_hit_stats(&cache), 0);
	CHECK_EQ(plc_shim_debugfs_attr_write(d, 0), 0);
	CHECK_EQ(pcpu_lookup_cache_hit_stats_refs(), 0);
	/* The mutex, once by each write and once by each count read. */
	CHECK_EQ(plc_shim.mutex_locks, locks + 8);

	/* Any nonzero value is 1. */
	CHECK_EQ(plc_shim_debugfs_attr_write(d, 2), 0);
	CHECK_EQ(pcpu_lookup_cache_hit_stats_refs(), 1);
	CHECK_EQ(plc_shim_debugfs_attr_write(d, 1), 0);
	CHECK_EQ(pcpu_lookup_cache_hit_stats_refs(), 1);
	CHECK_EQ(plc_shim_debugfs_attr_write(d, 0), 0);
	CHECK_EQ(pcpu_lookup_cache_hit_stats_refs(), 0);

	/* It reads 1 for any reference; 0 drops only the file's own. */
	pcpu_lookup_cache_hit_stats_get();
	CHECK_EQ(plc_hit_stats_read(d), 1);
	CHECK_EQ(plc_shim_debugfs_attr_write(d, 0), 0);
	CHECK_EQ(pcpu_lookup_cache_hit_stats_refs(), 1);
	CHECK_EQ(plc_shim_debugfs_attr_write(d, 1), 0);
	CHECK_EQ(pcpu_lookup_cache_hit_stats_refs(), 2);
	CHECK_EQ(plc_shim_debugfs_attr_write(d, 0), 0);
	CHECK_EQ(pcpu_lookup_cache_hit_stats_refs(), 1);
	CHECK_EQ(plc_hit_stats_read(d), 1);
	pcpu_lookup_cache_hit_stats_put();
	CHECK_EQ(plc_hit_stats_read(d), 0);

	/* Back to the harness's reference. */
	pcpu_lookup_cache_hit_stats_get();
	pcpu_lookup_cache_destroy(&cache);
}

void test_hit_stats(void)
{
	plc_subtest("hit_stats_off", hit_stats_off, NULL);
	plc_subtest("hit_stats_refs", hit_stats_refs, NULL);
	plc_subtest("hit_stats_debugfs", hit_stats_debugfs, NULL);
}
