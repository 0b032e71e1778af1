/*
 * e1000_regs.h — the Intel 82540EM ("e1000") register map shared by the labs and
 * the simulated device (hw/sim).
 *
 * Every number here comes from the Intel 8254x Family of Gigabit Ethernet
 * Controllers Software Developer's Manual, revision 4.0 ("SDM"); the comment next
 * to each one names the section. Offsets are byte offsets into BAR0 (128 KiB of
 * memory-mapped registers, SDM 13.2 / Table 13-2). Access every register with
 * aligned 32-bit loads and stores.
 */
#ifndef BYPASSLAB_E1000_REGS_H
#define BYPASSLAB_E1000_REGS_H

#include <stdint.h>

/* ---- PCI identity and configuration space (SDM 4.1, PCI Local Bus spec 3.0 ch. 6) ---- */
#define E1K_PCI_VENDOR_INTEL     0x8086  /* SDM 4.1: vendor ID */
#define E1K_PCI_DEVICE_82540EM   0x100E  /* SDM 4.1: 82540EM desktop device ID */
#define E1K_PCI_CLASS_ETHERNET   0x020000 /* SDM 4.1: class code: network, Ethernet */
#define E1K_BAR0_SIZE            0x20000 /* SDM 4.1: memory BAR is 128 KiB */

#define E1K_PCI_VENDOR_ID        0x00    /* 16 bit */
#define E1K_PCI_DEVICE_ID        0x02    /* 16 bit */
#define E1K_PCI_COMMAND          0x04    /* 16 bit, SDM 4.1 "Command Register" */
#define E1K_PCI_STATUS           0x06    /* 16 bit, SDM 4.1 "Status Register" */
#define E1K_PCI_REVISION         0x08
#define E1K_PCI_CLASS            0x09    /* 24 bit: prog-if, subclass, class */
#define E1K_PCI_HEADER_TYPE      0x0E
#define E1K_PCI_BAR0             0x10    /* 32 bit memory BAR (registers) */
#define E1K_PCI_SUBSYS_VENDOR    0x2C
#define E1K_PCI_SUBSYS_ID        0x2E
#define E1K_PCI_INTERRUPT_LINE   0x3C
#define E1K_PCI_INTERRUPT_PIN    0x3D

#define E1K_PCI_CMD_MEMORY       (1u << 1)  /* SDM 4.1: memory space enable */
#define E1K_PCI_CMD_BUS_MASTER   (1u << 2)  /* SDM 4.1: bus master enable (DMA) */
#define E1K_PCI_CMD_INTX_DISABLE (1u << 10) /* PCI 3.0 6.2.2: interrupt disable */
#define E1K_PCI_STATUS_INTX      (1u << 3)  /* PCI 3.0 6.2.3: interrupt status */

/* ---- General registers (SDM 13.4) ---- */
#define E1K_CTRL     0x0000  /* SDM 13.4.1  Device Control */
#define E1K_STATUS   0x0008  /* SDM 13.4.2  Device Status (read only) */
#define E1K_EECD     0x0010  /* SDM 13.4.3  EEPROM/Flash Control */
#define E1K_EERD     0x0014  /* SDM 13.4.4  EEPROM Read */
#define E1K_CTRL_EXT 0x0018  /* SDM 13.4.6  Extended Device Control */
#define E1K_MDIC     0x0020  /* SDM 13.4.7  MDI (PHY) Control */
#define E1K_ICR      0x00C0  /* SDM 13.4.17 Interrupt Cause Read */
#define E1K_ITR      0x00C4  /* SDM 13.4.18 Interrupt Throttling (256 ns units) */
#define E1K_ICS      0x00C8  /* SDM 13.4.19 Interrupt Cause Set */
#define E1K_IMS      0x00D0  /* SDM 13.4.20 Interrupt Mask Set/Read */
#define E1K_IMC      0x00D8  /* SDM 13.4.21 Interrupt Mask Clear */
#define E1K_RCTL     0x0100  /* SDM 13.4.22 Receive Control */
#define E1K_TCTL     0x0400  /* SDM 13.4.33 Transmit Control */
#define E1K_TIPG     0x0410  /* SDM 13.4.34 Transmit Inter Packet Gap */
#define E1K_PBA      0x1000  /* SDM 13.4.15 Packet Buffer Allocation */

