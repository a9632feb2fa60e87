// SPDX-License-Identifier: GPL-2.0
/*
 * A test module of the module address lookup cache (tree_lookup.c). The
 * build makes mod_addr_cache_test_0 to _7 from this one file, so that
 * several can be loaded at once, unloaded and loaded again
 * (tools/harness/modcache-run in the series' repository).
 *
 * On load it unwinds, with stack_trace_save(), from a 16-deep chain of its
 * own functions on every online CPU, and checks that __module_address()
 * and is_module_text_address() of every frame in its text give this
 * module, as they do for its init function and its data. Any mismatch
 * fails the load with -EINVAL.
 *
 * Parameters:
 *   fail=1      fail the load with -EAGAIN after the checks, to exercise
 *               the failure path of a load that got as far as init;
 *   bench=<n>   time <n> calls of stack_trace_save() from the chain with
 *               the cache off and on, in turn, and print ns per call.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/stacktrace.h>

#include "addr_cache_test.h"

#define MACT_DEPTH	16

static bool fail;
module_param(fail, bool, 0444);
MODULE_PARM_DESC(fail, "fail the load after the checks");

static unsigned int bench;
module_param(bench, uint, 0444);
MODULE_PARM_DESC(bench, "stack traces to time with the cache off and on");

static unsigned long mact_data = 1;

struct mact_unwind {
	unsigned long entries[64];
	unsigned int nr;
	unsigned int own;
	unsigned int bad_owner;
	unsigned int bad_text;
};

static noinline unsigned int mact_chain(unsigned int depth,
					struct mact_unwind *u)
{
	unsigned int ret;

	if (!depth) {
		u->nr = stack_trace_save(u->entries, ARRAY_SIZE(u->entries), 0);
		return u->nr;
	}
	ret = mact_chain(depth - 1, u);
	/* Not a tail call: every level keeps its frame. */
	barrier_data(u);
	return ret;
}

static void mact_check_frames(struct mact_unwind *u)
{
	unsigned int i;

	for (i = 0; i < u->nr; i++) {
		struct module *mod;
		bool text;

		if (!within_module(u->entries[i], THIS_MODULE))
			continue;
		u->own++;
		mod = mod_addr_cache_test_owner(u->entries[i], &text);
		if (mod != THIS_MODULE)
			u->bad_owner++;
		if (!text)
			u->bad_text++;
	}
}

static void mact_unwind_ipi(void *info)
{
	struct mact_unwind *u = info;

	u += smp_processor_id();
	/* Twice: the first may miss, the second must hit and agree. */
	mact_chain(MACT_DEPTH, u);
	mact_check_frames(u);
	mact_chain(MACT_DEPTH, u);
	mact_check_frames(u);
}

static u64 mact_time(struct mact_unwind *u, unsigned int loops)
{
	unsigned int i;
	u64 t0;

	t0 = ktime_get_ns();
	for (i = 0; i < loops; i++)
		mact_chain(MACT_DEPTH, u);
	return ktime_get_ns() - t0;
}

static void mact_bench(struct mact_unwind *u)
{
	u64 ns[2] = {};
	bool was = mod_addr_cache_enabled();
	int round, on;

	/* Interleaved, so that drift hits both alike. */
	for (round = 0; round < 4; round++) {
		for (on = 0; on < 2; on++) {
			if (mod_addr_cache_set_enabled(on))
				goto out;
			mact_time(u, 16);
			ns[on] += mact_time(u, bench);
		}
	}
	pr_info("bench stack_trace_save depth=%u frames=%u loops=%u off_ns=%llu on_ns=%llu\n",
		MACT_DEPTH, u->nr, 4 * bench,
		div_u64(ns[0], 4 * bench), div_u64(ns[1], 4 * bench));
out:
	mod_addr_cache_set_enabled(was);
}

static int __init mact_init(void)
{
	struct mact_unwind *u;
	unsigned int cpus = 0;
	struct module *mod;
	int cpu, err = 0;
	bool text;

	u = kcalloc(nr_cpu_ids, sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		smp_call_function_single(cpu, mact_unwind_ipi, u, 1);
		if (u[cpu].own < 2 * MACT_DEPTH || u[cpu].bad_owner ||
		    u[cpu].bad_text) {
			pr_err("cpu %d: %u frames, %u in this module (want >= %u), %u with another owner, %u not module text\n",
			       cpu, u[cpu].nr, u[cpu].own, 2 * MACT_DEPTH,
			       u[cpu].bad_owner, u[cpu].bad_text);
			err = -EINVAL;
		}
		cpus++;
	}
	cpus_read_unlock();

	mod = mod_addr_cache_test_owner((unsigned long)mact_init, &text);
	if (mod != THIS_MODULE || !text) {
		pr_err("init text: owner %s, text %d\n",
		       mod ? mod->name : "none", text);
		err = -EINVAL;
	}
	mod = mod_addr_cache_test_owner((unsigned long)&mact_data, &text);
	if (mod != THIS_MODULE || text) {
		pr_err("data: owner %s, text %d\n",
		       mod ? mod->name : "none", text);
		err = -EINVAL;
	}
	if (!err)
		pr_info("unwound on %u CPUs: ok\n", cpus);
	if (!err && bench)
		mact_bench(u);
	kfree(u);
	if (!err && fail) {
		pr_info("failing the load (fail=1)\n");
		err = -EAGAIN;
	}
	return err;
}
module_init(mact_init);

static void __exit mact_exit(void)
{
}
module_exit(mact_exit);

MODULE_DESCRIPTION("Test module of the module address lookup cache");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
