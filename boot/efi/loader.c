// SPDX-License-Identifier: MIT
/*
 * iomon's UEFI loader (BOOTX64.EFI). It boots iomon exactly as GRUB's
 * multiboot2 command does on x86_64-efi, with nothing else in between:
 *
 *   1. read iomon.cfg from its own directory (format in config.h);
 *   2. reserve the monitor's physical range, stage its ELF segments below
 *      4 GiB, load each module into page-aligned memory below 4 GiB, all
 *      from the firmware;
 *   3. build the multiboot2 information (mb2_build.h), the EFI memory map
 *      last, straight from GetMemoryMap();
 *   4. ExitBootServices(), fetching the map again while its key is stale;
 *   5. leave long mode, copy the monitor into place and enter its 32-bit
 *      entry (trampoline.S).
 *
 * Until step 4 every error is one line on the firmware console, everything
 * allocated is given back, and the firmware gets control again.
 */
#include <efi.h>
#include <efilib.h>

#include "boot/efi/config.h"
#include "boot/efi/image.h"
#include "boot/efi/mb2_build.h"

#include <errno.h>
#include <string.h>

#define BELOW_4G          0xFFFFFFFFull
#define PATH16_MAX        (CFG_PATH_MAX + 64)
#define TARGET_PARTS_MAX  32   /* free pieces of the monitor's range to reserve */
#define ALLOCS_MAX        (CFG_MODULES_MAX + 8 + TARGET_PARTS_MAX)
#define ERROR_PAUSE_US    (5 * 1000 * 1000)
#define EBS_TRIES         8
#define TRAMP_GDTR_OFF    0x7f0
#define TRAMP_GDT_OFF     0x800

extern const uint8_t efi_tramp_start[], efi_tramp_end[];
typedef void (*tramp_fn)(uint64_t entry, uint64_t info, const void *gdtr, uint64_t src,
			 uint64_t dst, uint64_t len);

struct page_alloc {
	EFI_PHYSICAL_ADDRESS addr;
	UINTN pages;
	bool target;                       /* part of the monitor's own range */
};

static struct loader {
	EFI_HANDLE image;
	EFI_FILE_HANDLE root;
	CHAR16 dir[PATH16_MAX];            /* the loader's directory, "\EFI\BOOT" */
	struct loader_config cfg;
	struct mb2_image mon;
	uint64_t target_lo, target_hi;     /* the monitor's range, page-aligned */
	EFI_PHYSICAL_ADDRESS stage;        /* the monitor as it will be at target_lo */
	struct page_alloc allocs[ALLOCS_MAX];
	unsigned nallocs;
	uint64_t mod_start[CFG_MODULES_MAX], mod_size[CFG_MODULES_MAX];
	const void *rsdp_v1, *rsdp_v2;
	uint32_t rsdp_v2_len;
} ld;

/* ---- console ---------------------------------------------------------- */

/* Lines on the firmware console (ConOut; OVMF mirrors it to the serial port). */
#define say(fmt, ...)		Print(L"iomon-efi: " fmt L"\r\n", ##__VA_ARGS__)
/* One clear line, then the status the firmware gets back. */
#define error(st, fmt, ...)	(Print(L"iomon-efi: error: " fmt L"\r\n", ##__VA_ARGS__), (st))

/* ---- memory: every page is recorded so a failure can give it all back -- */

static EFI_STATUS alloc_pages(EFI_ALLOCATE_TYPE how, EFI_MEMORY_TYPE type, uint64_t bytes,
			      EFI_PHYSICAL_ADDRESS *addr)
{
	UINTN pages = (bytes + EFI_PAGE_SIZE - 1) / EFI_PAGE_SIZE;
	EFI_STATUS st;

	if (ld.nallocs == ALLOCS_MAX)
		return EFI_OUT_OF_RESOURCES;
	st = uefi_call_wrapper(BS->AllocatePages, 4, how, type, pages, addr);
	if (EFI_ERROR(st))
		return st;
	ld.allocs[ld.nallocs++] = (struct page_alloc){ *addr, pages, false };
	return EFI_SUCCESS;
}

