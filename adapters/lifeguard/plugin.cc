// Makes the library built from lifeguard_adapter.cc a plug-in
// (lifeguard/harness/plugin.h): the adapter registers its engines itself.
#include "lifeguard/harness/plugin.h"

LIFEGUARD_PLUGIN();
