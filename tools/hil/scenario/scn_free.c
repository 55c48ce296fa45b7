/* Freeing a scenario and its parts; each part also on its own, for a
 * statement with errors that is dropped before it joins the scenario. */
#include "scn_internal.h"

#include <stdlib.h>

void scn_bytes_free(struct scn_bytes *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = 0;
}

void scn_pattern_free(struct scn_pattern *p)
{
    if (p->kind == SCN_PAT_REGEX)
        regfree(&p->re);
    scn_bytes_free(&p->text);
    p->kind = SCN_PAT_NONE;
}

void scn_step_free(struct scn_step *s)
{
    scn_bytes_free(&s->text);
    scn_pattern_free(&s->pat);
    scn_bytes_free(&s->topic);
    scn_bytes_free(&s->payload);
    scn_bytes_free(&s->apn);
    scn_bytes_free(&s->server);
    scn_bytes_free(&s->client_id);
    scn_bytes_free(&s->user);
    scn_bytes_free(&s->password);
    free(s->program);
}

void scn_event_free(struct scn_event *e)
{
    scn_bytes_free(&e->trig.prefix);
    for (size_t i = 0; i < e->n_lines; i++)
        scn_bytes_free(&e->lines[i]);
    scn_bytes_free(&e->data);
    scn_bytes_free(&e->topic);
    scn_bytes_free(&e->payload);
    free(e->program);
}

void scn_check_free(struct scn_check *c)
{
    scn_pattern_free(&c->pat);
    scn_bytes_free(&c->topic);
    scn_bytes_free(&c->prefix);
    free(c->program);
}

void scn_free(struct scenario *sc)
{
    if (!sc) return;
    for (size_t i = 0; i < sc->n_events; i++) scn_event_free(&sc->events[i]);
    for (size_t i = 0; i < sc->n_steps; i++) scn_step_free(&sc->steps[i]);
    for (size_t i = 0; i < sc->n_checks; i++) scn_check_free(&sc->checks[i]);
    free(sc->events);
    free(sc->steps);
    free(sc->checks);
    for (size_t i = 0; i < sc->n_programs; i++) scn_program_free(&sc->programs[i]);
    free(sc->programs);
    scn_bytes_free(&sc->world.broker_user);
    scn_bytes_free(&sc->world.broker_password);
    scn_bytes_free(&sc->world.replay);
    for (size_t i = 0; i < sc->world.n_net_map; i++) scn_bytes_free(&sc->world.net_map[i]);
    for (size_t i = 0; i < sc->n_servers; i++) free(sc->servers[i].name);
    scn_clients_free(sc);
    scn_tls_free(&sc->tls);
    scn_http_free(&sc->http);
    free(sc->file);
    free(sc->name);
    free(sc);
}
