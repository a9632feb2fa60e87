// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the kprobes lookup cache: many probes removed at once,
 * by one unregister_kprobes(), one at a time in a batch of
 * kprobe_unregister_batch_begin()/end(), and as kprobe events by
 * dyn_events_release_all(), each in exactly one round of invalidation
 * IPIs, leaving no CPU with a cached probe the hash list no longer
 * returns.
 *
 * The probes are on the NOP sled of kernel/kprobes_cache_kunit_util.c and
 * have pre and post handlers; the cases run on the int3 path, with the
 * cache on and off.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/kprobes.h>
#include <linux/pcpu_lookup_cache.h>
#include <linux/preempt.h>
#include <linux/smp.h>
#include <linux/stringify.h>
#include <linux/trace_events.h>

#include "kprobes_cache.h"
#include "kprobes_cache_kunit.h"
#include "trace/trace_dynevent.h"

#define KPC_BATCH	64
#define KPC_EVENTS	16

KUNIT_ARRAY_PARAM(kpc_int3, kpc_int3_params, kpc_param_desc);

static_assert(KPC_BULK <= KPC_SLED_NOPS && KPC_BATCH <= KPC_SLED_NOPS &&
	      KPC_EVENTS <= KPC_SLED_NOPS);

static const char kpc_no_sled[] =
	"no run of " __stringify(KPC_SLED_NOPS) " NOPs in kpc_sled(), or no NOP for this arch";

/*
 * @nr probes with pre and post handlers, one on each of the first @nr
 * NOPs of the NOP sled, registered with one register_kprobes(); @kps
 * returns the array to unregister them with.
 */
static struct kpc_probe *kpc_sled_probes(struct kunit *test, int nr,
					 struct kprobe ***kps)
{
	struct kpc_probe *probes;
	int i;

	if (!kpc_sled_start)
		kunit_skip(test, "%s", kpc_no_sled);
	probes = kunit_kcalloc(test, nr, sizeof(*probes), GFP_KERNEL);
	*kps = kunit_kcalloc(test, nr, sizeof(**kps), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, probes);
	KUNIT_ASSERT_NOT_NULL(test, *kps);
	for (i = 0; i < nr; i++) {
		probes[i].kp.addr = kpc_sled_start + i;
		probes[i].kp.pre_handler = kpc_pre;
		probes[i].kp.post_handler = kpc_post;
		(*kps)[i] = &probes[i].kp;
	}
	KUNIT_ASSERT_EQ(test, register_kprobes(*kps, nr), 0);
	return probes;
}

/* KPC_BULK probes, all hit on every CPU, unregistered at once. */
static void kpc_test_bulk(struct kunit *test)
{
	struct pcpu_lookup_cache_stats before, after;
	struct kpc_probe *probes;
	struct kprobe **kps;
	unsigned long since;
	int i, n;

	const struct kpc_param *param = kpc_setup(test);

	/*
	 * Nobody has hit the new probes: whatever their registration
	 * invalidates, no CPU holds it, and no IPI is sent. The optimizer
	 * work of earlier cases, which may invalidate cached probes, is
	 * done first.
	 */
	wait_for_kprobe_optimizer();
	pcpu_lookup_cache_stats_sum(kprobe_cache_kunit_cache(), &before);
	since = kpc_rounds();
	probes = kpc_sled_probes(test, KPC_BULK, &kps);
	pcpu_lookup_cache_stats_sum(kprobe_cache_kunit_cache(), &after);
	KUNIT_EXPECT_EQ_MSG(test, after.ipis, before.ipis,
			    "IPIs for %lu invalidations at registration",
			    kpc_rounds() - since);
	n = kpc_hit_all(test, NULL);
	for (i = 0; i < KPC_BULK; i++)
		KUNIT_EXPECT_EQ(test, atomic_read(&probes[i].pre), n);
	kpc_expect_coherent(test, kpc_sled_start, KPC_BULK);

	/* Every CPU now holds them: one IPI to each. */
	pcpu_lookup_cache_stats_sum(kprobe_cache_kunit_cache(), &before);
	since = kpc_rounds();
	unregister_kprobes(kps, KPC_BULK);
	kpc_expect_rounds(test, since, 1, "unregister_kprobes()");
	pcpu_lookup_cache_stats_sum(kprobe_cache_kunit_cache(), &after);
	if (param->cache)
		KUNIT_EXPECT_EQ(test, after.ipis - before.ipis,
				num_online_cpus());
	kunit_info(test, "bulk unregister invalidated %llu entries with %llu IPIs",
		   after.invalidations - before.invalidations,
		   after.ipis - before.ipis);
	kpc_expect_coherent(test, kpc_sled_start, KPC_BULK);
	kpc_hit_all(test, NULL);
	for (i = 0; i < KPC_BULK; i++)
		KUNIT_EXPECT_EQ(test, atomic_read(&probes[i].pre), n);
}

/*
 * KPC_BATCH probes, hit on every CPU, unregistered one at a time inside
 * kprobe_unregister_batch_begin()/end(): one round of IPIs in all, no
 * CPU caches a probe during the batch, and caching works again after it.
 */
