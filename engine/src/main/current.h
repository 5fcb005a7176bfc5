// Which query, if any, the current thread is running: set on a query's own
// thread for the whole query and on a worker while it runs one of its tasks.
// Lets close() detect a call from inside the query it would wait for (H13).
#pragma once

namespace lifeguard {

class ClientContext;
class Database;

class CurrentQueryScope {
 public:
  CurrentQueryScope(const ClientContext* context, const Database* database);
  ~CurrentQueryScope();
  CurrentQueryScope(const CurrentQueryScope&) = delete;
  CurrentQueryScope& operator=(const CurrentQueryScope&) = delete;

  static const ClientContext* context();
  static const Database* database();

 private:
  const ClientContext* saved_context_;
  const Database* saved_database_;
};

}  // namespace lifeguard
