#include "main/current.h"

namespace lifeguard {
namespace {
thread_local const ClientContext* tl_context = nullptr;
thread_local const Database* tl_database = nullptr;
}  // namespace

CurrentQueryScope::CurrentQueryScope(const ClientContext* context, const Database* database)
    : saved_context_(tl_context), saved_database_(tl_database) {
  tl_context = context;
  tl_database = database;
}

CurrentQueryScope::~CurrentQueryScope() {
  tl_context = saved_context_;
  tl_database = saved_database_;
}

const ClientContext* CurrentQueryScope::context() { return tl_context; }
const Database* CurrentQueryScope::database() { return tl_database; }

}  // namespace lifeguard
