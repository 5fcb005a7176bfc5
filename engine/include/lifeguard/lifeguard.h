// The whole public API of the engine in one include.
#pragma once

#include "lifeguard/connection.h"
#include "lifeguard/database.h"
#include "lifeguard/options.h"
#include "lifeguard/prepared_statement.h"
#include "lifeguard/query_result.h"
#include "lifeguard/status.h"
#include "lifeguard/value.h"
