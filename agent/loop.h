/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's run loop and its settings, shared by main.c (which fills
 * the settings from the command line) and loop.c (which runs them).
 */
#ifndef HPCNET_AGENT_LOOP_H
#define HPCNET_AGENT_LOOP_H

#include <stdint.h>

struct hpcnet_agent_conf {
	const char *hub;        /* hub base URL */
	const char *join_token; /* may be NULL once joined */
	const char *name;       /* expected center name, or NULL */
	const char *adapter;    /* adapter name */
	const char *workdir;    /* exists, mode 0700 */
	int cores;
	int64_t mem_bytes;
	int gpus;
	int heartbeat_s;
	const char *const *adapter_opts; /* --adapter-opt KEY=VALUE, for the adapter */
	size_t nadapter_opts;
	int rejoin;             /* drop the saved credential and join again */
};

/*
 * Joins if needed, then runs until SIGTERM/SIGINT or a fatal error.
 * Returns the exit status (see hpcnet_agent_main() in agent.h).
 */
int hpcnet_agent_run(const struct hpcnet_agent_conf *conf);

#endif
