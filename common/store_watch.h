/*
 * store_watch.h — count the stores a program makes to one 4 KiB page: how the
 * tests count doorbells (TDT/RDT writes) on any device, simulated or QEMU's.
 *
 * The page (a BAR0 mapping's register page) is made read-only; each store to
 * it faults, is counted, and goes through for one instruction (the x86 trap
 * flag), after which the page is read-only again. A fault anywhere else is a
 * real crash and is left to happen. One page at a time, for the calling
 * process; not for performance (a fault per store).
 *
 *   store_watch_begin(bar0 + E1K_TDT, err, sizeof(err));
 *   e1k_tx_burst(...);
 *   unsigned doorbells = store_watch_end();
 */
#ifndef BYPASSLAB_STORE_WATCH_H
#define BYPASSLAB_STORE_WATCH_H

#include <stddef.h>

/* Start counting stores to the page that holds addr. 0, or -1 with err set. */
int store_watch_begin(volatile void *addr, char *err, size_t err_len);

/* Stop, make the page writable again; the stores counted since begin. */
unsigned store_watch_end(void);

#endif
