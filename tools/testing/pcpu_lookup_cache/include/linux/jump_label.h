/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: see ../../shim.h. */
#include "../../shim.h"
