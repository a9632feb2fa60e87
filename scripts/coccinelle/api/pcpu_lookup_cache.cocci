// SPDX-License-Identifier: GPL-2.0-only
/// Find pcpu_lookup_cache functions that sleep called in atomic context.
///
/// pcpu_lookup_cache_invalidate(), _invalidate_many(), _flush() and
/// _suspend() take the CPU hotplug lock and wait for IPIs to other CPUs,
/// as do their _cpuslocked variants, minus the lock; _resume() waits
/// for an RCU grace period; pcpu_lookup_cache_init(), _destroy() and
/// _debugfs_create() allocate or free memory and take sleeping locks. None
/// of them may be called with a spinlock, rwlock or local lock held, in an
/// RCU read-side critical section, or with preemption, IRQs or softirqs
/// disabled; and the four that take the CPU hotplug lock not with
/// cpus_read_lock() already held (the _cpuslocked variants are for that).
///
//# Only the function that takes the lock is searched: a call made through
//# a helper, or a lock released by a helper, is not seen. A spinlock and
//# its release are paired by their first argument. A call is reported if
//# some path reaches it from the lock without a release, except that an
//# "if" whose branch releases the lock and falls through also ends the
//# region, to keep out "if (C) lock(); ... if (C) unlock(); call();".
//# guard() is followed to the end of its block by a textual brace scan,
//# which unbalanced braces under #ifdef can confuse.
//
// Confidence: High
// Copyright: (C) 2026 Lookup Cache Team.
// URL: https://coccinelle.gitlabpages.inria.fr/website
// Comments: See Documentation/core-api/pcpu_lookup_cache.rst.
// Options: --no-includes --include-headers

virtual report
virtual org
virtual context

@initialize:python@
@@

# What holding each kind of lock means; the first matching prefix wins.
# guard() classes (spinlock, irqsave, rcu...) are named like their locks.
_KINDS = [
	("rcu", "inside an RCU read-side critical section"),
	("preempt", "with preemption disabled"),
	("get_cpu", "with preemption disabled"),
	("local_irq", "with IRQs disabled"),
	("raw_local_irq", "with IRQs disabled"),
	("irq", "with IRQs disabled"),
	("local_bh", "with softirqs disabled"),
	("raw_spin", "with a raw spinlock held"),
	("spin", "with a spinlock held"),
	("read_lock", "with an rwlock held"),
	("write_lock", "with an rwlock held"),
	("read_trylock", "with an rwlock held"),
	("write_trylock", "with an rwlock held"),
	("local_lock", "with a local lock held"),
]

def _what(name):
	for prefix, what in _KINDS:
		if name.startswith(prefix):
			if what.endswith("held"):
				if "_irq" in name:
					what += " and IRQs disabled"
				elif "_bh" in name:
					what += " and softirqs disabled"
			return what
	return "in atomic context"

# The functions that take cpus_read_lock() themselves; the _cpuslocked
# variants are for callers that hold it.
TAKES_HOTPLUG_LOCK = {"pcpu_lookup_cache_invalidate",
		      "pcpu_lookup_cache_invalidate_many",
		      "pcpu_lookup_cache_flush", "pcpu_lookup_cache_suspend"}

def _key(p):
	return (p[0].file, p[0].line, p[0].column)

# Calls to report: position of the call -> (message, position of the lock).
_found = {}

def found(p1, p2, f, shown):
	"""Record the call at p2 of f, in the region that shown, at p1, opened."""
	if shown.endswith("()"):
		name = shown[:-2]
	else:
		name = shown[shown.index("(") + 1:-1]
	if name == "cpus_read_lock":
		if f not in TAKES_HOTPLUG_LOCK:
			return
		msg = "ERROR: %s() takes cpus_read_lock(); called with the CPU " \
		      "hotplug lock already held, which deadlocks against a " \
		      "waiting CPU hotplug writer (%s on line %s)" % \
		      (f, shown, p1[0].line)
	else:
		msg = "ERROR: %s() sleeps; called %s (%s on line %s)" % \
		      (f, _what(name), shown, p1[0].line)
	if _key(p2) not in _found:
		_found[_key(p2)] = (msg, p1)

