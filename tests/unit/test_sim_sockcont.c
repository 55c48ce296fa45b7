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

/* ---- AT+CSOCKAUTH ----------------------------------------------------------------------------- */

Test(sockcont, csockauth_takes_the_password_before_the_user_and_reads_it_back)
{
    EXCHANGES({"AT+CSOCKAUTH=?\r", "\r\n+CSOCKAUTH: (1-24),(0-3),127,127" OK},
              {"AT+CSOCKAUTH?\r", "\r\nOK\r\n"},
              {"AT+CSOCKAUTH=1,1,\"APN_PASSWORD\",\"APN_USERNAME\"\r", "\r\nOK\r\n"},
              {"AT+CSOCKAUTH?\r", "\r\n+CSOCKAUTH: 1,1,\"APN_PASSWORD\",\"APN_USERNAME\"" OK});
}

Test(sockcont, csockauth_and_cgauth_are_one_setting_of_the_context)
{
    EXCHANGES({"AT+CSOCKAUTH=2,2,\"pw\",\"user\"\r", "\r\nOK\r\n"},
              {"AT+CGAUTH?\r", "\r\n+CGAUTH: 2,2,\"pw\",\"user\"" OK},
              {"AT+CGAUTH=2,0\r", "\r\nOK\r\n"}, {"AT+CSOCKAUTH?\r", "\r\nOK\r\n"});
}

Test(sockcont, csockauth_refuses_bad_parameters_with_error)
{
    char long_password[140];
    memset(long_password, 'p', 128);
    long_password[128] = '\0';
    char cmd[200];
    snprintf(cmd, sizeof cmd, "AT+CSOCKAUTH=1,1,\"%s\",\"u\"\r", long_password);
    EXCHANGES({"AT+CMEE=2\r", "\r\nOK\r\n"}, {"AT+CSOCKAUTH\r", "\r\nERROR\r\n"},
              {"AT+CSOCKAUTH=0,1,\"p\",\"u\"\r", "\r\nERROR\r\n"},
              {"AT+CSOCKAUTH=1,4,\"p\",\"u\"\r", "\r\nERROR\r\n"},
              {"AT+CSOCKAUTH=1,\"1\",\"p\",\"u\"\r", "\r\nERROR\r\n"},
              {"AT+CSOCKAUTH=1,1,\"p\",\"u\",5\r", "\r\nERROR\r\n"});
    cr_assert_str_eq(io(cmd), "\r\nERROR\r\n");
    EXCHANGES({"AT+CSOCKAUTH?\r", "\r\nOK\r\n"});
}

/* ---- AT+CSOCKSETPN and what AT+NETOPEN makes of it -------------------------------------------- */

Test(sockcont, csocksetpn_reads_back_the_profile_number)
{
    EXCHANGES({"AT+CSOCKSETPN?\r", "\r\n+CSOCKSETPN: 1" OK}, {"AT+CSOCKSETPN=?\r", "\r\n+CSOCKSETPN: (1-24)" OK},
              {"AT+CSOCKSETPN=1\r", "\r\nOK\r\n"}, {"AT+CSOCKSETPN=7\r", "\r\nOK\r\n"},
              {"AT+CSOCKSETPN?\r", "\r\n+CSOCKSETPN: 7" OK});
}

Test(sockcont, csocksetpn_refuses_what_is_no_context_number)
{
    EXCHANGES({"AT+CMEE=2\r", "\r\nOK\r\n"}, {"AT+CSOCKSETPN\r", "\r\nERROR\r\n"},
              {"AT+CSOCKSETPN=0\r", "\r\nERROR\r\n"}, {"AT+CSOCKSETPN=25\r", "\r\nERROR\r\n"},
              {"AT+CSOCKSETPN=1,2\r", "\r\nERROR\r\n"}, {"AT+CSOCKSETPN=\"1\"\r", "\r\nERROR\r\n"},
              {"AT+CSOCKSETPN?\r", "\r\n+CSOCKSETPN: 1" OK});
}

Test(sockcont, netopen_on_a_second_context_activates_it_and_takes_its_address)
{
    EXCHANGES({"AT+CGEREP=1\r", "\r\nOK\r\n"}, {"AT+CGSOCKCONT=2,\"IP\",\"iot.example\"\r", "\r\nOK\r\n"},
              {"AT+CSOCKSETPN=2\r", "\r\nOK\r\n"},
              {"AT+NETOPEN\r", "\r\nOK\r\n\r\n+CGEV: ME PDN ACT 2\r\n\r\n+NETOPEN: 0\r\n"},
              {"AT+IPADDR\r", "\r\n+IPADDR: 10.49.14.69" OK},
              {"AT+CGPADDR=1,2\r", "\r\n+CGPADDR: 1,10.49.14.68\r\n+CGPADDR: 2,10.49.14.69" OK},
              {"AT+CGACT?\r", "\r\n+CGACT: 1,1\r\n+CGACT: 2,1" OK});
}

