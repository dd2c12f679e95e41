/* nnlab's help texts: the general usage and each command's --help. */
#ifndef EXP_HELP_H
#define EXP_HELP_H

/* The help of command ("run", "sweep", ...), NULL for an unknown one;
 * with command NULL, the general usage. */
const char *exp_help(const char *command);

/* Whether a command's arguments ask for its help: "--help" or "-h" that
 * is not the value of an option (--title -h is a title). */
int exp_help_wanted(int argc, char **argv);

#endif
