/* placeholder */ typedef int kagi_placeholder_t;
