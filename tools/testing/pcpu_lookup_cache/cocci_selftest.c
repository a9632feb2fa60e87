// SPDX-License-Identifier: GPL-2.0
/*
 * Input for cocci-selftest.sh: uses of the pcpu_lookup_cache functions that
 * sleep, in and out of atomic context. It is parsed by spatch, never
 * compiled. Every call that scripts/coccinelle/api/pcpu_lookup_cache.cocci
 * must report ends its line with the comment BAD in capitals; no other line
 * may be reported.
 */

#include <linux/cpu.h>
#include <linux/local_lock.h>
#include <linux/mutex.h>
#include <linux/pcpu_lookup_cache.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

struct obj {
	struct hlist_node node;
	unsigned long key;
};

struct st {
	struct pcpu_lookup_cache cache;
	spinlock_t lock;		/* protects n */
	spinlock_t inner;		/* nests in lock */
	raw_spinlock_t raw;
	rwlock_t rw;
	struct mutex mutex;		/* serialises updates of table */
	struct hlist_head table[64];
	int n;
};

struct pcpu_obj {
	local_lock_t lock;
	int n;
};

/* DEFINE_PER_CPU() in real code; spatch does not need it. */
static struct pcpu_obj pcpu_obj;

/* Bad uses */

static void bad_spin_lock(struct st *s)
{
	spin_lock(&s->lock);
	s->n++;
	pcpu_lookup_cache_flush(&s->cache); /* BAD */
	spin_unlock(&s->lock);
}

static void bad_suspend_resume(struct st *s)
{
	spin_lock(&s->lock);
	pcpu_lookup_cache_suspend(&s->cache); /* BAD */
	spin_unlock(&s->lock);
	rcu_read_lock();
	pcpu_lookup_cache_resume(&s->cache); /* BAD */
	rcu_read_unlock();
}

static int bad_spin_lock_irqsave(struct st *s, unsigned long key)
{
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&s->lock, flags);
	ret = pcpu_lookup_cache_invalidate(&s->cache, key); /* BAD */
	spin_unlock_irqrestore(&s->lock, flags);
	return ret;
}

static void bad_raw_spin_lock_irq(struct st *s, unsigned long *keys, int nr)
{
	raw_spin_lock_irq(&s->raw);
	pcpu_lookup_cache_invalidate_many(&s->cache, keys, nr); /* BAD */
	raw_spin_unlock_irq(&s->raw);
}

static int bad_read_lock(struct st *s)
{
	int ret;

	read_lock(&s->rw);
	ret = pcpu_lookup_cache_init(&s->cache, 64, 4); /* BAD */
	read_unlock(&s->rw);
	return ret;
}

static void bad_write_lock_bh(struct st *s)
{
	write_lock_bh(&s->rw);
	pcpu_lookup_cache_destroy(&s->cache); /* BAD */
	write_unlock_bh(&s->rw);
}

static void bad_rcu(struct st *s, unsigned long key)
{
	rcu_read_lock();
	if (key)
		pcpu_lookup_cache_invalidate(&s->cache, key); /* BAD */
	rcu_read_unlock();
}

static void bad_rcu_sched(struct st *s)
{
	rcu_read_lock_sched();
	pcpu_lookup_cache_flush(&s->cache); /* BAD */
	rcu_read_unlock_sched();
}

static void bad_preempt(struct st *s)
{
	preempt_disable();
	pcpu_lookup_cache_flush(&s->cache); /* BAD */
	preempt_enable();
}

static void bad_get_cpu(struct st *s)
{
	int cpu = get_cpu();

	if (cpu == 0)
		pcpu_lookup_cache_flush(&s->cache); /* BAD */
	put_cpu();
}

static void bad_irq_disable(struct st *s)
{
	local_irq_disable();
	pcpu_lookup_cache_flush(&s->cache); /* BAD */
	local_irq_enable();
}

static void bad_irq_save(struct st *s, unsigned long key)
{
	unsigned long flags;

	local_irq_save(flags);
	pcpu_lookup_cache_invalidate(&s->cache, key); /* BAD */
	local_irq_restore(flags);
}

static void bad_bh(struct st *s)
{
	local_bh_disable();
	pcpu_lookup_cache_destroy(&s->cache); /* BAD */
	local_bh_enable();
}

static void bad_local_lock(struct st *s)
{
	unsigned long flags;

	local_lock_irqsave(&pcpu_obj.lock, flags);
	pcpu_lookup_cache_flush(&s->cache); /* BAD */
	local_unlock_irqrestore(&pcpu_obj.lock, flags);
}

