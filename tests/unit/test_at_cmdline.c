/* V.250 command-line parsing and parameter splitting. */
#include <criterion/criterion.h>
#include <string.h>

#include "at_cmdline.h"

static struct at_cmdline parse(const char *line, enum at_parse_result want)
{
    struct at_cmdline cl;
    cr_assert_eq(at_cmdline_parse(line, strlen(line), &cl), want, "line: %s", line);
    return cl;
}

Test(at_cmdline, forms_of_an_extended_command)
{
    struct at_cmdline cl = parse("AT+CSQ=?;+creg?;+CGDCONT=1,\"IP\",\"a;b\";+CMQTTSTART", AT_PARSE_OK);
    cr_assert_eq(cl.count, 4);
    cr_assert_str_eq(cl.cmd[0].name, "+CSQ");
    cr_assert_eq(cl.cmd[0].form, AT_FORM_TEST);
    cr_assert_str_eq(cl.cmd[1].name, "+CREG");
    cr_assert_eq(cl.cmd[1].form, AT_FORM_READ);
    cr_assert_eq(cl.cmd[2].form, AT_FORM_WRITE);
    cr_assert_eq(cl.cmd[2].args_len, strlen("1,\"IP\",\"a;b\""));
    cr_assert_eq(cl.cmd[3].form, AT_FORM_EXEC);
}

Test(at_cmdline, basic_commands_run_together)
{
    struct at_cmdline cl = parse("ATE0V1&F S0? Q", AT_PARSE_OK);
    cr_assert_eq(cl.count, 5);
    cr_assert_str_eq(cl.cmd[0].name, "E");
    cr_assert_eq(cl.cmd[0].value, 0);
    cr_assert_str_eq(cl.cmd[2].name, "&F");
    cr_assert_eq(cl.cmd[2].value, -1);
    cr_assert_str_eq(cl.cmd[3].name, "S");
    cr_assert_eq(cl.cmd[3].form, AT_FORM_READ);
}

Test(at_cmdline, lines_that_are_not_commands)
{
    parse("hello", AT_PARSE_NOT_AT);
    parse("A", AT_PARSE_NOT_AT);
    parse("AT+CSQ?x", AT_PARSE_SYNTAX);
    parse("AT#", AT_PARSE_SYNTAX);
    cr_assert_eq(parse("AT", AT_PARSE_OK).count, 0);
}

Test(at_cmdline, parameters_numbers_strings_and_empties)
{
    const char *args = "0, \"a,b\" ,,12x,-5";
    struct at_args a;
    cr_assert_eq(at_args_parse(args, strlen(args), &a), 0);
    cr_assert_eq(a.count, 5);
    cr_assert_eq(a.v[0].type, AT_ARG_NUMBER);
    cr_assert_eq(a.v[1].type, AT_ARG_STRING);
    cr_assert_eq(a.v[1].len, 3);
    cr_assert_eq(a.v[2].type, AT_ARG_EMPTY);
    cr_assert_eq(a.v[3].type, AT_ARG_WORD);
    cr_assert_eq(a.v[4].number, -5);
    cr_assert_eq(at_args_parse("\"open", 5, &a), -1);
}

Test(at_cmdline, an_unquoted_parameter_is_printable_ascii_without_quotes)
{
    struct at_args a;
    const char *typographic = "\xe2\x80\x9d" "1234\xe2\x80\x9d";
    cr_assert_eq(at_args_parse(typographic, strlen(typographic), &a), -1);
    cr_assert_eq(at_args_parse("12\"3\"4", 7, &a), -1);
    cr_assert_eq(at_args_parse("1\t2", 3, &a), -1);
    cr_assert_eq(at_args_parse("tcp://h:1883,0x1F", 17, &a), 0);
    cr_assert_eq(a.v[1].type, AT_ARG_WORD);
}

/* V.250 5.2.1: spaces outside strings are ignored, also around the form. */
Test(at_cmdline, spaces_around_the_form)
{
    struct at_cmdline cl = parse("AT+CREG ? ;+CSQ = ? ;+CMEE = 1 ;+CSQ ", AT_PARSE_OK);
    cr_assert_eq(cl.count, 4);
    cr_assert_eq(cl.cmd[0].form, AT_FORM_READ);
    cr_assert_eq(cl.cmd[1].form, AT_FORM_TEST);
    cr_assert_eq(cl.cmd[2].form, AT_FORM_WRITE);
    cr_assert_eq(cl.cmd[3].form, AT_FORM_EXEC);
    parse("AT+CSQ X", AT_PARSE_SYNTAX);
    parse("AT+CREG? ?", AT_PARSE_SYNTAX);
}
