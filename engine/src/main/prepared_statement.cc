#include "lifeguard/prepared_statement.h"

#include "parser/statement.h"

namespace lifeguard {

PreparedStatement::~PreparedStatement() = default;

}  // namespace lifeguard
