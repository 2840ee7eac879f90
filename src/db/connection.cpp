#include "db/connection.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <cerrno>

#include "db/error.hpp"

namespace tcj::db {
namespace {

std::string Trimmed(const char* message) {
  std::string m = message != nullptr ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace

ConnectionSettings ConnectionSettings::FromUrl(const std::string& url) {
  ConnectionSettings s;
  s.params.emplace_back("dbname", url);
  return s;
}

ConnectionSettings ConnectionSettings::With(std::string key, std::string value) const {
  ConnectionSettings s = *this;
  // dbname is appended rather than replaced: the first dbname may be a whole URL, which libpq
  // expands; a later dbname then overrides only the database name.
  for (auto& [k, v] : s.params) {
    if (k == key && k != "dbname") {
      v = std::move(value);
      return s;
    }
  }
  s.params.emplace_back(std::move(key), std::move(value));
  return s;
}

ConnectionSettings ConnectionSettings::WithSchema(const std::string& schema) const {
  return With("options", "-c search_path=" + schema);
}

std::string ConnectionSettings::Describe() const {
  // Ask libpq how it understood the settings, so URLs and key=value forms describe alike.
  std::string host = "?";
  std::string port = "5432";
  std::string db = "?";
  std::string user = "?";
  // PQconninfoParse understands one string only; take the URL or key=value text if present.
  for (const auto& [k, v] : params) {
    if (k != "dbname") continue;
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(v.c_str(), &err);
    if (err != nullptr) PQfreemem(err);
    if (opts == nullptr) continue;
    for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
      if (o->val == nullptr) continue;
      const std::string_view kw = o->keyword;
      if (kw == "host") host = o->val;
      if (kw == "port") port = o->val;
      if (kw == "dbname") db = o->val;
      if (kw == "user") user = o->val;
    }
    PQconninfoFree(opts);
  }
  for (const auto& [k, v] : params) {
    if (k == "host") host = v;
    if (k == "port") port = v;
    if (k == "user") user = v;
  }
  return "host=" + host + " port=" + port + " dbname=" + db + " user=" + user;
}

std::unique_ptr<Connection> Connection::Open(const ConnectionSettings& settings) {
  // libpq quotes the part of a connection string it cannot read, which is the password when it
  // holds a bare '%' or a space: refuse such a string with a message of our own instead.
  for (const auto& [k, v] : settings.params) {
    const bool whole_string =
        v.starts_with("postgresql://") || v.starts_with("postgres://") || v.find('=') != std::string::npos;
    if (k != "dbname" || !whole_string) continue;
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(v.c_str(), &err);
    if (err != nullptr) PQfreemem(err);
    if (opts == nullptr) {
      throw DbError(DbErrorKind::connection, "",
                    "the database URL cannot be read: percent-encode any special character of its user or password "
                    "(% as %25, a space as %20, @ as %40)");
    }
    PQconninfoFree(opts);
  }
  std::vector<const char*> keys;
  std::vector<const char*> values;
  bool has_timeout = false;
  bool has_app = false;
  for (const auto& [k, v] : settings.params) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
    has_timeout = has_timeout || k == "connect_timeout";
    has_app = has_app || k == "application_name";
  }
  if (!has_timeout) {
    keys.push_back("connect_timeout");
    values.push_back("5");
  }
  if (!has_app) {
    keys.push_back("application_name");
    values.push_back("teamcity-jira");
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (conn == nullptr) {
    throw DbError(DbErrorKind::connection, "", "out of memory while connecting to PostgreSQL");
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message =
        "cannot connect to PostgreSQL (" + settings.Describe() + "): " + Trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    throw DbError(DbErrorKind::connection, "08006", message);
  }
  // Server notices (e.g. "drop cascades to ...") would go to standard error; we have no use for them.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Connection>(new Connection(conn));
}

Connection::~Connection() {
  PQfinish(conn_);
}

std::vector<std::pair<std::string, std::string>> Connection::EffectiveParameters() const {
  std::vector<std::pair<std::string, std::string>> params;
  PQconninfoOption* options = PQconninfo(conn_);
  for (PQconninfoOption* o = options; o != nullptr && o->keyword != nullptr; ++o) {
    if (o->val != nullptr && *o->val != '\0') params.emplace_back(o->keyword, o->val);
  }
  PQconninfoFree(options);
  return params;
}

std::vector<Connection::Notice> Connection::WaitForNotices(std::chrono::milliseconds timeout) {
  const auto lost = [this] {
    broken_ = true;
    return DbError(DbErrorKind::connection, "08006",
                   "lost the connection to PostgreSQL: " + Trimmed(PQerrorMessage(conn_)));
  };
  std::vector<Notice> notices;
  const auto take = [&] {
    while (PGnotify* n = PQnotifies(conn_)) {
      notices.push_back({n->relname, n->extra});
      PQfreemem(n);
    }
  };
  take();
  if (!notices.empty()) return notices;
  pollfd fd{.fd = PQsocket(conn_), .events = POLLIN, .revents = 0};
  if (fd.fd < 0) throw lost();
  const int ready = poll(&fd, 1, static_cast<int>(timeout.count()));
  if (ready < 0 && errno != EINTR) throw lost();
  if (ready > 0) {
    if (PQconsumeInput(conn_) == 0) throw lost();
    take();
  }
  return notices;
}

int Connection::backend_pid() const { return PQbackendPID(conn_); }

bool Connection::healthy() const {
  return !broken_ && PQstatus(conn_) == CONNECTION_OK;
}

bool Connection::read_only() const {
  const auto on = [this](const char* parameter) {
    const char* value = PQparameterStatus(conn_, parameter);
    return value != nullptr && std::string_view(value) == "on";
  };
  return on("in_hot_standby") || on("default_transaction_read_only");
}

bool Connection::StillUsable() {
  if (!healthy() || read_only()) return false;
  pollfd fd{.fd = PQsocket(conn_), .events = POLLIN, .revents = 0};
  if (fd.fd < 0) return false;
  // Nothing arrives on an idle connection that LISTENs to nothing, except the server's goodbye
  // (an error saying why it ends the session, then the end of the stream).
  if (poll(&fd, 1, 0) == 0) return true;
  broken_ = true;
  return false;
}

bool Connection::idle() const {
  return PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

bool Connection::in_failed_transaction() const {
  return PQtransactionStatus(conn_) == PQTRANS_INERROR;
}

void Connection::ThrowFrom(const pg_result* result) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state != nullptr ? state : "";
  std::string message = Trimmed(result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
  if (message.empty()) message = Trimmed(PQerrorMessage(conn_));
  const DbErrorKind kind = ClassifyFailure(sqlstate, PQstatus(conn_) == CONNECTION_OK);
  if (LeadsNowhere(kind)) broken_ = true;
  throw DbError(kind, std::move(sqlstate), message);
}

Rows Connection::Exec(std::string_view sql, std::span<const Param> params) {
  const std::string text(sql);
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  values.reserve(params.size());
  for (const Param& p : params) {
    values.push_back(p.is_null() ? nullptr : p.text().c_str());
    lengths.push_back(p.is_null() ? 0 : static_cast<int>(p.text().size()));
    formats.push_back(p.binary() ? 1 : 0);
  }
  std::shared_ptr<pg_result> result(PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()), nullptr,
                                                 values.data(), lengths.data(), formats.data(), /*resultFormat=*/0),
                                    PQclear);
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    ThrowFrom(result.get());
  }
  return Rows(std::move(result));
}

