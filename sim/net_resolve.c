#include "net_resolve.h"

#include "alloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* How long destroy waits for a worker inside getaddrinfo. */
#define JOIN_WAIT_MS 2000
#define MS_PER_S 1000
#define NS_PER_MS 1000000L
#define NS_PER_S 1000000000L

struct item {
    struct item *next;
    struct net_resolve_answer answer;
    char host[];
};

struct list {
    struct item *head, **tail;
};

struct net_resolver {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct list asked, answered;   /* under lock */
    bool stop;
    int wake_fd;
    net_lookup_fn lookup;
};

static void list_push(struct list *l, struct item *it)
{
    it->next = NULL;
    *l->tail = it;
    l->tail = &it->next;
}

static struct item *list_pop(struct list *l)
{
    struct item *it = l->head;
    if (it && !(l->head = it->next))
        l->tail = &l->head;
    return it;
}

static void list_free(struct list *l)
{
    for (struct item *it; (it = list_pop(l));)
        free(it);
}

bool net_resolve_numeric(const char *host, struct in_addr *addr)
{
    return inet_pton(AF_INET, host, addr) == 1;
}

static bool host_lookup(const char *host, struct in_addr *addr)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
    bool ok = getaddrinfo(host, NULL, &hints, &res) == 0 && res;
    if (ok)
        *addr = ((const struct sockaddr_in *)(const void *)res->ai_addr)->sin_addr;
    if (res)
        freeaddrinfo(res);
    return ok;
}

static void *worker(void *arg)
{
    struct net_resolver *r = arg;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (!r->stop && !r->asked.head)
            pthread_cond_wait(&r->wake, &r->lock);
        if (r->stop)
            break;
        struct item *it = list_pop(&r->asked);
        pthread_mutex_unlock(&r->lock);
        it->answer.ok = r->lookup(it->host, &it->answer.addr);
        pthread_mutex_lock(&r->lock);
        list_push(&r->answered, it);
        (void)!write(r->wake_fd, "", 1);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

struct net_resolver *net_resolver_create(int wake_fd, net_lookup_fn lookup, char *err, size_t errlen)
{
    struct net_resolver *r = xmalloc(sizeof *r);
    memset(r, 0, sizeof *r);
    r->asked.tail = &r->asked.head;
    r->answered.tail = &r->answered.head;
    r->wake_fd = wake_fd;
    r->lookup = lookup ? lookup : host_lookup;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->wake, NULL);
    int rc = pthread_create(&r->thread, NULL, worker, r);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the name lookup thread: %s", strerror(rc));
        pthread_cond_destroy(&r->wake);
        pthread_mutex_destroy(&r->lock);
        free(r);
        return NULL;
    }
    return r;
}

void net_resolver_ask(struct net_resolver *r, uint64_t tag, const char *host)
{
    size_t len = strlen(host);
    struct item *it = xmalloc(sizeof *it + len + 1);
    memset(it, 0, sizeof *it);
    it->answer.tag = tag;
    memcpy(it->host, host, len + 1);
    pthread_mutex_lock(&r->lock);
    list_push(&r->asked, it);
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
}

bool net_resolver_take(struct net_resolver *r, struct net_resolve_answer *out)
{
    pthread_mutex_lock(&r->lock);
    struct item *it = list_pop(&r->answered);
    pthread_mutex_unlock(&r->lock);
    if (!it)
        return false;
    *out = it->answer;
    free(it);
    return true;
}

bool net_resolver_destroy(struct net_resolver *r)
{
    if (!r)
        return true;
    pthread_mutex_lock(&r->lock);
    r->stop = true;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += JOIN_WAIT_MS / MS_PER_S;
    until.tv_nsec += (long)(JOIN_WAIT_MS % MS_PER_S) * NS_PER_MS;
    if (until.tv_nsec >= NS_PER_S) {
        until.tv_sec++;
        until.tv_nsec -= NS_PER_S;
    }
    if (pthread_timedjoin_np(r->thread, NULL, &until) != 0)
        return false;           /* still in a lookup: leave r to the exiting process */
    list_free(&r->asked);
    list_free(&r->answered);
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->lock);
    free(r);
    return true;
}
