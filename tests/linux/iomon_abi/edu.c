// SPDX-License-Identifier: GPL-2.0
/*
 * edu for the module's tests (edu.h). No Linux driver binds edu, so the
 * module enables it itself, as a driver's probe would. A transfer takes
 * about 100 ms of QEMU's virtual clock; the wait is bounded so a transfer
 * that never completes fails its test instead of hanging the module.
 */
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/jiffies.h>

#include "edu.h"

#define EDU_REG_ID          0x00        /* 0xRRrr00ed */
#define EDU_REG_DMA_SRC     0x80
#define EDU_REG_DMA_DST     0x88
#define EDU_REG_DMA_COUNT   0x90
#define EDU_REG_DMA_CMD     0x98
#define EDU_DMA_RUN         BIT(0)      /* set to start; clear when done */
#define EDU_DMA_TO_RAM      BIT(1)      /* 0: RAM -> buffer, 1: buffer -> RAM */
#define EDU_BUFFER          0x40000
#define EDU_DMA_TIMEOUT_MS  5000

int edu_open(struct edu *e, char *why, size_t n)
{
	u32 id;
	int err;

	e->pdev = pci_get_device(EDU_VENDOR_ID, EDU_DEVICE_ID, NULL);
	if (!e->pdev) {
		snprintf(why, n, "no %04x:%04x on any bus", EDU_VENDOR_ID, EDU_DEVICE_ID);
		return -ENODEV;
	}
	err = pci_enable_device_mem(e->pdev);
	if (err) {
		snprintf(why, n, "pci_enable_device_mem: %d", err);
		goto put;
	}
	pci_set_master(e->pdev);
	e->regs = pci_iomap(e->pdev, 0, 0);
	if (!e->regs) {
		snprintf(why, n, "BAR0 %pR not mappable", &e->pdev->resource[0]);
		err = -ENOMEM;
		goto disable;
	}
	id = readl(e->regs + EDU_REG_ID);
	if ((id & 0xff) != 0xed) {
		snprintf(why, n, "ID register reads 0x%08x", id);
		err = -ENODEV;
		goto unmap;
	}
	snprintf(why, n, "%s, BAR0 0x%llx, ID 0x%08x", pci_name(e->pdev),
		 (u64)pci_resource_start(e->pdev, 0), id);
	return 0;
unmap:
	pci_iounmap(e->pdev, e->regs);
disable:
	pci_disable_device(e->pdev);
put:
	pci_dev_put(e->pdev);
	e->pdev = NULL;
	return err;
}

void edu_close(struct edu *e)
{
	if (!e->pdev)
		return;
	pci_clear_master(e->pdev);
	pci_iounmap(e->pdev, e->regs);
	pci_disable_device(e->pdev);
	pci_dev_put(e->pdev);
	e->pdev = NULL;
}

bool edu_master_on(struct edu *e)
{
	u16 cmd;

	pci_set_master(e->pdev);
	pci_read_config_word(e->pdev, PCI_COMMAND, &cmd);
	return (cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) == (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

int edu_dma(struct edu *e, u64 addr, bool to_ram, u32 len)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(EDU_DMA_TIMEOUT_MS);

	writeq(to_ram ? EDU_BUFFER : addr, e->regs + EDU_REG_DMA_SRC);
	writeq(to_ram ? addr : EDU_BUFFER, e->regs + EDU_REG_DMA_DST);
	writeq(len, e->regs + EDU_REG_DMA_COUNT);
	writel(EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0), e->regs + EDU_REG_DMA_CMD);
	while (readl(e->regs + EDU_REG_DMA_CMD) & EDU_DMA_RUN) {
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		usleep_range(1000, 2000);
	}
	return 0;
}