Test(sockcont, the_default_context_keeps_the_address_it_had)
{
    EXCHANGES({"AT+CSOCKSETPN=1\r", "\r\nOK\r\n"}, {"AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n"},
              {"AT+IPADDR\r", "\r\n+IPADDR: 10.49.14.68" OK});
}

Test(sockcont, netopen_on_an_undefined_context_is_a_network_failure)
{
    EXCHANGES({"AT+CSOCKSETPN=5\r", "\r\nOK\r\n"}, {"AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 1\r\n"},
              {"AT+NETOPEN?\r", "\r\n+NETOPEN: 0" OK},
              {"AT+CGSOCKCONT=5,\"IP\",\"five\"\r", "\r\nOK\r\n"},
              {"AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n"},
              {"AT+IPADDR\r", "\r\n+IPADDR: 10.49.14.72" OK});
}

Test(sockcont, netopen_on_a_second_context_needs_the_attach)
{
    EXCHANGES({"AT+CGSOCKCONT=2,\"IP\",\"iot\"\r", "\r\nOK\r\n"}, {"AT+CSOCKSETPN=2\r", "\r\nOK\r\n"},
              {"AT+CGATT=0\r", "\r\nOK\r\n"}, {"AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 1\r\n"},
              {"AT+CGACT?\r", "\r\n+CGACT: 1,0\r\n+CGACT: 2,0" OK});
}

/* The network is the context's: its deactivation closes it, the default bearer's does not. */
Test(sockcont, losing_the_selected_context_closes_the_network_and_its_sockets)
{
    EXCHANGES({"AT+CGSOCKCONT=2,\"IP\",\"iot\"\r", "\r\nOK\r\n"}, {"AT+CSOCKSETPN=2\r", "\r\nOK\r\n"},
              {"AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n"},
              {"AT+CIPOPEN=0,\"TCP\",\"example.com\",80\r", "\r\nOK\r\n"});
    cr_assert_str_eq(calls(), "open 0 tcp example.com:80 local 0\n");
    cr_assert_str_eq(post(SIM_NET_OPENED, 0, SIM_NET_OK, NULL, 0), "\r\n+CIPOPEN: 0,0\r\n");
    EXCHANGES({"AT+CGACT=0,1\r", "\r\nOK\r\n"}, {"AT+NETOPEN?\r", "\r\n+NETOPEN: 1" OK},
              {"AT+CGACT=0,2\r", "\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n\r\nOK\r\n"},
              {"AT+NETOPEN?\r", "\r\n+NETOPEN: 0" OK});
    cr_assert_str_eq(calls(), "close 0\n");
}

Test(sockcont, a_new_profile_number_waits_for_the_next_netopen)
{
    EXCHANGES({"AT+CGSOCKCONT=3,\"IP\",\"three\"\r", "\r\nOK\r\n"},
              {"AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n"}, {"AT+CSOCKSETPN=3\r", "\r\nOK\r\n"},
              {"AT+IPADDR\r", "\r\n+IPADDR: 10.49.14.68" OK},
              {"AT+NETCLOSE\r", "\r\nOK\r\n\r\n+NETCLOSE: 0\r\n"},
              {"AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n"},
              {"AT+IPADDR\r", "\r\n+IPADDR: 10.49.14.70" OK});
}

/* ---- what a reboot keeps ------------------------------------------------------------------------ */

Test(sockcont, a_reboot_forgets_the_profile_number_and_the_credentials)
{
    EXCHANGES({"AT+CSOCKSETPN=4\r", "\r\nOK\r\n"}, {"AT+CSOCKAUTH=1,1,\"pw\",\"user\"\r", "\r\nOK\r\n"});
    cr_assert_str_eq(io("AT+CRESET\r"), "\r\nOK\r\n");
    advance(BOOT_MS * 4);
    io("ATE0\r");
    EXCHANGES({"AT+CSOCKSETPN?\r", "\r\n+CSOCKSETPN: 1" OK}, {"AT+CSOCKAUTH?\r", "\r\nOK\r\n"});
}

/* ---- undefining an active context (AT+CGDCONT=<cid>, AT+CGSOCKCONT=<cid>) ---------------------- */