/* Receive descriptor ring (SDM 13.4.25 - 13.4.31) */
#define E1K_RDBAL    0x2800  /* SDM 13.4.25 RX descriptor base low (16-byte aligned) */
#define E1K_RDBAH    0x2804  /* SDM 13.4.26 RX descriptor base high */
#define E1K_RDLEN    0x2808  /* SDM 13.4.27 RX ring length in bytes, multiple of 128 */
#define E1K_RDH      0x2810  /* SDM 13.4.28 RX descriptor head (hardware owned) */
#define E1K_RDT      0x2818  /* SDM 13.4.29 RX descriptor tail (software owned) */
#define E1K_RDTR     0x2820  /* SDM 13.4.30 RX delay timer (1.024 us units) */
#define E1K_RADV     0x282C  /* SDM 13.4.31 RX absolute delay timer (1.024 us units) */

/* Transmit descriptor ring (SDM 13.4.36 - 13.4.44) */
#define E1K_TDBAL    0x3800  /* SDM 13.4.36 TX descriptor base low (16-byte aligned) */
#define E1K_TDBAH    0x3804  /* SDM 13.4.37 TX descriptor base high */
#define E1K_TDLEN    0x3808  /* SDM 13.4.38 TX ring length in bytes, multiple of 128 */
#define E1K_TDH      0x3810  /* SDM 13.4.39 TX descriptor head (hardware owned) */
#define E1K_TDT      0x3818  /* SDM 13.4.40 TX descriptor tail (software owned) */
#define E1K_TIDV     0x3820  /* SDM 13.4.41 TX interrupt delay value */
#define E1K_TADV     0x382C  /* SDM 13.4.44 TX absolute interrupt delay value */

/* Statistics (SDM 13.7). The SDM says they clear when read; see hw/sim/README.md
 * for how the simulated device and QEMU differ. 64-bit counters are low/high pairs. */
#define E1K_STATS_FIRST 0x4000
#define E1K_CRCERRS  0x4000  /* SDM 13.7 CRC error count */
#define E1K_MPC      0x4010  /* SDM 13.7 missed packets (RX FIFO full) */
#define E1K_PRC64    0x405C  /* SDM 13.7 packets received, 64 bytes */
#define E1K_PRC127   0x4060  /* SDM 13.7 packets received, 65-127 bytes */
#define E1K_PRC255   0x4064  /* SDM 13.7 packets received, 128-255 bytes */
#define E1K_PRC511   0x4068  /* SDM 13.7 packets received, 256-511 bytes */
#define E1K_PRC1023  0x406C  /* SDM 13.7 packets received, 512-1023 bytes */
#define E1K_PRC1522  0x4070  /* SDM 13.7 packets received, 1024-1522 bytes */
#define E1K_GPRC     0x4074  /* SDM 13.7 good packets received */
#define E1K_BPRC     0x4078  /* SDM 13.7 broadcast packets received */
#define E1K_MPRC     0x407C  /* SDM 13.7 multicast packets received */
#define E1K_GPTC     0x4080  /* SDM 13.7 good packets transmitted */
#define E1K_GORCL    0x4088  /* SDM 13.7 good octets received, low (FCS included) */
#define E1K_GORCH    0x408C  /* SDM 13.7 good octets received, high */
#define E1K_GOTCL    0x4090  /* SDM 13.7 good octets transmitted, low (FCS included) */
#define E1K_GOTCH    0x4094  /* SDM 13.7 good octets transmitted, high */
#define E1K_RNBC     0x40A0  /* SDM 13.7 receive no buffers count */
#define E1K_RUC      0x40A4  /* SDM 13.7 receive undersize count */
#define E1K_ROC      0x40AC  /* SDM 13.7 receive oversize count */
#define E1K_TORL     0x40C0  /* SDM 13.7 total octets received, low */
#define E1K_TORH     0x40C4  /* SDM 13.7 total octets received, high */
#define E1K_TOTL     0x40C8  /* SDM 13.7 total octets transmitted, low */
#define E1K_TOTH     0x40CC  /* SDM 13.7 total octets transmitted, high */
#define E1K_TPR      0x40D0  /* SDM 13.7 total packets received */
#define E1K_TPT      0x40D4  /* SDM 13.7 total packets transmitted */
#define E1K_PTC64    0x40D8  /* SDM 13.7 packets transmitted, 64 bytes */
#define E1K_PTC127   0x40DC  /* SDM 13.7 packets transmitted, 65-127 bytes */
#define E1K_PTC255   0x40E0  /* SDM 13.7 packets transmitted, 128-255 bytes */
#define E1K_PTC511   0x40E4  /* SDM 13.7 packets transmitted, 256-511 bytes */
#define E1K_PTC1023  0x40E8  /* SDM 13.7 packets transmitted, 512-1023 bytes */
#define E1K_PTC1522  0x40EC  /* SDM 13.7 packets transmitted, 1024-1522 bytes */
#define E1K_MPTC     0x40F0  /* SDM 13.7 multicast packets transmitted */
#define E1K_BPTC     0x40F4  /* SDM 13.7 broadcast packets transmitted */
#define E1K_STATS_LAST 0x40FC

