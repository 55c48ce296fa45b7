/* Test support: a 127.0.0.1 TCP port a listening socket of the test holds,
 * so that whatever asks for it next (the simulated module's server) finds it
 * taken. Asserts with Criterion. */
#ifndef TEST_LOOPBACK_PORT_H
#define TEST_LOOPBACK_PORT_H

/* The port; *holder gets the socket holding it: close it when the test ends. */
int loopback_port_hold(int *holder);

#endif
