/* PPP data mode (issue 14; findings §30): the dial, and the module's PPP peer
 * driven through the core with frames this file's own small encoder builds
 * and its own decoder reads (RFC 1662 framing, RFC 1661 LCP, RFC 1332 IPCP). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "sim_fixture.h"

#define GUARD_MS 100          /* the "+++" guard time of --latency fast */
#define RESTART_MS 3000       /* RFC 1661's restart timer, which the module keeps */
#define PKT_MAX 256
#define PKTS_MAX 16

enum { LCP = 0xC021, IPCP = 0x8021, IP = 0x0021, IPV6CP = 0x8057 };
enum { CONF_REQ = 1, CONF_ACK, CONF_NAK, CONF_REJ, TERM_REQ, TERM_ACK, CODE_REJ, PROTO_REJ, ECHO_REQ, ECHO_REPLY };

static const char *const connect_text = "\r\nCONNECT 115200\r\n";

/* ---- the test's own framing --------------------------------------------------------- */

static uint16_t fcs16(const uint8_t *p, size_t n)
{
    uint16_t fcs = 0xFFFF;
    for (size_t i = 0; i < n; i++) {
        fcs ^= p[i];
        for (int b = 0; b < 8; b++)
            fcs = (fcs & 1) ? (uint16_t)((fcs >> 1) ^ 0x8408) : (uint16_t)(fcs >> 1);
    }
    return fcs;
}

/* A frame as a host sends it before LCP is up: address and control, every control character escaped. */
static size_t encode(uint16_t proto, const uint8_t *info, size_t n, uint8_t *out, bool break_fcs)
{
    uint8_t raw[PKT_MAX + 8];
    size_t len = 0;
    raw[len++] = 0xFF;
    raw[len++] = 0x03;
    raw[len++] = (uint8_t)(proto >> 8);
    raw[len++] = (uint8_t)proto;
    memcpy(raw + len, info, n);
    len += n;
    uint16_t fcs = (uint16_t)~fcs16(raw, len) ^ (break_fcs ? 0x0100 : 0);
    raw[len++] = (uint8_t)fcs;
    raw[len++] = (uint8_t)(fcs >> 8);
    size_t k = 0;
    out[k++] = 0x7E;
    for (size_t i = 0; i < len; i++) {
        if (raw[i] < 0x20 || raw[i] == 0x7E || raw[i] == 0x7D) {
            out[k++] = 0x7D;
            out[k++] = raw[i] ^ 0x20;
        } else {
            out[k++] = raw[i];
        }
    }
    out[k++] = 0x7E;
    return k;
}

struct pkt {
    uint16_t proto;
    uint8_t code, id;
    uint8_t data[PKT_MAX];
    size_t len;          /* of data, after the 4-byte header (for IP: the whole packet) */
    bool had_address;    /* FF 03 was there (no ACFC) */
};

/* The frames in what the module printed, checked (FCS, length); returns how many. */
static int decode(const uint8_t *p, size_t n, struct pkt *pk, int max)
{
    int count = 0;
    size_t i = 0;
    while (i < n && count < max) {
        while (i < n && p[i] != 0x7E)
            i++;
        i++;
        uint8_t raw[PKT_MAX + 8];
        size_t len = 0;
        bool esc = false;
        for (; i < n && p[i] != 0x7E; i++) {
            if (p[i] == 0x7D) {
                esc = true;
                continue;
            }
            cr_assert_lt(len, sizeof raw, "a frame longer than the test expects");
            raw[len++] = esc ? p[i] ^ 0x20 : p[i];
            esc = false;
        }
        if (len == 0)
            continue;
        cr_assert_eq(fcs16(raw, len), 0xF0B8, "a frame from the module has a bad FCS");
        struct pkt *k = &pk[count++];
        size_t off = 0;
        k->had_address = raw[0] == 0xFF && raw[1] == 0x03;
        off = k->had_address ? 2 : 0;
        k->proto = (raw[off] & 1) ? raw[off] : (uint16_t)(raw[off] << 8 | raw[off + 1]);
        off += (raw[off] & 1) ? 1 : 2;
        size_t body = len - 2 - off;
        k->code = raw[off];
        k->id = raw[off + 1];
        cr_assert_eq((size_t)(raw[off + 2] << 8 | raw[off + 3]), body, "a packet's length field is wrong");
        k->len = body - 4;
        memcpy(k->data, raw + off + 4, k->len);
        i++;
    }
    return count;
}

