// SPDX-License-Identifier: GPL-2.0
/*
 * Runtime of the userspace shims in shim.h: simulated CPUs, CPU hotplug,
 * IPIs, a counting allocator with failure injection, seq_file and debugfs.
 */
#include <stdarg.h>

#include "shim.h"

__thread int plc_sim_cpu;
__thread int plc_sim_irqs_off;
bool plc_sim_online[PLC_NR_CPUS] = { [0 ... PLC_NR_CPUS - 1] = true };
struct plc_shim_stats plc_shim;

static long fail_at;		/* allocation call number to fail, 0: none */
static bool fail_after;		/* and every call after it */
static int fail_setup_err, fail_add_err, fail_debugfs_err;
static int cpus_locked;

void plc_shim_bug(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: shim: %s\n", file, line, what);
	plc_shim.bugs++;
}

/* Report a misuse of the emulated API by @func, and count it. */
static void shim_misuse(int line, const char *func, const char *what)
{
	fprintf(stderr, "%s:%d: shim: %s: %s\n", __FILE__, line, func, what);
	plc_shim.bugs++;
}

#define SHIM_MISUSE(what) shim_misuse(__LINE__, __func__, what)

bool plc_shim_is_err(const void *ptr)
{
	return (uintptr_t)ptr >= (uintptr_t)-4095;
}

/* Allocator. */

void plc_shim_fail_alloc(long nth, bool and_after)
{
	fail_at = nth ? plc_shim.calls + nth : 0;
	fail_after = and_after;
}

static bool alloc_should_fail(void)
{
	plc_shim.calls++;
	if (!fail_at)
		return false;
	return plc_shim.calls == fail_at ||
	       (fail_after && plc_shim.calls > fail_at);
}

/*
 * As kvzalloc(): a power-of-two size is aligned to itself up to a page,
 * a larger size to a page. The benchmark's cache simulation depends on it.
 */
void *kvzalloc_node(size_t size, gfp_t gfp, int node)
{
	size_t align = 16;
	void *p;

	(void)gfp;
	if (node != 0 && node != NUMA_NO_NODE)
		SHIM_MISUSE("bad node");
	if (alloc_should_fail())
		return NULL;
	if (!size)
		size = 1;
	if (size >= 4096)
		align = 4096;
	else if (is_power_of_2(size) && size > align)
		align = size;
	size = (size + align - 1) & ~(align - 1);
	p = aligned_alloc(align, size);
	if (!p)
		return NULL;
	memset(p, 0, size);
	plc_shim.allocs++;
	plc_shim.live++;
	return p;
}

void kvfree(const void *ptr)
{
	if (!ptr)
		return;
	plc_shim.frees++;
	plc_shim.live--;
	free((void *)ptr);
}

void *plc_alloc_percpu(size_t size, size_t align)
{
	void *p;

	if (align > 16)
		SHIM_MISUSE("alignment not supported");
	if (alloc_should_fail())
		return NULL;
	p = calloc(PLC_NR_CPUS, size);
	if (!p)
		return NULL;
	plc_shim.allocs++;
	plc_shim.live++;
	return (void *)((uintptr_t)p ^ PLC_PCPU_TAG);
}

void plc_free_percpu(void *ptr)
{
	if (!ptr)
		return;
	if (!((uintptr_t)ptr & PLC_PCPU_TAG))
		SHIM_MISUSE("not a per-CPU pointer");
	plc_shim.frees++;
	plc_shim.live--;
	free((void *)((uintptr_t)ptr ^ PLC_PCPU_TAG));
}

/* Locks. */

void mutex_lock(struct mutex *lock)
{
	if (plc_sim_irqs_off)
		SHIM_MISUSE("called with IRQs off");
	if (lock->locked)
		SHIM_MISUSE("deadlock");
	lock->locked = 1;
}

void mutex_unlock(struct mutex *lock)
{
	if (!lock->locked)
		SHIM_MISUSE("not locked");
	lock->locked = 0;
}

