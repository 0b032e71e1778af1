/* pcap.c — classic pcap files (format: pcap-savefile(5) / the libpcap file format). */
#include "pcap.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#define MAGIC_US 0xA1B2C3D4u
#define MAGIC_NS 0xA1B23C4Du
#define MAGIC_MODIFIED 0xA1B2CD34u   /* "modified" libpcap format (extra record fields) */
#define MAGIC_PCAPNG 0x0A0D0D0Au    /* pcapng's section header block */
#define LINKTYPE_ETHERNET 1

struct file_header {
	uint32_t magic;
	uint16_t version_major;  /* 2 */
	uint16_t version_minor;  /* 4 */
	int32_t  thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct record_header {
	uint32_t ts_sec;
	uint32_t ts_frac;   /* us or ns, after the magic */
	uint32_t incl_len;  /* bytes stored in the file */
	uint32_t orig_len;  /* bytes on the wire */
};

static void say(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !err_len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
}

static uint32_t swap32(uint32_t v)
{
	return __builtin_bswap32(v);
}

int kit_pcap_writer_open(struct kit_pcap_writer *w, const char *path, char *err, size_t err_len)
{
	struct file_header h = {
		.magic = MAGIC_NS, .version_major = 2, .version_minor = 4,
		.snaplen = KIT_PCAP_SNAPLEN, .linktype = LINKTYPE_ETHERNET,
	};

	w->frames = 0;
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		say(err, err_len, "cannot create pcap file %s: %s (check the directory exists and is writable)",
		    path, strerror(errno));
		return -1;
	}
	if (write(w->fd, &h, sizeof(h)) != (ssize_t)sizeof(h)) {
		say(err, err_len, "cannot write pcap header to %s: %s", path, strerror(errno));
		close(w->fd);
		w->fd = -1;
		return -1;
	}
	return 0;
}

int kit_pcap_writer_add(struct kit_pcap_writer *w, const uint8_t *frame, size_t len, uint64_t ts_ns)
{
	if (ts_ns == 0) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		ts_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	}
	size_t stored = len < KIT_PCAP_SNAPLEN ? len : KIT_PCAP_SNAPLEN;
	struct record_header r = {
		.ts_sec = (uint32_t)(ts_ns / 1000000000u),
		.ts_frac = (uint32_t)(ts_ns % 1000000000u),
		.incl_len = (uint32_t)stored,
		.orig_len = (uint32_t)len,
	};
	/* One write: a reader never sees half a record. */
	struct iovec iov[2] = { { &r, sizeof(r) }, { (void *)frame, stored } };
	if (writev(w->fd, iov, 2) != (ssize_t)(sizeof(r) + stored))
		return -1;
	w->frames++;
	return 0;
}

int kit_pcap_writer_close(struct kit_pcap_writer *w)
{
	int rc = 0;

	if (w->fd >= 0 && close(w->fd) != 0)
		rc = -1;
	w->fd = -1;
	return rc;
}

