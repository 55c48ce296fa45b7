/* --net-map: where the module's connections really go. A firmware names its
 * cloud server (cloud.example.com:8883); CI points that at a private server
 * on loopback (127.0.0.1:18883) without touching the firmware or /etc/hosts.
 * Rules are tried in the order given; the first that matches wins. */
#ifndef SIM_NET_MAP_H
#define SIM_NET_MAP_H

#include <stdbool.h>
#include <stddef.h>

#define NET_MAP_RULES_MAX 32
#define NET_MAP_HOST_MAX 256        /* a DNS name is at most 253 characters */
#define NET_MAP_ANY_PORT (-1)       /* "*" */

struct net_map_rule {
    char from_host[NET_MAP_HOST_MAX];   /* "" for "*": any host */
    int from_port;                      /* NET_MAP_ANY_PORT: any */
    char to_host[NET_MAP_HOST_MAX];
    int to_port;                        /* NET_MAP_ANY_PORT: the port asked for */
};

struct net_map {
    struct net_map_rule rules[NET_MAP_RULES_MAX];
    int count;
};

/* Adds "FROM=TO", each HOST:PORT; FROM's HOST or PORT may be "*", TO's PORT
 * may be "*" (keep the port). Returns 0, or -1 with what is wrong in err. */
int net_map_add(struct net_map *m, const char *spec, char *err, size_t errlen);
/* Where host:port really goes: to_host/to_port (to_host holds at least
 * NET_MAP_HOST_MAX bytes). Unmapped: host:port itself. True when a rule matched. */
bool net_map_apply(const struct net_map *m, const char *host, int port, char *to_host, int *to_port);
/* A name looked up without a port (AT+CDNSGIP): the first rule for that host
 * (or for any host) gives the name to look up instead. */
bool net_map_apply_name(const struct net_map *m, const char *host, char *to_host);

#endif
