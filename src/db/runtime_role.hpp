// db: whether the role a connection logs in as is fit to serve (row level security binds it).
#pragma once

#include <string>
#include <vector>

#include "db/connection.hpp"

namespace tcj::db {

// What makes the connection's role unfit to be the runtime role of the current schema, in words
// an operator can act on: a superuser, BYPASSRLS, a member of tcj_owner (whose maintenance
// policies see every tenant), the owner of the schema or of anything in it, or allowed to create
// temporary tables. Empty when it is fit. Throws DbError when the database cannot be asked.
std::vector<std::string> RuntimeRoleProblems(Connection& conn);

}  // namespace tcj::db
