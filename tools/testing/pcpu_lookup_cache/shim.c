// SPDX-License-Identifier: GPL-2.0
/*
 * Runtime of the userspace shims in shim.h: simulated CPUs, CPU hotplug
 * and its lock, IPIs, a counting allocator with failure injection,
 * seq_file and debugfs, and initcalls.
 */
#include <stdarg.h>

#include "shim.h"

__thread int plc_sim_cpu;
__thread int plc_sim_irqs_off;
bool plc_sim_online[PLC_NR_CPUS] = { [0 ... PLC_NR_CPUS - 1] = true };
struct plc_shim_stats plc_shim;

static long fail_at;		/* allocation call number to fail, 0: none */
static bool fail_after;		/* and every call after it */
static int fail_debugfs_err;
static bool fail_cpumask;
static int cpus_locked;
static bool expect_bugs;

bool plc_shim_expect_bugs(bool on)
{
	bool old = expect_bugs;

	expect_bugs = on;
	return old;
}

void plc_shim_bug(const char *file, int line, const char *what)
{
	if (expect_bugs) {
		plc_shim.expected_bugs++;
		return;
	}
	fprintf(stderr, "%s:%d: shim: %s\n", file, line, what);
	plc_shim.bugs++;
}

/* Report a misuse of the emulated API by @func, and count it. */
static void shim_misuse(int line, const char *func, const char *what)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "%s: %s", func, what);
	plc_shim_bug(__FILE__, line, msg);
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

/* The CPU hotplug lock. */

void cpus_read_lock(void)
{
	if (plc_sim_irqs_off)
		SHIM_MISUSE("called with IRQs off");
	if (cpus_locked)
		SHIM_MISUSE("recursive: deadlocks against a hotplug writer");
	cpus_locked++;
}

void cpus_read_unlock(void)
{
	if (!cpus_locked)
		SHIM_MISUSE("not locked");
	cpus_locked--;
}

bool plc_shim_cpus_locked(void)
{
	return cpus_locked > 0;
}

void plc_shim_lockdep_cpus_held(const char *file, int line)
{
	if (cpus_locked)
		return;
	plc_shim.cpus_held_fails++;
	plc_shim_bug(file, line,
		     "lockdep_assert_cpus_held() without cpus_read_lock()");
}

/* Mutexes. */

void mutex_lock(struct mutex *lock)
{
	if (plc_sim_irqs_off)
		SHIM_MISUSE("called with IRQs off");
	plc_shim.mutex_locks++;
	if (lock->locked) {
		SHIM_MISUSE("recursive: deadlock");
		return;
	}
	lock->locked = true;
	plc_shim.mutexes_held++;
}

void mutex_unlock(struct mutex *lock)
{
	if (!lock->locked) {
		SHIM_MISUSE("not locked");
		return;
	}
	lock->locked = false;
	plc_shim.mutexes_held--;
}

/*
 * IPIs: run @func on every online CPU of @mask (NULL: all), this one
 * included, in CPU order, IRQs off. As in the kernel, a CPU of @mask that
 * is not online is skipped.
 */
static void shim_ipi(const struct cpumask *mask, void (*func)(void *info),
		     void *info, bool wait, const char *caller)
{
	int saved_cpu = plc_sim_cpu, cpu;

	if (!wait)
		shim_misuse(__LINE__, caller, "only wait=1 is simulated");
	if (plc_sim_irqs_off)
		shim_misuse(__LINE__, caller, "called with IRQs off");
	if (!cpus_locked)
		shim_misuse(__LINE__, caller,
			    "called without cpus_read_lock()");
	plc_shim.ipis++;
	for_each_online_cpu(cpu) {
		if (mask && !cpumask_test_cpu(cpu, mask))
			continue;
		plc_sim_cpu = cpu;
		plc_sim_irqs_off = 1;
		func(info);
		plc_sim_irqs_off = 0;
		plc_shim.ipi_cpus++;
		plc_shim.ipi_cpu[cpu]++;
	}
	plc_sim_cpu = saved_cpu;
}

void on_each_cpu(void (*func)(void *info), void *info, int wait)
{
	plc_shim.ipis_all++;
	shim_ipi(NULL, func, info, wait, __func__);
}

