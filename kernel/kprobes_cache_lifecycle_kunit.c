// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the kprobes lookup cache: a probe that every CPU has
 * cached is aggregated, unregistered and freed, replaced, disabled and
 * enabled, killed as its module goes away, or optimized, also while a CPU
 * is offline.
 *
 * Every case probes a function of kernel/kprobes_cache_kunit_util.c, hits
 * the probe on every online CPU before and after the event that changes
 * what the hash list returns for its address, and checks that the
 * handlers of the right probes ran, the right number of times, and that
 * no CPU's cache holds an entry that the hash list no longer returns.
 * Probes are allocated and freed, so that KASAN reports a stale cached
 * probe. Each case runs on the int3 path (the breakpoint path on any
 * architecture: a probe after the function's ftrace site, if any, with a
 * post_handler so that it is not optimized) and where it applies on the
 * ftrace path (a probe on the function entry), with the cache on and off.
 * The ftrace variants skip without CONFIG_KPROBES_ON_FTRACE (arm64,
 * riscv), the optimized case without CONFIG_OPTPROBES.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/kprobes.h>
#include <linux/preempt.h>

#include "kprobes_cache.h"
#include "kprobes_cache_kunit.h"

static const struct kpc_param kpc_params[] = {
	{ true, false, "int3_cache_on" },
	{ false, false, "int3_cache_off" },
	{ true, true, "ftrace_cache_on" },
	{ false, true, "ftrace_cache_off" },
};

KUNIT_ARRAY_PARAM(kpc, kpc_params, kpc_param_desc);
KUNIT_ARRAY_PARAM(kpc_int3, kpc_int3_params, kpc_param_desc);

/*
 * An aggregator replaces a probe that every CPU has cached: all CPUs must
 * run both probes from then on. Then it is dissolved again.
 */
static void kpc_test_aggregate(struct kunit *test)
{
	const struct kpc_param *param = kpc_setup(test);
	kprobe_opcode_t *addr = kpc_addr(param);
	struct kpc_probe *a, *b;
	int n;

	a = kpc_register(test, addr, true);
	n = kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, n);

	b = kpc_register(test, addr, true);
	kpc_expect_coherent(test, addr, 1);
	kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, 2 * n);
	kpc_expect_hits(test, param, b, n);

	kpc_unregister_free(b);
	kpc_expect_coherent(test, addr, 1);
	kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, 3 * n);

	kpc_unregister_free(a);
	kpc_expect_coherent(test, addr, 1);
	kpc_hit_all(test, param);
}

/* A cached probe is unregistered and freed; another one takes its address. */
static void kpc_test_reregister(struct kunit *test)
{
	const struct kpc_param *param = kpc_setup(test);
	kprobe_opcode_t *addr = kpc_addr(param);
	struct kpc_probe *a;
	int n;

	a = kpc_register(test, addr, true);
	n = kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, n);

	kpc_unregister_free(a);	/* KASAN poisons it */
	kpc_expect_new_probe(test, param, addr, n);
}

static void kpc_test_disable_enable(struct kunit *test)
{
	const struct kpc_param *param = kpc_setup(test);
	kprobe_opcode_t *addr = kpc_addr(param);
	struct kpc_probe *a;
	int n;

	a = kpc_register(test, addr, true);
	n = kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, n);

	KUNIT_EXPECT_EQ(test, disable_kprobe(&a->kp), 0);
	kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, n);

	KUNIT_EXPECT_EQ(test, enable_kprobe(&a->kp), 0);
	kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, 2 * n);
	kpc_expect_coherent(test, addr, 1);
	kpc_unregister_free(a);
}

/*
 * A CPU goes offline with a probe in its cache; the probe is unregistered
 * and freed and another one registered at its address before the CPU
 * comes back.
 */
static void kpc_test_hotplug(struct kunit *test)
{
	const struct kpc_param *param = kpc_setup(test);
	kprobe_opcode_t *addr = kpc_addr(param);
	struct kpc_probe *a, *b;
	unsigned int cpu;
	int n, ret;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs");
	cpu = cpumask_last(cpu_online_mask);

	a = kpc_register(test, addr, true);
	n = kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, n);

	ret = remove_cpu(cpu);
	if (ret) {
		kpc_unregister_free(a);
		kunit_skip(test, "cannot offline CPU %u: %d", cpu, ret);
	}
	kpc_unregister_free(a);
	b = kpc_register(test, addr, true);
	KUNIT_EXPECT_EQ(test, add_cpu(cpu), 0);

	KUNIT_EXPECT_EQ(test, kpc_hit_all(test, param), n);
	kpc_expect_hits(test, param, b, n);
	kpc_expect_coherent(test, addr, 1);
	kpc_unregister_free(b);
	kpc_hit_all(test, param);
}