def is_found(p):
	return _key(p) in _found

def message(p):
	return _found[_key(p)][0]

def lock_position(p):
	return _found[_key(p)][1]

# An "if" with a branch that releases a lock and then falls through, found
# by r_release: after it the lock is held or not depending on the condition,
# as after "if (C) lock();", so the region ends there. This keeps out
#	if (C) lock(); ... if (C) unlock(); call();
# at the price of missing a call after a conditional unlock of a lock that
# was taken unconditionally. (if position) -> set of lock families.
_FAMILIES = {
	"spin": ["spin_unlock", "spin_unlock_irq", "spin_unlock_irqrestore",
		 "spin_unlock_bh", "raw_spin_unlock", "raw_spin_unlock_irq",
		 "raw_spin_unlock_irqrestore", "raw_spin_unlock_bh",
		 "read_unlock", "read_unlock_irq", "read_unlock_irqrestore",
		 "read_unlock_bh", "write_unlock", "write_unlock_irq",
		 "write_unlock_irqrestore", "write_unlock_bh", "local_unlock",
		 "local_unlock_irq", "local_unlock_irqrestore"],
	"rcu": ["rcu_read_unlock", "rcu_read_unlock_bh",
		"rcu_read_unlock_sched", "rcu_read_unlock_notrace",
		"rcu_read_unlock_sched_notrace"],
	"preempt": ["preempt_enable", "preempt_enable_notrace",
		    "preempt_enable_no_resched",
		    "preempt_enable_no_resched_notrace",
		    "sched_preempt_enable_no_resched", "put_cpu", "put_cpu_ptr",
		    "put_cpu_var"],
	"irq": ["local_irq_enable", "local_irq_restore",
		"raw_local_irq_enable", "raw_local_irq_restore",
		"spin_unlock_irq", "spin_unlock_irqrestore",
		"raw_spin_unlock_irq", "raw_spin_unlock_irqrestore",
		"read_unlock_irq", "read_unlock_irqrestore", "write_unlock_irq",
		"write_unlock_irqrestore", "local_unlock_irq",
		"local_unlock_irqrestore"],
	"bh": ["local_bh_enable", "local_bh_enable_ip", "spin_unlock_bh",
	       "raw_spin_unlock_bh", "read_unlock_bh", "write_unlock_bh",
	       "rcu_read_unlock_bh"],
	"hotplug": ["cpus_read_unlock"],
}
_release_ifs = {}

def set_release(q, unlock):
	for family, names in _FAMILIES.items():
		if unlock in names:
			_release_ifs.setdefault(_key(q), set()).add(family)

def releases(q, family):
	"""True if the if at q ends a region of the lock family."""
	return family in _release_ifs.get(_key(q), ())

# guard(): the lock is held to the end of the innermost block around it.
# (chr(): the SmPL lexer does not take backslashes or comment markers in
# script strings.)
_BSL, _SLASH, _QUOTES = chr(92), chr(47), chr(34) + chr(39)
_blanked = {}

def _blank(text):
	"""text with comments, literals and preprocessor lines blanked."""
	out = list(text)
	i, n, bol = 0, len(text), True
	while i < n:
		c = text[i]
		if c == "\n":
			bol = True
			i += 1
			continue
		if c in " \t":
			i += 1
			continue
		j = i + 1
		if bol and c == "#":
			while j < n and (text[j] != "\n" or text[j - 1] == _BSL):
				j += 1
		elif text.startswith(_SLASH + "*", i):
			j = text.find("*" + _SLASH, i + 2)
			j = n if j < 0 else j + 2
		elif text.startswith(_SLASH + _SLASH, i):
			j = text.find("\n", i)
			j = n if j < 0 else j
		elif c in _QUOTES:
			while j < n and text[j] != c and text[j] != "\n":
				j += 2 if text[j] == _BSL else 1
			j = min(j + 1, n)
		else:
			bol = False
			i += 1
			continue
		for k in range(i, j):
			if out[k] != "\n":
				out[k] = " "
		i = j
	return "".join(out)

