// SPDX-License-Identifier: GPL-2.0
/*
 * Lookup benchmark for cachegrind, built with the production fast path (no
 * test hook). One run does one scenario and one variant:
 *
 *   plc_bench BITS N H DIST VARIANT WARMUP LOOKUPS [HIT_STATS]
 *
 * BITS: the backing table has 1 << BITS buckets, an RCU-hlist-like chained
 *	hash modelled on the kprobes table: N objects malloc()ed one by one
 *	in random order, added at the head of their bucket in another random
 *	order, with the layout of a struct kprobe around the key.
 * H, DIST: lookups go to H hot objects, "u" uniform or "z" Zipf(1.0),
 *	from a fixed-seed pseudo-random sequence.
 * VARIANT: driver (the loop alone: sequence and key), table (the table
 *	alone), c<SETS>x<WAYS> (the cache in front of the table), limit (one
 *	read of a precomputed per-CPU array slot per lookup), m<ENTRIES>
 *	(m256 or m2048: the minimal keyed lookup in front of the table, as
 *	plcb_mkl_lookup() of lib/tests/pcpu_lookup_cache_bench_tables.c: a
 *	direct-mapped per-CPU table of ENTRIES slots picked with the cache's
 *	hash, one key compare and one value load; on a mismatch the table
 *	and plain stores of key and value).
 *
 * HIT_STATS: 1 turns hit statistics on (pcpu_lookup_cache_hit_stats_get())
 *	before setup; 0, the default, measures the default: off, so that a
 *	lookup writes nothing. Off, the hits and misses printed are derived:
 *	one CPU, no invalidation and every key in the table, so each miss
 *	is one fill and the other lookups hit. For m<ENTRIES>, the misses
 *	are the mismatches of the timed lookups.
 * Setup and WARMUP lookups come first; then LOOKUPS lookups are timed.
 * Everything before the timed loop depends only on the arguments other
 * than LOOKUPS, so that cachegrind's counts for LOOKUPS = 0 can be
 * subtracted. Prints one JSON object.
 */
#include <math.h>

#include <linux/pcpu_lookup_cache.h>

#include "shim.h"

#define SEQ_LEN 65536u
#define KTEXT 0xffffffff81000000UL

/* As <linux/types.h>: the hlist of the kprobes table. */
struct hlist_node {
	struct hlist_node *next, **pprev;
};

struct hlist_head {
	struct hlist_node *first;
};

/* The part of struct kprobe that get_kprobe() reads, and its size. */
struct bench_node {
	struct hlist_node hlist;
	struct bench_node *list_next, *list_prev;
	unsigned long nmissed;
	unsigned long addr;
	char rest[72];
};

static struct hlist_head *table;
static unsigned int table_bits;
static u16 *seq;
static struct bench_node **objs;
static struct pcpu_lookup_cache cache;
static struct { void **slot; } __percpu *limit;

/* One slot of a minimal keyed table: key 0 is empty (no key is 0). */
struct mkl_entry {
	unsigned long key;
	void *val;
};

static struct { struct mkl_entry *tab; } __percpu *mkl;
static unsigned long mkl_misses;

static u64 rng = 0x9e3779b97f4a7c15ull;

