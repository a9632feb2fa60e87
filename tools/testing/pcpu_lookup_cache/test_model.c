// SPDX-License-Identifier: GPL-2.0
/*
 * Random operations on every simulated CPU, with CPU hotplug, checked
 * against a reference model of the documented behaviour: every lookup's
 * result, and periodically every table, victim index, counter, the
 * invalidation sequence and the IPI rounds, those of the offline CPUs
 * included. In the model the sequence is the cache's: every invalidation
 * with a nonzero key, and every flush, advances it, and a fill whose token
 * is not the sequence is dropped. An invalidation interrupts only the
 * online CPUs that hold one of its keys, a flush only those whose filled
 * flag is set (either, all online CPUs if its cpumask cannot be
 * allocated), and both clear the offline CPUs directly; CPU hotplug
 * changes nothing. A fill that passes its checks sets its CPU's flag
 * before it stores its key; a flush that reaches a CPU clears it, unless
 * it interrupted a fill there. With the test hook, an invalidation or a
 * flush from another CPU also begins in the middle of fills: the fill
 * empties its way again and counts as dropped. Each CPU's write
 * count advances once for each fill that passes its checks, undone or
 * not, and once for each invalidation or flush that reaches the CPU, by
 * IPI or directly while it is offline.
 */
#include "test.h"

struct model_cpu {
	unsigned long *key;
	void **val;
	u8 *victim;
	unsigned int writes;	/* the write count */
	bool filled;		/* the filled flag */
	struct pcpu_lookup_cache_stats st;
};

struct model {
	unsigned int sets, ways;
	unsigned long seq;	/* the invalidation sequence */
	long rounds;		/* on_each_cpu*() calls */
	/* How often the interesting cases came up: none may be missing. */
	long silent;		/* invalidations that sent no IPI */
	long partial;		/* rounds that skipped an online CPU */
	long partial_flush;	/* flushes that skipped one */
	long fallback;		/* rounds to all for want of a cpumask */
	long undone;		/* fills undone by an invalidation */
	long kept;		/* fills kept across one with no key */
	long unseen;		/* flushes in a fill that skipped its CPU */
	struct model_cpu cpu[PLC_NR_CPUS];
};

static u64 rnd_state;

static unsigned int rnd(unsigned int n)
{
	rnd_state = rnd_state * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned int)((rnd_state >> 33) % n);
}

static void *m_lookup(struct model *m, int cpu, unsigned long key,
		      unsigned long *token)
{
	struct model_cpu *c = &m->cpu[cpu];
	unsigned int set = plc_ref_set(m->sets, key), w;

	/* A miss returns the sequence as its token, a hit one no fill takes. */
	*token = m->seq;
	if (!key)
		return NULL;
	for (w = 0; w < m->ways; w++) {
		if (c->key[set * m->ways + w] == key) {
			c->st.hits++;
			*token = PCPU_LOOKUP_CACHE_NO_TOKEN;
			return c->val[set * m->ways + w];
		}
	}
	c->st.misses++;
	return NULL;
}

/* Whether @cpu holds one of @keys. */
static bool m_holds(struct model *m, int cpu, const unsigned long *keys,
		    unsigned int nr)
{
	struct model_cpu *c = &m->cpu[cpu];
	unsigned int i, j;

	for (i = 0; i < m->sets * m->ways; i++)
		for (j = 0; j < nr; j++)
			if (keys[j] && c->key[i] == keys[j])
				return true;
	return false;
}

/* Clear @keys (NULL: every key) from @cpu's table. */
static void m_clear_cpu(struct model *m, int cpu, const unsigned long *keys,
			unsigned int nr)
{
	struct model_cpu *c = &m->cpu[cpu];
	unsigned int i, j;

	for (i = 0; i < m->sets * m->ways; i++) {
		bool hit = !keys && c->key[i];

		for (j = 0; keys && j < nr; j++)
			hit |= keys[j] && c->key[i] == keys[j];
		if (hit) {
			c->key[i] = 0;
			c->val[i] = NULL;
			c->st.invalidations++;
		}
	}
}

