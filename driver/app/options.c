/* sim7600-mqtt's command line: the options, their checks and --help. */
#include "app_options.h"

#include "parse_num.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
        "usage: sim7600-mqtt --port PATH --broker tcp://HOST:PORT --client-id ID [options]\n"
        "       sim7600-mqtt --port PATH --broker ssl://HOST:8883 --ca FILE [--cert FILE --key FILE] ...\n"
        "       sim7600-mqtt ports        (or --list-ports)\n"
        "\n"
        "Connects a SIM7600 module to an MQTT broker through its CMQTT commands,\n"
        "subscribes, publishes, prints each step and each received message.\n"
        "\n"
        "  --port PATH            the module's serial port (/dev/ttyUSB2, /dev/pts/N)\n"
        "  --backend B            auto (default), termios (ptys, ttys) or serialport\n"
        "  --baud N               UART speed (default 115200)\n"
        "  --apn APN              PDP context APN (AT+CGDCONT=1,\"IP\",APN)\n"
        "  --apn-user U, --apn-pass P   APN authentication (PAP)\n"
        "  --broker URL           tcp://HOST:PORT, or ssl://HOST[:PORT] (also mqtts://) for\n"
        "                         TLS, port 8883 by default (required). The module itself\n"
        "                         takes tcp://HOST:PORT for TLS too: that is what it is sent\n"
        "  --client-id ID         1..23 characters (required)\n"
        "  --user U, --pass P     broker credentials (the password is never printed)\n"
        "  --keepalive S          60..64800 seconds (default 60)\n"
        "  --sub TOPIC            subscribe (repeatable, up to %d)\n"
        "  --pub TOPIC            publish to TOPIC ...\n"
        "  --message TEXT         ... this text (default: \"message #N\")\n"
        "  --interval MS          ... every MS milliseconds\n"
        "  --count N              ... N times (default 1; 0 with --interval: forever)\n"
        "  --qos N                0, 1 or 2 for publish and subscribe (default 0)\n"
        "  --retain               publish retained\n"
        "  --rx-count N           after publishing, wait for N received messages\n"
        "  --duration MS          after publishing, keep running MS milliseconds\n"
        "                         (with only --sub and neither option: run until Ctrl-C)\n"
        "  --health-interval MS   report signal/registration every MS (default 30000, 0 off)\n"
        "TLS (the files are read here and uploaded to the module's store, AT+CCERTDOWN;\n"
        "PEM or DER, at most 10240 bytes each; keys and passwords are never printed):\n"
        "  --ca FILE              the CA that signed the broker's certificate (authmode 1)\n"
        "  --cert FILE --key FILE the client's certificate and key (mutual TLS: authmode 2)\n"
        "  --key-password-file F  the key's password, the file's first line\n"
        "  --tls-version V        any (default), 1.2, 1.1, 1.0 or ssl3\n"
        "  --insecure             do not verify the broker (authmode 0, or 3 with --cert)\n"
        "  --sni                  send the broker's host name (SNI)\n"
        "  --check-time           let the module's clock reject expired certificates\n"
        "  --verbose              print the driver's diagnostics\n"
        "  --help                 this text\n"
        "\n"
        "Exit status: 0 when the work is done, 1 when a step failed (the message names\n"
        "the step, the module's code and its meaning), 2 on a usage error.\n",
        MAX_SUBS);
}

enum { O_APN = 256, O_APN_USER, O_APN_PASS, O_KEEPALIVE, O_RETAIN, O_RX_COUNT, O_HEALTH,
       O_DURATION, O_BACKEND, O_LIST, O_CA, O_CERT, O_KEY, O_KEY_PASS, O_TLS_VERSION,
       O_INSECURE, O_SNI, O_CHECK_TIME };

static const struct option long_opts[] = {
    {"port", required_argument, NULL, 'p'},       {"broker", required_argument, NULL, 'b'},
    {"client-id", required_argument, NULL, 'i'},  {"user", required_argument, NULL, 'u'},
    {"pass", required_argument, NULL, 'P'},       {"apn", required_argument, NULL, O_APN},
    {"apn-user", required_argument, NULL, O_APN_USER},
    {"apn-pass", required_argument, NULL, O_APN_PASS},
    {"keepalive", required_argument, NULL, O_KEEPALIVE},
    {"sub", required_argument, NULL, 's'},        {"pub", required_argument, NULL, 't'},
    {"message", required_argument, NULL, 'm'},    {"interval", required_argument, NULL, 'I'},
    {"count", required_argument, NULL, 'c'},      {"qos", required_argument, NULL, 'q'},
    {"retain", no_argument, NULL, O_RETAIN},      {"rx-count", required_argument, NULL, O_RX_COUNT},
    {"health-interval", required_argument, NULL, O_HEALTH},
    {"duration", required_argument, NULL, O_DURATION},
    {"backend", required_argument, NULL, O_BACKEND},
    {"baud", required_argument, NULL, 'B'},       {"verbose", no_argument, NULL, 'v'},
    {"list-ports", no_argument, NULL, O_LIST},    {"help", no_argument, NULL, 'h'},
    {"ca", required_argument, NULL, O_CA},        {"cert", required_argument, NULL, O_CERT},
    {"key", required_argument, NULL, O_KEY},
    {"key-password-file", required_argument, NULL, O_KEY_PASS},
    {"tls-version", required_argument, NULL, O_TLS_VERSION},
    {"insecure", no_argument, NULL, O_INSECURE},  {"sni", no_argument, NULL, O_SNI},
    {"check-time", no_argument, NULL, O_CHECK_TIME},
    {NULL, 0, NULL, 0},
};

