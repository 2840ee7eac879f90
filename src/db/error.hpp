// db: DbError, what every database call throws, classified from SQLSTATE.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace tcj::db {

enum class DbErrorKind {
  connection,             // cannot connect, or the connection broke (class 08, 57P0x)
  read_only,              // 25006: the server takes no writes (a standby, or a primary being demoted)
  pool_exhausted,         // no connection became free in time
  unique_violation,       // 23505
  foreign_key_violation,  // 23503
  constraint_violation,   // other class 23
  permission_denied,      // 42501, including row level security refusals
  serialization,          // 40001, 40P01: the transaction can be retried as a whole
  canceled,               // 57014: statement timeout or cancel
  invalid_data,           // class 22
  other,
};

std::string_view ToString(DbErrorKind kind);

// Database failures are exceptions: they are rare, and the one place per entry point (HTTP
// middleware, worker loop) turns them into a 503 or a retry. The message comes from the server and
// never contains parameter values of ours.
class DbError : public std::runtime_error {
 public:
  DbError(DbErrorKind kind, std::string sqlstate, const std::string& message)
      : std::runtime_error(message), kind_(kind), sqlstate_(std::move(sqlstate)) {}

  DbErrorKind kind() const { return kind_; }
  const std::string& sqlstate() const { return sqlstate_; }
  // True when the same work may succeed if tried again later.
  bool retryable() const {
    return kind_ == DbErrorKind::connection || kind_ == DbErrorKind::read_only ||
           kind_ == DbErrorKind::pool_exhausted || kind_ == DbErrorKind::serialization;
  }

 private:
  DbErrorKind kind_;
  std::string sqlstate_;
};

DbErrorKind ClassifySqlState(std::string_view sqlstate);

// True when the connection that raised this kind can no longer do the service's work: it is gone,
// or it leads to a server that takes no writes. The pool then drops every connection it holds,
// because they all lead to the same server, and opens new ones (which a multi-host URL with
// target_session_attrs=read-write points at the new primary).
bool LeadsNowhere(DbErrorKind kind);

// The kind of a failed statement. Whatever the server said, a connection libpq reports broken is a
// connection failure; so is a failure without any SQLSTATE, which libpq made up itself because
// nothing (or nothing readable) came back: "server closed the connection unexpectedly" when the
// send already failed leaves libpq's status CONNECTION_OK, and the database is gone all the same.
DbErrorKind ClassifyFailure(std::string_view sqlstate, bool connection_ok);

}  // namespace tcj::db