int kit_pcap_reader_open(struct kit_pcap_reader *r, const char *path, char *err, size_t err_len)
{
	struct file_header h;

	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->file = fopen(path, "rb");
	if (!r->file) {
		say(err, err_len, "cannot open pcap file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fread(&h, sizeof(h), 1, r->file) != 1) {
		say(err, err_len, "%s: not a pcap file (shorter than the 24-byte file header)", path);
		goto fail;
	}
	if (h.magic == MAGIC_US || h.magic == MAGIC_NS) {
		r->swapped = 0;
	} else if (swap32(h.magic) == MAGIC_US || swap32(h.magic) == MAGIC_NS) {
		r->swapped = 1;
		h.magic = swap32(h.magic);
		h.snaplen = swap32(h.snaplen);
		h.linktype = swap32(h.linktype);
		h.version_major = __builtin_bswap16(h.version_major);
	} else if (h.magic == MAGIC_MODIFIED || swap32(h.magic) == MAGIC_MODIFIED) {
		say(err, err_len, "%s: a \"modified\" pcap (magic 0xa1b2cd34, Kuznetsov's patched "
		    "libpcap), which this reader does not take: convert it with: editcap -F pcap in "
		    "out.pcap", path);
		goto fail;
	} else if (h.magic == MAGIC_PCAPNG) {
		say(err, err_len, "%s: a pcapng file; this reader takes classic pcap: convert it with: "
		    "editcap -F pcap in.pcapng out.pcap", path);
		goto fail;
	} else {
		say(err, err_len, "%s: not a classic pcap file (magic 0x%08x): is it a capture at all?",
		    path, h.magic);
		goto fail;
	}
	r->nanosecond = h.magic == MAGIC_NS;
	if (h.version_major != 2) {
		say(err, err_len, "%s: pcap version %u is not supported (expected 2)", path, h.version_major);
		goto fail;
	}
	if ((h.linktype & 0x0FFFFFFF) != LINKTYPE_ETHERNET) {
		say(err, err_len, "%s: link type %u is not Ethernet (1); capture on an Ethernet interface",
		    path, h.linktype);
		goto fail;
	}
	r->snaplen = h.snaplen;
	return 0;
fail:
	fclose(r->file);
	r->file = NULL;
	return -1;
}

int kit_pcap_reader_next(struct kit_pcap_reader *r, uint8_t *buf, size_t buf_len,
			 uint64_t *ts_ns, char *err, size_t err_len)
{
	struct record_header h;
	size_t got = fread(&h, 1, sizeof(h), r->file);

	if (got == 0 && feof(r->file))
		return 0;
	if (got != sizeof(h)) {
		say(err, err_len, "%s: truncated record header after frame %llu (file cut short?)",
		    r->path, (unsigned long long)r->frames);
		return -1;
	}
	if (r->swapped) {
		h.ts_sec = swap32(h.ts_sec);
		h.ts_frac = swap32(h.ts_frac);
		h.incl_len = swap32(h.incl_len);
		h.orig_len = swap32(h.orig_len);
	}
	uint64_t frame_no = r->frames + 1;
	if (h.incl_len == 0 || h.incl_len > KIT_PCAP_MAX_RECORD || h.incl_len > h.orig_len) {
		say(err, err_len, "%s: frame %llu has an impossible length (stored %u, on wire %u)",
		    r->path, (unsigned long long)frame_no, h.incl_len, h.orig_len);
		return -1;
	}
	if (h.incl_len < h.orig_len) {
		say(err, err_len, "%s: frame %llu was captured short (%u of its %u bytes: the capture's "
		    "snaplen); replaying it would send a different frame. Capture again without a "
		    "snaplen (tcpdump -s 0) or cut the file before it (editcap -r)", r->path,
		    (unsigned long long)frame_no, h.incl_len, h.orig_len);
		return -1;
	}
	if (h.incl_len > buf_len) {
		if (fseek(r->file, (long)h.incl_len, SEEK_CUR) != 0) {
			say(err, err_len, "%s: frame %llu is truncated (file cut short?)", r->path,
			    (unsigned long long)frame_no);
			return -1;
		}
		r->frames = frame_no;
		say(err, err_len, "%s: frame %llu is %u bytes, longer than any frame this wire carries "
		    "(%zu): skipped", r->path, (unsigned long long)frame_no, h.incl_len, buf_len);
		return KIT_PCAP_TOO_LONG;
	}
	if (fread(buf, 1, h.incl_len, r->file) != h.incl_len) {
		say(err, err_len, "%s: frame %llu is truncated (file cut short?)",
		    r->path, (unsigned long long)frame_no);
		return -1;
	}
	if (ts_ns)
		*ts_ns = (uint64_t)h.ts_sec * 1000000000u +
			 (uint64_t)h.ts_frac * (r->nanosecond ? 1u : 1000u);
	r->frames = frame_no;
	return (int)h.incl_len;
}

void kit_pcap_reader_close(struct kit_pcap_reader *r)
{
	if (r->file)
		fclose(r->file);
	r->file = NULL;
}