/* ---- the host's side ---------------------------------------------------------------- */

static struct pkt got[PKTS_MAX];
static int ngot;

/* What the module printed last, as frames (the text before them is skipped). */
static int frames_out(void)
{
    ngot = decode((const uint8_t *)drive.out.p, drive.out.len, got, PKTS_MAX);
    return ngot;
}

static void send_frame(uint16_t proto, uint8_t code, uint8_t id, const uint8_t *data, size_t n, bool break_fcs)
{
    uint8_t info[PKT_MAX], out[2 * PKT_MAX + 16];
    info[0] = code;
    info[1] = id;
    info[2] = (uint8_t)((n + 4) >> 8);
    info[3] = (uint8_t)(n + 4);
    if (n)
        memcpy(info + 4, data, n);
    size_t k = encode(proto, info, n + 4, out, break_fcs);
    io_bytes(out, k);
    frames_out();
}

static void send_pkt(uint16_t proto, uint8_t code, uint8_t id, const uint8_t *data, size_t n)
{
    send_frame(proto, code, id, data, n, false);
}

static const struct pkt *find(uint16_t proto, uint8_t code)
{
    for (int i = 0; i < ngot; i++)
        if (got[i].proto == proto && got[i].code == code)
            return &got[i];
    return NULL;
}

static const struct pkt *expect(uint16_t proto, uint8_t code)
{
    const struct pkt *p = find(proto, code);
    cr_assert_not_null(p, "the module sent no packet of protocol 0x%04X code %d (it sent %d frames)", proto, code,
                       ngot);
    return p;
}

/* An option's value in a packet's option list, or NULL. */
static const uint8_t *option(const struct pkt *p, uint8_t type, size_t *len)
{
    for (size_t off = 0; off + 2 <= p->len && p->data[off + 1] >= 2; off += p->data[off + 1]) {
        if (p->data[off] == type) {
            *len = p->data[off + 1] - 2u;
            return p->data + off + 2;
        }
    }
    return NULL;
}

static bool text_out(const char *text)
{
    return memmem(drive.out.p, drive.out.len, text, strlen(text)) != NULL;
}

static uint8_t module_lcp_id;            /* the module's LCP Configure-Request, to acknowledge */
static uint8_t module_lcp_opts[PKT_MAX];
static size_t module_lcp_len;

static void start(bool sim_present)
{
    struct sim_config cfg;
    sim_config_defaults(&cfg);
    cfg.baud = 0;
    cfg.sim_present = sim_present;
    sim_drive_start(&drive, &cfg);
    advance(500);                        /* the fast boot */
    io("ATE0\r");
}

static void registered(void) { start(true); }

TestSuite(ppp_dial, .init = registered, .fini = sim_fixture_teardown);
TestSuite(ppp_link, .init = registered, .fini = sim_fixture_teardown);
TestSuite(ppp_end, .init = registered, .fini = sim_fixture_teardown);

/* ATD*99#: CONNECT, then the module's LCP Configure-Request. */
static void dial(const char *line)
{
    io(line);
    cr_assert(strncmp(drive.out.p, connect_text, strlen(connect_text)) == 0, "%s answered \"%s\"", line,
              drive.out.p);
    cr_assert_eq(frames_out(), 1, "the module sent %d frames after CONNECT, not its LCP request", ngot);
    const struct pkt *req = expect(LCP, CONF_REQ);
    module_lcp_id = req->id;
    module_lcp_len = req->len;
    memcpy(module_lcp_opts, req->data, req->len);
}

static const uint8_t host_lcp[] = {
    0x01, 0x04, 0x05, 0xDC,                    /* MRU 1500 */
    0x02, 0x06, 0x00, 0x00, 0x00, 0x00,        /* ACCM 0 */
    0x05, 0x06, 0x11, 0x22, 0x33, 0x44,        /* magic */
    0x07, 0x02, 0x08, 0x02,                    /* PFC, ACFC */
};