static void free_everything(void)
{
	while (ld.nallocs) {
		struct page_alloc *a = &ld.allocs[--ld.nallocs];

		uefi_call_wrapper(BS->FreePages, 2, a->addr, a->pages);
	}
}

/* ---- files ------------------------------------------------------------ */

static void ascii_path_to_efi(CHAR16 *dst, const char *src)
{
	size_t i = 0;

	for (; src[i] && i + 1 < PATH16_MAX; i++)
		dst[i] = src[i] == '/' ? L'\\' : (CHAR16)src[i];
	dst[i] = 0;
}

/* The loader's own directory, from the file path it was started from. */
static void find_own_dir(EFI_LOADED_IMAGE *li)
{
	EFI_DEVICE_PATH *dp = li ? li->FilePath : NULL;
	UINTN n = 0, last_sep = 0;

	for (; dp && !IsDevicePathEnd(dp); dp = NextDevicePathNode(dp)) {
		FILEPATH_DEVICE_PATH *fp = (FILEPATH_DEVICE_PATH *)dp;
		UINTN chars;

		if (DevicePathType(dp) != MEDIA_DEVICE_PATH || DevicePathSubType(dp) != MEDIA_FILEPATH_DP)
			continue;
		chars = (DevicePathNodeLength(dp) - sizeof(EFI_DEVICE_PATH)) / sizeof(CHAR16);
		for (UINTN i = 0; i < chars && n + 1 < PATH16_MAX; i++) {
			CHAR16 c;

			CopyMem(&c, (UINT8 *)fp->PathName + i * sizeof(CHAR16), sizeof(c));
			if (!c)
				break;
			if (c == L'/')
				c = L'\\';
			if (c == L'\\' && n && ld.dir[n - 1] == L'\\')
				continue;
			if (c == L'\\')
				last_sep = n;
			ld.dir[n++] = c;
		}
	}
	if (n == 0 || ld.dir[0] != L'\\') {
		StrCpy(ld.dir, L"\\EFI\\BOOT");
		return;
	}
	ld.dir[last_sep] = 0;   /* drop "\BOOTX64.EFI"; "" is the root */
}