/* It goes down first, as AT+CGACT=0 would take it: +CGEV, and the network that ran on it (findings §33). */
Test(sockcont, undefining_the_stacks_context_closes_the_network_and_its_sockets)
{
    EXCHANGES({"AT+CGEREP=1\r", "\r\nOK\r\n"}, {"AT+CGSOCKCONT=2,\"IP\",\"iot\"\r", "\r\nOK\r\n"},
              {"AT+CSOCKSETPN=2\r", "\r\nOK\r\n"},
              {"AT+NETOPEN\r", "\r\nOK\r\n\r\n+CGEV: ME PDN ACT 2\r\n\r\n+NETOPEN: 0\r\n"},
              {"AT+CIPOPEN=0,\"TCP\",\"example.com\",80\r", "\r\nOK\r\n"});
    cr_assert_str_eq(calls(), "open 0 tcp example.com:80 local 0\n");
    cr_assert_str_eq(post(SIM_NET_OPENED, 0, SIM_NET_OK, NULL, 0), "\r\n+CIPOPEN: 0,0\r\n");
    EXCHANGES({"AT+CGSOCKCONT=2\r",
               "\r\n+CGEV: ME PDN DEACT 2\r\n\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n\r\nOK\r\n"});
    cr_assert_str_eq(calls(), "close 0\n");
    EXCHANGES({"AT+NETOPEN?\r", "\r\n+NETOPEN: 0" OK},
              {"AT+IPADDR\r", "\r\n+IP ERROR: Network not opened\r\n\r\nERROR\r\n"},
              {"AT+CGACT?\r", "\r\n+CGACT: 1,1" OK},
              {"AT+CGSOCKCONT=2,\"IP\",\"iot\"\r", "\r\nOK\r\n"},
              {"AT+NETOPEN\r", "\r\nOK\r\n\r\n+CGEV: ME PDN ACT 2\r\n\r\n+NETOPEN: 0\r\n"},
              {"AT+CGATT=0\r", "\r\n+CGEV: ME DETACH\r\n\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n\r\nOK\r\n"});
}

Test(sockcont, undefining_the_default_bearer_takes_the_network_on_it)
{
    EXCHANGES({"AT+CGEREP=1\r", "\r\nOK\r\n"}, {"AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n"},
              {"AT+CGDCONT=1\r",
               "\r\n+CGEV: ME PDN DEACT 1\r\n\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n\r\nOK\r\n"},
              {"AT+CGACT?\r", "\r\nOK\r\n"}, {"AT+CGDCONT=1,\"IP\",\"again\"\r", "\r\nOK\r\n"},
              {"AT+CGACT?\r", "\r\n+CGACT: 1,0" OK});
}

/* Another context's undefinition leaves the stack's network alone. */
Test(sockcont, undefining_another_active_context_keeps_the_network)
{
    EXCHANGES({"AT+CGDCONT=3,\"IP\",\"three\"\r", "\r\nOK\r\n"}, {"AT+CGACT=1,3\r", "\r\nOK\r\n"},
              {"AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n"}, {"AT+CGEREP=1\r", "\r\nOK\r\n"},
              {"AT+CGDCONT=3\r", "\r\n+CGEV: ME PDN DEACT 3\r\n\r\nOK\r\n"},
              {"AT+NETOPEN?\r", "\r\n+NETOPEN: 1" OK}, {"AT+IPADDR\r", "\r\n+IPADDR: 10.49.14.68" OK});
}

#define GUARD_MS 100    /* the "+++" guard time of the fast profile */

/* A PPP call on the context ends with it: NO CARRIER (findings §30, §33). */
Test(sockcont, undefining_a_ppp_calls_context_ends_the_call)
{
    EXCHANGES({"AT+CGDCONT=2,\"IP\",\"two\"\r", "\r\nOK\r\n"});
    const char *connect = io("ATD*99***2#\r");
    cr_assert(strstr(connect, "CONNECT"), "ATD*99***2# answered \"%s\"", connect);
    advance(GUARD_MS);
    io("+++");
    cr_assert_str_eq(advance(GUARD_MS), "\r\nOK\r\n");
    const char *out = io("AT+CGDCONT=2\r");
    cr_assert(strstr(out, "\r\nNO CARRIER\r\n"), "the call outlived its context: \"%s\"", out);
    cr_assert(strstr(ctl("state"), "\"ppp\":{\"mode\":\"off\""), "state: %s", ctl("state"));
    EXCHANGES({"AT+CGDCONT?\r", "\r\n+CGDCONT: 1,\"IP\",\"\",\"0.0.0.0\",0,0,0,0" OK});
}
