/* The socket family's PDP context commands (findings §33): AT+CGSOCKCONT,
 * AT+CSOCKAUTH and AT+CSOCKSETPN, and what AT+NETOPEN makes of them, against
 * the scripted network of scripted_net.h. */
#include "scripted_net.h"

#define OK "\r\n\r\nOK\r\n"

TestSuite(sockcont, .init = setup, .fini = teardown);

/* ---- AT+CGSOCKCONT ------------------------------------------------------------------------- */

Test(sockcont, cgsockcont_lists_the_factory_context_in_six_fields)
{
    EXCHANGES({"AT+CGSOCKCONT?\r", "\r\n+CGSOCKCONT: 1,\"IP\",\"\",\"0.0.0.0\",0,0" OK},
              {"AT+CGSOCKCONT=?\r", "\r\n+CGSOCKCONT: (1-24),\"IP\",,,(0-2),(0-4)\r\n"
                                    "+CGSOCKCONT: (1-24),\"PPP\",,,(0-2),(0-4)\r\n"
                                    "+CGSOCKCONT: (1-24),\"IPV6\",,,(0-2),(0-4)\r\n"
                                    "+CGSOCKCONT: (1-24),\"IPV4V6\",,,(0-2),(0-4)" OK});
}

Test(sockcont, simcoms_sequence_defines_the_context_cgdcont_shows)
{
    EXCHANGES({"AT+CGSOCKCONT=1,\"IP\",\"CMNET\"\r", "\r\nOK\r\n"},
              {"AT+CGSOCKCONT?\r", "\r\n+CGSOCKCONT: 1,\"IP\",\"CMNET\",\"0.0.0.0\",0,0" OK},
              {"AT+CGDCONT?\r", "\r\n+CGDCONT: 1,\"IP\",\"CMNET\",\"0.0.0.0\",0,0,0,0" OK});
}

Test(sockcont, cgdcont_definitions_are_seen_by_cgsockcont)
{
    EXCHANGES({"AT+CGDCONT=3,\"IPV4V6\",\"iot.example\"\r", "\r\nOK\r\n"},
              {"AT+CGSOCKCONT?\r", "\r\n+CGSOCKCONT: 1,\"IP\",\"\",\"0.0.0.0\",0,0\r\n"
                                   "+CGSOCKCONT: 3,\"IPV4V6\",\"iot.example\","
                                   "\"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0\",0,0" OK});
}

Test(sockcont, cgsockcont_with_only_a_cid_undefines_it)
{
    EXCHANGES({"AT+CGSOCKCONT=2,\"IP\",\"two\"\r", "\r\nOK\r\n"}, {"AT+CGSOCKCONT=2\r", "\r\nOK\r\n"},
              {"AT+CGSOCKCONT?\r", "\r\n+CGSOCKCONT: 1,\"IP\",\"\",\"0.0.0.0\",0,0" OK});
}

Test(sockcont, cgsockcont_refuses_what_cgdcont_refuses)
{
    EXCHANGES({"AT+CGSOCKCONT\r", "\r\nERROR\r\n"}, {"AT+CGSOCKCONT=0,\"IP\",\"x\"\r", "\r\nERROR\r\n"},
              {"AT+CGSOCKCONT=25,\"IP\",\"x\"\r", "\r\nERROR\r\n"},
              {"AT+CGSOCKCONT=1,\"X25\",\"x\"\r", "\r\nERROR\r\n"},
              {"AT+CGSOCKCONT=1,\"IP\",5\r", "\r\nERROR\r\n"},
              {"AT+CGSOCKCONT?\r", "\r\n+CGSOCKCONT: 1,\"IP\",\"\",\"0.0.0.0\",0,0" OK});
}

Test(sockcont, cgsockcont_needs_the_sim_as_cgdcont_does)
{
    EXCHANGES({"AT+CMEE=2\r", "\r\nOK\r\n"});
    cr_assert_str_eq(ctl("sim remove"), "OK sim removed");
    advance(1);
    EXCHANGES({"AT+CGSOCKCONT?\r", "\r\n+CME ERROR: SIM not inserted\r\n"});
}

Test(sockcont, a_reboot_brings_the_factory_context_back)
{
    EXCHANGES({"AT+CGSOCKCONT=1,\"IP\",\"CMNET\"\r", "\r\nOK\r\n"});
    cr_assert_str_eq(ctl("reboot"), "OK rebooting");
    advance(BOOT_MS);
    io("ATE0\r");
    EXCHANGES({"AT+CGSOCKCONT?\r", "\r\n+CGSOCKCONT: 1,\"IP\",\"\",\"0.0.0.0\",0,0" OK});
}

/* ---- SIMCom's sequence, end to end on the scripted network ---------------------------------- */

Test(sockcont, simcoms_tcp_sequence_opens_a_socket)
{
    EXCHANGES({"AT+CGSOCKCONT=1,\"IP\",\"CMNET\"\r", "\r\nOK\r\n"}, {"AT+CIPMODE=0\r", "\r\nOK\r\n"},
              {"AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n"},
              {"AT+IPADDR\r", "\r\n+IPADDR: 10.49.14.68" OK},
              {"AT+CIPOPEN=0,\"TCP\",\"116.30.218.195\",5001\r", "\r\nOK\r\n"});
    cr_assert_str_eq(calls(), "open 0 tcp 116.30.218.195:5001 local 0\n");
    cr_assert_str_eq(post(SIM_NET_OPENED, 0, SIM_NET_OK, NULL, 0), "\r\n+CIPOPEN: 0,0\r\n");
}
