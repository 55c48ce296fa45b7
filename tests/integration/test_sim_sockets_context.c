/* The socket family's PDP context commands end to end (findings §33): a real
 * sim7600-sim on a real pty, SIMCom's TCP sequence (AT+CGSOCKCONT,
 * AT+CSOCKSETPN, AT+NETOPEN) as its sample programs send it, then a real
 * connection to a loopback echo server the test starts; and a second context
 * with credentials, whose password --log never records. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_host.h"
#include "strbuf.h"
#include "test_dir.h"
#include "text_file.h"
#include "test_sim_sockets_servers.h"

#define MESSAGE "Waveshare"
#define PASSWORD "s0cket-Ctx-pw"     /* appears nowhere else in the session */
#define LOG_CAP (1 << 20)

static struct sim_process sim;
static struct tserver srv;

static void stop_all(void)
{
    simproc_stop(&sim);
    tserver_stop(&srv);
    test_dir_remove();
}

static void start_all(void)
{
    test_dir_make("sockctx-");
    cr_assert_eq(tserver_start(&srv, TSERVER_ECHO), 0, "the loopback echo server did not start");
}

TestSuite(sockctx, .init = start_all, .fini = stop_all, .timeout = 60);

static void send_expect(const char *cmd, const char *answer) { host_send_expect(&sim, cmd, answer); }
static void expect(const char *text) { host_expect(&sim, text); }

/* AT+CIPOPEN to the echo server, the message sent with Ctrl-Z (as the sample
 * does), and the echo pushed back; then the link and the network closed. */
static void echo_round_trip(void)
{
    char cmd[96];
    snprintf(cmd, sizeof cmd, "AT+CIPOPEN=0,\"TCP\",\"127.0.0.1\",%d\r", srv.port);
    send_expect(cmd, "\r\nOK\r\n\r\n+CIPOPEN: 0,0\r\n");
    send_expect("AT+CIPSEND=0,\r", "\r\n>");
    simproc_write(&sim, MESSAGE "\x1a", strlen(MESSAGE) + 1);
    expect("\r\nOK\r\n");
    expect("+RECEIVE,0,9\r\n");
    uint8_t back[sizeof MESSAGE - 1];
    host_take_exact(&sim, back, sizeof back);
    cr_assert(memcmp(back, MESSAGE, sizeof back) == 0, "the echo came back as %.9s", back);
    send_expect("AT+CIPCLOSE=0\r", "+CIPCLOSE: 0,0\r\n");
    send_expect("AT+NETCLOSE\r", "+NETCLOSE: 0\r\n");
}

Test(sockctx, simcoms_tcp_sequence_reaches_a_loopback_echo)
{
    const char *args[] = {"--profile", "warm", NULL};
    host_start(&sim, args);
    send_expect("AT+CREG?\r", "\r\n+CREG: 0,1\r\n\r\nOK\r\n");
    send_expect("AT+CGREG?\r", "\r\n+CGREG: 0,1\r\n\r\nOK\r\n");
    send_expect("AT+CGSOCKCONT=1,\"IP\",\"CMNET\"\r", "\r\nOK\r\n");
    send_expect("AT+CSOCKSETPN=1\r", "\r\nOK\r\n");
    send_expect("AT+CIPMODE=0\r", "\r\nOK\r\n");
    send_expect("AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n");
    send_expect("AT+IPADDR\r", "\r\n+IPADDR: 10.49.14.68\r\n\r\nOK\r\n");
    echo_round_trip();
}

static char *read_log(const char *path)
{
    struct strbuf text = {0}, why = {0};
    cr_assert_eq(text_file_read(path, LOG_CAP, &text, &why), 0, "the log: %s", sb_str(&why));
    sb_free(&why);
    return text.p;
}

Test(sockctx, a_second_context_with_credentials_and_a_log_without_its_password)
{
    const char *log = test_dir_path("sockctx.cap");
    const char *args[] = {"--profile", "warm", "--log", log, NULL};
    host_start(&sim, args);
    send_expect("AT+CGSOCKCONT=2,\"IP\",\"iot.example\"\r", "\r\nOK\r\n");
    send_expect("AT+CSOCKAUTH=2,1,\"" PASSWORD "\",\"dev\"\r", "\r\nOK\r\n");
    send_expect("AT+CSOCKAUTH?\r", "\r\n+CSOCKAUTH: 2,1,\"" PASSWORD "\",\"dev\"\r\n\r\nOK\r\n");
    send_expect("AT+CSQ;+CSOCKAUTH=2,1,\"" PASSWORD "\",\"dev\"\r", "\r\nOK\r\n");   /* chained */
    send_expect("AT+CSOCKSETPN=2\r", "\r\nOK\r\n");
    send_expect("AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n");
    send_expect("AT+IPADDR\r", "\r\n+IPADDR: 10.49.14.69\r\n\r\nOK\r\n");
    echo_round_trip();
    simproc_stop(&sim);
    char *text = read_log(log);
    cr_assert_null(strstr(text, PASSWORD), "the log holds the password:\n%s", text);
    cr_assert(strstr(text, "AT+CSOCKAUTH=2,1,\"***\",\"***\""), "the log lacks the command:\n%s", text);
    cr_assert(strstr(text, "+CSOCKAUTH: 2,1,\"***\",\"***\""), "the log lacks the read form:\n%s", text);
    cr_assert(strstr(text, "AT+CSQ;+CSOCKAUTH=2,1,\"***\",\"***\""), "the log lacks the chained one:\n%s", text);
    free(text);
}