def same_block(p1, p2):
	"""True if p2 follows p1 in the innermost block around p1."""
	fname = p1[0].file
	if fname not in _blanked:
		try:
			with open(fname, encoding="latin-1") as fd:
				text = _blank(fd.read())
		except OSError:
			return True
		starts = [0]
		for line in text.split("\n"):
			starts.append(starts[-1] + len(line) + 1)
		_blanked[fname] = (text, starts)
	text, starts = _blanked[fname]
	o1 = starts[int(p1[0].line) - 1] + int(p1[0].column)
	o2 = starts[int(p2[0].line) - 1] + int(p2[0].column)
	if o2 <= o1:
		return False
	depth, k = 0, o1 - 1
	while k >= 0:
		if text[k] == "}":
			depth += 1
		elif text[k] == "{":
			if depth == 0:
				break
			depth -= 1
		k -= 1
	if k < 0:
		return True
	depth, k = 0, k + 1
	while k < len(text):
		if text[k] == "{":
			depth += 1
		elif text[k] == "}":
			if depth == 0:
				break
			depth -= 1
		k += 1
	return o2 < k

// ------------------------------------------------------------------------
// Ifs with a branch that releases a lock and falls through: see
// set_release().

@r_release exists@
identifier unlock = {spin_unlock, spin_unlock_irq, spin_unlock_irqrestore,
	spin_unlock_bh, raw_spin_unlock, raw_spin_unlock_irq,
	raw_spin_unlock_irqrestore, raw_spin_unlock_bh, read_unlock,
	read_unlock_irq, read_unlock_irqrestore, read_unlock_bh, write_unlock,
	write_unlock_irq, write_unlock_irqrestore, write_unlock_bh,
	local_unlock, local_unlock_irq, local_unlock_irqrestore,
	rcu_read_unlock, rcu_read_unlock_bh, rcu_read_unlock_sched,
	rcu_read_unlock_notrace, rcu_read_unlock_sched_notrace,
	preempt_enable, preempt_enable_notrace, preempt_enable_no_resched,
	preempt_enable_no_resched_notrace, sched_preempt_enable_no_resched,
	put_cpu, put_cpu_ptr, put_cpu_var, local_irq_enable, local_irq_restore,
	raw_local_irq_enable, raw_local_irq_restore, local_bh_enable,
	local_bh_enable_ip, cpus_read_unlock};
identifier lock = {spin_lock, spin_lock_nested, spin_lock_nest_lock,
	spin_lock_irq, spin_lock_irqsave, spin_lock_irqsave_nested,
	spin_lock_bh, raw_spin_lock, raw_spin_lock_nested,
	raw_spin_lock_nest_lock, raw_spin_lock_irq, raw_spin_lock_irqsave,
	raw_spin_lock_irqsave_nested, raw_spin_lock_bh, read_lock,
	read_lock_irq, read_lock_irqsave, read_lock_bh, write_lock,
	write_lock_nested, write_lock_irq, write_lock_irqsave, write_lock_bh,
	local_lock, local_lock_irq, local_lock_irqsave, rcu_read_lock,
	rcu_read_lock_bh, rcu_read_lock_sched, rcu_read_lock_notrace,
	rcu_read_lock_sched_notrace, preempt_disable, preempt_disable_notrace,
	get_cpu, get_cpu_ptr, get_cpu_var, local_irq_disable, local_irq_save,
	raw_local_irq_disable, raw_local_irq_save, local_bh_disable,
	cpus_read_lock};
expression C, E;
statement S;
identifier l;
position q;
@@

