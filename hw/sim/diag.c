/* diag.c — diagnostics: what the driver did wrong, with the SDM section and a fix.
 * Each distinct message is kept once (repeats are counted) so a test can assert
 * "the model said X" and a student sees a message once, not once per frame.
 *
 * Models nothing of the 82540EM: a real device says nothing when misprogrammed.
 * This is the teacher inside the model; every message cites the SDM section the
 * driver got wrong. */
#include "sim.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag_list *d)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
}

void diag_free(struct diag_list *d)
{
	for (size_t i = 0; i < d->count; i++)
		free(d->text[i]);
	d->count = 0;
	pthread_mutex_destroy(&d->lock);
}

void diag(struct nicsim *dev, const char *fmt, ...)
{
	struct diag_list *d = &dev->diags;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	pthread_mutex_lock(&d->lock);
	d->total++;
	count(&dev->cnt.diagnostics, 1);
	for (size_t i = 0; i < d->count; i++) {
		if (strcmp(d->text[i], msg) == 0) {
			d->repeats[i]++;
			pthread_mutex_unlock(&d->lock);
			return;
		}
	}
	if (d->count < DIAG_MAX) {
		d->text[d->count] = strdup(msg);
		if (d->text[d->count])
			d->count++;
	}
	pthread_mutex_unlock(&d->lock);
	if (!dev->cfg.quiet)
		fprintf(stderr, "nicsim %s: %s\n", dev->dir, msg);
}

size_t nicsim_diag_count(struct nicsim *dev)
{
	if (dev->remote)
		return remote_diag_count(dev);
	size_t n;

	pthread_mutex_lock(&dev->diags.lock);
	n = dev->diags.count;
	pthread_mutex_unlock(&dev->diags.lock);
	return n;
}

const char *nicsim_diag_get(struct nicsim *dev, size_t index)
{
	if (dev->remote)
		return remote_diag_get(dev, index);
	const char *s = NULL;

	pthread_mutex_lock(&dev->diags.lock);
	if (index < dev->diags.count)
		s = dev->diags.text[index];
	pthread_mutex_unlock(&dev->diags.lock);
	return s;
}

int nicsim_diag_find(struct nicsim *dev, const char *needle)
{
	if (dev->remote)
		return remote_diag_find(dev, needle);
	int found = 0;

	pthread_mutex_lock(&dev->diags.lock);
	for (size_t i = 0; i < dev->diags.count && !found; i++)
		found = strstr(dev->diags.text[i], needle) != NULL;
	pthread_mutex_unlock(&dev->diags.lock);
	return found;
}