static int bad(const char *what, const char *arg)
{
    fprintf(stderr, "sim7600-mqtt: %s%s%s\nTry 'sim7600-mqtt --help'.\n", what,
            arg != NULL ? ": " : "", arg != NULL ? arg : "");
    return 2;
}

/* One numeric option: its field and range. */
static int numeric_opt(struct opts *o, int c, const char *arg)
{
    static const struct {
        int opt;
        size_t off;
        long lo, hi;
        const char *msg;
    } nums[] = {
        {O_KEEPALIVE, offsetof(struct opts, keepalive), 60, 64800, "--keepalive must be 60..64800"},
        {'I', offsetof(struct opts, interval_ms), 1, 86400000, "--interval must be 1..86400000 ms"},
        {'c', offsetof(struct opts, count), 0, 1000000000, "--count must be >= 0"},
        {'q', offsetof(struct opts, qos), 0, 2, "--qos must be 0, 1 or 2"},
        {O_RX_COUNT, offsetof(struct opts, rx_count), 1, 1000000000, "--rx-count must be >= 1"},
        {O_HEALTH, offsetof(struct opts, health_ms), 0, 86400000, "--health-interval must be >= 0"},
        {O_DURATION, offsetof(struct opts, duration_ms), 0, 864000000, "--duration must be >= 0"},
        {'B', offsetof(struct opts, baud), 1200, 4000000, "--baud must be 1200..4000000"},
    };
    size_t i;
    for (i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        if (nums[i].opt == c)
            return parse_long(arg, nums[i].lo, nums[i].hi, (long *)((char *)o + nums[i].off))
                       ? 0
                       : bad(nums[i].msg, arg);
    }
    return -1;
}