(
if@q (C)
	unlock(E, ...);
|
if@q (C)
	unlock();
|
if@q (C)
	unlock(E, ...);
else S
|
if@q (C)
	unlock();
else S
|
if@q (C) S else
	unlock(E, ...);
|
if@q (C) S else
	unlock();
|
if@q (C) {
	...
	unlock(E, ...);
	... when != lock(...)
	    when != return ...;
	    when != goto l;
	    when != break;
	    when != continue;
} else S
|
if@q (C) {
	...
	unlock();
	... when != lock(...)
	    when != return ...;
	    when != goto l;
	    when != break;
	    when != continue;
} else S
|
if@q (C) {
	...
	unlock(E, ...);
	... when != lock(...)
	    when != return ...;
	    when != goto l;
	    when != break;
	    when != continue;
}
|
if@q (C) {
	...
	unlock();
	... when != lock(...)
	    when != return ...;
	    when != goto l;
	    when != break;
	    when != continue;
}
|
if@q (C) S else {
	...
	unlock(E, ...);
	... when != lock(...)
	    when != return ...;
	    when != goto l;
	    when != break;
	    when != continue;
}
|
if@q (C) S else {
	...
	unlock();
	... when != lock(...)
	    when != return ...;
	    when != goto l;
	    when != break;
	    when != continue;
}
)

@script:python@
q << r_release.q;
unlock << r_release.unlock;
@@

set_release(q, unlock)

// ------------------------------------------------------------------------
// Spinlocks, rwlocks and local locks: a release of the same lock (the
// first argument) ends the region.

@r_spin exists@
identifier f = {pcpu_lookup_cache_init, pcpu_lookup_cache_destroy,
	pcpu_lookup_cache_invalidate, pcpu_lookup_cache_invalidate_many,
	pcpu_lookup_cache_flush, pcpu_lookup_cache_suspend,
	pcpu_lookup_cache_resume, pcpu_lookup_cache_debugfs_create,
	pcpu_lookup_cache_invalidate_cpuslocked,
	pcpu_lookup_cache_invalidate_many_cpuslocked,
	pcpu_lookup_cache_flush_cpuslocked};
identifier lock = {spin_lock, spin_lock_nested, spin_lock_nest_lock,
	spin_lock_irq, spin_lock_irqsave, spin_lock_irqsave_nested,
	spin_lock_bh, raw_spin_lock, raw_spin_lock_nested,
	raw_spin_lock_nest_lock, raw_spin_lock_irq, raw_spin_lock_irqsave,
	raw_spin_lock_irqsave_nested, raw_spin_lock_bh, read_lock,
	read_lock_irq, read_lock_irqsave, read_lock_bh, write_lock,
	write_lock_nested, write_lock_irq, write_lock_irqsave, write_lock_bh,
	local_lock, local_lock_irq, local_lock_irqsave};
identifier unlock = {spin_unlock, spin_unlock_irq, spin_unlock_irqrestore,
	spin_unlock_bh, raw_spin_unlock, raw_spin_unlock_irq,
	raw_spin_unlock_irqrestore, raw_spin_unlock_bh, read_unlock,
	read_unlock_irq, read_unlock_irqrestore, read_unlock_bh, write_unlock,
	write_unlock_irq, write_unlock_irqrestore, write_unlock_bh,
	local_unlock, local_unlock_irq, local_unlock_irqrestore};
expression C, E;
statement S1, S2, S3;
position q : script:python() { releases(q, "spin") };
position p1, p2;
@@

lock@p1(E, ...)
... when != unlock(E, ...)
    when != if@q (C) S1 else S2
    when != if@q (C) S3
f@p2(...)

@script:python@
f << r_spin.f;
lock << r_spin.lock;
p1 << r_spin.p1;
p2 << r_spin.p2;
@@

found(p1, p2, f, lock + "()")

// RCU read-side critical sections.

@r_rcu exists@
identifier f = {pcpu_lookup_cache_init, pcpu_lookup_cache_destroy,
	pcpu_lookup_cache_invalidate, pcpu_lookup_cache_invalidate_many,
	pcpu_lookup_cache_flush, pcpu_lookup_cache_suspend,
	pcpu_lookup_cache_resume, pcpu_lookup_cache_debugfs_create,
	pcpu_lookup_cache_invalidate_cpuslocked,
	pcpu_lookup_cache_invalidate_many_cpuslocked,
	pcpu_lookup_cache_flush_cpuslocked};
