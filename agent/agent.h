/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hpcnet agent`: the daemon that runs beside one center's scheduler,
 * dials out to the hub, takes dispatch orders, drives the scheduler
 * through an adapter and reports back. This header is all the CLI needs;
 * the agent's parts (journal, hub link, loop) stay private to agent/.
 */
#ifndef HPCNET_AGENT_H
#define HPCNET_AGENT_H

/*
 * Runs the agent with command-line arguments (argv[0] is "agent"; see
 * `hpcnet agent --help`) until SIGTERM/SIGINT. Returns the process exit
 * status: 0 after a clean stop or --help, 1 when the agent cannot go on
 * (hub refused the join token or credential, journal or adapter failure),
 * 2 for bad options. Must run in a single-threaded process: the local
 * adapter forks without exec. Installs SIGTERM/SIGINT handlers for the
 * duration of the call and restores the previous ones.
 */
int hpcnet_agent_main(int argc, char **argv);

#endif