static void kpc_test_batch(struct kunit *test)
{
	const struct kpc_param *param = kpc_setup(test);
	struct kpc_probe *probes, *b;
	struct kprobe **kps;
	unsigned long since;
	int i, n;

	probes = kpc_sled_probes(test, KPC_BATCH, &kps);
	n = kpc_hit_all(test, NULL);
	KUNIT_EXPECT_EQ(test, kpc_expect_coherent(test, kpc_sled_start,
						  KPC_BATCH),
			param->cache ? KPC_BATCH * n : 0);

	since = kpc_rounds();
	kprobe_unregister_batch_begin();
	for (i = 0; i < KPC_BATCH / 2; i++)
		unregister_kprobe(kps[i]);
	/* The rest still run, and are not cached while the batch is open. */
	kpc_hit_all(test, NULL);
	for (i = 0; i < KPC_BATCH; i++)
		KUNIT_EXPECT_EQ(test, atomic_read(&probes[i].pre),
				i < KPC_BATCH / 2 ? n : 2 * n);
	KUNIT_EXPECT_EQ(test, kpc_expect_coherent(test, kpc_sled_start,
						  KPC_BATCH), 0);
	for (i = KPC_BATCH / 2; i < KPC_BATCH; i++)
		unregister_kprobe(kps[i]);
	kprobe_unregister_batch_end();
	kpc_expect_rounds(test, since, 1, "batch of unregister_kprobe()");

	b = kpc_register(test, kpc_sled_start, true);
	kpc_hit_all(test, NULL);
	kpc_expect_hits(test, param, b, n);
	KUNIT_EXPECT_EQ(test, kpc_expect_coherent(test, kpc_sled_start,
						  KPC_BATCH),
			param->cache ? n : 0);
	kpc_unregister_free(b);
	for (i = 0; i < KPC_BATCH; i++)
		KUNIT_EXPECT_EQ(test, atomic_read(&probes[i].pre),
				i < KPC_BATCH / 2 ? n : 2 * n);
}

static int kpc_lookup_fn(void *arg)
{
	struct kpc_check *c = arg;
	unsigned int i;

	preempt_disable();
	for (i = 0; i < c->nr; i++)
		c->cached += !!get_kprobe_cached(c->addr + i);
	preempt_enable();
	return 0;
}

/* Look @nr addresses from @addr up through the cache on every CPU. */
static unsigned int kpc_lookup_all(struct kunit *test, kprobe_opcode_t *addr,
				   unsigned int nr)
{
	struct kpc_check c = { .addr = addr, .nr = nr };
	int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu)
		KUNIT_EXPECT_EQ(test, smp_call_on_cpu(cpu, kpc_lookup_fn, &c,
						      false), 0);
	cpus_read_unlock();
	return c.cached;
}

/*
 * Removing all dynamic events frees KPC_EVENTS kprobe events, each with
 * its own unregister_kprobe(), in one round of IPIs, leaving no CPU with
 * a cached probe of a freed event.
 */
static void kpc_test_events(struct kunit *test)
{
	const struct kpc_param *param = kpc_setup(test);
	struct dynevent_cmd cmd;
	char name[32], loc[48], *buf;
	unsigned long since;
	int i, n;

	if (!IS_ENABLED(CONFIG_KPROBE_EVENTS))
		kunit_skip(test, "needs CONFIG_KPROBE_EVENTS");
	if (!kpc_sled_start)
		kunit_skip(test, "%s", kpc_no_sled);
	buf = kunit_kzalloc(test, MAX_DYNEVENT_CMD_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < KPC_EVENTS; i++) {
		snprintf(name, sizeof(name), "kpc_event_%d", i);
		snprintf(loc, sizeof(loc), "kpc_sled+%td",
			 (u8 *)(kpc_sled_start + i) - (u8 *)kpc_sled);
		kprobe_event_cmd_init(&cmd, buf, MAX_DYNEVENT_CMD_LEN);
		KUNIT_ASSERT_EQ(test, kprobe_event_gen_cmd_start(&cmd, name,
								 loc), 0);
		KUNIT_ASSERT_EQ_MSG(test, kprobe_event_gen_cmd_end(&cmd), 0,
				    "%s at %s", name, loc);
	}
	n = num_online_cpus();
	KUNIT_EXPECT_EQ(test, kpc_lookup_all(test, kpc_sled_start, KPC_EVENTS),
			KPC_EVENTS * n);
	KUNIT_EXPECT_EQ(test, kpc_expect_coherent(test, kpc_sled_start,
						  KPC_EVENTS),
			param->cache ? KPC_EVENTS * n : 0);

	since = kpc_rounds();
	KUNIT_EXPECT_EQ(test, dyn_events_release_all(NULL), 0);
	kpc_expect_rounds(test, since, 1, "dyn_events_release_all()");
	KUNIT_EXPECT_EQ(test, kpc_expect_coherent(test, kpc_sled_start,
						  KPC_EVENTS), 0);
	KUNIT_EXPECT_EQ(test, kpc_lookup_all(test, kpc_sled_start, KPC_EVENTS),
			0);
}

static struct kunit_case kprobes_cache_batch_cases[] = {
	KUNIT_CASE_PARAM(kpc_test_bulk, kpc_int3_gen_params),
	KUNIT_CASE_PARAM(kpc_test_batch, kpc_int3_gen_params),
	KUNIT_CASE_PARAM(kpc_test_events, kpc_int3_gen_params),
	{}
};

static struct kunit_suite kprobes_cache_batch_suite = {
	.name = "kprobes_cache_batch",
	.suite_init = kpc_suite_init,
	.suite_exit = kpc_suite_exit,
	.exit = kpc_exit,
	.test_cases = kprobes_cache_batch_cases,
};

kunit_test_suite(kprobes_cache_batch_suite);
