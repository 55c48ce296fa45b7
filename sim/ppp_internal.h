/* PPP data mode (issue 14; findings §30): ATD*99# / AT+CGDATA="PPP" answer
 * CONNECT and the host's bytes become PPP frames (ppp_frame.c); the module is
 * the PPP peer of the host (ppp_link.c: LCP, then IPCP), and ppp_dial.c holds
 * the commands, the data mode's input and its escape. There is no IP stack
 * behind the link yet: the host's IP packets are counted and dropped. */
#ifndef SIM_PPP_INTERNAL_H
#define SIM_PPP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "escape_guard.h"
#include "ppp_frame.h"
#include "strbuf.h"

/* RFC 1661 §4.2 states, those a peer that starts at CONNECT and ends with the
 * call can be in (Initial: IPCP before LCP is up; Stopped: the host ended it or
 * stopped answering). The module never closes the link and waits: when the
 * call ends, data mode ends with it. */
enum ppp_fsm_state { FSM_INITIAL, FSM_REQ_SENT, FSM_ACK_RCVD, FSM_ACK_SENT, FSM_OPENED, FSM_STOPPED };

struct ppp_fsm {
    enum ppp_fsm_state state;
    uint8_t req_id;            /* the identifier of our last Configure- or Terminate-Request */
    uint8_t next_id;
    int restarts;              /* retransmissions left (RFC 1661 §4.6 Max-Configure, Max-Terminate) */
    uint64_t timer_us;         /* when the restart timer fires; 0: not running */
};

/* The LCP options of the module's own Configure-Request (findings §30: a
 * SIM7600 asks for ACCM 0, a magic number, PFC and ACFC, and no authentication);
 * one the host rejects is dropped. */
struct ppp_lcp_want {
    bool accm, magic, pfc, acfc;
    uint32_t accm_value, magic_value;
};

/* What the host's acknowledged Configure-Request lets the module do when it sends. */
struct ppp_lcp_peer {
    uint16_t mru;
    uint32_t accm;
    bool pfc, acfc;
};

enum ppp_mode { PPP_OFF, PPP_DATA, PPP_ESCAPED };

struct ppp_stats {
    uint64_t frames_in, frames_out, bad_fcs, bad_frames;   /* bad_frames: too long, too short, no protocol */
    uint64_t ip_in, ip_out, ip_dropped;                     /* the host's IP packets, none routed yet */
    uint64_t echoes, naks_sent, rejects_sent, protocol_rejects;
};

struct ppp_state {
    enum ppp_mode mode;
    int cid;                   /* the PDP context the call runs on */
    struct ppp_deframer rx;
    struct ppp_fsm lcp, ipcp;
    struct ppp_lcp_want want;
    struct ppp_lcp_peer peer, peer_pending;   /* pending: the host's last acknowledged request, in force once LCP is up */
    struct escape_guard esc;   /* "+++" back to command mode, the call kept */
    struct ppp_stats stats;    /* since power-on, over every call */
};

struct sim;
struct ppp_packet;

#define PPP_DNS_PRIMARY "10.49.0.3"     /* the network's resolvers, given by IPCP (a choice, findings §30) */
#define PPP_DNS_SECONDARY "10.49.0.4"

/* ppp_dial.c: the calls, data mode, and what the rest of the module tells PPP */
void ppp_power_on(struct sim *s);
void ppp_input_byte(struct sim *s, uint8_t b);     /* a byte from the host in PPP data mode */
void ppp_tick(struct sim *s);                      /* the escape's guard time and the restart timers */
uint64_t ppp_deadline(const struct sim *s);        /* UINT64_MAX: nothing due */
void ppp_context_lost(struct sim *s, int cid);     /* a context went down (0: all): the call ends */
bool ppp_resume(struct sim *s);                    /* ATO: false when no PPP call waits escaped */
void ppp_end(struct sim *s);                       /* back to command mode: NO CARRIER */
void ppp_state_json(const struct sim *s, struct strbuf *o);

/* ppp_link.c: the PPP peer */
void ppp_link_start(struct sim *s);                /* CONNECT sent: LCP's Configure-Request goes out */
void ppp_link_packet(struct sim *s, const struct ppp_packet *p);
void ppp_link_timers(struct sim *s);               /* restart timers due by now */
void ppp_link_terminate(struct sim *s);            /* the network dropped: a Terminate-Request, unanswered */
uint64_t ppp_link_deadline(const struct sim *s);
const char *ppp_fsm_state_str(enum ppp_fsm_state st);

#endif
