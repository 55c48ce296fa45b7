/* sim7600-sim --state-dir DIR: the module's flash kept between runs of the
 * simulator. DIR/certs/ holds one file per file of the certificate store
 * (AT+CCERTDOWN), named as the module names it, mode 0600 (keys among them).
 * An edge file: it reads and writes the host's files; the core only marks
 * the store changed. */
#ifndef SIM_STATE_DIR_H
#define SIM_STATE_DIR_H

#include <stddef.h>

struct sim;

/* Makes DIR (and DIR/certs) if missing and loads the store from it. -1 with
 * what went wrong and what to do in err when DIR cannot be used or holds a
 * file the module's store would not take. */
int state_dir_load(struct sim *s, const char *dir, char *err, size_t cap);
/* Writes the store when a command changed it (each file through a temporary
 * and a rename; files deleted from the store are removed). -1 with err. */
int state_dir_save(struct sim *s, const char *dir, char *err, size_t cap);

#endif
