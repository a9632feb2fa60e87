// SPDX-License-Identifier: GPL-2.0
/*
 * An IPI in the fill: through the test hook, an invalidation, flush or
 * suspend from another CPU begins at every point where a fill can be
 * interrupted, and the IPI of an earlier flush lands there.
 */
#include "test.h"

#if IS_ENABLED(CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST)

/*
 * Contract 3 with the IPI in the fill: the fill runs with IRQs on, so an
 * invalidation, a flush or a suspend from CPU 1 may interrupt CPU 0's fill
 * at each of its three steps, with an IPI to CPU 0 if CPU 0 holds a key
 * (for a flush: if it filled since the last flush).
 * Then, still inside the fill, an IRQ on CPU 0 looks the filled key up and
 * fills it. Every action advances the sequence, so the fill is undone; the
 * IRQ's fill is dropped; nothing invalidated survives on either CPU;
 * fill_busy is back at 0, the victim index in range and every entry whole.
 */
enum ipi_action {
	I_INVAL_FILLED,	/* the key being filled */
	I_INVAL_PREV,	/* the key way j held, or an absent one */
	I_INVAL_OTHER,	/* the key of another way */
	I_INVAL_MANY,	/* the filled key and the previous one, one round */
	I_FLUSH,
	I_SUSPEND,
	NR_IPI_ACTIONS,
};

static const char *const ipi_name[] = {
	"inval_filled", "inval_prev", "inval_other", "inval_many", "flush",
	"suspend",
};

static struct {
	int fire_at, calls, step;
	enum ipi_action a;
	unsigned long filled, prev, other;
	int ret;
	bool irq;
	void *irq_got;
} ipf;

static void ipi_in_fill_hook(struct pcpu_lookup_cache *cache,
			     enum pcpu_lookup_cache_step step, unsigned int way)
{
	int cpu = plc_sim_cpu, irqs = plc_sim_irqs_off;
	unsigned long keys[2] = { ipf.filled, ipf.prev }, token;

	if (ipf.step >= 0 || ipf.calls++ != ipf.fire_at)
		return;
	ipf.step = step;
	plc_sim_cpu = 1;
	plc_sim_irqs_off = 0;
	switch (ipf.a) {
	case I_INVAL_FILLED:
		ipf.ret = pcpu_lookup_cache_invalidate(cache, ipf.filled);
		break;
	case I_INVAL_PREV:
		ipf.ret = pcpu_lookup_cache_invalidate(cache, ipf.prev);
		break;
	case I_INVAL_OTHER:
		ipf.ret = pcpu_lookup_cache_invalidate(cache, ipf.other);
		break;
	case I_INVAL_MANY:
		ipf.ret = pcpu_lookup_cache_invalidate_many(cache, keys, 2);
		break;
	case I_FLUSH:
		ipf.ret = pcpu_lookup_cache_flush(cache);
		break;
	default:
		ipf.ret = pcpu_lookup_cache_suspend(cache);
		break;
	}
	plc_sim_cpu = cpu;
	plc_sim_irqs_off = irqs;
	if (!ipf.irq)
		return;
	ipf.irq_got = pcpu_lookup_cache_lookup(cache, ipf.filled, &token);
	if (!ipf.irq_got)
		pcpu_lookup_cache_fill(cache, ipf.filled,
				       plc_val(ipf.filled, 2), token);
}

