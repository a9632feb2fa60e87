/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the KUnit tests of the kprobes lookup cache use of kernel/kprobes.c.
 * The first two exist with CONFIG_DEBUG_FS, which the tests depend on.
 */
#ifndef _KERNEL_KPROBES_CACHE_H
#define _KERNEL_KPROBES_CACHE_H

#include <linux/types.h>

struct pcpu_lookup_cache;

bool kprobe_cache_enabled(void);
int kprobe_cache_set_enabled(bool enable);

#if IS_ENABLED(CONFIG_KPROBES_CACHE_KUNIT_TEST)
struct pcpu_lookup_cache *kprobe_cache_kunit_cache(void);
#endif

#endif /* _KERNEL_KPROBES_CACHE_H */
