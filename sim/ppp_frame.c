/* PPP in HDLC-like framing (RFC 1662): flags, the 0x7D escape, the
 * async control character map, FCS-16, and the compressed address, control
 * and protocol fields LCP may have agreed (RFC 1661 §6.5, §6.6). */
#include "ppp_frame.h"

#include <string.h>

#define FCS_INIT 0xFFFFu
#define FCS_GOOD 0xF0B8u       /* the residue over a frame and its own FCS (RFC 1662 §C.2) */
#define FCS_POLY 0x8408u       /* x^16 + x^12 + x^5 + 1, bit-reversed */
#define FCS_LEN 2
#define CONTROL_CHARS 0x20     /* bytes below this are in the ACCM's reach */

uint16_t ppp_fcs16(uint16_t fcs, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fcs ^= p[i];
        for (int bit = 0; bit < 8; bit++)
            fcs = (fcs & 1u) ? (uint16_t)((fcs >> 1) ^ FCS_POLY) : (uint16_t)(fcs >> 1);
    }
    return fcs;
}

void ppp_deframer_reset(struct ppp_deframer *d)
{
    uint32_t accm = d->accm;
    memset(d, 0, sizeof *d);
    d->accm = accm;
}

static bool in_map(uint32_t accm, uint8_t b)
{
    return b < CONTROL_CHARS && (accm & (1u << b));
}

/* A closing flag: what the frame was. */
static enum ppp_rx frame_end(struct ppp_deframer *d)
{
    enum ppp_rx r = PPP_RX_FRAME;
    if (d->len == 0 && !d->overflow)
        r = PPP_RX_NONE;                       /* back-to-back flags: no frame between them */
    else if (d->overflow)
        r = PPP_RX_TOO_LONG;
    else if (d->len < FCS_LEN + 1)
        r = PPP_RX_RUNT;
    else if (ppp_fcs16(FCS_INIT, d->buf, d->len) != FCS_GOOD)
        r = PPP_RX_BAD_FCS;
    d->escaped = false;
    d->overflow = false;
    d->ready = r == PPP_RX_FRAME;
    if (!d->ready)
        d->len = 0;
    return r;
}

enum ppp_rx ppp_deframer_byte(struct ppp_deframer *d, uint8_t b)
{
    if (d->ready) {                            /* the frame PPP_RX_FRAME announced is over */
        d->ready = false;
        d->len = 0;
    }
    if (b == PPP_FLAG)
        return frame_end(d);
    if (in_map(d->accm, b))
        return PPP_RX_NONE;                    /* inserted by the line, not sent by the peer (RFC 1662 §7.1) */
    if (b == PPP_ESCAPE) {
        d->escaped = true;
        return PPP_RX_NONE;
    }
    if (d->escaped) {
        b ^= PPP_ESCAPE_XOR;
        d->escaped = false;
    }
    if (d->len == sizeof d->buf)
        d->overflow = true;
    else
        d->buf[d->len++] = b;
    return PPP_RX_NONE;
}

bool ppp_deframer_packet(const struct ppp_deframer *d, struct ppp_packet *p)
{
    const uint8_t *q = d->buf;
    size_t n = d->len - FCS_LEN;
    if (n >= 2 && q[0] == PPP_ADDRESS && q[1] == PPP_CONTROL) {
        q += 2;
        n -= 2;
    }
    if (n == 0)
        return false;
    if (q[0] & 1u) {                           /* an odd first byte: the one-byte protocol of PFC */
        p->protocol = q[0];
        q += 1;
        n -= 1;
    } else {
        if (n < 2 || !(q[1] & 1u))
            return false;                      /* a protocol's last byte is odd (RFC 1661 §2) */
        p->protocol = (uint16_t)(q[0] << 8 | q[1]);
        q += 2;
        n -= 2;
    }
    p->info = q;
    p->len = n;
    return true;
}

/* The frame's bytes between the flags, escaped as the map says. */
static size_t put_escaped(uint32_t accm, const uint8_t *p, size_t n, uint8_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == PPP_FLAG || p[i] == PPP_ESCAPE || in_map(accm, p[i])) {
            out[k++] = PPP_ESCAPE;
            out[k++] = p[i] ^ PPP_ESCAPE_XOR;
        } else {
            out[k++] = p[i];
        }
    }
    return k;
}

size_t ppp_frame_encode(const struct ppp_tx_options *o, uint16_t protocol, const uint8_t *info, size_t n,
                        uint8_t *out)
{
    if (n > PPP_MRU_DEFAULT)
        return 0;
    uint8_t frame[PPP_FRAME_MAX];
    size_t len = 0;
    if (!o->acfc) {
        frame[len++] = PPP_ADDRESS;
        frame[len++] = PPP_CONTROL;
    }
    if (!o->pfc || protocol > 0xFF)
        frame[len++] = (uint8_t)(protocol >> 8);
    frame[len++] = (uint8_t)protocol;
    memcpy(frame + len, info, n);
    len += n;
    uint16_t fcs = (uint16_t)~ppp_fcs16(FCS_INIT, frame, len);
    frame[len++] = (uint8_t)fcs;               /* least significant byte first */
    frame[len++] = (uint8_t)(fcs >> 8);
    size_t k = 0;
    out[k++] = PPP_FLAG;
    k += put_escaped(o->accm, frame, len, out + k);
    out[k++] = PPP_FLAG;
    return k;
}
