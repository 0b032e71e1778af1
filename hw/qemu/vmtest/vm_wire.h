/*
 * vm_wire.h — a VM test asks the host to put frames on a guest NIC's wire, or to
 * take what the guest sends off it.
 *
 * The host runs hw/qemu/wire-server beside the guest (make vm-test does). The two
 * sides share the directory $KIT_OUT/wire/; a request is a file:
 *
 *   guest                                         host (wire-server)
 *   NAME.req    "nic 0" + wire options, one        runs build/qemu/wire on that NIC's
 *               per line (written, then renamed)   socket with those options
 *                                              <-  NAME.ready   wire is bound: send now
 *   NAME.stop   (optional) stop capturing now  ->
 *                                              <-  NAME.out     wire's report line
 *                                              <-  NAME.status  wire's exit status
 *
 * File names in options (--pcap-in, --pcap-out) are plain names inside that
 * directory. wire's options: hw/qemu/README.md ("Frames from the host").
 * Typical use:
 *
 *   struct vm_wire w;
 *   const char *opts[] = { "--pcap-out", "tx.pcap", "--expect", "3", "--time", "20", NULL };
 *   vm_wire_prepare(&w, "send");
 *   vm_wire_start(&w, 0, opts, 10);               // waits for NAME.ready
 *   ... the driver under test transmits ...
 *   vm_wire_finish(&w, 20, report, sizeof(report)); // waits for NAME.status
 *   vm_pcap_load(vm_wire_file(&w, "tx.pcap"), ...); // what the host captured
 */
#ifndef BYPASSLAB_VM_WIRE_H
#define BYPASSLAB_VM_WIRE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

struct vm_wire {
	char dir[PATH_MAX];     /* $KIT_OUT/wire */
	char name[96];          /* the request's name: unique per request */
	char path[PATH_MAX + 128]; /* scratch for vm_wire_file */
};

/* Name a new request (the pid and a counter are appended) and check the host's server is there;
 * after this, vm_wire_file() names files in the shared directory. */
void vm_wire_prepare(struct vm_wire *w, const char *name);

/* Send the request for NIC nic with wire options opts (NULL-terminated) and wait up
 * to timeout_s for the host's wire to be bound. Fails the test with a message when
 * the server does not answer. */
void vm_wire_start(struct vm_wire *w, int nic, const char *const opts[], double timeout_s);

/* Tell the host's wire to stop now (it drains what already arrived). */
void vm_wire_stop(struct vm_wire *w);

/* Wait up to timeout_s for the host's wire to finish. Returns its exit status
 * (0 ok, 1 not everything sent or --expect not met) and its report line
 * ("wire: sent=.. rx_frames=.. ...") in report. Fails the test on a timeout. */
int vm_wire_finish(struct vm_wire *w, double timeout_s, char *report, size_t len);

/* One number from wire's report: vm_wire_value(report, "rx_frames"). -1 if absent. */
long long vm_wire_value(const char *report, const char *key);

/* The full path of a file in the shared wire directory. */
const char *vm_wire_file(struct vm_wire *w, const char *file);

/* Write frames[i] (lens[i] bytes) into a pcap in the wire directory (for --pcap-in). */
void vm_pcap_save(struct vm_wire *w, const char *file, const uint8_t *const frames[],
		  const size_t lens[], unsigned count);

/* Read up to max frames of a pcap into bufs[i] (each buf_len bytes); lengths into
 * lens. Returns how many frames the file held (fails the test if more than max). */
unsigned vm_pcap_load(const char *path, uint8_t *const bufs[], size_t buf_len, size_t lens[],
		      unsigned max);

#endif