/* LCP both ways: the host's request acknowledged, the module's too. */
static void lcp_negotiate(void)
{
    send_pkt(LCP, CONF_REQ, 1, host_lcp, sizeof host_lcp);
    const struct pkt *ack = expect(LCP, CONF_ACK);
    cr_assert_eq(ack->id, 1);
    cr_assert(ack->len == sizeof host_lcp && memcmp(ack->data, host_lcp, sizeof host_lcp) == 0,
              "the Configure-Ack does not repeat the request");
    send_pkt(LCP, CONF_ACK, module_lcp_id, module_lcp_opts, module_lcp_len);
}

static void lcp_up(void)
{
    dial("ATD*99#\r");
    lcp_negotiate();
}

static const uint8_t ipcp_zero[] = {
    0x03, 0x06, 0, 0, 0, 0, 0x81, 0x06, 0, 0, 0, 0, 0x83, 0x06, 0, 0, 0, 0,
};
static const uint8_t ipcp_given[] = {
    0x03, 0x06, 10, 49, 14, 68, 0x81, 0x06, 10, 49, 0, 3, 0x83, 0x06, 10, 49, 0, 4,
};

/* The whole negotiation, as pppd with noauth and usepeerdns does it. */
static void ipcp_up(void)
{
    lcp_up();
    const struct pkt *req = expect(IPCP, CONF_REQ);   /* LCP up: the module starts IPCP */
    uint8_t module_ipcp_id = req->id;
    send_pkt(IPCP, CONF_REQ, 1, ipcp_zero, sizeof ipcp_zero);
    const struct pkt *nak = expect(IPCP, CONF_NAK);
    cr_assert(nak->len == sizeof ipcp_given && memcmp(nak->data, ipcp_given, sizeof ipcp_given) == 0,
              "the Configure-Nak does not give 10.49.14.68 and the resolvers 10.49.0.3, 10.49.0.4");
    send_pkt(IPCP, CONF_REQ, 2, ipcp_given, sizeof ipcp_given);
    cr_assert_eq(expect(IPCP, CONF_ACK)->id, 2);
    send_pkt(IPCP, CONF_ACK, module_ipcp_id, NULL, 0);
}

/* ---- the dial ------------------------------------------------------------------------ */

Test(ppp_dial, atd_99_answers_connect_and_asks_for_what_a_sim7600_asks_for)
{
    dial("ATD*99#\r");
    const struct pkt *req = expect(LCP, CONF_REQ);
    size_t len;
    const uint8_t *accm = option(req, 2, &len);
    cr_assert(accm && len == 4 && memcmp(accm, "\0\0\0\0", 4) == 0, "no ACCM 0 in the module's request");
    cr_assert(option(req, 5, &len) && len == 4, "no magic number in the module's request");
    cr_assert(option(req, 7, &len) && option(req, 8, &len), "no PFC and ACFC in the module's request");
    cr_assert_null(option(req, 3, &len), "the module asks the host to authenticate");
    cr_assert(req->had_address, "an LCP frame without address and control");
    cr_assert(strstr(ctl("state"), "\"input\":\"ppp\""), "state: %s", ctl("state"));
    cr_assert(strstr(ctl("state"), "\"mode\":\"data\",\"cid\":1,\"phase\":\"establish\""), "state: %s",
              ctl("state"));
}

Test(ppp_dial, every_dial_form_firmware_sends_connects)
{
    static const char *const lines[] = {"ATD*99##\r", "ATD*99***1#\r", "AT+CGDATA=\"PPP\",1\r", "ATD*99*,*PPP*1#\r"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        dial(lines[i]);
        send_pkt(LCP, TERM_REQ, 9, NULL, 0);
        cr_assert(text_out("\r\nNO CARRIER\r\n"), "no NO CARRIER after the call of %s", lines[i]);
    }
}