void on_each_cpu_mask(const struct cpumask *mask, void (*func)(void *info),
		      void *info, bool wait)
{
	if (!mask) {
		SHIM_MISUSE("NULL mask");
		return;
	}
	shim_ipi(mask, func, info, wait, __func__);
}

/* cpumask_var_t, allocated as with CONFIG_CPUMASK_OFFSTACK. */

bool plc_shim_fail_cpumask(bool on)
{
	bool old = fail_cpumask;

	fail_cpumask = on;
	return old;
}

bool zalloc_cpumask_var(cpumask_var_t *mask, gfp_t flags)
{
	plc_shim.cpumask_gfp = flags;
	if ((flags & __GFP_DIRECT_RECLAIM) && plc_sim_irqs_off)
		SHIM_MISUSE("may sleep, called with IRQs off");
	plc_shim.cpumasks++;
	*mask = NULL;
	if (fail_cpumask)
		return false;
	*mask = calloc(1, sizeof(**mask));
	if (!*mask)
		return false;
	plc_shim.cpumasks_live++;
	return true;
}

void free_cpumask_var(cpumask_var_t mask)
{
	if (!mask)
		return;
	plc_shim.cpumasks_live--;
	free(mask);
}

void plc_cpumask_bad_cpu(unsigned int cpu, const char *file, int line)
{
	(void)cpu;
	plc_shim_bug(file, line, "cpumask: bad cpu");
}

void synchronize_rcu(void)
{
	if (plc_sim_irqs_off)
		SHIM_MISUSE("called with IRQs off");
	plc_shim.grace_periods++;
}

void plc_sim_set_cpu(int cpu)
{
	if (cpu < 0 || cpu >= PLC_NR_CPUS || !plc_sim_online[cpu])
		SHIM_MISUSE("CPU not online");
	plc_sim_cpu = cpu;
}

/*
 * cpu_down() and cpu_up() take the CPU hotplug lock for write: not with
 * the read lock held. Nothing is called back; the per-CPU memory of the
 * CPU is left as it is, stale entries included.
 */
int plc_sim_cpu_down(int cpu)
{
	if (cpus_locked)
		SHIM_MISUSE("cpu_down under cpus_read_lock(): deadlock");
	if (cpu < 0 || cpu >= PLC_NR_CPUS || cpu == plc_sim_cpu ||
	    !plc_sim_online[cpu]) {
		SHIM_MISUSE("bad CPU");
		return -EINVAL;
	}
	plc_sim_online[cpu] = false;
	return 0;
}