static EFI_STATUS open_file(const CHAR16 *path, EFI_FILE_HANDLE *f, uint64_t *size)
{
	EFI_FILE_INFO *info;
	EFI_STATUS st;

	st = uefi_call_wrapper(ld.root->Open, 5, ld.root, f, (CHAR16 *)path, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		return st;
	info = LibFileInfo(*f);
	if (!info)
		st = EFI_DEVICE_ERROR;
	else if (info->Attribute & EFI_FILE_DIRECTORY)
		st = EFI_NOT_FOUND;   /* a directory by that name is no file */
	else
		*size = info->FileSize;
	if (info)
		FreePool(info);
	if (EFI_ERROR(st))
		uefi_call_wrapper((*f)->Close, 1, *f);
	return st;
}

static EFI_STATUS read_all(EFI_FILE_HANDLE f, void *buf, uint64_t size)
{
	uint64_t done = 0;

	while (done < size) {
		UINTN n = size - done;
		EFI_STATUS st = uefi_call_wrapper(f->Read, 3, f, &n, (UINT8 *)buf + done);

		if (EFI_ERROR(st))
			return st;
		if (n == 0)
			return EFI_END_OF_FILE;   /* shorter than its directory entry says */
		done += n;
	}
	return EFI_SUCCESS;
}

/* Read a whole file into new pages (`how`/`max` as for AllocatePages). */
static EFI_STATUS load_file(const CHAR16 *path, EFI_ALLOCATE_TYPE how, uint64_t max,
			    EFI_PHYSICAL_ADDRESS *addr, uint64_t *size, bool *no_room)
{
	EFI_FILE_HANDLE f;
	EFI_STATUS st;

	*no_room = false;
	st = open_file(path, &f, size);
	if (EFI_ERROR(st))
		return st;
	*addr = max;
	st = alloc_pages(how, EfiLoaderData, *size ? *size : 1, addr);
	if (EFI_ERROR(st))
		*no_room = true;
	else
		st = read_all(f, (void *)(uintptr_t)*addr, *size);
	uefi_call_wrapper(f->Close, 1, f);
	return st;
}

/* ---- the steps -------------------------------------------------------- */

static EFI_STATUS get_map(void **map, UINTN *size, UINTN *descr_size)
{
	UINTN key;
	UINT32 version;
	EFI_STATUS st;

	*size = 0;
	*map = NULL;
	st = uefi_call_wrapper(BS->GetMemoryMap, 5, size, NULL, &key, descr_size, &version);
	if (st != EFI_BUFFER_TOO_SMALL)
		return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
	*size += 8 * *descr_size;    /* the pool allocation below adds descriptors */
	*map = AllocatePool(*size);
	if (!*map)
		return EFI_OUT_OF_RESOURCES;
	st = uefi_call_wrapper(BS->GetMemoryMap, 5, size, *map, &key, descr_size, &version);
	if (EFI_ERROR(st)) {
		FreePool(*map);
		*map = NULL;
	}
	return st;
}

static EFI_STATUS read_config(void)
{
	static char text[CFG_MAX_SIZE];
	static struct cfg_error cerr;
	CHAR16 path[PATH16_MAX];
	EFI_FILE_HANDLE f;
	uint64_t size;
	EFI_STATUS st;

	SPrint(path, sizeof(path), L"%s\\%a", ld.dir, CFG_NAME);
	st = open_file(path, &f, &size);
	if (EFI_ERROR(st))
		return error(st, L"no configuration: cannot open %s (%r)", path, st);
	if (size > CFG_MAX_SIZE) {
		uefi_call_wrapper(f->Close, 1, f);
		return error(EFI_LOAD_ERROR, L"%s: larger than %d bytes", path, CFG_MAX_SIZE);
	}
	st = read_all(f, text, size);
	uefi_call_wrapper(f->Close, 1, f);
	if (EFI_ERROR(st))
		return error(st, L"%s: read failed (%r)", path, st);
	if (cfg_parse(text, size, &ld.cfg, &cerr) < 0) {
		if (cerr.line)
			return error(EFI_LOAD_ERROR, L"%s line %d: %a", path, cerr.line, cerr.msg);
		return error(EFI_LOAD_ERROR, L"%s: %a", path, cerr.msg);
	}
	say(L"%s: monitor %a, %d module(s)", path, ld.cfg.monitor.path, ld.cfg.module_count);
	return EFI_SUCCESS;
}

/*
 * Reserve the monitor's physical range: all of it when the firmware lets us,
 * else (like GRUB's relocator) its conventional parts, when the rest is only
 * held by boot services and so is free once they have exited.
 */
static EFI_STATUS reserve_target(const char *name)
{
	static struct image_segment parts[TARGET_PARTS_MAX];
	EFI_PHYSICAL_ADDRESS at = ld.target_lo;
	UINTN map_size, descr_size;
	EFI_STATUS st, why;
	unsigned nparts;
	void *map;
	int err;

	why = alloc_pages(AllocateAddress, EfiLoaderData, ld.target_hi - ld.target_lo, &at);
	if (!EFI_ERROR(why)) {
		ld.allocs[ld.nallocs - 1].target = true;
		return EFI_SUCCESS;
	}
	st = get_map(&map, &map_size, &descr_size);
	if (EFI_ERROR(st))
		return error(st, L"GetMemoryMap failed (%r)", st);
	err = image_plan_target(map, map_size, descr_size, ld.target_lo, ld.target_hi, parts,
				TARGET_PARTS_MAX, &nparts);
	FreePool(map);
	if (err)
		return error(why, L"%a: its memory 0x%lx-0x%lx is not free (%r)", name,
			     ld.mon.load_lo, ld.mon.load_hi, why);
	for (unsigned i = 0; i < nparts; i++) {
		at = parts[i].paddr;
		st = alloc_pages(AllocateAddress, EfiLoaderData, parts[i].memsz, &at);
		if (EFI_ERROR(st))
			return error(st, L"%a: cannot reserve 0x%lx-0x%lx (%r)", name, parts[i].paddr,
				     parts[i].paddr + parts[i].memsz, st);
		ld.allocs[ld.nallocs - 1].target = true;
	}
	say(L"%a: 0x%lx-0x%lx is held by boot services; the monitor moves there once they exit",
	    name, ld.target_lo, ld.target_hi);
	return EFI_SUCCESS;
}

/* The monitor's image as it will be at target_lo, read segment by segment, bss zeroed. */
static EFI_STATUS stage_monitor(EFI_FILE_HANDLE f, const char *name)
{
	uint64_t len = ld.target_hi - ld.target_lo;
	EFI_STATUS st;

	ld.stage = BELOW_4G;
	st = alloc_pages(AllocateMaxAddress, EfiLoaderData, len, &ld.stage);
	if (EFI_ERROR(st))
		return error(st, L"%a: no memory below 4 GiB to stage its %ld bytes (%r)", name, len, st);
	SetMem((void *)(uintptr_t)ld.stage, len, 0);
	for (unsigned i = 0; i < ld.mon.nsegs; i++) {
		const struct image_segment *sg = &ld.mon.segs[i];

		st = uefi_call_wrapper(f->SetPosition, 2, f, sg->offset);
		if (!EFI_ERROR(st))
			st = read_all(f, (void *)(uintptr_t)(ld.stage + sg->paddr - ld.target_lo),
				      sg->filesz);
		if (EFI_ERROR(st))
			return error(st, L"%a: cannot read it (%r)", name, st);
	}
	return EFI_SUCCESS;
}

static EFI_STATUS place_monitor(EFI_FILE_HANDLE f, const char *name)
{
	EFI_STATUS st;

	ld.target_lo = ALIGN_DOWN(ld.mon.load_lo, EFI_PAGE_SIZE);
	ld.target_hi = ALIGN_UP(ld.mon.load_hi, EFI_PAGE_SIZE);
	st = reserve_target(name);          /* first: nothing else may land there */
	if (!EFI_ERROR(st))
		st = stage_monitor(f, name);
	return st;
}

/*
 * Nothing the loader hands over may lie where the monitor is copied: true
 * unless boot services freed part of its range and it was given out again.
 */
static EFI_STATUS check_target_clear(void)
{
	for (unsigned i = 0; i < ld.nallocs; i++) {
		const struct page_alloc *a = &ld.allocs[i];
		uint64_t end = a->addr + a->pages * EFI_PAGE_SIZE;

		if (!a->target && a->addr < ld.target_hi && end > ld.target_lo)
			return error(EFI_OUT_OF_RESOURCES,
				     L"the firmware gave out 0x%lx-0x%lx, inside the monitor's range",
				     a->addr, end);
	}
	return EFI_SUCCESS;
}

/* In the final map, the monitor's range holds nothing that outlives boot services. */
static bool target_free_after_exit(const uint8_t *map, UINTN size, UINTN descr_size)
{
	for (UINTN off = 0; off + descr_size <= size; off += descr_size) {
		EFI_MEMORY_DESCRIPTOR d;
		uint64_t end;

		CopyMem(&d, (void *)(map + off), sizeof(d));
		end = d.PhysicalStart + d.NumberOfPages * EFI_PAGE_SIZE;
		if (d.PhysicalStart >= ld.target_hi || end <= ld.target_lo)
			continue;
		if (d.Type != EfiConventionalMemory && d.Type != EfiBootServicesCode &&
		    d.Type != EfiBootServicesData && d.Type != EfiLoaderData)
			return false;
	}
	return true;
}

/* The monitor: its head checked first, then its segments read straight into the staging copy. */
static EFI_STATUS load_monitor(void)
{
	static uint8_t head[IMAGE_HEAD_BYTES];
	const char *name = ld.cfg.monitor.path, *why;
	CHAR16 path[PATH16_MAX];
	EFI_FILE_HANDLE f;
	uint64_t size, head_len;
	EFI_STATUS st;

	ascii_path_to_efi(path, name);
	st = open_file(path, &f, &size);
	if (EFI_ERROR(st))
		return error(st, L"%a: cannot read it (%r)", name, st);
	head_len = MIN(size, sizeof(head));
	st = read_all(f, head, head_len);
	if (EFI_ERROR(st))
		st = error(st, L"%a: cannot read it (%r)", name, st);
	else if (image_check(head, head_len, size, &ld.mon, &why) < 0)
		st = error(EFI_LOAD_ERROR, L"%a: not a multiboot2 monitor: %a", name, why);
	else
		st = place_monitor(f, name);
	uefi_call_wrapper(f->Close, 1, f);
	if (EFI_ERROR(st))
		return st;
	say(L"%a: %ld bytes, loaded at 0x%lx-0x%lx, entry 0x%lx", name, size, ld.mon.load_lo,
	    ld.mon.load_hi, ld.mon.entry);
	return EFI_SUCCESS;
}

static EFI_STATUS load_modules(void)
{
	for (unsigned i = 0; i < ld.cfg.module_count; i++) {
		const char *name = ld.cfg.modules[i].path;
		EFI_PHYSICAL_ADDRESS at;
		CHAR16 path[PATH16_MAX];
		bool no_room;
		EFI_STATUS st;

		ascii_path_to_efi(path, name);
		/* Page-aligned, and below 4 GiB: module tags hold 32-bit addresses. */
		st = load_file(path, AllocateMaxAddress, BELOW_4G, &at, &ld.mod_size[i], &no_room);
		if (EFI_ERROR(st) && no_room)
			return error(st, L"module %a (%ld bytes) does not fit in free memory below 4 GiB (%r)",
				     name, ld.mod_size[i], st);
		if (EFI_ERROR(st))
			return error(st, L"module %a: cannot read it (%r)", name, st);
		ld.mod_start[i] = at;
		say(L"module %a: %ld bytes at 0x%lx", name, ld.mod_size[i], at);
	}
	return EFI_SUCCESS;
}

static bool rsdp_valid(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;

	if (memcmp(p, "RSD PTR ", 8) != 0)
		return false;
	for (uint32_t i = 0; i < len; i++)
		sum += p[i];
	return sum == 0;
}

/* The RSDP copies GRUB hands over: the ACPI 1.0 and 2.0 configuration table entries. */
static void find_acpi(void)
{
	static EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	void *p;

	if (!EFI_ERROR(LibGetSystemConfigurationTable(&AcpiTableGuid, &p)) && p &&
	    rsdp_valid(p, MB2_RSDP_V1_LEN))
		ld.rsdp_v1 = p;
	if (!EFI_ERROR(LibGetSystemConfigurationTable(&acpi20, &p)) && p &&
	    rsdp_valid(p, MB2_RSDP_V1_LEN)) {
		uint32_t len;

		CopyMem(&len, (uint8_t *)p + 20, sizeof(len));
		if (len >= MB2_RSDP_V2_LEN && len <= 4096 && rsdp_valid(p, len)) {
			ld.rsdp_v2 = p;
			ld.rsdp_v2_len = len;
		}
	}
	say(L"ACPI: RSDP 1.0 %a, 2.0 %a", ld.rsdp_v1 ? "found" : "absent",
	    ld.rsdp_v2 ? "found" : "absent");
}

static int add_fixed_tags(struct mb2_builder *b, const void *map, UINTN map_size,
			  UINTN descr_size, struct mem_range *scratch, uint32_t scratch_max)
{
	int err = mb2b_add_load_base(b, (uint32_t)ld.mon.load_lo);

	if (!err)
		err = mb2b_add_string(b, MB2_TAG_CMDLINE, ld.cfg.monitor.cmdline);
	if (!err)
		err = mb2b_add_string(b, MB2_TAG_LOADER_NAME, MB2B_LOADER_NAME);
	for (unsigned i = 0; !err && i < ld.cfg.module_count; i++)
		err = mb2b_add_module(b, (uint32_t)ld.mod_start[i],
				      (uint32_t)(ld.mod_start[i] + ld.mod_size[i]),
				      ld.cfg.modules[i].cmdline);
	if (!err)
		err = mb2b_add_mmap_and_meminfo(b, map, map_size, descr_size, scratch, scratch_max);
	if (!err)
		err = mb2b_add_efi64_st(b, (uint64_t)(uintptr_t)ST);
	if (!err && ld.rsdp_v1)
		err = mb2b_add_rsdp(b, MB2_TAG_ACPI_OLD, ld.rsdp_v1, MB2_RSDP_V1_LEN);
	if (!err && ld.rsdp_v2)
		err = mb2b_add_rsdp(b, MB2_TAG_ACPI_NEW, ld.rsdp_v2, ld.rsdp_v2_len);
	return err;
}

/* The info block, all tags but the EFI map: sized for the map with room to grow. */
static EFI_STATUS build_info(struct mb2_builder *b)
{
	EFI_PHYSICAL_ADDRESS info = BELOW_4G;
	struct mem_range *scratch;
	UINTN map_size, descr_size, entries;
	void *map;
	EFI_STATUS st;
	int err;

	st = get_map(&map, &map_size, &descr_size);
	if (EFI_ERROR(st))
		return error(st, L"GetMemoryMap failed (%r)", st);
	entries = map_size / descr_size + 64;
	scratch = AllocatePool(entries * sizeof(*scratch));
	st = scratch ? alloc_pages(AllocateMaxAddress, EfiLoaderData,
				   64 * KiB + entries * (descr_size + sizeof(struct mb2_mmap_entry)),
				   &info)
		     : EFI_OUT_OF_RESOURCES;
	if (EFI_ERROR(st)) {
		FreePool(map);
		if (scratch)
			FreePool(scratch);
		return error(st, L"no memory below 4 GiB for the multiboot2 information (%r)", st);
	}
	err = mb2b_init(b, (void *)(uintptr_t)info, ld.allocs[ld.nallocs - 1].pages * EFI_PAGE_SIZE);
	if (!err)
		err = add_fixed_tags(b, map, map_size, descr_size, scratch, entries);
	FreePool(map);
	FreePool(scratch);
	if (err)
		return error(EFI_BUFFER_TOO_SMALL, L"the multiboot2 information does not fit (%d)", err);
	return EFI_SUCCESS;
}

static EFI_STATUS prepare_trampoline(EFI_PHYSICAL_ADDRESS *page)
{
	static const uint64_t gdt[3] = {
		0,
		0x00cf9a000000ffffull,   /* 0x08: 32-bit code, base 0, limit 4 GiB */
		0x00cf92000000ffffull,   /* 0x10: 32-bit data, base 0, limit 4 GiB */
	};
	uint64_t len = efi_tramp_end - efi_tramp_start;
	struct { uint16_t limit; uint64_t base; } __packed gdtr = { sizeof(gdt) - 1, 0 };
	EFI_STATUS st;

	if (len > TRAMP_GDTR_OFF)
		return error(EFI_LOAD_ERROR, L"internal: trampoline of %ld bytes too large", len);
	*page = BELOW_4G;
	st = alloc_pages(AllocateMaxAddress, EfiLoaderCode, EFI_PAGE_SIZE, page);
	if (EFI_ERROR(st))
		return error(st, L"no page below 4 GiB for the mode switch (%r)", st);
	gdtr.base = *page + TRAMP_GDT_OFF;
	CopyMem((void *)(uintptr_t)*page, (void *)efi_tramp_start, len);
	CopyMem((void *)(uintptr_t)(*page + TRAMP_GDTR_OFF), &gdtr, sizeof(gdtr));
	CopyMem((void *)(uintptr_t)(*page + TRAMP_GDT_OFF), (void *)gdt, sizeof(gdt));
	return EFI_SUCCESS;
}

/*
 * The EFI map goes into the info block as the firmware writes it; a stale
 * key (the map changed) means fetch it again and retry (UEFI 2.x §7.4,
 * ExitBootServices()). Only GetMemoryMap() may be called between attempts,
 * so nothing here prints; `*attempted` tells the caller whether the firmware
 * can still be returned to.
 */
static EFI_STATUS exit_boot_services(struct mb2_builder *b, bool *attempted)
{
	EFI_STATUS st = EFI_LOAD_ERROR;

	*attempted = false;
	for (unsigned tries = 0; tries < EBS_TRIES; tries++) {
		UINTN size, key, descr_size;
		UINT32 version;
		uint64_t room;
		void *at = mb2b_efi_mmap_room(b, &room);

		size = room;
		st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, at, &key, &descr_size, &version);
		if (EFI_ERROR(st))
			return st;
		if (mb2b_finish(b, size, descr_size, version) < 0)
			return EFI_BUFFER_TOO_SMALL;
		if (!target_free_after_exit(at, size, descr_size))
			return EFI_ACCESS_DENIED;
		*attempted = true;
		st = uefi_call_wrapper(BS->ExitBootServices, 2, ld.image, key);
		if (st != EFI_INVALID_PARAMETER)
			return st;
	}
	return st;
}

