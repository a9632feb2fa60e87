/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the userspace tests of pcpu_lookup_cache.
 */
#ifndef _PLC_TEST_H
#define _PLC_TEST_H

#include <linux/pcpu_lookup_cache.h>

#include "shim.h"

extern int plc_test_failed;	/* checks failed in the current test */

void plc_check_failed(const char *file, int line, const char *expr,
		      long long a, long long b, bool values);

#define CHECK(cond)							\
	do {								\
		if (!(cond))						\
			plc_check_failed(__FILE__, __LINE__, #cond,	\
					 0, 0, false);			\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		long long __a = (long long)(a);				\
		long long __b = (long long)(b);				\
		if (__a != __b)						\
			plc_check_failed(__FILE__, __LINE__,		\
					 #a " == " #b, __a, __b, true);	\
	} while (0)

#define CHECK_PTR(a, b) CHECK_EQ((uintptr_t)(a), (uintptr_t)(b))

struct plc_geom {
	unsigned int sets;
	unsigned int ways;
};

/*
 * The geometries of the hook tests (test_nested.c, test_fill_ipi.c):
 * one way, one set, the default and odd set and way counts.
 */
#define PLC_NR_HOOK_GEOMS 6
extern const struct plc_geom plc_hook_geoms[PLC_NR_HOOK_GEOMS];

/* How a fill meets its set, for the tests of a fill's hook calls. */
enum fill_case {
	F_EVICT,	/* the set is full, the fill evicts way j */
	F_EMPTY,	/* ways before j are full, way j is the first empty */
	F_UPDATE,	/* the key is in way j, its value changes */
};

/* A fake object pointer, never dereferenced: distinct per (key, ver). */
static inline void *plc_val(unsigned long key, unsigned int ver)
{
	return (void *)(uintptr_t)(0x100000000000UL + (key << 12) +
				   ((unsigned long)ver << 4));
}

/*
 * Look @key up for a fill that follows whether or not it hits, as a user
 * that turns a hit down: a hit's token is one that no fill takes, so take
 * a good one.
 */
static inline void *plc_lookup_for_fill(struct pcpu_lookup_cache *cache,
					unsigned long key, unsigned long *token)
{
	void *val = pcpu_lookup_cache_lookup(cache, key, token);

	if (val)
		*token = pcpu_lookup_cache_token(cache);
	return val;
}

/* The set of @key, computed independently of the library. */
static inline unsigned int plc_ref_set(unsigned int sets, unsigned long key)
{
	unsigned int bits = sets > 1 ? (unsigned int)ilog2(sets) : 1;

	return (unsigned int)((key * 0x61C8864680B583EBull) >>
			      (64 - 16 - bits)) &
	       (sets - 1);
}

/*
 * The home way of @key in a cache of @sets sets of @ways ways, computed
 * independently of the library: the log2(stride) bits of the product just
 * below the set's, where stride is @ways rounded up to a power of two.
 */
static inline unsigned int plc_ref_home(unsigned int sets, unsigned int ways,
					unsigned long key)
{
	unsigned int bits = sets > 1 ? (unsigned int)ilog2(sets) : 1;
	unsigned int stride = 1;

	while (stride < ways)
		stride <<= 1;
	return (unsigned int)((key * 0x61C8864680B583EBull) >>
			      (64 - 16 - bits - ilog2(stride))) &
	       (stride - 1);
}

/*
 * Store in @keys the first @n keys >= *@next that map to set @set and
 * whose home way is way 0 whatever the number of ways: the keys fill the
 * set's ways in order, and are read in way order, as when a set had no
 * home way.
 */
void plc_keys_in_set(unsigned int sets, unsigned int set, unsigned long *keys,
		     unsigned int n, unsigned long *next);

/* As plc_keys_in_set(), whatever the keys' home ways. */
void plc_keys_in_set_any(unsigned int sets, unsigned int set,
			 unsigned long *keys, unsigned int n,
			 unsigned long *next);

/* White-box access to a CPU's table. */
static inline struct pcpu_lookup_cache_cpu *
plc_pc(struct pcpu_lookup_cache *cache, int cpu)
{
	return per_cpu_ptr(cache->pcpu, cpu);
}

static inline struct pcpu_lookup_cache_entry *
plc_way(struct pcpu_lookup_cache *cache, int cpu, unsigned int set,
	unsigned int way)
{
	return plc_pc(cache, cpu)->entries + set * cache->set_stride + way;
}

/* The way of @cpu's table that holds @key, or -1. */
static inline int plc_find(struct pcpu_lookup_cache *cache, int cpu,
			   unsigned long key)
{
	unsigned int set = plc_ref_set(cache->nr_sets, key), w;

	for (w = 0; w < cache->nr_ways; w++)
		if (plc_way(cache, cpu, set, w)->key == key)
			return (int)w;
	return -1;
}

/* The invalidation sequence: every lookup's token. */
static inline unsigned long plc_seq(struct pcpu_lookup_cache *cache)
{
	return (unsigned long)atomic_long_read(&cache->seq);
}

/* Lookup, then fill @val on a miss: the usual caller pattern. */
void *plc_get(struct pcpu_lookup_cache *cache, unsigned long key, void *val);
void plc_stats(struct pcpu_lookup_cache *cache, int cpu,
	       struct pcpu_lookup_cache_stats *s);

/* @cpu's count of IPIs, and of entries cleared by invalidation or flush. */
static inline u64 plc_ipis_of(struct pcpu_lookup_cache *cache, int cpu)
{
	struct pcpu_lookup_cache_stats s;

	plc_stats(cache, cpu, &s);
	return s.ipis;
}

static inline u64 plc_invalidations_of(struct pcpu_lookup_cache *cache,
				       int cpu)
{
	struct pcpu_lookup_cache_stats s;

	plc_stats(cache, cpu, &s);
	return s.invalidations;
}

/* plc_get() on simulated CPU @cpu; back on CPU 0 after. */
static inline void plc_fill_on(struct pcpu_lookup_cache *cache, int cpu,
			       unsigned long key, void *val)
{
	plc_sim_set_cpu(cpu);
	plc_get(cache, key, val);
	plc_sim_set_cpu(0);
}

/* A lookup of @key on simulated CPU @cpu; back on CPU 0 after. */
static inline void *plc_lookup_on(struct pcpu_lookup_cache *cache, int cpu,
				  unsigned long key)
{
	unsigned long token;
	void *v;

	plc_sim_set_cpu(cpu);
	v = pcpu_lookup_cache_lookup(cache, key, &token);
	plc_sim_set_cpu(0);
	return v;
}

/*
 * Every invalidation, flush, suspend and resume of @cache, the _cpuslocked
 * ones with the CPU hotplug lock held, returns -EINVAL and sends no IPI.
 */
void __plc_check_uninitialised(struct pcpu_lookup_cache *cache,
			       const char *file, int line);
#define plc_check_uninitialised(cache) \
	__plc_check_uninitialised(cache, __FILE__, __LINE__)

/* The tests, in the order main() runs them. */
void test_geometry(void);
void test_basic(void);
void test_replacement(void);
void test_home_way(void);
void test_key_zero(void);
void test_stats_debugfs(void);
void test_hit_stats(void);
void test_invalidate(void);
void test_hotplug(void);
void test_cpuslocked(void);
void test_zero_keys(void);
void test_token_race(void);
void test_writes(void);
void test_inval_no_holder(void);
void test_inval_targeted(void);
void test_inval_cpumask_fail(void);
void test_inval_offline(void);
void test_suspend(void);
void test_nested_lookup(void);
void test_nested_fill(void);
void test_fill_undone(void);
void test_ipi_in_fill(void);
void test_late_flush(void);
void test_nested_aba(void);
void test_alloc_fail(void);
void test_destroy_twice(void);
void test_model(void);

/* For parameterised tests: run one sub-case as its own test. */
void plc_subtest(const char *name, void (*fn)(const void *arg),
		 const void *arg);
/* Run @fn once per geometry of @geoms, as "<prefix>/<sets>x<ways>". */
void plc_geom_subtests(const char *prefix, void (*fn)(const void *arg),
		       const struct plc_geom *geoms, unsigned int nr);

#endif /* _PLC_TEST_H */