identifier lock = {rcu_read_lock, rcu_read_lock_bh, rcu_read_lock_sched,
	rcu_read_lock_notrace, rcu_read_lock_sched_notrace};
identifier unlock = {rcu_read_unlock, rcu_read_unlock_bh,
	rcu_read_unlock_sched, rcu_read_unlock_notrace,
	rcu_read_unlock_sched_notrace};
expression C;
statement S1, S2, S3;
position q : script:python() { releases(q, "rcu") };
position p1, p2;
@@

lock@p1()
... when != unlock()
    when != if@q (C) S1 else S2
    when != if@q (C) S3
f@p2(...)

@script:python@
f << r_rcu.f;
lock << r_rcu.lock;
p1 << r_rcu.p1;
p2 << r_rcu.p2;
@@

found(p1, p2, f, lock + "()")

// Preemption disabled.

@r_preempt exists@
identifier f = {pcpu_lookup_cache_init, pcpu_lookup_cache_destroy,
	pcpu_lookup_cache_invalidate, pcpu_lookup_cache_invalidate_many,
	pcpu_lookup_cache_flush, pcpu_lookup_cache_suspend,
	pcpu_lookup_cache_resume, pcpu_lookup_cache_debugfs_create,
	pcpu_lookup_cache_invalidate_cpuslocked,
	pcpu_lookup_cache_invalidate_many_cpuslocked,
	pcpu_lookup_cache_flush_cpuslocked};
identifier lock = {preempt_disable, preempt_disable_notrace, get_cpu,
	get_cpu_ptr, get_cpu_var};
identifier unlock = {preempt_enable, preempt_enable_notrace,
	preempt_enable_no_resched, preempt_enable_no_resched_notrace,
	sched_preempt_enable_no_resched, put_cpu, put_cpu_ptr, put_cpu_var};
expression C;
statement S1, S2, S3;
position q : script:python() { releases(q, "preempt") };
position p1, p2;
@@

lock@p1(...)
... when != unlock(...)
    when != if@q (C) S1 else S2
    when != if@q (C) S3
f@p2(...)

@script:python@
f << r_preempt.f;
lock << r_preempt.lock;
p1 << r_preempt.p1;
p2 << r_preempt.p2;
@@

found(p1, p2, f, lock + "()")

// IRQs disabled: a spin_unlock_irq() or _irqrestore() also ends the
// region, whatever lock it pairs with.

@r_irq exists@
identifier f = {pcpu_lookup_cache_init, pcpu_lookup_cache_destroy,
	pcpu_lookup_cache_invalidate, pcpu_lookup_cache_invalidate_many,
	pcpu_lookup_cache_flush, pcpu_lookup_cache_suspend,
	pcpu_lookup_cache_resume, pcpu_lookup_cache_debugfs_create,
	pcpu_lookup_cache_invalidate_cpuslocked,
	pcpu_lookup_cache_invalidate_many_cpuslocked,
	pcpu_lookup_cache_flush_cpuslocked};
identifier lock = {local_irq_disable, local_irq_save, raw_local_irq_disable,
	raw_local_irq_save};
identifier unlock = {local_irq_enable, local_irq_restore,
	raw_local_irq_enable, raw_local_irq_restore, spin_unlock_irq,
	spin_unlock_irqrestore, raw_spin_unlock_irq, raw_spin_unlock_irqrestore,
	read_unlock_irq, read_unlock_irqrestore, write_unlock_irq,
	write_unlock_irqrestore, local_unlock_irq, local_unlock_irqrestore};
expression C;
statement S1, S2, S3;
position q : script:python() { releases(q, "irq") };
position p1, p2;
@@

lock@p1(...)
... when != unlock(...)
    when != if@q (C) S1 else S2
    when != if@q (C) S3
f@p2(...)

@script:python@
f << r_irq.f;
lock << r_irq.lock;
p1 << r_irq.p1;
p2 << r_irq.p2;
@@

found(p1, p2, f, lock + "()")

