// db: one PostgreSQL connection (libpq). Not thread-safe; the Pool hands it to one user at a time.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/rows.hpp"

struct pg_conn;

namespace tcj::db {

// Connection parameters as libpq keywords. A URL goes in as "dbname" and is expanded by libpq;
// later entries override what the URL says.
struct ConnectionSettings {
  std::vector<std::pair<std::string, std::string>> params;

  static ConnectionSettings FromUrl(const std::string& url);
  ConnectionSettings With(std::string key, std::string value) const;
  // Sets search_path for every session, so unqualified names resolve in our schema.
  ConnectionSettings WithSchema(const std::string& schema) const;
  // host, port, database and user, for messages; never the password.
  std::string Describe() const;
};

class Connection {
 public:
  // Connects or throws DbError(connection) with libpq's reason.
  static std::unique_ptr<Connection> Open(const ConnectionSettings& settings);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // One statement with parameters ($1, $2, ...), sent apart from the SQL text.
  Rows Exec(std::string_view sql, std::span<const Param> params = {});
  struct Statement {
    std::string_view sql;
    std::span<const Param> params;
  };
  // Several statements sent together and answered together (libpq's pipeline mode): one round
  // trip for all of them. The rows of each, in order. When one fails, those after it do not run
  // and its error is thrown once every answer is read (the connection is then ready again).
  std::vector<Rows> ExecPipeline(std::span<const Statement> statements);
  // Several statements in one string, no parameters (migrations).
  void ExecScript(std::string_view sql);

  // A NOTIFY this session LISTENs to: its channel and payload.
  struct Notice {
    std::string channel;
    std::string payload;
  };
  // Waits up to `timeout` for notices (returning at once when some arrived already) and returns
  // them, possibly none. Throws DbError(connection) when the connection is lost.
  std::vector<Notice> WaitForNotices(std::chrono::milliseconds timeout);

  // The settings libpq actually connected with (a URL in dbname expanded, defaults filled in), for
  // the PostgreSQL programs we run (pg_dump) to reach the same database. Holds the password.
  std::vector<std::pair<std::string, std::string>> EffectiveParameters() const;

  // The server process serving this connection (pg_stat_activity.pid).
  int backend_pid() const;

  // False once the connection is broken (or a failure left it in doubt), or led to a server that
  // takes no writes; the pool then drops it.
  bool healthy() const;
  // True when the server said it takes no writes: a hot standby, or default_transaction_read_only
  // turned on (as some failover tools do to a primary they are about to demote). Read from what
  // the server reports with every answer (PostgreSQL 14 and later), so it costs no round trip.
  bool read_only() const;
  // For a connection that sat idle in the pool and LISTENs to nothing: false when the server has
  // hung up meanwhile (it was stopped, or a failover ended its sessions), or said anything at all.
  // A zero-timeout poll, no round trip; a server that vanished without a word is only found by the
  // next statement.
  bool StillUsable();
  // True when no transaction is open.
  bool idle() const;
  // True inside a transaction that an earlier error aborted (only ROLLBACK works now).
  bool in_failed_transaction() const;

 private:
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  [[noreturn]] void ThrowFrom(const struct pg_result* result);
  pg_conn* conn_;
  bool broken_ = false;  // a failure that did not come from the server: never trusted again
};

}  // namespace tcj::db
