/* SPDX-License-Identifier: MIT */
/*
 * The system calls newlib's libc.a expects (it is configured with
 * MISSING_SYSCALL_NAMES, so they carry no underscore). The monitor uses
 * string formatting only; stdio streams are never opened. sbrk serves a
 * small static heap during boot and refuses afterwards: nothing may
 * allocate with malloc once partitions run.
 */
#define LOG_TAG "libc"
#include <errno.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "arch/x86/uart.h"
#include "kernel/log.h"
#include "kernel/panic.h"

#undef errno
int errno;                      /* newlib's reentrant wrappers copy it into _REENT */
char *__env[1] = { 0 };
char **environ = __env;

#define BOOT_HEAP_SIZE (64 * 1024)
static char boot_heap[BOOT_HEAP_SIZE] __aligned(16);
static size_t heap_used;
bool heap_sealed;

void *sbrk(ptrdiff_t incr);
void *sbrk(ptrdiff_t incr)
{
	if (heap_sealed) {
		pr_err("malloc after boot (sbrk %ld) refused", (long)incr);
		errno = ENOMEM;
		return (void *)-1;
	}
	if (incr < 0 || (size_t)incr > BOOT_HEAP_SIZE - heap_used) {
		errno = ENOMEM;
		return (void *)-1;
	}
	void *old = boot_heap + heap_used;
	heap_used += incr;
	return old;
}

void _exit(int code);
void _exit(int code)
{
	monitor_exit(code == 0);
}

int write(int fd, const void *buf, size_t n);
int write(int fd, const void *buf, size_t n)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	uart_write(buf, n);
	return (int)n;
}

int read(int fd, void *buf, size_t n);
int read(int fd, void *buf, size_t n) { (void)fd; (void)buf; (void)n; return 0; }
int close(int fd);
int close(int fd) { (void)fd; errno = EBADF; return -1; }
int fstat(int fd, struct stat *st) { (void)fd; st->st_mode = S_IFCHR; return 0; }
int isatty(int fd);
int isatty(int fd) { (void)fd; return 1; }
off_t lseek(int fd, off_t off, int whence);
off_t lseek(int fd, off_t off, int whence) { (void)fd; (void)off; (void)whence; return 0; }
int getpid(void);
int getpid(void) { return 1; }
int kill(int pid, int sig);
int kill(int pid, int sig) { (void)pid; (void)sig; errno = EINVAL; return -1; }