// Softirqs disabled: a spin_unlock_bh() also ends the region.

@r_bh exists@
identifier f = {pcpu_lookup_cache_init, pcpu_lookup_cache_destroy,
	pcpu_lookup_cache_invalidate, pcpu_lookup_cache_invalidate_many,
	pcpu_lookup_cache_flush, pcpu_lookup_cache_suspend,
	pcpu_lookup_cache_resume, pcpu_lookup_cache_debugfs_create,
	pcpu_lookup_cache_invalidate_cpuslocked,
	pcpu_lookup_cache_invalidate_many_cpuslocked,
	pcpu_lookup_cache_flush_cpuslocked};
identifier lock = {local_bh_disable};
identifier unlock = {local_bh_enable, local_bh_enable_ip, spin_unlock_bh,
	raw_spin_unlock_bh, read_unlock_bh, write_unlock_bh,
	rcu_read_unlock_bh};
expression C;
statement S1, S2, S3;
position q : script:python() { releases(q, "bh") };
position p1, p2;
@@

lock@p1()
... when != unlock(...)
    when != if@q (C) S1 else S2
    when != if@q (C) S3
f@p2(...)

@script:python@
f << r_bh.f;
lock << r_bh.lock;
p1 << r_bh.p1;
p2 << r_bh.p2;
@@

found(p1, p2, f, lock + "()")

// The CPU hotplug lock is not recursive: a second cpus_read_lock() waits
// for a CPU hotplug writer that waits for the first one.

@r_hotplug exists@
identifier f = {pcpu_lookup_cache_invalidate,
	pcpu_lookup_cache_invalidate_many, pcpu_lookup_cache_flush,
	pcpu_lookup_cache_suspend};
identifier lock = {cpus_read_lock};
expression C;
statement S1, S2, S3;
position q : script:python() { releases(q, "hotplug") };
position p1, p2;
@@

lock@p1()
... when != cpus_read_unlock()
    when != if@q (C) S1 else S2
    when != if@q (C) S3
f@p2(...)

@script:python@
f << r_hotplug.f;
lock << r_hotplug.lock;
p1 << r_hotplug.p1;
p2 << r_hotplug.p2;
@@

found(p1, p2, f, lock + "()")

// spin_trylock() and friends: the lock is held in the branch taken when
// they succeed.

@r_trylock exists@
identifier f = {pcpu_lookup_cache_init, pcpu_lookup_cache_destroy,
	pcpu_lookup_cache_invalidate, pcpu_lookup_cache_invalidate_many,
	pcpu_lookup_cache_flush, pcpu_lookup_cache_suspend,
	pcpu_lookup_cache_resume, pcpu_lookup_cache_debugfs_create,
	pcpu_lookup_cache_invalidate_cpuslocked,
	pcpu_lookup_cache_invalidate_many_cpuslocked,
	pcpu_lookup_cache_flush_cpuslocked};
identifier lock = {spin_trylock, spin_trylock_irq, spin_trylock_irqsave,
	spin_trylock_bh, raw_spin_trylock, raw_spin_trylock_irq,
	raw_spin_trylock_irqsave, raw_spin_trylock_bh, read_trylock,
	write_trylock};
identifier unlock = {spin_unlock, spin_unlock_irq, spin_unlock_irqrestore,
	spin_unlock_bh, raw_spin_unlock, raw_spin_unlock_irq,
	raw_spin_unlock_irqrestore, raw_spin_unlock_bh, read_unlock,
	write_unlock};
expression E;
statement S;
position p1, p2;
@@

(
if (lock@p1(E, ...)) {
... when != unlock(E, ...)
f@p2(...)
... when any
} else S
|
if (lock@p1(E, ...)) {
... when != unlock(E, ...)
f@p2(...)
... when any
}
)

@script:python@
f << r_trylock.f;
lock << r_trylock.lock;
p1 << r_trylock.p1;
p2 << r_trylock.p2;
@@

found(p1, p2, f, lock + "()")

// guard(class)(...): to the end of the enclosing block.

