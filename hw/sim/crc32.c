/* crc32.c — the Ethernet frame check sequence: CRC-32 of IEEE 802.3 clause 3.2.9
 * (reflected polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF).
 * Only used when the driver leaves RCTL.SECRC clear (SDM 13.4.22) and the device
 * must store the FCS after the frame. */
#include "sim.h"

static uint32_t table[256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
}

uint32_t eth_crc32(const uint8_t *data, size_t len)
{
	uint32_t c = 0xFFFFFFFFu;

	pthread_once(&table_once, table_init);
	for (size_t i = 0; i < len; i++)
		c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}