/* The inner lock is dropped, the outer one is still held. */
static void bad_nested(struct st *s)
{
	spin_lock(&s->lock);
	spin_lock(&s->inner);
	s->n++;
	spin_unlock(&s->inner);
	pcpu_lookup_cache_flush(&s->cache); /* BAD */
	spin_unlock(&s->lock);
}

/* The error path leaves the loop with the lock held. */
static int bad_break_with_lock(struct st *s, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		spin_lock(&s->lock);
		if (s->n > i)
			break;
		spin_unlock(&s->lock);
	}
	pcpu_lookup_cache_flush(&s->cache); /* BAD */
	if (i < n)
		spin_unlock(&s->lock);
	return i;
}

/* Taken on one path only: a bug on that path. */
static void bad_conditional_lock(struct st *s, bool atomic)
{
	if (atomic)
		spin_lock(&s->lock);
	pcpu_lookup_cache_flush(&s->cache); /* BAD */
	if (atomic)
		spin_unlock(&s->lock);
}

static void bad_conditional_if_else(struct st *s, bool hotplug)
{
	if (hotplug) {
		cpus_read_lock();
	} else {
		s->n++;
		preempt_disable();
	}
	pcpu_lookup_cache_flush(&s->cache); /* BAD */
	if (hotplug)
		cpus_read_unlock();
	else
		preempt_enable();
}

/* The lock is dropped and taken again in the branch. */
static void bad_after_relock(struct st *s)
{
	spin_lock(&s->lock);
	if (s->n > 100) {
		spin_unlock(&s->lock);
		pcpu_lookup_cache_flush(&s->cache);
		spin_lock(&s->lock);
		s->n = 0;
	}
	pcpu_lookup_cache_flush(&s->cache); /* BAD */
	spin_unlock(&s->lock);
}

/* The branch that unlocks returns; the other one goes on locked. */
static int bad_after_error_return(struct st *s, unsigned long key)
{
	spin_lock(&s->lock);
	if (!s->n) {
		spin_unlock(&s->lock);
		return -ENOENT;
	}
	s->n--;
	pcpu_lookup_cache_invalidate(&s->cache, key); /* BAD */
	spin_unlock(&s->lock);
	return 0;
}

static int bad_before_goto_unlock(struct st *s)
{
	int ret = 0;

	spin_lock(&s->lock);
	if (!s->n) {
		ret = -ENOENT;
		goto out;
	}
	pcpu_lookup_cache_flush(&s->cache); /* BAD */
out:
	spin_unlock(&s->lock);
	return ret;
}

static void bad_trylock(struct st *s)
{
	if (spin_trylock(&s->lock)) {
		pcpu_lookup_cache_flush(&s->cache); /* BAD */
		spin_unlock(&s->lock);
	}
}

static void bad_debugfs(struct st *s)
{
	spin_lock(&s->lock);
	pcpu_lookup_cache_debugfs_create(&s->cache, "st", NULL); /* BAD */
	spin_unlock(&s->lock);
}

/* The lookup and fill are fine here; the flush is not. */
static void *bad_flush_on_miss(struct st *s, unsigned long key)
{
	unsigned long token;
	struct obj *o;

	preempt_disable();
	o = pcpu_lookup_cache_lookup(&s->cache, key, &token);
	if (!o)
		pcpu_lookup_cache_flush(&s->cache); /* BAD */
	preempt_enable();
	return o;
}

/* The CPU hotplug lock is not recursive. */
static void bad_cpus_read_lock(struct st *s, unsigned long key)
{
	cpus_read_lock();
	pcpu_lookup_cache_invalidate(&s->cache, key); /* BAD */
	cpus_read_unlock();
}

/* The _cpuslocked variants sleep all the same. */
static void bad_cpuslocked_in_spinlock(struct st *s, unsigned long key)
{
	cpus_read_lock();
	spin_lock(&s->lock);
	pcpu_lookup_cache_invalidate_cpuslocked(&s->cache, key); /* BAD */
	spin_unlock(&s->lock);
	cpus_read_unlock();
}

static void bad_cpuslocked_in_rcu(struct st *s)
{
	rcu_read_lock();
	pcpu_lookup_cache_flush_cpuslocked(&s->cache); /* BAD */
	rcu_read_unlock();
}

static void bad_guard(struct st *s, unsigned long key)
{
	if (key) {
		guard(spinlock)(&s->lock);
		s->n++;
		pcpu_lookup_cache_invalidate(&s->cache, key); /* BAD */
	}
	/* The guard's block has ended. */
	pcpu_lookup_cache_invalidate(&s->cache, key);
}