@r_guard exists@
identifier f = {pcpu_lookup_cache_init, pcpu_lookup_cache_destroy,
	pcpu_lookup_cache_invalidate, pcpu_lookup_cache_invalidate_many,
	pcpu_lookup_cache_flush, pcpu_lookup_cache_suspend,
	pcpu_lookup_cache_resume, pcpu_lookup_cache_debugfs_create,
	pcpu_lookup_cache_invalidate_cpuslocked,
	pcpu_lookup_cache_invalidate_many_cpuslocked,
	pcpu_lookup_cache_flush_cpuslocked};
identifier cls = {spinlock, spinlock_irq, spinlock_irqsave, spinlock_bh,
	raw_spinlock, raw_spinlock_nested, raw_spinlock_irq,
	raw_spinlock_irqsave, raw_spinlock_bh, read_lock, read_lock_irq,
	read_lock_irqsave, write_lock, write_lock_irq, write_lock_irqsave,
	local_lock, local_lock_irq, local_lock_irqsave, rcu, preempt,
	preempt_notrace, irq, irqsave, cpus_read_lock};
position p1, p2;
@@

guard@p1(cls)(...);
... when any
f@p2(...)

@script:python@
f << r_guard.f;
cls << r_guard.cls;
p1 << r_guard.p1;
p2 << r_guard.p2;
@@

if same_block(p1, p2):
	found(p1, p2, f, "guard(%s)" % cls)

// scoped_guard(class, ...) { ... }: declaring scoped_guard an iterator
// also lets spatch parse the functions that use it.

@r_scoped exists@
identifier f = {pcpu_lookup_cache_init, pcpu_lookup_cache_destroy,
	pcpu_lookup_cache_invalidate, pcpu_lookup_cache_invalidate_many,
	pcpu_lookup_cache_flush, pcpu_lookup_cache_suspend,
	pcpu_lookup_cache_resume, pcpu_lookup_cache_debugfs_create,
	pcpu_lookup_cache_invalidate_cpuslocked,
	pcpu_lookup_cache_invalidate_many_cpuslocked,
	pcpu_lookup_cache_flush_cpuslocked};
identifier cls = {spinlock, spinlock_irq, spinlock_irqsave, spinlock_bh,
	raw_spinlock, raw_spinlock_nested, raw_spinlock_irq,
	raw_spinlock_irqsave, raw_spinlock_bh, read_lock, read_lock_irq,
	read_lock_irqsave, write_lock, write_lock_irq, write_lock_irqsave,
	local_lock, local_lock_irq, local_lock_irqsave, rcu, preempt,
	preempt_notrace, irq, irqsave, cpus_read_lock};
iterator name scoped_guard;
position p1, p2;
@@

scoped_guard@p1(cls, ...) { <+... f@p2(...) ...+> }

@script:python@
f << r_scoped.f;
cls << r_scoped.cls;
p1 << r_scoped.p1;
p2 << r_scoped.p2;
@@

found(p1, p2, f, "scoped_guard(%s)" % cls)

// ------------------------------------------------------------------------
// Output: each call found above, once.

@r_call@
identifier f = {pcpu_lookup_cache_init, pcpu_lookup_cache_destroy,
	pcpu_lookup_cache_invalidate, pcpu_lookup_cache_invalidate_many,
	pcpu_lookup_cache_flush, pcpu_lookup_cache_suspend,
	pcpu_lookup_cache_resume, pcpu_lookup_cache_debugfs_create,
	pcpu_lookup_cache_invalidate_cpuslocked,
	pcpu_lookup_cache_invalidate_many_cpuslocked,
	pcpu_lookup_cache_flush_cpuslocked};
position p : script:python() { is_found(p) };
@@

f@p(...)

@depends on context@
identifier r_call.f;
position r_call.p;
@@

* f@p(...)

@script:python depends on org@
p << r_call.p;
@@

coccilib.org.print_todo(p[0], message(p))
coccilib.org.print_link(lock_position(p)[0], "")

@script:python depends on report@
p << r_call.p;
@@

coccilib.report.print_report(p[0], message(p))