/*
 * Invalidate @keys (NULL: flush); no nonzero key: nothing at all. @all:
 * the cpumask allocation fails, every online CPU is interrupted. @busy:
 * the CPU whose fill it interrupts, or -1.
 */
static void m_inval(struct model *m, const unsigned long *keys,
		    unsigned int nr, bool all, int busy)
{
	bool ipi[PLC_NR_CPUS], any = false;
	unsigned int i;
	int cpu;

	for (i = 0; keys && i < nr && !keys[i]; i++)
		;
	if (keys && i == nr)
		return;
	m->seq++;
	/* Who gets the IPI is decided before any table changes. */
	for_each_possible_cpu(cpu) {
		ipi[cpu] = plc_sim_online[cpu] &&
			   (all || (keys ? m_holds(m, cpu, keys, nr) :
				    m->cpu[cpu].filled));
		any |= ipi[cpu];
	}
	if (all || any)
		m->rounds++;
	if (!any)
		m->silent++;
	if (all)
		m->fallback++;
	for_each_possible_cpu(cpu) {
		if (any && plc_sim_online[cpu] && !ipi[cpu]) {
			m->partial++;
			m->partial_flush += !keys;
		}
		if (ipi[cpu])
			m->cpu[cpu].st.ipis++;
		if (ipi[cpu] || !plc_sim_online[cpu]) {
			m->cpu[cpu].writes++;
			m_clear_cpu(m, cpu, keys, nr);
			if (!keys && cpu != busy)
				m->cpu[cpu].filled = false;
		}
	}
}

/*
 * A fill; if @inject, an invalidation of @ikeys (NULL: a flush), and
 * nothing else, begins between its token check and its second read of the
 * sequence, at hook call @at: 0, before the fill sets the filled flag and
 * stores the key; 1, between the two; 2, after both. Returns whether the
 * fill got that far, so the invalidation ran.
 */
static bool m_fill(struct model *m, int cpu, unsigned long key, void *val,
		   unsigned long token, bool inject, const unsigned long *ikeys,
		   unsigned int inr, int at)
{
	struct model_cpu *c = &m->cpu[cpu];
	unsigned int set = plc_ref_set(m->sets, key), w, h;
	unsigned long *k;

	if (!key || !val)
		return false;
	if (token != m->seq) {
		c->st.dropped++;
		return false;
	}
	c->writes++;
	k = c->key + set * m->ways;
	h = plc_ref_home(m->sets, m->ways, key);
	for (w = 0; w < m->ways; w++)
		if (k[w] == key)
			goto store;
	/* The home way if empty, the first empty way, a guest at home. */
	if (h < m->ways && !k[h]) {
		w = h;
		goto store;
	}
	for (w = 0; w < m->ways; w++)
		if (!k[w])
			goto store;
	c->st.evictions++;
	if (h < m->ways && plc_ref_home(m->sets, m->ways, k[h]) != h) {
		w = h;
		goto store;
	}
	w = c->victim[set];
	c->victim[set] = (w + 1) % m->ways;
store:
	if (inject) {
		/*
		 * The way is empty while the invalidation reads the set, or
		 * holds the new entry, which it may clear by IPI.
		 */
		k[w] = at == 2 ? key : 0;
		c->val[set * m->ways + w] = at == 2 ? val : NULL;
		if (at >= 1)
			c->filled = true;
		m->unseen += !ikeys && !c->filled;
		m_inval(m, ikeys, inr, false, cpu);
		/* Set before the key store, whether or not the fill undoes. */
		c->filled = true;
		if (token != m->seq) {
			k[w] = 0;
			c->val[set * m->ways + w] = NULL;
			c->st.dropped++;
			m->undone++;
			return true;
		}
		m->kept++;
	} else {
		c->filled = true;
	}
	k[w] = key;
	c->val[set * m->ways + w] = val;
	c->st.fills++;
	return inject;
}

