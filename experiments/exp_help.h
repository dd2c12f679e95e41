/* nnlab's help texts: the general usage and each command's --help. */
#ifndef EXP_HELP_H
#define EXP_HELP_H

#include <stdio.h>

#include "nn_err.h"

/* The help of command ("run", "sweep", ...), NULL for an unknown one;
 * with command NULL, the general usage. */
const char *exp_help(const char *command);

/* Whether a command's arguments ask for its help: "--help" or "-h" that
 * is not the value of an option (--title -h is a title). */
int exp_help_wanted(int argc, char **argv);

/* Prints the manual's page topic (docs/TOPIC.md: "configs", "sweeps",
 * ...) to out, found in NNLAB_DOC_DIR, the source tree of a build, or an
 * installed nnlab's PREFIX/share/doc/nnlab. Returns 0, NN_EINVAL for an
 * unknown topic (naming the pages) or NN_EIO when the page is not there. */
int exp_help_topic(const char *topic, FILE *out, struct nn_err *err);

#endif
