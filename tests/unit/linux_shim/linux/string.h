/* SPDX-License-Identifier: MIT */
/* Host stand-in (see linux/types.h here). */
#include <string.h>
