/* placeholder until the module lands */ extern int hpcnet_placeholder_adapters_placeholder_c;
