/*
 * e1k_port.c — lab05: a port = device + pool + rings + statistics (see e1k_port.h).
 */
#include "e1k_port.h"

#include <errno.h>
#include <string.h>

#include "e1k_irq.h"
#include "e1k_mmio.h"

void e1k_port_config_default(struct e1k_port_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->backend = &e1k_uio_backend;
}

int e1k_port_open(struct e1k_port *p, const struct e1k_port_config *cfg, char *err, size_t err_len)
{
	memset(p, 0, sizeof(*p));
	p->dev.irq_fd = -1;
	unsigned rx_size = cfg->rx_size ? cfg->rx_size : 512;
	unsigned tx_size = cfg->tx_size ? cfg->tx_size : 512;
	unsigned pool_size = cfg->pool_size ? cfg->pool_size : rx_size + tx_size + 2048;
	int rc = 0;

	/* The same driver whichever backend opens it: each fills the same struct e1k_dev. */
	if ((rc = cfg->backend->open(&p->dev, cfg->where, err, err_len)) != 0 ||
	    (rc = e1k_init(&p->dev, 2000, err, err_len)) != 0)
		goto fail;
	p->pool = e1k_mempool_create(pool_size, 2048, err, err_len);
	if (!p->pool) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = e1k_rx_ring_init(&p->dev, &p->rx, rx_size, p->pool, err, err_len)) != 0)
		goto fail;
	p->rx_up = 1;
	if ((rc = e1k_tx_ring_init(&p->dev, &p->tx, tx_size, err, err_len)) != 0)
		goto fail;
	p->tx_up = 1;
	return 0;
fail:
	e1k_port_close(p);
	return rc;
}

unsigned e1k_port_close(struct e1k_port *p)
{
	unsigned leaked = 0;
	if (p->tx_up)
		e1k_tx_ring_free(&p->dev, &p->tx);
	if (p->rx_up)
		e1k_rx_ring_free(&p->dev, &p->rx);
	p->rx_up = p->tx_up = 0;
	if (p->pool)
		leaked = e1k_mempool_destroy(p->pool);
	p->pool = NULL;
	if (p->dev.irq_fd >= 0)
		e1k_irq_close(&p->dev);
	if (p->dev.bar0)
		e1k_close(&p->dev);
	return leaked;
}

unsigned e1k_port_rx(struct e1k_port *p, struct e1k_buf **bufs, unsigned n)
{
	uint64_t before = p->rx.packets + e1k_port_rx_drops(p);
	unsigned got = e1k_rx_burst(&p->dev, &p->rx, bufs, n);
	p->rx_stats.polls++;
	p->rx_stats.packets += got;
	if (p->rx.packets + e1k_port_rx_drops(p) != before)
		p->rx_stats.doorbells++;
	else
		p->rx_stats.empty_polls++;
	return got;
}

unsigned e1k_port_tx(struct e1k_port *p, struct e1k_buf **bufs, unsigned n)
{
	unsigned taken = n ? e1k_tx_burst(&p->dev, &p->tx, bufs, n) : 0;
	p->tx_stats.polls++;
	p->tx_stats.packets += taken;
	p->tx_stats.refused += n - taken;
	if (taken)
		p->tx_stats.doorbells++;
	else
		p->tx_stats.empty_polls++;
	return taken;
}

void e1k_port_read_stats(struct e1k_port *p)
{
	/* SDM 13.7; e1k_read_stat reads and clears (hw/sim/README.md). */
	p->nic.gprc += e1k_read_stat(&p->dev, E1K_GPRC);
	p->nic.gptc += e1k_read_stat(&p->dev, E1K_GPTC);
	p->nic.mpc += e1k_read_stat(&p->dev, E1K_MPC);
	p->nic.rnbc += e1k_read_stat(&p->dev, E1K_RNBC);
	p->nic.crcerrs += e1k_read_stat(&p->dev, E1K_CRCERRS);
	p->nic.roc += e1k_read_stat(&p->dev, E1K_ROC);
}

uint64_t e1k_port_rx_drops(const struct e1k_port *p)
{
	return p->rx.dropped_errors + p->rx.dropped_spanning + p->rx.dropped_no_buf;
}

void e1k_port_print(struct e1k_port *p, const char *tool, const char *name, FILE *out)
{
	const struct e1k_queue_stats *r = &p->rx_stats, *t = &p->tx_stats;
	fprintf(out, "%s: %s rx: %llu frames in %llu polls (%llu empty), %llu RDT writes, "
		"%.1f frames per doorbell; driver drops: errors %llu, spanning %llu, no buffer %llu\n",
		tool, name, (unsigned long long)r->packets, (unsigned long long)r->polls,
		(unsigned long long)r->empty_polls, (unsigned long long)r->doorbells,
		r->doorbells ? (double)r->packets / (double)r->doorbells : 0.0,
		(unsigned long long)p->rx.dropped_errors, (unsigned long long)p->rx.dropped_spanning,
		(unsigned long long)p->rx.dropped_no_buf);
	fprintf(out, "%s: %s tx: %llu frames in %llu bursts, %llu TDT writes, %llu refused (ring full)\n",
		tool, name, (unsigned long long)t->packets, (unsigned long long)(t->polls - t->empty_polls),
		(unsigned long long)t->doorbells, (unsigned long long)t->refused);
	fprintf(out, "%s: %s NIC statistics (SDM 13.7): GPRC %llu, GPTC %llu, MPC %llu, RNBC %llu, "
		"CRCERRS %llu, ROC %llu\n", tool, name, (unsigned long long)p->nic.gprc,
		(unsigned long long)p->nic.gptc, (unsigned long long)p->nic.mpc,
		(unsigned long long)p->nic.rnbc, (unsigned long long)p->nic.crcerrs,
		(unsigned long long)p->nic.roc);
}
