/* PPP in HDLC-like framing (RFC 1662): the bytes of PPP data mode into
 * packets and packets into bytes. Pure: no I/O, no clock, no simulator state
 * beyond the caller's structs. */
#ifndef SIM_PPP_FRAME_H
#define SIM_PPP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PPP_FLAG 0x7E
#define PPP_ESCAPE 0x7D
#define PPP_ESCAPE_XOR 0x20
#define PPP_ADDRESS 0xFF          /* all-stations */
#define PPP_CONTROL 0x03          /* unnumbered information */
#define PPP_ACCM_DEFAULT 0xFFFFFFFFu   /* every control character escaped, until LCP agrees otherwise */
#define PPP_MRU_DEFAULT 1500
/* The largest frame the deframer keeps: the MRU, protocol, address, control and FCS. */
#define PPP_FRAME_MAX (PPP_MRU_DEFAULT + 8)
/* The largest frame the encoder writes: every byte escaped, two flags. */
#define PPP_ENCODED_MAX (2 * PPP_FRAME_MAX + 2)

/* The protocols the module knows (RFC 1661, 1332, 5072, 1334, 1962). */
enum ppp_protocol {
    PPP_PROTO_IP = 0x0021, PPP_PROTO_IPV6 = 0x0057, PPP_PROTO_IPCP = 0x8021, PPP_PROTO_IPV6CP = 0x8057,
    PPP_PROTO_CCP = 0x80FD, PPP_PROTO_LCP = 0xC021, PPP_PROTO_PAP = 0xC023, PPP_PROTO_CHAP = 0xC223,
};

/* What one byte did to the frame being read. */
enum ppp_rx {
    PPP_RX_NONE,      /* the frame goes on (or an empty one between two flags was skipped) */
    PPP_RX_FRAME,     /* a frame ended with a good FCS: ppp_deframer_packet() has it */
    PPP_RX_BAD_FCS,   /* a frame ended and its FCS is wrong: dropped (RFC 1662 §4.3) */
    PPP_RX_TOO_LONG,  /* a frame grew past PPP_FRAME_MAX: dropped at its closing flag */
    PPP_RX_RUNT,      /* a frame too short for a protocol and an FCS: dropped */
};

struct ppp_deframer {
    uint8_t buf[PPP_FRAME_MAX];
    size_t len;
    bool escaped;      /* the last byte was 0x7D */
    bool overflow;     /* the frame outgrew buf: it is dropped when it ends */
    bool ready;        /* buf holds a good frame, until the next byte */
    uint32_t accm;     /* control characters the host may have had inserted by the line: ignored */
};

/* A frame's contents, once address, control and protocol are read (pointers into the deframer). */
struct ppp_packet {
    uint16_t protocol;
    const uint8_t *info;
    size_t len;
};

/* The FCS-16 of RFC 1662 §C.2 over n more bytes. */
uint16_t ppp_fcs16(uint16_t fcs, const uint8_t *p, size_t n);

void ppp_deframer_reset(struct ppp_deframer *d);
/* One byte from the host. */
enum ppp_rx ppp_deframer_byte(struct ppp_deframer *d, uint8_t b);
/* The frame PPP_RX_FRAME announced: false when it has no readable protocol
 * field (the address and control bytes may be absent: ACFC; the protocol one
 * byte long: PFC, RFC 1661 §6.5, §6.6). Valid until the next byte. */
bool ppp_deframer_packet(const struct ppp_deframer *d, struct ppp_packet *p);

/* How the module frames what it sends: LCP's own packets always use the
 * defaults (RFC 1662 §7.2); the rest what LCP agreed. */
struct ppp_tx_options {
    uint32_t accm;
    bool acfc, pfc;
};

/* One packet framed into out (at least PPP_ENCODED_MAX bytes); returns its
 * length, 0 when the information field is longer than the MRU. */
size_t ppp_frame_encode(const struct ppp_tx_options *o, uint16_t protocol, const uint8_t *info, size_t n,
                        uint8_t *out);

#endif
