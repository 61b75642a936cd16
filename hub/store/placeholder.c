/* placeholder until the module lands */ extern int hpcnet_placeholder_hub_store_placeholder_c;