static u64 next_rand(void)
{
	/* splitmix64 */
	u64 z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Distinct, kernel-text-like keys: a bijection of [0, 2^24). */
static __always_inline unsigned long key_of(unsigned int i)
{
	return KTEXT + (((i * 0x9E3779B1u) & 0xffffffu) << 4);
}

static void shuffle(unsigned int *a, unsigned int n)
{
	unsigned int i, j, t;

	for (i = n - 1; i > 0; i--) {
		j = next_rand() % (i + 1);
		t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}

/* get_kprobe(): one bucket, walked like hlist_for_each_entry_rcu(). */
static __always_inline struct bench_node *table_lookup(unsigned long addr)
{
	struct hlist_head *head = &table[hash_long(addr, table_bits)];
	struct hlist_node *n;

	for (n = READ_ONCE(head->first); n; n = READ_ONCE(n->next)) {
		struct bench_node *p = container_of(n, struct bench_node,
						    hlist);

		if (p->addr == addr)
			return p;
	}
	return NULL;
}

static void setup(unsigned int n, unsigned int h, char dist)
{
	unsigned int *order = malloc(n * sizeof(*order)), i;
	double *cdf, sum = 0;

	objs = calloc(n, sizeof(*objs));
	table = calloc(1u << table_bits, sizeof(*table));
	for (i = 0; i < n; i++)
		order[i] = i;
	shuffle(order, n);
	for (i = 0; i < n; i++) {
		objs[order[i]] = calloc(1, sizeof(struct bench_node));
		objs[order[i]]->addr = key_of(order[i]);
	}
	shuffle(order, n);
	for (i = 0; i < n; i++) {
		struct bench_node *p = objs[order[i]];
		struct hlist_head *head =
			&table[hash_long(p->addr, table_bits)];

		/* hlist_add_head_rcu() */
		p->hlist.next = head->first;
		p->hlist.pprev = &head->first;
		if (head->first)
			head->first->pprev = &p->hlist.next;
		head->first = &p->hlist;
	}
	free(order);

	seq = malloc(SEQ_LEN * sizeof(*seq));
	cdf = malloc(h * sizeof(*cdf));
	for (i = 0; i < h; i++) {
		sum += dist == 'z' ? 1.0 / (i + 1) : 1.0;
		cdf[i] = sum;
	}
	for (i = 0; i < SEQ_LEN; i++) {
		double u = (double)(next_rand() >> 11) / 9007199254740992.0 *
			   sum;
		unsigned int lo = 0, hi = h - 1;

		while (lo < hi) {
			unsigned int mid = (lo + hi) / 2;

			if (cdf[mid] > u)
				hi = mid;
			else
				lo = mid + 1;
		}
		seq[i] = lo;
	}
	free(cdf);
}

static unsigned long sink;

#define LOOP(first, count, body)					\
	do {								\
		unsigned long __i = (first), __s = 0;			\
		unsigned long __end = __i + (count);			\
									\
		for (; __i < __end; __i++) {				\
			unsigned int idx = seq[__i & (SEQ_LEN - 1)];	\
			unsigned long key = key_of(idx);		\
			void *v;					\
									\
			body;						\
			__s += (unsigned long)v;			\
		}							\
		sink += __s;						\
	} while (0)

static noinline void run_driver(unsigned long first, unsigned long count)
{
	LOOP(first, count, v = (void *)key);
}

static noinline void run_table(unsigned long first, unsigned long count)
{
	LOOP(first, count, v = table_lookup(key));
}

static noinline void run_cache(unsigned long first, unsigned long count)
{
	LOOP(first, count, {
		unsigned long token;

		v = pcpu_lookup_cache_lookup(&cache, key, &token);
		if (unlikely(!v)) {
			v = table_lookup(key);
			pcpu_lookup_cache_fill(&cache, key, v, token);
		}
	});
}

static noinline void run_limit(unsigned long first, unsigned long count)
{
	/* The key is not needed: the slot is precomputed. */
	LOOP(first, count, (void)key; v = this_cpu_ptr(limit)->slot[idx]);
}

/*
 * The minimal keyed lookup of @key in this CPU's table of 1 << @bits slots,
 * @bits a compile-time constant: the slot of the cache's set index, one
 * key compare, one value load. On a mismatch, the table and plain stores.
 */
static __always_inline void *mkl_lookup(unsigned long key, unsigned int bits,
					unsigned long *miss)
{
	struct mkl_entry *e;
	void *p;

	e = &this_cpu_ptr(mkl)->tab[hash_long(key, bits +
					      __PCPU_LOOKUP_CACHE_SKIP_BITS) &
				    ((1U << bits) - 1)];
	if (likely(READ_ONCE(e->key) == key))
		return READ_ONCE(e->val);
	p = table_lookup(key);
	e->key = key;
	e->val = p;
	(*miss)++;
	return p;
}

#define RUN_MKL(bits)							\
static noinline void run_mkl##bits(unsigned long first,		\
				   unsigned long count)			\
{									\
	unsigned long miss = 0;						\
									\
	LOOP(first, count, v = mkl_lookup(key, bits, &miss));		\
	mkl_misses += miss;						\
}

RUN_MKL(8)
RUN_MKL(11)

int main(int argc, char **argv)
{
	unsigned int n, h, sets = 0, ways = 0, entries, i;
	unsigned long warm, count, hits, misses, mkl0;
	struct pcpu_lookup_cache_stats s0, s1;
	bool hit_stats = false;
	void (*run)(unsigned long first, unsigned long count);
	const char *variant;
	char dist;

	if (argc != 8 && argc != 9) {
		fprintf(stderr,
			"usage: %s BITS N H u|z driver|table|cSxW|limit|m256|m2048 WARMUP LOOKUPS [0|1]\n",
			argv[0]);
		return 2;
	}
	if (argc == 9) {
		if (strcmp(argv[8], "0") && strcmp(argv[8], "1"))
			return 2;
		hit_stats = argv[8][0] == '1';
	}
	table_bits = atoi(argv[1]);
	n = atoi(argv[2]);
	h = atoi(argv[3]);
	dist = argv[4][0];
	variant = argv[5];
	warm = strtoul(argv[6], NULL, 10);
	count = strtoul(argv[7], NULL, 10);
	if (table_bits < 1 || table_bits > 20 || !n || n > (1u << 24) || !h ||
	    h > n || h > 65536 || (dist != 'u' && dist != 'z'))
		return 2;

	if (hit_stats)
		pcpu_lookup_cache_hit_stats_get();
	setup(n, h, dist);
	memset(&s0, 0, sizeof(s0));
	s1 = s0;
	if (!strcmp(variant, "driver")) {
		run = run_driver;
	} else if (!strcmp(variant, "table")) {
		run = run_table;
	} else if (!strcmp(variant, "limit")) {
		limit = alloc_percpu(__typeof__(*limit));
		this_cpu_ptr(limit)->slot = calloc(h, sizeof(void *));
		for (i = 0; i < h; i++)
			this_cpu_ptr(limit)->slot[i] = table_lookup(key_of(i));
		run = run_limit;
	} else if (!strcmp(variant, "m256") || !strcmp(variant, "m2048")) {
		entries = atoi(variant + 1);
		mkl = alloc_percpu(__typeof__(*mkl));
		this_cpu_ptr(mkl)->tab = calloc(entries,
						sizeof(struct mkl_entry));
		run = entries == 256 ? run_mkl8 : run_mkl11;
	} else if (sscanf(variant, "c%ux%u", &sets, &ways) == 2) {
		if (pcpu_lookup_cache_init(&cache, sets, ways))
			return 2;
		run = run_cache;
	} else {
		return 2;
	}
	/* Every hot key is in the table. */
	for (i = 0; i < h; i++)
		if (!table_lookup(key_of(i)))
			return 3;

	run(0, warm);
	if (cache.pcpu)
		pcpu_lookup_cache_stats_cpu(&cache, 0, &s0);
	mkl0 = mkl_misses;
	run(warm, count);
	if (cache.pcpu)
		pcpu_lookup_cache_stats_cpu(&cache, 0, &s1);
	hits = s1.hits - s0.hits;
	misses = s1.misses - s0.misses;
	if (mkl) {
		misses = mkl_misses - mkl0;
		hits = count - misses;
	}
	if (cache.pcpu && !hit_stats) {
		if (hits || misses || s1.dropped != s0.dropped)
			return 3;
		misses = s1.fills - s0.fills;
		hits = count - misses;
	}
	printf("{\"hits\": %lu, \"misses\": %lu, \"fills\": %llu, ",
	       hits, misses, s1.fills - s0.fills);
	printf("\"hit_stats\": %d, \"sink\": %lu}\n", hit_stats, sink & 1);
	return 0;
}
