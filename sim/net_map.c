#include "net_map.h"

#include "parse_num.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define PORT_MIN 1
#define PORT_MAX 65535

/* One side, "HOST:PORT", the port after the last ':'. */
static bool parse_side(const char *text, size_t len, bool any_host_ok, char *host, int *port)
{
    char buf[NET_MAP_HOST_MAX + 8];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *colon = strrchr(buf, ':');
    if (!colon || colon == buf || (size_t)(colon - buf) >= NET_MAP_HOST_MAX)
        return false;
    *colon = '\0';
    long v;
    if (strcmp(colon + 1, "*") == 0)
        *port = NET_MAP_ANY_PORT;
    else if (parse_long(colon + 1, PORT_MIN, PORT_MAX, &v))
        *port = (int)v;
    else
        return false;
    bool any = strcmp(buf, "*") == 0;
    if (any && !any_host_ok)
        return false;
    size_t host_len = any ? 0 : (size_t)(colon - buf);   /* checked above: fits */
    memcpy(host, buf, host_len);
    host[host_len] = '\0';
    return true;
}

int net_map_add(struct net_map *m, const char *spec, char *err, size_t errlen)
{
    if (m->count >= NET_MAP_RULES_MAX) {
        snprintf(err, errlen, "--net-map '%s': more than %d rules; merge some with '*'", spec,
                 NET_MAP_RULES_MAX);
        return -1;
    }
    struct net_map_rule r;
    const char *eq = strchr(spec, '=');
    if (!eq || !parse_side(spec, (size_t)(eq - spec), true, r.from_host, &r.from_port) ||
        !parse_side(eq + 1, strlen(eq + 1), false, r.to_host, &r.to_port)) {
        snprintf(err, errlen,
                 "--net-map '%s': expected FROM=TO, each HOST:PORT with a port 1-65535 "
                 "(FROM's HOST or PORT may be *, TO's PORT may be *), e.g. "
                 "cloud.example.com:8883=127.0.0.1:18883",
                 spec);
        return -1;
    }
    m->rules[m->count++] = r;
    return 0;
}

static bool host_matches(const struct net_map_rule *r, const char *host)
{
    return r->from_host[0] == '\0' || strcasecmp(r->from_host, host) == 0;   /* DNS names ignore case */
}

bool net_map_apply(const struct net_map *m, const char *host, int port, char *to_host, int *to_port)
{
    for (int i = 0; i < m->count; i++) {
        const struct net_map_rule *r = &m->rules[i];
        if (host_matches(r, host) && (r->from_port == NET_MAP_ANY_PORT || r->from_port == port)) {
            snprintf(to_host, NET_MAP_HOST_MAX, "%s", r->to_host);
            *to_port = r->to_port == NET_MAP_ANY_PORT ? port : r->to_port;
            return true;
        }
    }
    snprintf(to_host, NET_MAP_HOST_MAX, "%s", host);
    *to_port = port;
    return false;
}

bool net_map_apply_name(const struct net_map *m, const char *host, char *to_host)
{
    for (int i = 0; i < m->count; i++) {
        if (host_matches(&m->rules[i], host)) {
            snprintf(to_host, NET_MAP_HOST_MAX, "%s", m->rules[i].to_host);
            return true;
        }
    }
    snprintf(to_host, NET_MAP_HOST_MAX, "%s", host);
    return false;
}