int plc_sim_cpu_up(int cpu)
{
	if (cpus_locked)
		SHIM_MISUSE("cpu_up under cpus_read_lock(): deadlock");
	if (cpu < 0 || cpu >= PLC_NR_CPUS || plc_sim_online[cpu]) {
		SHIM_MISUSE("bad CPU or already online");
		return -EINVAL;
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

/* Every file and directory alive, newest first. */
struct dentry {
	char name[64];
	void *data;
	const struct file_operations *fops;	/* NULL: a directory */
	struct dentry *parent;
	struct dentry *next;
	unsigned short mode;
	bool unsafe;
};

static struct dentry *dentries;

void plc_shim_fail_debugfs(int err)
{
	fail_debugfs_err = err;
}

static struct dentry *shim_debugfs_create(const char *name,
					  unsigned short mode,
					  struct dentry *parent, void *data,
					  const struct file_operations *fops)
{
	struct dentry *d;

	if (plc_shim_is_err(parent))
		return parent;
	if (fail_debugfs_err)
		return (struct dentry *)(intptr_t)fail_debugfs_err;
	d = calloc(1, sizeof(*d));
	if (!d)
		return (struct dentry *)(intptr_t)-ENOMEM;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->data = data;
	d->fops = fops;
	d->parent = parent;
	d->mode = mode;
	d->next = dentries;
	dentries = d;
	plc_shim.debugfs_files++;
	return d;
}

struct dentry *debugfs_create_file(const char *name, unsigned short mode,
				   struct dentry *parent, void *data,
				   const struct file_operations *fops)
{
	if (!fops)
		SHIM_MISUSE("NULL fops");
	return shim_debugfs_create(name, mode, parent, data, fops);
}

struct dentry *debugfs_create_file_unsafe(const char *name,
					  unsigned short mode,
					  struct dentry *parent, void *data,
					  const struct file_operations *fops)
{
	struct dentry *d;

	if (!fops)
		SHIM_MISUSE("NULL fops");
	d = shim_debugfs_create(name, mode, parent, data, fops);
	if (!plc_shim_is_err(d))
		d->unsafe = true;
	return d;
}

struct dentry *debugfs_create_dir(const char *name, struct dentry *parent)
{
	return shim_debugfs_create(name, 0755, parent, NULL, NULL);
}

/* Unlink and free @dentry and everything under it. */
static void shim_debugfs_remove(struct dentry *dentry)
{
	struct dentry **pp = &dentries, *d;

	while ((d = *pp)) {
		if (d->parent == dentry) {
			shim_debugfs_remove(d);
			pp = &dentries;	/* the list changed: start over */
			continue;
		}
		if (d == dentry) {
			*pp = d->next;
			plc_shim.debugfs_files--;
			free(d);
			return;
		}
		pp = &d->next;
	}
	SHIM_MISUSE("not a live dentry");
}

void debugfs_remove(struct dentry *dentry)
{
	if (!dentry || plc_shim_is_err(dentry))
		return;
	shim_debugfs_remove(dentry);
}

void plc_shim_debugfs_remove_all(void)
{
	while (dentries) {
		struct dentry *d = dentries;

		while (d->parent)
			d = d->parent;
		shim_debugfs_remove(d);
	}
}

struct dentry *plc_shim_debugfs_lookup(const char *path)
{
	struct dentry *parent = NULL, *d;
	const char *p = path, *slash;
	size_t len;

	for (;;) {
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		for (d = dentries; d; d = d->next)
			if (d->parent == parent && strlen(d->name) == len &&
			    !strncmp(d->name, p, len))
				break;
		if (!d || !slash)
			return d;
		parent = d;
		p = slash + 1;
	}
}

/* As simple_attr_read(): get(), then the value in the format. */
int plc_shim_debugfs_attr_read(struct dentry *dentry, char *buf,
			       size_t size)
{
	u64 val;
	int ret, n;

	if (!dentry || plc_shim_is_err(dentry) || !dentry->fops || !size)
		return -ENOENT;
	if (!dentry->fops->get)
		return -EACCES;
	ret = dentry->fops->get(dentry->data, &val);
	if (ret)
		return ret;
	n = snprintf(buf, size, dentry->fops->fmt, val);
	return n < 0 || (size_t)n >= size ? -EOVERFLOW : 0;
}

/* As simple_attr_write(), the string already parsed. */
int plc_shim_debugfs_attr_write(struct dentry *dentry, u64 val)
{
	if (!dentry || plc_shim_is_err(dentry) || !dentry->fops)
		return -ENOENT;
	if (!dentry->fops->set || !(dentry->mode & 0222))
		return -EACCES;
	if (plc_sim_irqs_off)
		SHIM_MISUSE("called with IRQs off");
	return dentry->fops->set(dentry->data, val);
}

/* Initcalls, registered by constructors. */

static struct {
	plc_initcall_t fn;
	const char *name;
} initcalls[8];
static unsigned int nr_initcalls;
static bool initcalls_done;

void plc_shim_register_initcall(plc_initcall_t fn, const char *name)
{
	if (nr_initcalls >= ARRAY_SIZE(initcalls)) {
		fprintf(stderr, "shim: too many initcalls (%s)\n", name);
		abort();
	}
	initcalls[nr_initcalls].fn = fn;
	initcalls[nr_initcalls].name = name;
	nr_initcalls++;
}

int plc_shim_run_initcalls(void)
{
	unsigned int i;
	int ret, first = 0;

	if (initcalls_done) {
		SHIM_MISUSE("initcalls run twice");
		return -EBUSY;
	}
	initcalls_done = true;
	for (i = 0; i < nr_initcalls; i++) {
		ret = initcalls[i].fn();
		if (ret) {
			fprintf(stderr, "shim: initcall %s: %d\n",
				initcalls[i].name, ret);
			if (!first)
				first = ret;
		}
	}
	return first;
}

int plc_shim_debugfs_read(struct dentry *dentry, char *buf, size_t size)
{
	struct seq_file m = { .buf = buf, .size = size, .private = NULL };
	int ret;

	if (!dentry || plc_shim_is_err(dentry) || !dentry->fops ||
	    !dentry->fops->show || !size)
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