/* Receive address filters (SDM 13.5) */
#define E1K_MTA      0x5200  /* SDM 13.5.1 multicast table array, 128 x 32 bit */
#define E1K_MTA_COUNT 128
#define E1K_RAL0     0x5400  /* SDM 13.5.2 receive address low: MAC bytes 0-3, little endian */
#define E1K_RAH0     0x5404  /* SDM 13.5.3 receive address high: MAC bytes 4-5 + AV */
#define E1K_RA_COUNT 16      /* SDM 13.5.2: 16 entries, RAL(n) = 0x5400 + 8n */
#define E1K_RAH_AV   (1u << 31) /* SDM 13.5.3 address valid */

/* ---- CTRL bits (SDM 13.4.1) ---- */
#define E1K_CTRL_FD       (1u << 0)   /* full duplex */
#define E1K_CTRL_LRST     (1u << 3)   /* link reset */
#define E1K_CTRL_ASDE     (1u << 5)   /* auto-speed detection enable */
#define E1K_CTRL_SLU      (1u << 6)   /* set link up */
#define E1K_CTRL_ILOS     (1u << 7)   /* invert loss-of-signal */
#define E1K_CTRL_SPEED_MASK (3u << 8) /* speed selection */
#define E1K_CTRL_FRCSPD   (1u << 11)  /* force speed */
#define E1K_CTRL_FRCDPLX  (1u << 12)  /* force duplex */
#define E1K_CTRL_RST      (1u << 26)  /* device reset, self-clearing */
#define E1K_CTRL_VME      (1u << 30)  /* VLAN mode enable */
#define E1K_CTRL_PHY_RST  (1u << 31)  /* PHY reset */

/* ---- STATUS bits (SDM 13.4.2) ---- */
#define E1K_STATUS_FD         (1u << 0)  /* full duplex */
#define E1K_STATUS_LU         (1u << 1)  /* link up */
#define E1K_STATUS_TXOFF      (1u << 4)  /* transmission paused */
#define E1K_STATUS_SPEED_MASK (3u << 6)  /* link speed */
#define E1K_STATUS_SPEED_1000 (2u << 6)  /* 1000 Mb/s */

/* ---- EERD (SDM 13.4.4, 82540EM layout; EEPROM map in SDM 5.6 / Table 5-2) ---- */
#define E1K_EERD_START       (1u << 0)   /* start a read */
#define E1K_EERD_DONE        (1u << 4)   /* read done (82540EM: bit 4) */
#define E1K_EERD_ADDR_SHIFT  8           /* word address, bits 15:8 */
#define E1K_EERD_DATA_SHIFT  16          /* data, bits 31:16 */
#define E1K_EEPROM_WORDS     64          /* 82540EM: 64 x 16-bit words (SDM 5.1) */
#define E1K_EEPROM_MAC0      0x00        /* SDM Table 5-2: words 0-2 = MAC address */
#define E1K_EEPROM_CHECKSUM  0x3F        /* SDM 5.6.x: words 0..3Fh sum to 0xBABA */
#define E1K_EEPROM_SUM       0xBABA

