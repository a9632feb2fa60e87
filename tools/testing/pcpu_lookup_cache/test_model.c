// SPDX-License-Identifier: GPL-2.0
/*
 * Random operations on every simulated CPU, with CPU hotplug, checked
 * against a reference model of the documented behaviour: every lookup's
 * result, and periodically every table, victim index, generation and
 * counter, those of the offline CPUs included. In the model an
 * invalidation reaches every possible CPU, online or not (the IPI or the
 * direct clear), unless it has no nonzero key; CPU hotplug changes
 * nothing.
 */
#include "test.h"

struct model_cpu {
	unsigned long *key;
	void **val;
	u8 *victim;
	unsigned long gen;
	struct pcpu_lookup_cache_stats st;
};

struct model {
	unsigned int sets, ways;
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

	*token = c->gen;
	if (!key)
		return NULL;
	for (w = 0; w < m->ways; w++) {
		if (c->key[set * m->ways + w] == key) {
			c->st.hits++;
			return c->val[set * m->ways + w];
		}
	}
	c->st.misses++;
	return NULL;
}

static void m_fill(struct model *m, int cpu, unsigned long key, void *val,
		   unsigned long token)
{
	struct model_cpu *c = &m->cpu[cpu];
	unsigned int set = plc_ref_set(m->sets, key), w;
	unsigned long *k;

	if (!key || !val)
		return;
	if (token != c->gen) {
		c->st.dropped++;
		return;
	}
	k = c->key + set * m->ways;
	for (w = 0; w < m->ways; w++)
		if (k[w] == key)
			goto store;
	for (w = 0; w < m->ways; w++)
		if (!k[w])
			goto store;
	w = c->victim[set];
	c->victim[set] = (w + 1) % m->ways;
	c->st.evictions++;
store:
	k[w] = key;
	c->val[set * m->ways + w] = val;
	c->st.fills++;
}

/* Invalidate @keys (NULL: flush) on @cpu. */
static void m_inval_cpu(struct model *m, int cpu, const unsigned long *keys,
			unsigned int nr)
{
	struct model_cpu *c = &m->cpu[cpu];
	unsigned int i, j;

	c->gen++;
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

/* Invalidate @keys (NULL: flush) on every CPU; no nonzero key: none. */
static void m_inval(struct model *m, const unsigned long *keys,
		    unsigned int nr)
{
	unsigned int i;
	int cpu;

	for (i = 0; keys && i < nr && !keys[i]; i++)
		;
	if (keys && i == nr)
		return;
	for_each_possible_cpu(cpu)
		m_inval_cpu(m, cpu, keys, nr);
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

static void m_compare(struct pcpu_lookup_cache *cache, struct model *m)
{
	struct pcpu_lookup_cache_stats s;
	unsigned int set, w;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct model_cpu *c = &m->cpu[cpu];
		struct pcpu_lookup_cache_cpu *pc = plc_pc(cache, cpu);

		CHECK_EQ(pc->gen, c->gen);
		CHECK_EQ(pc->fill_busy, 0);
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
				m_inval(&m, keys, 1);
				ver[keys[0]]++;
				plc_sim_set_cpu(cpu);
			}
			pcpu_lookup_cache_fill(&cache, key, found, t1);
			m_fill(&m, cpu, key, found, t2);
			plc_sim_set_cpu(0);
		} else if (op < 80) {
			keys[0] = key;
			CHECK_EQ(do_inval(&cache, keys, 1, op & 1), 0);
			m_inval(&m, keys, 1);
			ver[key]++;
		} else if (op < 90) {
			/* Zeros are frequent: all-zero arrays send nothing. */
			n = rnd(5);
			for (cpu = 0; cpu < (int)n; cpu++) {
				keys[cpu] = rnd(4) ? rnd(nkeys + 1) : 0;
				ver[keys[cpu]]++;
			}
			CHECK_EQ(do_inval(&cache, keys, n, op & 1), 0);
			m_inval(&m, keys, n);
		} else if (op < 92) {
			CHECK_EQ(do_inval(&cache, NULL, 0, op & 1), 0);
			m_inval(&m, NULL, 0);
		} else {
			cpu = 1 + rnd(PLC_NR_CPUS - 1);
			if (plc_sim_online[cpu])
				CHECK_EQ(plc_sim_cpu_down(cpu), 0);
			else
				CHECK_EQ(plc_sim_cpu_up(cpu), 0);
		}
		if (i % 512 == 0)
			m_compare(&cache, &m);
	}
	if (plc_test_failed)
		printf("    at operation %u\n", i);
	for_each_possible_cpu(cpu) {
		if (!plc_sim_online[cpu])
			CHECK_EQ(plc_sim_cpu_up(cpu), 0);
	}
	m_compare(&cache, &m);
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
	char name[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(model_geoms); i++) {
		snprintf(name, sizeof(name), "model/%ux%u", model_geoms[i].sets,
			 model_geoms[i].ways);
		plc_subtest(name, model, &model_geoms[i]);
	}
}