Test(ppp_dial, what_a_call_cannot_start_without)
{
    EXCHANGES({"AT+CGDATA=?\r", "\r\n+CGDATA: (\"PPP\")\r\n\r\nOK\r\n"},
              {"ATD*99***7#\r", "\r\n+CME ERROR: operation not allowed\r\n"},   /* no context 7 */
              {"ATD*99***25#\r", "\r\nERROR\r\n"},
              {"AT+CGDATA=\"IP\",1\r", "\r\nERROR\r\n"},
              {"ATD5551234;\r", "\r\nERROR\r\n"},                               /* voice calls: not modelled */
              {"ATH\r", "\r\nOK\r\n"});                                         /* no call: nothing to hang up */
    ctl("reg 0");
    advance(1);
    EXCHANGES({"ATD*99#\r", "\r\nNO CARRIER\r\n"});
}

Test(ppp_dial, no_sim_no_call)
{
    sim_drive_free(&drive);
    start(false);
    EXCHANGES({"ATD*99#\r", "\r\n+CME ERROR: SIM not inserted\r\n"});
}

Test(ppp_dial, a_detached_module_attaches_for_the_call)
{
    EXCHANGES({"AT+CGATT=0\r", "\r\nOK\r\n"});
    dial("ATD*99#\r");
    cr_assert(strstr(ctl("state"), "\"attached\":true"), "state: %s", ctl("state"));
}

/* ---- the link ------------------------------------------------------------------------ */

Test(ppp_link, lcp_and_ipcp_come_up_and_give_the_host_its_address)
{
    ipcp_up();
    const char *st = ctl("state");
    cr_assert(strstr(st, "\"phase\":\"network\",\"lcp\":\"opened\",\"ipcp\":\"opened\",\"address\":\"10.49.14.68\""),
              "state: %s", st);
    cr_assert(strstr(st, "\"dns\":[\"10.49.0.3\",\"10.49.0.4\"]"), "state: %s", st);
}

Test(ppp_link, a_wrong_address_is_nakked_with_the_contexts)
{
    lcp_up();
    static const uint8_t wrong[] = {0x03, 0x06, 192, 168, 1, 5};
    send_pkt(IPCP, CONF_REQ, 4, wrong, sizeof wrong);
    const struct pkt *nak = expect(IPCP, CONF_NAK);
    static const uint8_t right[] = {0x03, 0x06, 10, 49, 14, 68};
    cr_assert_eq(nak->id, 4);
    cr_assert(nak->len == sizeof right && memcmp(nak->data, right, sizeof right) == 0, "not Nak'd to 10.49.14.68");
    cr_assert(!nak->had_address, "ACFC was agreed, yet IPCP frames carry address and control");
}

/* A dial on another context is given that context's address by IPCP, the one
 * AT+CGPADDR=<cid> prints: both dial forms, on context 2 (findings §30). */
Test(ppp_link, a_dial_on_context_2_is_given_context_2s_address)
{
    static const char *const lines[] = {"ATD*99***2#\r", "AT+CGDATA=\"PPP\",2\r"};
    static const uint8_t zero[] = {0x03, 0x06, 0, 0, 0, 0};
    static const uint8_t cid2[] = {0x03, 0x06, 10, 49, 14, 69};
    EXCHANGES({"AT+CGDCONT=2,\"IP\",\"second\"\r", "\r\nOK\r\n"});
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        dial(lines[i]);
        lcp_negotiate();
        uint8_t module_ipcp_id = expect(IPCP, CONF_REQ)->id;
        send_pkt(IPCP, CONF_REQ, 1, zero, sizeof zero);
        const struct pkt *nak = expect(IPCP, CONF_NAK);
        cr_assert(nak->len == sizeof cid2 && memcmp(nak->data, cid2, sizeof cid2) == 0,
                  "%s: not Nak'd to context 2's 10.49.14.69", lines[i]);
        send_pkt(IPCP, CONF_REQ, 2, cid2, sizeof cid2);
        cr_assert_eq(expect(IPCP, CONF_ACK)->id, 2, "%s: context 2's address is not acknowledged", lines[i]);
        send_pkt(IPCP, CONF_ACK, module_ipcp_id, NULL, 0);
        const char *st = ctl("state");
        cr_assert(strstr(st, "\"cid\":2,\"phase\":\"network\",\"lcp\":\"opened\",\"ipcp\":\"opened\","
                             "\"address\":\"10.49.14.69\""), "%s: state: %s", lines[i], st);
        advance(GUARD_MS);
        io("+++");
        cr_assert_str_eq(advance(GUARD_MS), "\r\nOK\r\n");
        EXCHANGES({"AT+CGPADDR=2\r", "\r\n+CGPADDR: 2,10.49.14.69\r\n\r\nOK\r\n"}, {"ATH\r", "\r\nNO CARRIER\r\n"});
    }
}

