/* SPDX-License-Identifier: Apache-2.0 */
/* The hub's entry point, called by the one binary's main for `hpcnet hub`. */
#ifndef HPCNET_HUB_H
#define HPCNET_HUB_H

/* argv[0] is "hub". Runs until SIGINT/SIGTERM; returns the exit status. */
int hpcnet_hub_main(int argc, char **argv);

#endif