/* ---- MDIC (SDM 13.4.7) ---- */
#define E1K_MDIC_DATA_MASK   0xFFFFu     /* data, bits 15:0 */
#define E1K_MDIC_REG_SHIFT   16          /* PHY register, bits 20:16 */
#define E1K_MDIC_PHY_SHIFT   21          /* PHY address, bits 25:21 (82540EM PHY = 1) */
#define E1K_MDIC_OP_WRITE    (1u << 26)  /* opcode 01 = write */
#define E1K_MDIC_OP_READ     (2u << 26)  /* opcode 10 = read */
#define E1K_MDIC_READY       (1u << 28)  /* ready: operation complete */
#define E1K_MDIC_ERROR       (1u << 30)  /* error */

/* ---- Interrupt causes: ICR, ICS, IMS, IMC share the layout (SDM 13.4.17) ---- */
#define E1K_ICR_TXDW    (1u << 0)  /* transmit descriptor written back */
#define E1K_ICR_TXQE    (1u << 1)  /* transmit queue empty */
#define E1K_ICR_LSC     (1u << 2)  /* link status change */
#define E1K_ICR_RXSEQ   (1u << 3)  /* receive sequence error */
#define E1K_ICR_RXDMT0  (1u << 4)  /* receive descriptor minimum threshold reached */
#define E1K_ICR_RXO     (1u << 6)  /* receiver overrun (RX FIFO full, frame missed) */
#define E1K_ICR_RXT0    (1u << 7)  /* receiver timer interrupt (frame stored) */

/* ---- RCTL bits (SDM 13.4.22) ---- */
#define E1K_RCTL_EN          (1u << 1)   /* receiver enable */
#define E1K_RCTL_SBP         (1u << 2)   /* store bad packets */
#define E1K_RCTL_UPE         (1u << 3)   /* unicast promiscuous */
#define E1K_RCTL_MPE         (1u << 4)   /* multicast promiscuous */
#define E1K_RCTL_LPE         (1u << 5)   /* long packet enable (> 1522 bytes) */
#define E1K_RCTL_LBM_MASK    (3u << 6)   /* loopback mode */
#define E1K_RCTL_RDMTS_MASK  (3u << 8)   /* RX desc. minimum threshold: 00=1/2 01=1/4 10=1/8 */
#define E1K_RCTL_RDMTS_SHIFT 8
#define E1K_RCTL_MO_MASK     (3u << 12)  /* multicast offset (MTA hash bits) */
#define E1K_RCTL_MO_SHIFT    12
#define E1K_RCTL_BAM         (1u << 15)  /* broadcast accept mode */
#define E1K_RCTL_BSIZE_MASK  (3u << 16)  /* buffer size, with BSEX */
#define E1K_RCTL_BSIZE_2048  (0u << 16)  /* BSEX=0: 2048; BSEX=1: reserved */
#define E1K_RCTL_BSIZE_1024  (1u << 16)  /* BSEX=0: 1024; BSEX=1: 16384 */
#define E1K_RCTL_BSIZE_512   (2u << 16)  /* BSEX=0: 512;  BSEX=1: 8192 */
#define E1K_RCTL_BSIZE_256   (3u << 16)  /* BSEX=0: 256;  BSEX=1: 4096 */
#define E1K_RCTL_VFE         (1u << 18)  /* VLAN filter enable */
#define E1K_RCTL_BSEX        (1u << 25)  /* buffer size extension (x16) */
#define E1K_RCTL_SECRC       (1u << 26)  /* strip Ethernet CRC */

/* ---- TCTL bits (SDM 13.4.33) ---- */
#define E1K_TCTL_EN          (1u << 1)   /* transmit enable */
#define E1K_TCTL_PSP         (1u << 3)   /* pad short packets (to 64 bytes with FCS) */
#define E1K_TCTL_CT_SHIFT    4           /* collision threshold, bits 11:4 (0x0F) */
#define E1K_TCTL_COLD_SHIFT  12          /* collision distance, bits 21:12 (0x40 FD) */
#define E1K_TCTL_RTLC        (1u << 24)  /* re-transmit on late collision */

/* TIPG recommended for IEEE 802.3 copper (SDM 13.4.34, Table 13-77) */
#define E1K_TIPG_IEEE        (10u | (8u << 10) | (6u << 20))