static void bad_guard_rcu(struct st *s)
{
	guard(rcu)();
	if (s->n) {
		s->n--;
		pcpu_lookup_cache_flush(&s->cache); /* BAD */
	}
}

static void bad_scoped_guard(struct st *s)
{
	scoped_guard(irqsave) {
		s->n++;
		pcpu_lookup_cache_flush(&s->cache); /* BAD */
	}
	pcpu_lookup_cache_flush(&s->cache);
}

static void bad_scoped_guard_preempt(struct st *s)
{
	scoped_guard(preempt) {
		if (s->n)
			pcpu_lookup_cache_destroy(&s->cache); /* BAD */
	}
}

/* Good uses */

static void good_after_unlock(struct st *s)
{
	spin_lock(&s->lock);
	s->n++;
	spin_unlock(&s->lock);
	pcpu_lookup_cache_flush(&s->cache);
}

static void good_after_unlock_irqrestore(struct st *s, unsigned long key)
{
	unsigned long flags;

	spin_lock_irqsave(&s->lock, flags);
	s->n++;
	spin_unlock_irqrestore(&s->lock, flags);
	pcpu_lookup_cache_invalidate(&s->cache, key);
}

static void good_sleepable(struct st *s, unsigned long key)
{
	mutex_lock(&s->mutex);
	pcpu_lookup_cache_invalidate(&s->cache, key);
	mutex_unlock(&s->mutex);
}

static void good_other_branch(struct st *s, bool fast)
{
	if (fast) {
		spin_lock(&s->lock);
		s->n++;
		spin_unlock(&s->lock);
	} else {
		pcpu_lookup_cache_flush(&s->cache);
	}
}

static int good_unlock_then_call(struct st *s)
{
	spin_lock(&s->lock);
	if (s->n > 100) {
		s->n = 0;
		spin_unlock(&s->lock);
		pcpu_lookup_cache_flush(&s->cache);
		return 1;
	}
	spin_unlock(&s->lock);
	return 0;
}

static void good_call_then_lock_in_loop(struct st *s, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		pcpu_lookup_cache_flush(&s->cache);
		spin_lock(&s->lock);
		s->n++;
		spin_unlock(&s->lock);
	}
}

static void good_unlock_relock_in_loop(struct st *s, int n)
{
	spin_lock(&s->lock);
	while (s->n < n) {
		spin_unlock(&s->lock);
		pcpu_lookup_cache_flush(&s->cache);
		spin_lock(&s->lock);
		s->n++;
	}
	spin_unlock(&s->lock);
}

/* Mixed pairs that still end with everything released. */
static void good_mixed_pairs(struct st *s)
{
	unsigned long flags;

	local_irq_save(flags);
	spin_lock(&s->lock);
	s->n++;
	spin_unlock_irqrestore(&s->lock, flags);
	pcpu_lookup_cache_flush(&s->cache);

	spin_lock_irqsave(&s->lock, flags);
	s->n++;
	spin_unlock(&s->lock);
	local_irq_restore(flags);
	pcpu_lookup_cache_flush(&s->cache);

	local_bh_disable();
	spin_lock(&s->lock);
	spin_unlock_bh(&s->lock);
	pcpu_lookup_cache_flush(&s->cache);
}

/* Taken and released under the same condition. */
static void good_conditional_lock(struct st *s, bool early)
{
	unsigned long flags;

	if (early)
		local_irq_save(flags);
	s->n++;
	if (early)
		local_irq_restore(flags);
	pcpu_lookup_cache_flush(&s->cache);
}

static void good_conditional_if_else(struct st *s, bool hotplug)
{
	if (hotplug) {
		cpus_read_lock();
	} else {
		s->n++;
		preempt_disable();
	}
	s->n++;
	if (hotplug) {
		cpus_read_unlock();
	} else {
		preempt_enable();
		s->n--;
	}
	pcpu_lookup_cache_flush(&s->cache);
}

static int good_goto_unlock(struct st *s)
{
	spin_lock(&s->lock);
	if (!s->n)
		goto unlock;
	s->n--;
	spin_unlock(&s->lock);
	pcpu_lookup_cache_flush(&s->cache);
	return 0;
unlock:
	spin_unlock(&s->lock);
	pcpu_lookup_cache_flush(&s->cache);
	return -ENOENT;
}

static void good_trylock_failed(struct st *s)
{
	if (!spin_trylock(&s->lock)) {
		pcpu_lookup_cache_flush(&s->cache);
		return;
	}
	s->n++;
	spin_unlock(&s->lock);
}

