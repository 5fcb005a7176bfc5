// A shared library that is not a lifeguard plug-in (tests/cli/plugin_test.sh).
extern "C" int not_a_lifeguard_plugin() { return 0; }