static void ipi_in_fill_one(const struct plc_geom *g, enum fill_case fc,
			    unsigned int j, int n, enum ipi_action a, bool irq)
{
	unsigned long keys[PCPU_LOOKUP_CACHE_MAX_WAYS + 3], next = 1, token;
	struct pcpu_lookup_cache_stats s0, s1;
	struct pcpu_lookup_cache cache;
	unsigned int set = g->sets - 1, w, ways = g->ways, nfull, writes;
	struct pcpu_lookup_cache_entry *e;
	unsigned long key;
	bool kept;
	void *val;
	int c;

	if (plc_test_failed)
		return;
	plc_keys_in_set(g->sets, set, keys, ways + 3, &next);
	nfull = fc == F_EMPTY ? j : ways;
	key = fc == F_UPDATE ? keys[j] : keys[ways];
	val = plc_val(key, 1);
	CHECK_EQ(pcpu_lookup_cache_init(&cache, g->sets, ways), 0);
	/* Both CPUs hold the first nfull keys. */
	for (c = 1; c >= 0; c--) {
		plc_sim_set_cpu(c);
		for (w = 0; w < nfull; w++)
			plc_get(&cache, keys[w], plc_val(keys[w], 0));
	}
	plc_pc(&cache, 0)->victim[set] = j;
	ipf.filled = key;
	ipf.prev = plc_way(&cache, 0, set, j)->key ?: keys[ways + 1];
	ipf.other = ways > 1 ? keys[(j + 1) % ways] : keys[ways + 2];
	ipf.a = a;
	ipf.fire_at = n;
	ipf.calls = 0;
	ipf.step = -1;
	ipf.ret = -1;
	ipf.irq = irq;
	ipf.irq_got = NULL;

	plc_lookup_for_fill(&cache, key, &token);
	plc_stats(&cache, 0, &s0);
	writes = plc_pc(&cache, 0)->writes;
	cache.test_hook = ipi_in_fill_hook;
	pcpu_lookup_cache_fill(&cache, key, val, token);
	cache.test_hook = NULL;
	plc_stats(&cache, 0, &s1);

	CHECK_EQ(ipf.step, PCPU_LOOKUP_CACHE_STEP_FILL_CLEAR + n);
	CHECK_EQ(ipf.ret, 0);
	CHECK(plc_pc(&cache, 0)->writes != writes);
	/*
	 * Undone, and the IRQ's fill dropped. The IRQ's lookup sees the new
	 * entry, whole, only if the fill had stored the key and the IPI left
	 * it: a lookup nested in the fill's preemption-disabled region.
	 */
	kept = n == 2 && (a == I_INVAL_OTHER ||
			  (a == I_INVAL_PREV && ipf.prev != key));
	CHECK_EQ(s1.fills, s0.fills);
	CHECK_EQ(s1.dropped, s0.dropped + 1 + (irq && !kept));
	CHECK_PTR(ipf.irq_got, irq && kept ? val : NULL);
	/*
	 * A flush or suspend interrupts only the CPUs that filled since the
	 * last flush: CPU 1 if it holds keys, CPU 0 too if this fill had
	 * already set its flag, after storing the value. Otherwise the fill
	 * undoes itself alone. Either way the fill leaves the flag set.
	 */
	if (a >= I_FLUSH) {
		CHECK_EQ(s1.ipis - s0.ipis, nfull > 0 || n >= 1);
		CHECK_EQ(plc_ipis_of(&cache, 1), nfull > 0);
	}
	CHECK_EQ(plc_pc(&cache, 0)->filled, 1);
	for (c = 0; c < 2; c++) {
		CHECK_EQ(plc_pc(&cache, c)->fill_busy, 0);
		CHECK(plc_pc(&cache, c)->victim[set] < ways);
		if (c == 0 || a == I_INVAL_FILLED || a == I_INVAL_MANY ||
		    a >= I_FLUSH)
			CHECK_EQ(plc_find(&cache, c, key), -1);
		if (a == I_INVAL_PREV || a == I_INVAL_MANY)
			CHECK_EQ(plc_find(&cache, c, ipf.prev), -1);
		if (a == I_INVAL_OTHER)
			CHECK_EQ(plc_find(&cache, c, ipf.other), -1);
		for (w = 0; w < ways; w++) {
			e = plc_way(&cache, c, set, w);
			if (a >= I_FLUSH)
				CHECK_EQ(e->key, 0);
			if (e->key)
				CHECK_PTR(e->val, plc_val(e->key, 0));
		}
	}
	if (a == I_SUSPEND) {
		plc_sim_set_cpu(1);
		CHECK_EQ(pcpu_lookup_cache_resume(&cache), 0);
		plc_sim_set_cpu(0);
	}
	pcpu_lookup_cache_destroy(&cache);
	if (plc_test_failed)
		printf("    %ux%u case %d way %u at hook call %d %s%s\n",
		       g->sets, ways, fc, j, n, ipi_name[a],
		       irq ? " + IRQ fill" : "");
}