/* ---- Legacy receive descriptor (SDM 3.2.3), 16 bytes ---- */
struct e1k_rx_desc {
	uint64_t addr;     /* physical address of the receive buffer */
	uint16_t length;   /* bytes written into this buffer */
	uint16_t checksum; /* packet checksum (not modelled by hw/sim: 0) */
	uint8_t  status;   /* E1K_RXD_STAT_* */
	uint8_t  errors;   /* E1K_RXD_ERR_*, valid only with DD and EOP */
	uint16_t special;  /* VLAN tag */
} __attribute__((packed));
_Static_assert(sizeof(struct e1k_rx_desc) == 16, "SDM 3.2.3: RX descriptor is 16 bytes");

#define E1K_RXD_STAT_DD    0x01  /* SDM 3.2.3.1 descriptor done */
#define E1K_RXD_STAT_EOP   0x02  /* SDM 3.2.3.1 end of packet */
#define E1K_RXD_STAT_IXSM  0x04  /* SDM 3.2.3.1 ignore checksum indication */
#define E1K_RXD_STAT_VP    0x08  /* SDM 3.2.3.1 packet is 802.1Q */
#define E1K_RXD_STAT_TCPCS 0x20  /* SDM 3.2.3.1 TCP checksum calculated */
#define E1K_RXD_STAT_IPCS  0x40  /* SDM 3.2.3.1 IP checksum calculated */
#define E1K_RXD_STAT_PIF   0x80  /* SDM 3.2.3.1 passed in-exact filter */

#define E1K_RXD_ERR_CE     0x01  /* SDM 3.2.3.2 CRC or alignment error */
#define E1K_RXD_ERR_SE     0x02  /* SDM 3.2.3.2 symbol error */
#define E1K_RXD_ERR_SEQ    0x04  /* SDM 3.2.3.2 sequence error */
#define E1K_RXD_ERR_CXE    0x10  /* SDM 3.2.3.2 carrier extension error */
#define E1K_RXD_ERR_TCPE   0x20  /* SDM 3.2.3.2 TCP/UDP checksum error */
#define E1K_RXD_ERR_IPE    0x40  /* SDM 3.2.3.2 IP checksum error */
#define E1K_RXD_ERR_RXE    0x80  /* SDM 3.2.3.2 RX data error */

/* ---- Legacy transmit descriptor (SDM 3.3.3), 16 bytes ---- */
struct e1k_tx_desc {
	uint64_t addr;     /* physical address of the data buffer */
	uint16_t length;   /* bytes in this buffer (max 16288) */
	uint8_t  cso;      /* checksum offset */
	uint8_t  cmd;      /* E1K_TXD_CMD_* */
	uint8_t  status;   /* E1K_TXD_STAT_*, DD written back when RS is set */
	uint8_t  css;      /* checksum start */
	uint16_t special;  /* VLAN tag */
} __attribute__((packed));
_Static_assert(sizeof(struct e1k_tx_desc) == 16, "SDM 3.3.3: TX descriptor is 16 bytes");

#define E1K_TXD_MAX_LEN    16288 /* SDM 3.3.3: longest buffer of one descriptor */
#define E1K_TXD_CMD_EOP    0x01  /* SDM 3.3.3.1 end of packet */
#define E1K_TXD_CMD_IFCS   0x02  /* SDM 3.3.3.1 insert FCS */
#define E1K_TXD_CMD_IC     0x04  /* SDM 3.3.3.1 insert checksum */
#define E1K_TXD_CMD_RS     0x08  /* SDM 3.3.3.1 report status (write back DD) */
#define E1K_TXD_CMD_RPS    0x10  /* SDM 3.3.3.1 report packet sent */
#define E1K_TXD_CMD_DEXT   0x20  /* SDM 3.3.3.1 extension (0 = legacy descriptor) */
#define E1K_TXD_CMD_VLE    0x40  /* SDM 3.3.3.1 VLAN packet enable */
#define E1K_TXD_CMD_IDE    0x80  /* SDM 3.3.3.1 interrupt delay enable */

#define E1K_TXD_STAT_DD    0x01  /* SDM 3.3.3.2 descriptor done */
#define E1K_TXD_STAT_EC    0x02  /* SDM 3.3.3.2 excess collisions */
#define E1K_TXD_STAT_LC    0x04  /* SDM 3.3.3.2 late collision */

/* Ring rules (SDM 3.2.6, 3.4): base 16-byte aligned, length a multiple of 128 bytes. */
#define E1K_RING_ALIGN     16
#define E1K_RING_LEN_UNIT  128

#endif
