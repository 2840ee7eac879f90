#include "db/rows.hpp"

#include <libpq-fe.h>

#include <charconv>

#include "core/text.hpp"
#include "db/error.hpp"

namespace tcj::db {

Param::Param(const std::vector<std::int64_t>& values) : value_("{") {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) value_->push_back(',');
    value_->append(std::to_string(values[i]));
  }
  value_->push_back('}');
}

Param::Param(const std::vector<std::string>& values) : value_("{") {
  // Every element quoted, with \ and " escaped: NULL, empty, commas and braces stay text.
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) value_->push_back(',');
    value_->push_back('"');
    for (const char c : values[i]) {
      if (c == '"' || c == '\\') value_->push_back('\\');
      value_->push_back(c);
    }
    value_->push_back('"');
  }
  value_->push_back('}');
}

bool Row::IsNull(int column) const { return PQgetisnull(result_, index_, column) != 0; }

std::string_view Row::Text(int column) const {
  return {PQgetvalue(result_, index_, column), static_cast<std::size_t>(PQgetlength(result_, index_, column))};
}

std::int64_t Row::Int(int column) const {
  const std::string_view t = Text(column);
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc{} || ptr != t.data() + t.size()) {
    throw DbError(DbErrorKind::invalid_data, "", "column " + std::to_string(column) + " is not an integer");
  }
  return v;
}

bool Row::Bool(int column) const { return Text(column) == "t"; }

std::string Row::Bytes(int column) const {
  // bytea arrives in the text protocol's hex form: \x0a1b...
  const std::string_view t = Text(column);
  if (t.size() < 2 || t[0] != '\\' || t[1] != 'x' || t.size() % 2 != 0) {
    throw DbError(DbErrorKind::invalid_data, "", "column " + std::to_string(column) + " is not bytea in hex form");
  }
  std::string out;
  out.reserve((t.size() - 2) / 2);
  for (std::size_t i = 2; i + 1 < t.size(); i += 2) {
    const int hi = core::HexDigitValue(t[i]);
    const int lo = core::HexDigitValue(t[i + 1]);
    if (hi < 0 || lo < 0) {
      throw DbError(DbErrorKind::invalid_data, "", "bad hex digit in bytea column " + std::to_string(column));
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::optional<std::string> Row::OptionalString(int column) const {
  if (IsNull(column)) return std::nullopt;
  return String(column);
}

std::optional<std::int64_t> Row::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

Rows::Rows(std::shared_ptr<pg_result> result) : result_(std::move(result)) {}

std::size_t Rows::size() const { return static_cast<std::size_t>(PQntuples(result_.get())); }

std::size_t Rows::affected() const {
  const char* n = PQcmdTuples(result_.get());
  std::size_t v = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), v);
  return v;
}

}  // namespace tcj::db
