/* placeholder until the module lands */ extern int hpcnet_placeholder_scheduler_placeholder_c;
