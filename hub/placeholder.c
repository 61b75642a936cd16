/* placeholder until the module lands */ extern int hpcnet_placeholder_hub_placeholder_c;
