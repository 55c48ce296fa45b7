/* The scenario start state `model`: parsed against the simulator's table of
 * variants, an unknown name refused at parse time with the list, and passed
 * to the simulator as --model (only when given). */
#include "module_models.h"
#include "scenario_sim.h"
#include "scn_fixture.h"

#define HEADER "scenario \"m\"\ntargets sim\n"

TestSuite(scn_model, .fini = scn_fixture_free);

/* The value after `opt` in the simulator's options, or NULL. */
static const char *option(const struct scn_sim_args *a, const char *opt)
{
    for (int i = 0; i + 1 < a->n; i++)
        if (strcmp(a->v[i], opt) == 0)
            return a->v[i + 1];
    return NULL;
}

Test(scn_model, every_model_of_the_table_parses_and_reaches_the_simulator_as_model)
{
    for (size_t i = 0; module_model_at(i); i++) {
        char text[128];
        snprintf(text, sizeof text, HEADER "model %s\nsend \"ATI\"\n", module_model_at(i)->name);
        cr_assert_eq(parse(text), SCN_OK, "%s", text);
        cr_assert_eq(sc->world.model, module_model_at(i));
        cr_assert_eq(sc->world.model_line, 3);
        struct scn_sim_args a;
        scn_sim_args(&sc->world, &a);
        cr_assert_str_eq(option(&a, "--model"), module_model_at(i)->name);
        scn_fixture_free();
    }
}

Test(scn_model, without_model_the_simulator_keeps_its_default)
{
    cr_assert_eq(parse(HEADER "send \"ATI\"\n"), SCN_OK);
    cr_assert_null(sc->world.model);
    struct scn_sim_args a;
    scn_sim_args(&sc->world, &a);
    cr_assert_null(option(&a, "--model"));
}

Test(scn_model, an_unknown_model_is_an_error_that_lists_the_known_ones)
{
    cr_assert_eq(parse(HEADER "model SIM7600X\nsend \"ATI\"\n"), SCN_ERR_INVALID);
    cr_assert_null(sc);
    cr_assert_eq(diags.n, 1);
    cr_assert_eq(diags.v[0].line, 3);
    cr_assert(strstr(diags.v[0].msg, "unknown model 'SIM7600X'; expected one of: SIM7600E, SIM7600E-H, "
                                     "SIM7600G-H, SIM7600SA-H, SIM7600NA-H, A7670E"),
              "%s", diags.v[0].msg);
}

Test(scn_model, model_is_start_state_given_once_before_the_steps)
{
    cr_assert_eq(parse(HEADER "model SIM7600G-H\nmodel A7670E\nsend \"ATI\"\n"), SCN_ERR_INVALID);
    cr_assert_eq(diags.n, 1);
    cr_assert_eq(diags.v[0].line, 4, "%s", diags.v[0].msg);
    scn_fixture_free();
    cr_assert_eq(parse(HEADER "send \"ATI\"\nmodel SIM7600G-H\n"), SCN_ERR_INVALID);
    cr_assert_eq(diags.v[0].line, 4, "%s", diags.v[0].msg);
    scn_fixture_free();
    cr_assert_eq(parse(HEADER "model \"SIM7600G-H\"\nsend \"ATI\"\n"), SCN_ERR_INVALID, "a name, not a string");
}
