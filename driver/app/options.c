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
        "  --broker URL           tcp://HOST:PORT (required)\n"
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
        "  --verbose              print the driver's diagnostics\n"
        "  --help                 this text\n"
        "\n"
        "Exit status: 0 when the work is done, 1 when a step failed (the message names\n"
        "the step, the module's code and its meaning), 2 on a usage error.\n",
        MAX_SUBS);
}

enum { O_APN = 256, O_APN_USER, O_APN_PASS, O_KEEPALIVE, O_RETAIN, O_RX_COUNT, O_HEALTH,
       O_DURATION, O_BACKEND, O_LIST };

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
    case O_BACKEND:
        return sim7600_backend_parse(arg, &o->backend) == 0
                   ? 0 : bad("--backend must be auto, termios or serialport", arg);
    default:
        return -1;
    }
}

static int check_opts(const struct opts *o)
{
    size_t idlen = o->client_id != NULL ? strlen(o->client_id) : 0;
    if (o->list_ports)
        return 0;
    if (o->port == NULL)
        return bad("--port is required", NULL);
    if (o->broker == NULL || strncmp(o->broker, "tcp://", 6) != 0 || strlen(o->broker) < 9)
        return bad("--broker tcp://HOST:PORT is required", o->broker);
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
        if (c == 'v' || c == O_RETAIN || c == O_LIST) {
            *(c == 'v' ? &o->verbose : c == O_RETAIN ? &o->retain : &o->list_ports) = true;
            continue;
        }
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