static void good_trylock_else(struct st *s)
{
	if (spin_trylock(&s->lock)) {
		s->n++;
		spin_unlock(&s->lock);
	} else {
		pcpu_lookup_cache_flush(&s->cache);
	}
}

/* Lookup and fill belong under preempt_disable(); invalidate after it. */
static struct obj *good_lookup_fill(struct st *s, unsigned long key)
{
	unsigned long token;
	struct obj *o;

	preempt_disable();
	o = pcpu_lookup_cache_lookup(&s->cache, key, &token);
	if (!o) {
		hlist_for_each_entry_rcu(o, &s->table[key & 63], node)
			if (o->key == key)
				break;
		pcpu_lookup_cache_fill(&s->cache, key, o, token);
	}
	preempt_enable();
	return o;
}

static void good_lookup_fill_irqs_off(struct st *s, unsigned long key)
{
	unsigned long flags, token;
	struct obj *o;

	local_irq_save(flags);
	o = pcpu_lookup_cache_lookup(&s->cache, key, &token);
	if (!o)
		pcpu_lookup_cache_fill(&s->cache, key, s->table[0].first, token);
	local_irq_restore(flags);
}

/* The documented removal order. */
static void good_remove(struct st *s, struct obj *o)
{
	mutex_lock(&s->mutex);
	hlist_del_rcu(&o->node);
	pcpu_lookup_cache_invalidate(&s->cache, o->key);
	mutex_unlock(&s->mutex);
	synchronize_rcu();
	kfree(o);
}

static void good_rcu_then_invalidate(struct st *s, unsigned long key)
{
	struct obj *o;

	rcu_read_lock();
	o = pcpu_lookup_cache_lookup(&s->cache, key, NULL);
	rcu_read_unlock();
	if (o)
		pcpu_lookup_cache_invalidate(&s->cache, key);
}

static void good_get_put_cpu(struct st *s)
{
	int cpu = get_cpu();

	s->n = cpu;
	put_cpu();
	pcpu_lookup_cache_flush(&s->cache);
}

static void good_guard_block_ended(struct st *s)
{
	{
		guard(raw_spinlock_irqsave)(&s->raw);
		s->n++;
	}
	pcpu_lookup_cache_flush(&s->cache);
}

static void good_guard_mutex(struct st *s)
{
	guard(mutex)(&s->mutex);
	pcpu_lookup_cache_flush(&s->cache);
}

static void good_scoped_guard_mutex(struct st *s)
{
	scoped_guard(mutex, &s->mutex) {
		s->n++;
		pcpu_lookup_cache_flush(&s->cache);
	}
	scoped_guard(spinlock, &s->lock)
		s->n++;
	pcpu_lookup_cache_flush(&s->cache);
}

/* The _cpuslocked variants are for callers that hold the lock. */
static void good_cpuslocked(struct st *s, unsigned long *keys, unsigned int n)
{
	cpus_read_lock();
	pcpu_lookup_cache_invalidate_many_cpuslocked(&s->cache, keys, n);
	pcpu_lookup_cache_flush_cpuslocked(&s->cache);
	cpus_read_unlock();
}

static void good_cpuslocked_guard(struct st *s, unsigned long key)
{
	guard(cpus_read_lock)();
	pcpu_lookup_cache_invalidate_cpuslocked(&s->cache, key);
}

/* Neither init nor destroy takes the CPU hotplug lock. */
static void good_init_cpus_read_lock(struct st *s)
{
	cpus_read_lock();
	pcpu_lookup_cache_destroy(&s->cache);
	pcpu_lookup_cache_init(&s->cache, 64, 4);
	cpus_read_unlock();
}

/* debugfs takes no CPU hotplug lock. */
static void good_debugfs_cpus_read_lock(struct st *s)
{
	cpus_read_lock();
	pcpu_lookup_cache_debugfs_create(&s->cache, "st", NULL);
	cpus_read_unlock();
}

static void good_after_cpus_read_unlock(struct st *s)
{
	cpus_read_lock();
	s->n = num_online_cpus();
	cpus_read_unlock();
	pcpu_lookup_cache_flush(&s->cache);
}

/* Locks named only in comments and strings. */
static void good_comment(struct st *s)
{
	/* spin_lock(&s->lock); is taken by our caller's caller, not here. */
	pr_info("spin_lock(&s->lock) { guard(rcu)();\n");
	pcpu_lookup_cache_flush(&s->cache);
}
