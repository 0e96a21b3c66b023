/* SPDX-License-Identifier: MIT */
/* The local APIC in xAPIC mode (SDM Vol. 3 ch. 11): registers the monitor uses. */
#ifndef IOMON_X86_APIC_H
#define IOMON_X86_APIC_H

#include "kernel/types.h"

#define APIC_DEFAULT_BASE   0xFEE00000ULL
#define APIC_ID             0x020
#define  APIC_ID_SHIFT      24
#define APIC_ICR_LOW        0x300
#define APIC_ICR_HIGH       0x310
#define  APIC_ICR_VECTOR    GENMASK(7, 0)
#define  APIC_ICR_DELIVERY  GENMASK(10, 8)
#define   APIC_DM_FIXED     0
#define   APIC_DM_LOWEST    1
#define   APIC_DM_SMI       2
#define   APIC_DM_NMI       4
#define   APIC_DM_INIT      5
#define   APIC_DM_STARTUP   6
#define  APIC_ICR_LOGICAL   BIT(11)
#define  APIC_ICR_PENDING   BIT(12)
#define  APIC_ICR_ASSERT    BIT(14)
#define  APIC_ICR_LEVEL     BIT(15)
#define  APIC_ICR_SHORTHAND GENMASK(19, 18)
#define   APIC_SH_NONE      0
#define   APIC_SH_SELF      1
#define   APIC_SH_ALL       2
#define   APIC_SH_OTHERS    3
#define  APIC_ICR_DEST      GENMASK(31, 24)   /* in ICR_HIGH */

#define MSR_APIC_BASE       0x1B
#define  APIC_BASE_BSP      BIT(8)
#define  APIC_BASE_EXTD     BIT(10)
#define  APIC_BASE_ENABLE   BIT(11)
#define  APIC_BASE_ADDR     GENMASK(51, 12)

/* Map this platform's local APIC page (the same physical page on every CPU). */
int apic_init(uint64_t base);
uint32_t apic_read(unsigned reg);
void apic_write(unsigned reg, uint32_t v);
uint32_t apic_this_id(void);
/* Send an IPI: ICR high (destination) then low; waits until the APIC accepted it. */
void apic_send_ipi(uint32_t icr_high, uint32_t icr_low);

#endif
