/* placeholder until the module lands */ extern int hpcnet_placeholder_agent_placeholder_c;
