// db: query parameters and results, free of libpq types so that callers stay light to compile.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/strong_id.hpp"

struct pg_result;

namespace tcj::db {

// One query parameter, sent separately from the SQL text (never interpolated).
class Param {
 public:
  Param(std::nullptr_t) {}                                    // NOLINT(google-explicit-constructor)
  Param(std::string_view v) : value_(std::string(v)) {}       // NOLINT(google-explicit-constructor)
  Param(const std::string& v) : value_(v) {}                  // NOLINT(google-explicit-constructor)
  Param(const char* v) : value_(std::string(v)) {}            // NOLINT(google-explicit-constructor)
  Param(bool v) : value_(v ? "t" : "f") {}                    // NOLINT(google-explicit-constructor)
  Param(int v) : value_(std::to_string(v)) {}                 // NOLINT(google-explicit-constructor)
  Param(long v) : value_(std::to_string(v)) {}                // NOLINT(google-explicit-constructor)
  Param(long long v) : value_(std::to_string(v)) {}           // NOLINT(google-explicit-constructor)
  template <typename Tag>
  Param(const core::StrongId<Tag>& id) : value_(id.str()) {}  // NOLINT(google-explicit-constructor)
  template <typename Tag>
  Param(const core::StrongNumber<Tag>& id) : value_(id.str()) {}  // NOLINT(google-explicit-constructor)
  template <typename T>
  Param(const std::optional<T>& v) {                          // NOLINT(google-explicit-constructor)
    if (v) *this = Param(*v);
  }
  // Arrays, for $n::bigint[] and $n::text[] (with ANY or unnest): the one place that writes
  // PostgreSQL's array syntax, quoting every element.
  Param(const std::vector<std::int64_t>& values);             // NOLINT(google-explicit-constructor)
  Param(const std::vector<std::string>& values);              // NOLINT(google-explicit-constructor)

  // Raw bytes for a bytea column, sent in binary format.
  static Param Bytes(std::string_view bytes) {
    Param p(bytes);
    p.binary_ = true;
    return p;
  }

  bool is_null() const { return !value_.has_value(); }
  bool binary() const { return binary_; }
  const std::string& text() const { return *value_; }

 private:
  std::optional<std::string> value_;
  bool binary_ = false;
};

class Rows;

// A row of a result, valid while its Rows lives. Columns are counted from 0.
class Row {
 public:
  bool IsNull(int column) const;
  std::string_view Text(int column) const;  // "" for NULL
  std::string String(int column) const { return std::string(Text(column)); }
  std::int64_t Int(int column) const;
  bool Bool(int column) const;
  std::string Bytes(int column) const;  // a bytea value, decoded
  std::optional<std::string> OptionalString(int column) const;
  std::optional<std::int64_t> OptionalInt(int column) const;

 private:
  friend class Rows;
  Row(const pg_result* result, int index) : result_(result), index_(index) {}
  const pg_result* result_;
  int index_;
};

// The result of one statement. Cheap to copy (shared).
class Rows {
 public:
  explicit Rows(std::shared_ptr<pg_result> result);

  std::size_t size() const;
  bool empty() const { return size() == 0; }
  Row operator[](std::size_t i) const { return Row(result_.get(), static_cast<int>(i)); }
  // Rows changed by INSERT/UPDATE/DELETE.
  std::size_t affected() const;

  class Iterator {
   public:
    Iterator(const pg_result* r, int i) : r_(r), i_(i) {}
    Row operator*() const { return Row(r_, i_); }
    Iterator& operator++() { ++i_; return *this; }
    bool operator!=(const Iterator& o) const { return i_ != o.i_; }

   private:
    const pg_result* r_;
    int i_;
  };
  Iterator begin() const { return {result_.get(), 0}; }
  Iterator end() const { return {result_.get(), static_cast<int>(size())}; }

 private:
  std::shared_ptr<pg_result> result_;
};

}  // namespace tcj::db