static void ipi_in_fill(const void *arg)
{
	const struct plc_geom *g = arg;
	unsigned int j;
	int fc, n, a, irq;

	for (j = 0; j < g->ways && !plc_test_failed; j++)
		for (fc = 0; fc <= F_UPDATE; fc++)
			for (n = 0; n <= 2; n++)
				for (a = 0; a < NR_IPI_ACTIONS; a++)
					for (irq = 0; irq <= 1; irq++)
						ipi_in_fill_one(g, fc, j, n, a,
								irq);
}

/*
 * Contract 4 for a flush: the IPI of a flush that advanced the sequence
 * before the lookup took its token may land in the fill, which then keeps
 * its key. At the first two hook calls the way holds no key yet, so the
 * IPI leaves it, and the fill stores it after: its CPU must keep the
 * filled flag set, or the next flush skips the CPU and the entry stays.
 * At the third the key is stored, and the IPI clears it. The late IPI is
 * pcpu_lookup_cache_flush_cpu() on the filling CPU, with no advance.
 */
static int late_at, late_calls;

static void late_flush_hook(struct pcpu_lookup_cache *cache,
			    enum pcpu_lookup_cache_step step, unsigned int way)
{
	if (late_calls++ == late_at)
		pcpu_lookup_cache_flush_cpu(cache, plc_sim_cpu);
}

static void late_flush(const void *arg)
{
	const struct plc_geom *g = arg;
	struct pcpu_lookup_cache cache;
	unsigned long token, key = 100, other = 200;
	long ipis;
	void *val = plc_val(key, 0);
	int at;

	for (at = 0; at <= 2 && !plc_test_failed; at++) {
		CHECK_EQ(pcpu_lookup_cache_init(&cache, g->sets, g->ways), 0);
		/* CPU 0 has filled before: its flag is set at the hook. */
		plc_fill_on(&cache, 0, other, plc_val(other, 0));
		CHECK(!pcpu_lookup_cache_lookup(&cache, key, &token));
		late_at = at;
		late_calls = 0;
		cache.test_hook = late_flush_hook;
		pcpu_lookup_cache_fill(&cache, key, val, token);
		cache.test_hook = NULL;
		CHECK_EQ(late_calls, 3);
		CHECK_EQ(plc_pc(&cache, 0)->fill_busy, 0);
		CHECK_EQ(plc_find(&cache, 0, other), -1);
		CHECK_PTR(pcpu_lookup_cache_lookup(&cache, key, &token),
			  at < 2 ? val : NULL);
		CHECK_EQ(plc_pc(&cache, 0)->filled, 1);
		/* The next flush reaches CPU 0 and leaves nothing there. */
		ipis = plc_ipis_of(&cache, 0);
		CHECK_EQ(pcpu_lookup_cache_flush(&cache), 0);
		CHECK_EQ(plc_ipis_of(&cache, 0), ipis + 1);
		CHECK_EQ(plc_find(&cache, 0, key), -1);
		CHECK_EQ(plc_pc(&cache, 0)->filled, 0);
		pcpu_lookup_cache_destroy(&cache);
		if (plc_test_failed)
			printf("    %ux%u late flush at hook call %d\n",
			       g->sets, g->ways, at);
	}
}

void test_ipi_in_fill(void)
{
	plc_geom_subtests("ipi_in_fill", ipi_in_fill, plc_hook_geoms,
			  PLC_NR_HOOK_GEOMS);
}

void test_late_flush(void)
{
	plc_geom_subtests("late_flush", late_flush, plc_hook_geoms,
			  PLC_NR_HOOK_GEOMS);
}

#else /* !CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST: no hook to test with */

void test_ipi_in_fill(void)
{
}

void test_late_flush(void)
{
}

#endif