/*
 * The module-unload-then-re-register path: a probe that every CPU has
 * cached is disabled and then killed as kprobes_module_callback() kills
 * the probes of a module that goes away (GONE, insn slot freed; it stays
 * on the hash list). A new probe at its address makes
 * register_aggr_kprobe() revive it. On the ftrace path the GONE probe is
 * a plain one, and init_aggr_kprobe() replaces it on the hash list with an
 * aggregator: no CPU may still find the GONE probe in its cache, which
 * would skip the new probe. On the int3 path with optprobes,
 * try_to_optimize_kprobe() already wrapped the probe in an aggregator when
 * it was registered (it is optimizable), so the same aggregator is revived
 * with a new insn slot and the hash list does not change; without
 * optprobes the int3 path goes as the ftrace path.
 */
static void kpc_test_gone(struct kunit *test)
{
	const struct kpc_param *param = kpc_setup(test);
	kprobe_opcode_t *addr = kpc_addr(param);
	struct kpc_probe *a, *b;
	int n;

	a = kpc_register(test, addr, true);
	n = kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, n);
	KUNIT_EXPECT_EQ(test, kpc_expect_coherent(test, addr, 1),
			param->cache ? n : 0);

	KUNIT_ASSERT_EQ(test, disable_kprobe(&a->kp), 0);
	kprobe_cache_kunit_kill(&a->kp);
	KUNIT_EXPECT_TRUE(test, kprobe_gone(&a->kp));
	/* Still cached, and still what the hash list returns */
	KUNIT_EXPECT_EQ(test, kpc_expect_coherent(test, addr, 1),
			param->cache ? n : 0);

	b = kpc_register(test, addr, true);
	preempt_disable();
	KUNIT_EXPECT_PTR_NE(test, get_kprobe(addr), &a->kp);
	preempt_enable();
	kpc_expect_coherent(test, addr, 1);
	kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, n);
	kpc_expect_hits(test, param, b, n);
	kpc_expect_coherent(test, addr, 1);

	kpc_unregister_free(a);
	kpc_hit_all(test, param);
	kpc_expect_hits(test, param, b, 2 * n);
	kpc_unregister_free(b);
	kpc_expect_new_probe(test, param, addr, n);
}

/*
 * A probe without post_handler is cached on every CPU, then jump-optimized
 * by the delayed optimizer, then unregistered: the optimizer takes its
 * aggregator off the hash list and frees it later. Skips without
 * optprobes, and when the optimizer left the probe alone (sysctl
 * debug.kprobes-optimization=0, an instruction it cannot replace).
 */
static void kpc_test_optimized(struct kunit *test)
{
	const struct kpc_param *param;
	kprobe_opcode_t *addr;
	struct kpc_probe *a;
	bool optimized;
	int n;

	if (!IS_ENABLED(CONFIG_OPTPROBES))
		kunit_skip(test, "no optimized kprobes (CONFIG_OPTPROBES=n)");
	param = kpc_setup(test);
	addr = kpc_addr(param);
	a = kpc_register(test, addr, false);
	n = kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, n);

	wait_for_kprobe_optimizer();
	preempt_disable();
	optimized = kprobe_optimized(get_kprobe(addr));
	preempt_enable();
	if (!optimized) {
		kpc_unregister_free(a);
		kunit_skip(test, "the optimizer did not optimize the probe at %pS",
			   addr);
	}
	kunit_info(test, "probe optimized");
	kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, 2 * n);
	kpc_expect_coherent(test, addr, 1);

	kpc_unregister_free(a);
	wait_for_kprobe_optimizer();	/* frees the aggregator */
	kpc_expect_new_probe(test, param, addr, n);
}

static struct kunit_case kprobes_cache_lifecycle_cases[] = {
	KUNIT_CASE_PARAM(kpc_test_aggregate, kpc_gen_params),
	KUNIT_CASE_PARAM(kpc_test_reregister, kpc_gen_params),
	KUNIT_CASE_PARAM(kpc_test_disable_enable, kpc_gen_params),
	KUNIT_CASE_PARAM(kpc_test_hotplug, kpc_gen_params),
	KUNIT_CASE_PARAM(kpc_test_gone, kpc_gen_params),
	KUNIT_CASE_PARAM(kpc_test_optimized, kpc_int3_gen_params),
	{}
};

static struct kunit_suite kprobes_cache_lifecycle_suite = {
	.name = "kprobes_cache_lifecycle",
	.suite_init = kpc_suite_init,
	.suite_exit = kpc_suite_exit,
	.exit = kpc_exit,
	.test_cases = kprobes_cache_lifecycle_cases,
};

kunit_test_suite(kprobes_cache_lifecycle_suite);
