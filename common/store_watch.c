/*
 * store_watch.c — count stores to one page (see store_watch.h). x86-64 Linux:
 * the trap flag is bit 8 of EFLAGS (Intel SDM vol. 3, 17.3.1.4 "Single-step").
 */
#include "store_watch.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#define PAGE 4096u
#define EFLAGS_TF 0x100

static volatile uint8_t *watched;            /* the page, or NULL */
static volatile sig_atomic_t stores;

/* A store to the page: count it, let it through, trap after this one instruction. */
static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	if (!watched || (uintptr_t)si->si_addr - (uintptr_t)watched >= PAGE) {
		signal(sig, SIG_DFL);   /* a real crash: let it happen */
		return;
	}
	stores++;
	mprotect((void *)watched, PAGE, PROT_READ | PROT_WRITE);
	uc->uc_mcontext.gregs[REG_EFL] |= EFLAGS_TF;
}

/* The store is done: read-only again, no more single-stepping. */
static void on_trap(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ctx;
	uc->uc_mcontext.gregs[REG_EFL] &= ~EFLAGS_TF;
	if (watched)
		mprotect((void *)watched, PAGE, PROT_READ);
}

int store_watch_begin(volatile void *addr, char *err, size_t err_len)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_SIGINFO;
	sa.sa_sigaction = on_segv;
	sigaction(SIGSEGV, &sa, NULL);
	sa.sa_sigaction = on_trap;
	sigaction(SIGTRAP, &sa, NULL);
	stores = 0;
	watched = (volatile uint8_t *)((uintptr_t)addr & ~(uintptr_t)(PAGE - 1));
	if (mprotect((void *)watched, PAGE, PROT_READ) != 0) {
		snprintf(err, err_len, "mprotect of the register page failed: %s", strerror(errno));
		watched = NULL;
		return -1;
	}
	return 0;
}

unsigned store_watch_end(void)
{
	if (watched)
		mprotect((void *)watched, PAGE, PROT_READ | PROT_WRITE);
	watched = NULL;
	return (unsigned)stores;
}