/*
 * The library's invalidations, with the plain calls or, if @locked, the
 * _cpuslocked ones under cpus_read_lock(): NULL @keys is a flush.
 */
static int do_inval(struct pcpu_lookup_cache *cache, const unsigned long *keys,
		    unsigned int nr, bool locked)
{
	int ret;

	if (!locked) {
		if (!keys)
			return pcpu_lookup_cache_flush(cache);
		if (nr == 1)
			return pcpu_lookup_cache_invalidate(cache, keys[0]);
		return pcpu_lookup_cache_invalidate_many(cache, keys, nr);
	}
	cpus_read_lock();
	if (!keys)
		ret = pcpu_lookup_cache_flush_cpuslocked(cache);
	else if (nr == 1)
		ret = pcpu_lookup_cache_invalidate_cpuslocked(cache, keys[0]);
	else
		ret = pcpu_lookup_cache_invalidate_many_cpuslocked(cache, keys,
								   nr);
	cpus_read_unlock();
	return ret;
}

#if IS_ENABLED(CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST)
/* An invalidation or flush that another CPU begins while a fill stores. */
static struct {
	int fire_at;		/* 0: at FILL_CLEAR, 1: FILL_VAL, 2: FILL_KEY */
	int calls;
	int step;		/* where it ran, -1: not yet */
	int from;		/* the invalidating CPU */
	bool locked;
	bool flush;		/* a flush, not an invalidation of keys */
	unsigned long keys[3];
	unsigned int nr;
	int ret;
} inj;

static void inject_hook(struct pcpu_lookup_cache *cache,
			enum pcpu_lookup_cache_step step, unsigned int way)
{
	int cpu = plc_sim_cpu, irqs = plc_sim_irqs_off;

	if (inj.step >= 0 || inj.calls++ != inj.fire_at)
		return;
	inj.step = step;
	plc_sim_cpu = inj.from;
	plc_sim_irqs_off = 0;
	inj.ret = do_inval(cache, inj.flush ? NULL : inj.keys, inj.nr,
			   inj.locked);
	plc_sim_cpu = cpu;
	plc_sim_irqs_off = irqs;
}

/*
 * Arm an invalidation or, one time in six, a flush from another online
 * CPU; false if there is none.
 */
static bool inject_arm(struct pcpu_lookup_cache *cache, int cpu,
		       unsigned int nkeys)
{
	unsigned int i;
	int from = -1, c;

	for_each_online_cpu(c)
		if (c != cpu && (from < 0 || rnd(2)))
			from = c;
	if (from < 0)
		return false;
	inj.fire_at = rnd(3);
	inj.calls = 0;
	inj.step = -1;
	inj.from = from;
	inj.locked = rnd(2);
	inj.flush = !rnd(6);
	inj.nr = inj.flush ? 0 : 1 + rnd(ARRAY_SIZE(inj.keys));
	for (i = 0; i < inj.nr; i++)
		inj.keys[i] = rnd(6) ? rnd(nkeys + 1) : 0;
	inj.ret = 0;
	cache->test_hook = inject_hook;
	return true;
}

/*
 * The fill of a miss on @cpu with @token, while another CPU invalidates
 * random keys, or flushes, from a hook point of the fill. False, and
 * nothing done, if no other CPU is online.
 */
static bool fill_injected(struct pcpu_lookup_cache *cache, struct model *m,
			  int cpu, unsigned long key, void *val,
			  unsigned long token, unsigned int nkeys,
			  unsigned int *ver)
{
	unsigned int i;
	bool fired;

	if (!inject_arm(cache, cpu, nkeys))
		return false;
	pcpu_lookup_cache_fill(cache, key, val, token);
	cache->test_hook = NULL;
	CHECK_EQ(plc_sim_cpu, cpu);
	CHECK_EQ(inj.ret, 0);
	fired = m_fill(m, cpu, key, val, token, true,
		       inj.flush ? NULL : inj.keys, inj.nr, inj.fire_at);
	/* The hook runs iff the fill passed its checks, then only once. */
	CHECK_EQ(inj.step >= 0, fired);
	if (!fired)
		return true;
	CHECK_EQ(inj.step, PCPU_LOOKUP_CACHE_STEP_FILL_CLEAR + inj.fire_at);
	for (i = 0; i < inj.nr; i++)
		ver[inj.keys[i]]++;
	return true;
}
#else
static bool fill_injected(struct pcpu_lookup_cache *cache, struct model *m,
			  int cpu, unsigned long key, void *val,
			  unsigned long token, unsigned int nkeys,
			  unsigned int *ver)
{
	return false;
}
#endif