Test(ppp_link, options_the_module_does_not_take_are_rejected)
{
    dial("ATD*99#\r");
    static const uint8_t with_auth[] = {0x03, 0x04, 0xC0, 0x23, 0x05, 0x06, 1, 2, 3, 4};   /* PAP, magic */
    send_pkt(LCP, CONF_REQ, 3, with_auth, sizeof with_auth);
    const struct pkt *rej = expect(LCP, CONF_REJ);
    cr_assert(rej->len == 4 && memcmp(rej->data, with_auth, 4) == 0, "the auth option is not what was rejected");
    lcp_negotiate();
    static const uint8_t vj[] = {0x02, 0x06, 0x00, 0x2D, 0x0F, 0x01, 0x03, 0x06, 10, 49, 14, 68};
    send_pkt(IPCP, CONF_REQ, 5, vj, sizeof vj);
    const struct pkt *ipcp_rej = expect(IPCP, CONF_REJ);
    cr_assert(ipcp_rej->len == 6 && memcmp(ipcp_rej->data, vj, 6) == 0, "VJ compression is not rejected alone");
}

Test(ppp_link, echo_requests_are_answered_with_the_modules_magic)
{
    lcp_up();
    static const uint8_t echo[] = {0x11, 0x22, 0x33, 0x44, 'h', 'i'};
    send_pkt(LCP, ECHO_REQ, 7, echo, sizeof echo);
    const struct pkt *reply = expect(LCP, ECHO_REPLY);
    size_t len;
    struct pkt req = {.len = module_lcp_len};
    memcpy(req.data, module_lcp_opts, module_lcp_len);
    const uint8_t *ours = option(&req, 5, &len);
    cr_assert_eq(reply->id, 7);
    cr_assert(reply->len == 6 && memcmp(reply->data, ours, 4) == 0 && memcmp(reply->data + 4, "hi", 2) == 0,
              "the Echo-Reply does not carry the module's magic and the request's data");
}

Test(ppp_link, protocols_the_module_does_not_speak_are_protocol_rejected)
{
    lcp_up();
    static const uint8_t v6[] = {0x01, 0x0A, 0, 0, 0, 0, 0, 0, 0, 1};
    send_pkt(IPV6CP, CONF_REQ, 1, v6, sizeof v6);
    const struct pkt *rej = expect(LCP, PROTO_REJ);
    cr_assert(rej->data[0] == 0x80 && rej->data[1] == 0x57, "the Protocol-Reject does not name IPv6CP");
    send_pkt(LCP, 42, 3, NULL, 0);
    cr_assert_eq(expect(LCP, CODE_REJ)->data[0], 42, "an unknown LCP code is not Code-Rejected");
}

Test(ppp_link, ip_packets_are_counted_and_dropped)
{
    ipcp_up();
    static const uint8_t ping[] = {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, 10, 49, 14, 68, 8, 8, 8, 8};
    uint8_t out[128];
    size_t k = encode(IP, ping, sizeof ping, out, false);
    cr_assert_str_eq(io_bytes(out, k), "", "the module answered an IP packet");
    cr_assert(strstr(ctl("state"), "\"ip_in\":1,\"ip_out\":0,\"ip_dropped\":1"), "state: %s", ctl("state"));
}

Test(ppp_link, frames_with_a_bad_fcs_are_ignored_and_counted)
{
    dial("ATD*99#\r");
    send_frame(LCP, CONF_REQ, 1, host_lcp, sizeof host_lcp, true);
    cr_assert_eq(ngot, 0, "the module answered a frame with a bad FCS");
    cr_assert(strstr(ctl("state"), "\"bad_fcs\":1"), "state: %s", ctl("state"));
    send_pkt(LCP, CONF_REQ, 1, host_lcp, sizeof host_lcp);
    expect(LCP, CONF_ACK);
}