std::vector<Rows> Connection::ExecPipeline(std::span<const Statement> statements) {
  if (PQenterPipelineMode(conn_) != 1) ThrowFrom(nullptr);
  // The texts and parameter arrays live until every statement is sent.
  std::vector<std::string> texts;
  texts.reserve(statements.size());
  for (const Statement& s : statements) {
    texts.emplace_back(s.sql);
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    for (const Param& p : s.params) {
      values.push_back(p.is_null() ? nullptr : p.text().c_str());
      lengths.push_back(p.is_null() ? 0 : static_cast<int>(p.text().size()));
      formats.push_back(p.binary() ? 1 : 0);
    }
    if (PQsendQueryParams(conn_, texts.back().c_str(), static_cast<int>(s.params.size()), nullptr, values.data(),
                          lengths.data(), formats.data(), /*resultFormat=*/0) != 1) {
      broken_ = true;  // what was sent is unknown: the pool drops the connection
      ThrowFrom(nullptr);
    }
  }
  if (PQpipelineSync(conn_) != 1) {
    broken_ = true;
    ThrowFrom(nullptr);
  }
  std::vector<Rows> rows;
  rows.reserve(statements.size());
  std::shared_ptr<pg_result> failure;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    std::shared_ptr<pg_result> result(PQgetResult(conn_), PQclear);
    if (!result) {
      broken_ = true;
      ThrowFrom(nullptr);
    }
    const ExecStatusType status = PQresultStatus(result.get());
    if (status == PGRES_FATAL_ERROR && !failure) failure = result;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) rows.emplace_back(result);
    // Each statement's answer ends with a null result.
    while (pg_result* extra = PQgetResult(conn_)) PQclear(extra);
  }
  std::shared_ptr<pg_result> sync(PQgetResult(conn_), PQclear);
  if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC || PQexitPipelineMode(conn_) != 1) {
    broken_ = true;
    ThrowFrom(nullptr);
  }
  if (failure) ThrowFrom(failure.get());
  return rows;
}

void Connection::ExecScript(std::string_view sql) {
  const std::string text(sql);
  std::shared_ptr<pg_result> result(PQexec(conn_, text.c_str()), PQclear);
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    ThrowFrom(result.get());
  }
}

}  // namespace tcj::db