static void m_compare(struct pcpu_lookup_cache *cache, struct model *m,
		      long rounds0)
{
	struct pcpu_lookup_cache_stats s;
	unsigned int set, w;
	int cpu;

	CHECK_EQ(plc_seq(cache), m->seq);
	CHECK_EQ(plc_shim.ipis - rounds0, m->rounds);
	for_each_possible_cpu(cpu) {
		struct model_cpu *c = &m->cpu[cpu];
		struct pcpu_lookup_cache_cpu *pc = plc_pc(cache, cpu);

		CHECK_EQ(pc->fill_busy, 0);
		CHECK_EQ(pc->filled, c->filled);
		CHECK_EQ(pc->writes, c->writes);
		for (set = 0; set < m->sets; set++) {
			CHECK_EQ(pc->victim[set], c->victim[set]);
			for (w = 0; w < m->ways; w++) {
				struct pcpu_lookup_cache_entry *e =
					plc_way(cache, cpu, set, w);

				CHECK_EQ(e->key, c->key[set * m->ways + w]);
				CHECK_PTR(e->val, c->val[set * m->ways + w]);
			}
		}
		plc_stats(cache, cpu, &s);
		CHECK_EQ(s.hits, c->st.hits);
		CHECK_EQ(s.misses, c->st.misses);
		CHECK_EQ(s.fills, c->st.fills);
		CHECK_EQ(s.dropped, c->st.dropped);
		CHECK_EQ(s.evictions, c->st.evictions);
		CHECK_EQ(s.invalidations, c->st.invalidations);
		CHECK_EQ(s.ipis, c->st.ipis);
		CHECK(!memcmp(&s, &c->st, sizeof(s)));
	}
}

