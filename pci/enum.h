/* SPDX-License-Identifier: MIT */
/*
 * Boot enumeration of every ECAM segment, and the lspci-like report of the
 * device registry.
 */
#ifndef IOMON_PCI_ENUM_H
#define IOMON_PCI_ENUM_H

#include "pci/mcfg.h"

/* Bridges nested deeper than this are reported and not followed. */
#define PCI_ENUM_MAX_DEPTH 32

/*
 * Walk each MCFG segment depth-first from the first bus of each of its
 * ranges, through type-1 bridges, using the bus numbers firmware
 * programmed (never renumbering), and register every function found
 * (pci/dev.h). Returns the number of functions registered, or -ENOMEM when
 * the device pool ran out (the walk stops there, with a warning). Hostile
 * topologies (bus loops, bad bridge ranges, buses outside ECAM, devices
 * that ignore the function number) end their branch with a warning.
 */
int pci_enumerate(const struct mcfg_info *mi);

/*
 * Log the registry as a tree, one line per function (format in
 * pci/report.c), children indented two spaces per level below their
 * bridge, VFs below their PF.
 */
void pci_report_tree(void);

#endif
