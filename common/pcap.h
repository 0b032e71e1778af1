/*
 * pcap.h — read and write classic libpcap capture files (the format tcpdump -r and
 * Wireshark read). Link type 1 (Ethernet). The reader accepts both byte orders and
 * both microsecond (0xA1B2C3D4) and nanosecond (0xA1B23C4D) magics; the writer
 * writes nanosecond files in the host byte order.
 *
 * Every error fills err[] with a message that says what is wrong and what to do.
 */
#ifndef BYPASSLAB_PCAP_H
#define BYPASSLAB_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define KIT_PCAP_SNAPLEN 65535
#define KIT_PCAP_MAX_RECORD 262144   /* larger stored lengths mean a corrupt file */

/* The writer writes each record (header and frame) with one write(2), unbuffered:
 * the file ends on a whole record at every moment, so tcpdump, tshark and capinfos
 * read everything so far while it runs, and after any signal, SIGKILL included. */
struct kit_pcap_writer {
	int fd;           /* -1: closed */
	uint64_t frames;
};

struct kit_pcap_reader {
	FILE *file;
	int swapped;      /* file written on a host of the other byte order */
	int nanosecond;   /* timestamps in ns (else us) */
	uint32_t snaplen;
	uint64_t frames;  /* frames read so far */
	char path[256];
};

int kit_pcap_writer_open(struct kit_pcap_writer *w, const char *path, char *err, size_t err_len);
/* ts_ns: capture time in ns; 0 means "now" (CLOCK_REALTIME). */
int kit_pcap_writer_add(struct kit_pcap_writer *w, const uint8_t *frame, size_t len, uint64_t ts_ns);
int kit_pcap_writer_close(struct kit_pcap_writer *w);

int kit_pcap_reader_open(struct kit_pcap_reader *r, const char *path, char *err, size_t err_len);
/* Read the next frame into buf. Returns its length (> 0), 0 at the clean end of
 * the file, KIT_PCAP_TOO_LONG for a frame longer than buf_len (skipped: count it,
 * e.g. as oversize, and go on; err says which), or -1 for a malformed or cut-short
 * file, or a frame captured short (stored < on the wire: a snaplen), which is never
 * replayed silently short (err says which frame and what to do). */
#define KIT_PCAP_TOO_LONG (-2)
int kit_pcap_reader_next(struct kit_pcap_reader *r, uint8_t *buf, size_t buf_len,
			 uint64_t *ts_ns, char *err, size_t err_len);
void kit_pcap_reader_close(struct kit_pcap_reader *r);

#endif