/* After a failed first ExitBootServices() the console may be gone: COM1 is all there is. */
static void __noreturn stuck_after_exit(EFI_STATUS st)
{
	static const char msg[] = "iomon-efi: error: ExitBootServices failed; cannot return to the firmware, halted\r\n";

	for (const char *p = msg; *p; p++) {
		for (unsigned spin = 0; spin < 100000; spin++) {
			uint8_t lsr;

			__asm__ volatile("inb %1, %0" : "=a"(lsr) : "Nd"((uint16_t)0x3fd));
			if (lsr & 0x20)
				break;
		}
		__asm__ volatile("outb %0, %1" : : "a"(*p), "Nd"((uint16_t)0x3f8));
	}
	(void)st;
	for (;;)
		__asm__ volatile("cli; hlt");
}

static EFI_STATUS boot(void)
{
	static struct mb2_builder b;
	EFI_PHYSICAL_ADDRESS tramp;
	bool attempted;
	EFI_STATUS st;

	st = read_config();
	if (!EFI_ERROR(st))
		st = load_monitor();
	if (!EFI_ERROR(st))
		st = load_modules();
	if (EFI_ERROR(st))
		return st;
	find_acpi();
	st = prepare_trampoline(&tramp);
	if (!EFI_ERROR(st))
		st = build_info(&b);
	if (!EFI_ERROR(st))
		st = check_target_clear();
	if (EFI_ERROR(st))
		return st;
	say(L"multiboot2 information at 0x%lx; exiting boot services, entering iomon at 0x%lx",
	    (uint64_t)(uintptr_t)b.buf, ld.mon.entry);

	st = exit_boot_services(&b, &attempted);
	if (EFI_ERROR(st) && !attempted)
		return error(st, L"the final memory map is unusable: too large, or the monitor's range was given out (%r)", st);
	if (EFI_ERROR(st))
		stuck_after_exit(st);
	((tramp_fn)(uintptr_t)tramp)(ld.mon.entry, (uint64_t)(uintptr_t)b.buf,
				     (const void *)(uintptr_t)(tramp + TRAMP_GDTR_OFF), ld.stage,
				     ld.target_lo, ld.target_hi - ld.target_lo);
	stuck_after_exit(EFI_LOAD_ERROR);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li = NULL;
	EFI_STATUS st;

	InitializeLib(image, systab);
	ld.image = image;
	say(L"iomon's UEFI loader");
	st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st) || !li)
		st = error(EFI_ERROR(st) ? st : EFI_LOAD_ERROR, L"no loaded-image protocol (%r)", st);
	else if (!(ld.root = LibOpenRoot(li->DeviceHandle)))
		st = error(EFI_NOT_FOUND, L"cannot open the volume the loader was started from");
	if (!EFI_ERROR(st)) {
		find_own_dir(li);
		st = boot();
	}
	/* Only failures come back here. */
	free_everything();
	if (ld.root)
		uefi_call_wrapper(ld.root->Close, 1, ld.root);
	say(L"nothing booted; returning to the firmware in %d seconds", ERROR_PAUSE_US / 1000000);
	uefi_call_wrapper(BS->Stall, 1, ERROR_PAUSE_US);
	return st;
}