void cpus_read_lock(void)
{
	if (plc_sim_irqs_off)
		SHIM_MISUSE("called with IRQs off");
	cpus_locked++;
}

void cpus_read_unlock(void)
{
	if (!cpus_locked)
		SHIM_MISUSE("not locked");
	cpus_locked--;
}

/* IPIs: run @func on every online CPU, this one included, IRQs off. */
void on_each_cpu(void (*func)(void *info), void *info, int wait)
{
	int saved_cpu = plc_sim_cpu, cpu;

	if (!wait)
		SHIM_MISUSE("only wait=1 is simulated");
	if (plc_sim_irqs_off)
		SHIM_MISUSE("called with IRQs off");
	if (!cpus_locked)
		SHIM_MISUSE("called without cpus_read_lock()");
	plc_shim.ipis++;
	for_each_online_cpu(cpu) {
		plc_sim_cpu = cpu;
		plc_sim_irqs_off = 1;
		func(info);
		plc_sim_irqs_off = 0;
		plc_shim.ipi_cpus++;
	}
	plc_sim_cpu = saved_cpu;
}

void synchronize_rcu(void)
{
	if (plc_sim_irqs_off)
		SHIM_MISUSE("called with IRQs off");
	plc_shim.grace_periods++;
}

/* CPU hotplug: dynamic multi-instance states. */

#define NR_DYN (CPUHP_BP_PREPARE_DYN_END - CPUHP_BP_PREPARE_DYN)

static struct {
	const char *name;
	int (*startup)(unsigned int cpu, struct hlist_node *node);
	int (*teardown)(unsigned int cpu, struct hlist_node *node);
	struct hlist_node *first;
} dyn[NR_DYN];

void plc_shim_fail_cpuhp_setup(int err)
{
	fail_setup_err = err;
}

void plc_shim_fail_cpuhp_add(int err)
{
	fail_add_err = err;
}

int cpuhp_setup_state_multi(enum cpuhp_state state, const char *name,
			    int (*startup)(unsigned int cpu,
					   struct hlist_node *node),
			    int (*teardown)(unsigned int cpu,
					    struct hlist_node *node))
{
	int i, err = fail_setup_err;

	if (state != CPUHP_BP_PREPARE_DYN)
		SHIM_MISUSE("only PREPARE_DYN");
	if (plc_sim_irqs_off)
		SHIM_MISUSE("called with IRQs off");
	fail_setup_err = 0;
	if (err)
		return err;
	for (i = 0; i < NR_DYN; i++) {
		if (!dyn[i].name) {
			dyn[i].name = name;
			dyn[i].startup = startup;
			dyn[i].teardown = teardown;
			plc_shim.states++;
			return CPUHP_BP_PREPARE_DYN + i;
		}
	}
	return -ENOSPC;
}

static int dyn_index(enum cpuhp_state state)
{
	int i = (int)state - CPUHP_BP_PREPARE_DYN;

	if (i < 0 || i >= NR_DYN || !dyn[i].name) {
		SHIM_MISUSE("cpuhp state not set up");
		return -1;
	}
	return i;
}

int cpuhp_state_add_instance_nocalls(enum cpuhp_state state,
				     struct hlist_node *node)
{
	int i = dyn_index(state), err = fail_add_err;
	struct hlist_node *n;

	fail_add_err = 0;
	if (i < 0)
		return -EINVAL;
	if (err)
		return err;
	for (n = dyn[i].first; n; n = n->next)
		if (n == node)
			SHIM_MISUSE("cpuhp instance added twice");
	node->next = dyn[i].first;
	if (node->next)
		node->next->pprev = &node->next;
	node->pprev = &dyn[i].first;
	dyn[i].first = node;
	plc_shim.instances++;
	return 0;
}

int cpuhp_state_remove_instance_nocalls(enum cpuhp_state state,
					struct hlist_node *node)
{
	int i = dyn_index(state);
	struct hlist_node *n;

