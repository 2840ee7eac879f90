#include "db/error.hpp"

namespace tcj::db {

std::string_view ToString(DbErrorKind kind) {
  switch (kind) {
    case DbErrorKind::connection: return "connection";
    case DbErrorKind::read_only:
      return "read_only";
    case DbErrorKind::pool_exhausted: return "pool_exhausted";
    case DbErrorKind::unique_violation: return "unique_violation";
    case DbErrorKind::foreign_key_violation: return "foreign_key_violation";
    case DbErrorKind::constraint_violation: return "constraint_violation";
    case DbErrorKind::permission_denied: return "permission_denied";
    case DbErrorKind::serialization: return "serialization";
    case DbErrorKind::canceled: return "canceled";
    case DbErrorKind::invalid_data: return "invalid_data";
    case DbErrorKind::other: return "other";
  }
  return "other";
}

DbErrorKind ClassifySqlState(std::string_view s) {
  if (s.size() != 5) return DbErrorKind::other;
  if (s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03") return DbErrorKind::connection;
  if (s == "25006") return DbErrorKind::read_only;
  if (s == "23505") return DbErrorKind::unique_violation;
  if (s == "23503") return DbErrorKind::foreign_key_violation;
  if (s.starts_with("23")) return DbErrorKind::constraint_violation;
  if (s == "42501") return DbErrorKind::permission_denied;
  if (s == "40001" || s == "40P01") return DbErrorKind::serialization;
  if (s == "57014") return DbErrorKind::canceled;
  if (s.starts_with("22")) return DbErrorKind::invalid_data;
  return DbErrorKind::other;
}

bool LeadsNowhere(DbErrorKind kind) {
  return kind == DbErrorKind::connection || kind == DbErrorKind::read_only;
}

DbErrorKind ClassifyFailure(std::string_view sqlstate, bool connection_ok) {
  if (!connection_ok || sqlstate.empty()) return DbErrorKind::connection;
  return ClassifySqlState(sqlstate);
}

}  // namespace tcj::db