Test(ppp_link, an_unanswered_request_is_sent_again_then_the_call_ends)
{
    dial("ATD*99#\r");
    advance(RESTART_MS);
    cr_assert_eq(frames_out(), 1);
    cr_assert_neq(expect(LCP, CONF_REQ)->id, module_lcp_id, "a retransmission must have a new identifier");
    for (int i = 0; i < 10; i++)           /* Max-Configure: ten retransmissions, then it gives up */
        advance(RESTART_MS);
    cr_assert(text_out("\r\nNO CARRIER\r\n"), "the call does not end after Max-Configure requests");
}

Test(ppp_link, a_hung_module_keeps_the_call)
{
    lcp_up();
    ctl("silent 200");
    advance(300);
    static const uint8_t echo[] = {0x11, 0x22, 0x33, 0x44};
    send_pkt(LCP, ECHO_REQ, 2, echo, sizeof echo);
    cr_assert_eq(expect(LCP, ECHO_REPLY)->id, 2, "after the silence the module no longer speaks PPP");
}

/* ---- the end of the call ------------------------------------------------------------- */

Test(ppp_end, terminate_request_is_acknowledged_then_no_carrier)
{
    ipcp_up();
    send_pkt(LCP, TERM_REQ, 8, NULL, 0);
    cr_assert_eq(expect(LCP, TERM_ACK)->id, 8);
    const char *nc = "\r\nNO CARRIER\r\n";
    cr_assert(drive.out.len >= strlen(nc) && memcmp(drive.out.p + drive.out.len - strlen(nc), nc, strlen(nc)) == 0,
              "NO CARRIER does not follow the Terminate-Ack");
    EXCHANGES({"AT\r", "\r\nOK\r\n"});
    cr_assert(strstr(ctl("state"), "\"ppp\":{\"mode\":\"off\""), "state: %s", ctl("state"));
}

Test(ppp_end, escape_with_guard_times_then_ath_hangs_up)
{
    ipcp_up();
    advance(GUARD_MS);
    cr_assert_str_eq(io("+++"), "", "the escape answered before its closing guard time");
    cr_assert_str_eq(advance(GUARD_MS), "\r\nOK\r\n");
    cr_assert(strstr(ctl("state"), "\"mode\":\"escaped\""), "state: %s", ctl("state"));
    EXCHANGES({"AT+CGPADDR=1\r", "\r\n+CGPADDR: 1,10.49.14.68\r\n\r\nOK\r\n"},
              {"ATH\r", "\r\nNO CARRIER\r\n"},
              {"AT\r", "\r\nOK\r\n"});
}

Test(ppp_end, ato_resumes_an_escaped_call)
{
    ipcp_up();
    advance(GUARD_MS);
    io("+++");
    cr_assert_str_eq(advance(GUARD_MS), "\r\nOK\r\n");
    cr_assert_str_eq(io("ATO\r"), connect_text, "ATO does not resume the escaped call");
    cr_assert(strstr(ctl("state"), "\"mode\":\"data\""), "state: %s", ctl("state"));
    static const uint8_t echo[] = {0x11, 0x22, 0x33, 0x44};
    send_pkt(LCP, ECHO_REQ, 9, echo, sizeof echo);
    cr_assert_eq(expect(LCP, ECHO_REPLY)->id, 9, "the resumed call does not speak PPP");
}

Test(ppp_end, pluses_inside_the_data_are_data)
{
    lcp_up();
    cr_assert_str_eq(io("+++"), "");      /* no guard time before them */
    cr_assert_str_eq(advance(2 * GUARD_MS), "", "pluses with no silence before them escaped");
    cr_assert(strstr(ctl("state"), "\"mode\":\"data\""), "state: %s", ctl("state"));
}

Test(ppp_end, losing_the_network_ends_the_call)
{
    ipcp_up();
    ctl("reg 0");
    advance(1);
    frames_out();
    expect(LCP, TERM_REQ);
    cr_assert(text_out("\r\nNO CARRIER\r\n"), "no NO CARRIER when the network went: \"%s\"", drive.out.p);
    EXCHANGES({"AT\r", "\r\nOK\r\n"});
}