static int tls_version_opt(struct opts *o, const char *arg)
{
    static const struct {
        const char *name;
        enum sim7600_tls_version v;
    } versions[] = {
        {"any", SIM7600_TLS_ANY}, {"1.2", SIM7600_TLS_1_2}, {"1.1", SIM7600_TLS_1_1},
        {"1.0", SIM7600_TLS_1_0}, {"ssl3", SIM7600_TLS_SSL3},
    };
    size_t i;
    for (i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        if (strcmp(arg, versions[i].name) == 0) {
            o->tls_version = versions[i].v;
            return 0;
        }
    }
    return bad("--tls-version must be any, 1.2, 1.1, 1.0 or ssl3", arg);
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ssl://HOST[:PORT] and mqtts:// become the module's form, tcp://HOST:PORT
 * (MQTT manual §3.3: server type 1 with a tcp:// address); 8883 when no port. */
static int broker_opt(struct opts *o)
{
    static const char *const tls_schemes[] = {"ssl://", "mqtts://"};
    const char *host = o->broker;
    size_t i;

    for (i = 0; i < sizeof tls_schemes / sizeof tls_schemes[0]; i++) {
        if (has_prefix(o->broker, tls_schemes[i])) {
            host = o->broker + strlen(tls_schemes[i]);
            o->tls = true;
        }
    }
    if (host == o->broker) {
        if (!has_prefix(o->broker, "tcp://"))
            return bad("--broker tcp://HOST:PORT (or ssl://HOST[:PORT]) is needed", o->broker);
        host = o->broker + strlen("tcp://");
    }
    if (*host == '\0' || strchr(host, '/') != NULL ||
        snprintf(o->broker_tcp, sizeof o->broker_tcp, "tcp://%s%s", host,
                 strchr(host, ':') == NULL && o->tls ? ":8883" : "") >= (int)sizeof o->broker_tcp)
        return bad("--broker: the module takes tcp://HOST:PORT of 9..256 characters", o->broker);
    return 0;
}

/* TLS is on with an ssl:// broker or any TLS file; then the broker must be
 * verified (--ca) or explicitly not (--insecure). */
static int check_tls(struct opts *o)
{
    o->tls = o->tls || o->ca != NULL || o->cert != NULL || o->key != NULL;
    if ((o->cert != NULL) != (o->key != NULL))
        return bad("--cert and --key go together (the client's certificate and its key)", NULL);
    if (o->key_pass_file != NULL && o->key == NULL)
        return bad("--key-password-file needs --key", NULL);
    if (o->insecure && o->ca != NULL)
        return bad("--insecure and --ca exclude each other: verify the broker or do not", NULL);
    if (o->tls && o->ca == NULL && !o->insecure)
        return bad("TLS needs --ca FILE to verify the broker (or --insecure not to)", NULL);
    if (!o->tls && (o->insecure || o->sni || o->check_time || o->tls_version != SIM7600_TLS_ANY))
        return bad("--insecure, --sni, --check-time and --tls-version need TLS "
                   "(an ssl:// broker or --ca/--cert)", NULL);
    return 0;
}

static int string_opt(struct opts *o, int c, const char *arg)
{
    switch (c) {
    case 'p': o->port = arg; return 0;
    case 'b': o->broker = arg; return 0;
    case 'i': o->client_id = arg; return 0;
    case 'u': o->user = arg; return 0;
    case 'P': o->pass = arg; return 0;
    case O_APN: o->apn = arg; return 0;
    case O_APN_USER: o->apn_user = arg; return 0;
    case O_APN_PASS: o->apn_pass = arg; return 0;
    case 't': o->pub_topic = arg; return 0;
    case 'm': o->message = arg; return 0;
    case 's':
        if (o->n_subs == MAX_SUBS)
            return bad("too many --sub options", arg);
        o->subs[o->n_subs++] = arg;
        return 0;
    case O_CA: o->ca = arg; return 0;
    case O_CERT: o->cert = arg; return 0;
    case O_KEY: o->key = arg; return 0;
    case O_KEY_PASS: o->key_pass_file = arg; return 0;
    case O_TLS_VERSION:
        return tls_version_opt(o, arg);
    case O_BACKEND:
        return sim7600_backend_parse(arg, &o->backend) == 0
                   ? 0 : bad("--backend must be auto, termios or serialport", arg);
    default:
        return -1;
    }
}

static int check_opts(struct opts *o)
{
    size_t idlen = o->client_id != NULL ? strlen(o->client_id) : 0;
    if (o->list_ports)
        return 0;
    if (o->port == NULL)
        return bad("--port is required", NULL);
    if (o->broker == NULL)
        return bad("--broker tcp://HOST:PORT (or ssl://HOST:PORT) is required", NULL);
    if (broker_opt(o) != 0 || check_tls(o) != 0)
        return 2;
    if (strlen(o->broker_tcp) < 9)
        return bad("--broker: the module takes tcp://HOST:PORT of 9..256 characters", o->broker);
    if (idlen < 1 || idlen > 23)
        return bad("--client-id of 1..23 characters is required", o->client_id);
    if (o->pass != NULL && o->user == NULL)
        return bad("--pass needs --user", NULL);
    if ((o->message != NULL || o->interval_ms > 0) && o->pub_topic == NULL)
        return bad("--message and --interval need --pub TOPIC", NULL);
    if (o->pub_topic == NULL && o->n_subs == 0)
        return bad("nothing to do: give --pub and/or --sub", NULL);
    return 0;
}

/* The options without an argument. @retval true if c was one */
static bool flag_opt(struct opts *o, int c)
{
    const struct {
        int opt;
        bool *field;
    } flags[] = {
        {'v', &o->verbose},          {O_RETAIN, &o->retain}, {O_LIST, &o->list_ports},
        {O_INSECURE, &o->insecure},  {O_SNI, &o->sni},       {O_CHECK_TIME, &o->check_time},
    };
    size_t i;
    for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (flags[i].opt == c) {
            *flags[i].field = true;
            return true;
        }
    }
    return false;
}

int app_parse_args(struct opts *o, int argc, char **argv)
{
    int c;
    memset(o, 0, sizeof *o);
    o->baud = 115200;
    o->keepalive = 60;
    o->count = -1;
    o->health_ms = 30000;
    if (argc >= 2 && strcmp(argv[1], "ports") == 0) {
        o->list_ports = true;
        return 0;
    }
    while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
        int rc;
        if (c == 'h') {
            usage(stdout);
            exit(0);
        }
        if (flag_opt(o, c))
            continue;
        if (c == '?') {   /* getopt has said which option and what is wrong with it */
            fputs("Try 'sim7600-mqtt --help'.\n", stderr);
            return 2;
        }
        rc = string_opt(o, c, optarg);
        if (rc < 0)
            rc = numeric_opt(o, c, optarg);
        if (rc < 0)
            return bad("unknown option", NULL);
        if (rc > 0)
            return rc;
    }
    if (optind < argc)
        return bad("unexpected argument", argv[optind]);
    if (o->count < 0)
        o->count = 1;
    return check_opts(o);
}
