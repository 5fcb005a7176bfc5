// Two plug-ins built for another interface version (tests/cli/plugin_test.sh):
// one registers through a registerEngine of another version (its load fails
// on the undefined symbol, before any of its code runs), the other says
// another version (it is unloaded, and registers nothing).
#ifdef LIFEGUARD_TEST_OTHER_SYMBOL
namespace lifeguard::harness {
inline namespace plugin_v999 {
bool registerEngine(int entry);
}
}  // namespace lifeguard::harness
static const bool kRegistered = lifeguard::harness::registerEngine(0);
#else
extern "C" __attribute__((visibility("default"))) int lifeguard_plugin_version() { return 999; }
#endif