	if (i < 0)
		return -EINVAL;
	for (n = dyn[i].first; n && n != node; n = n->next)
		;
	if (!n) {
		SHIM_MISUSE("removing a cpuhp instance that is not added");
		return -ENOENT;
	}
	*node->pprev = node->next;
	if (node->next)
		node->next->pprev = node->pprev;
	node->next = NULL;
	node->pprev = NULL;
	plc_shim.instances--;
	return 0;
}

void plc_sim_set_cpu(int cpu)
{
	if (cpu < 0 || cpu >= PLC_NR_CPUS || !plc_sim_online[cpu])
		SHIM_MISUSE("CPU not online");
	plc_sim_cpu = cpu;
}

int plc_sim_cpu_down(int cpu)
{
	struct hlist_node *n;
	int i;

	if (cpus_locked)
		SHIM_MISUSE("cpu_down under cpus_read_lock(): deadlock");
	if (cpu == plc_sim_cpu || !plc_sim_online[cpu]) {
		SHIM_MISUSE("bad CPU");
		return -EINVAL;
	}
	plc_sim_online[cpu] = false;
	for (i = NR_DYN - 1; i >= 0; i--) {
		if (!dyn[i].teardown)
			continue;
		for (n = dyn[i].first; n; n = n->next)
			dyn[i].teardown(cpu, n);
	}
	return 0;
}

/* The PREPARE callbacks run on the control CPU before @cpu runs. */
int plc_sim_cpu_up(int cpu)
{
	struct hlist_node *n, *next;
	int i, ret;

	if (cpus_locked)
		SHIM_MISUSE("cpu_up under cpus_read_lock(): deadlock");
	if (plc_sim_online[cpu]) {
		SHIM_MISUSE("CPU already online");
		return -EINVAL;
	}
	for (i = 0; i < NR_DYN; i++) {
		if (!dyn[i].startup)
			continue;
		for (n = dyn[i].first; n; n = next) {
			next = n->next;
			plc_shim.prepare_calls++;
			ret = dyn[i].startup(cpu, n);
			if (ret)
				return ret;
		}
	}
	plc_sim_online[cpu] = true;
	return 0;
}

/* seq_file and debugfs. */

void seq_printf(struct seq_file *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m->count >= m->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(m->buf + m->count, m->size - m->count, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= m->size - m->count)
		m->count = m->size;	/* overflow, as seq_file reports it */
	else
		m->count += n;
}

struct dentry {
	char name[64];
	void *data;
	const struct file_operations *fops;
};

void plc_shim_fail_debugfs(int err)
{
	fail_debugfs_err = err;
}

struct dentry *debugfs_create_file(const char *name, unsigned short mode,
				   struct dentry *parent, void *data,
				   const struct file_operations *fops)
{
	struct dentry *d;

	(void)mode;
	(void)parent;
	if (fail_debugfs_err)
		return (struct dentry *)(intptr_t)fail_debugfs_err;
	d = calloc(1, sizeof(*d));
	if (!d)
		return (struct dentry *)(intptr_t)-ENOMEM;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->data = data;
	d->fops = fops;
	plc_shim.debugfs_files++;
	return d;
}

void debugfs_remove(struct dentry *dentry)
{
	if (!dentry || plc_shim_is_err(dentry))
		return;
	plc_shim.debugfs_files--;
	free(dentry);
}

int plc_shim_debugfs_read(struct dentry *dentry, char *buf, size_t size)
{
	struct seq_file m = { .buf = buf, .size = size, .private = NULL };
	int ret;

	if (!dentry || plc_shim_is_err(dentry) || !size)
		return -ENOENT;
	m.private = dentry->data;
	buf[0] = '\0';
	ret = dentry->fops->show(&m, NULL);
	if (m.count >= size)
		return -EOVERFLOW;
	buf[m.count] = '\0';
	return ret;
}

const char *plc_shim_debugfs_name(struct dentry *dentry)
{
	return dentry->name;
}