static void model(const void *arg)
{
	const struct plc_geom *g = arg;
	struct pcpu_lookup_cache cache;
	struct model m = { .sets = g->sets, .ways = g->ways };
	unsigned int nkeys = g->sets * g->ways * 2 + 3, *ver, i, n;
	unsigned long keys[5];
	long rounds0 = plc_shim.ipis;
	bool all;
	int cpu;

	rnd_state = g->sets * 1000 + g->ways;
	ver = calloc(nkeys + 1, sizeof(*ver));
	for_each_possible_cpu(cpu) {
		m.cpu[cpu].key = calloc(g->sets * g->ways, sizeof(long));
		m.cpu[cpu].val = calloc(g->sets * g->ways, sizeof(void *));
		m.cpu[cpu].victim = calloc(g->sets, 1);
	}
	CHECK_EQ(pcpu_lookup_cache_init(&cache, g->sets, g->ways), 0);

	for (i = 0; i < 20000 && !plc_test_failed; i++) {
		unsigned int op = rnd(100);
		unsigned long key = rnd(nkeys + 1), t1, t2;	/* 0 too */
		void *got, *want, *found;

		if (op < 60) {
			do {
				cpu = rnd(PLC_NR_CPUS);
			} while (!plc_sim_online[cpu]);
			plc_sim_set_cpu(cpu);
			got = pcpu_lookup_cache_lookup(&cache, key, &t1);
			want = m_lookup(&m, cpu, key, &t2);
			CHECK_PTR(got, want);
			CHECK_EQ(t1, t2);
			if (got) {
				CHECK_PTR(got, plc_val(key, ver[key]));
				plc_sim_set_cpu(0);
				continue;
			}
			/* What the backing structure holds now. */
			found = op % 16 ? plc_val(key, ver[key]) : NULL;
			if (op < 6) {
				/* An invalidation races with the miss. */
				keys[0] = rnd(nkeys + 1);
				plc_sim_set_cpu(0);
				CHECK_EQ(do_inval(&cache, keys, 1, op & 1), 0);
				m_inval(&m, keys, 1, false, -1);
				ver[keys[0]]++;
				plc_sim_set_cpu(cpu);
			}
			/* Or one begins while the fill stores. */
			if (op < 6 || op >= 14 ||
			    !fill_injected(&cache, &m, cpu, key, found, t1,
					   nkeys, ver)) {
				pcpu_lookup_cache_fill(&cache, key, found, t1);
				m_fill(&m, cpu, key, found, t2, false, NULL, 0,
				       0);
			}
			plc_sim_set_cpu(0);
		} else if (op < 80) {
			keys[0] = key;
			CHECK_EQ(do_inval(&cache, keys, 1, op & 1), 0);
			m_inval(&m, keys, 1, false, -1);
			ver[key]++;
		} else if (op < 90) {
			/*
			 * Zeros are frequent: all-zero arrays send nothing.
			 * Now and then the cpumask cannot be allocated.
			 */
			n = rnd(5);
			for (cpu = 0; cpu < (int)n; cpu++) {
				keys[cpu] = rnd(4) ? rnd(nkeys + 1) : 0;
				ver[keys[cpu]]++;
			}
			all = !rnd(8);
			plc_shim_fail_cpumask(all);
			CHECK_EQ(do_inval(&cache, keys, n, op & 1), 0);
			plc_shim_fail_cpumask(false);
			m_inval(&m, keys, n, all, -1);
		} else if (op < 92) {
			all = !rnd(8);
			plc_shim_fail_cpumask(all);
			CHECK_EQ(do_inval(&cache, NULL, 0, op & 1), 0);
			plc_shim_fail_cpumask(false);
			m_inval(&m, NULL, 0, all, -1);
		} else {
			cpu = 1 + rnd(PLC_NR_CPUS - 1);
			if (plc_sim_online[cpu])
				CHECK_EQ(plc_sim_cpu_down(cpu), 0);
			else
				CHECK_EQ(plc_sim_cpu_up(cpu), 0);
		}
		if (i % 512 == 0)
			m_compare(&cache, &m, rounds0);
	}
	if (plc_test_failed)
		printf("    at operation %u\n", i);
	for_each_possible_cpu(cpu) {
		if (!plc_sim_online[cpu])
			CHECK_EQ(plc_sim_cpu_up(cpu), 0);
	}
	m_compare(&cache, &m, rounds0);
	if (plc_test_failed)
		printf("    silent %ld partial %ld (flush %ld) fallback %ld\n"
		       "    undone %ld (unseen %ld) kept %ld\n",
		       m.silent, m.partial, m.partial_flush, m.fallback,
		       m.undone, m.unseen, m.kept);
	CHECK(m.silent > 0);
	CHECK(m.partial > 0);
	CHECK(m.partial_flush > 0);
	CHECK(m.fallback > 0);
	if (IS_ENABLED(CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST)) {
		CHECK(m.undone > 0);
		CHECK(m.unseen > 0);
		CHECK(m.kept > 0);
	}
	pcpu_lookup_cache_destroy(&cache);
	for_each_possible_cpu(cpu) {
		free(m.cpu[cpu].key);
		free(m.cpu[cpu].val);
		free(m.cpu[cpu].victim);
	}
	free(ver);
}

static const struct plc_geom model_geoms[] = {
	{ 1, 1 }, { 1, 2 }, { 2, 3 }, { 4, 4 }, { 8, 5 }, { 64, 4 }, { 16, 16 },
};

void test_model(void)
{
	plc_geom_subtests("model", model, model_geoms,
			  ARRAY_SIZE(model_geoms));
}
