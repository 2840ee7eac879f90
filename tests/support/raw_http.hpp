// Test support: a plain-socket HTTP client that can send anything, including broken requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tcj::testing {

struct RawResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<std::string> Header(std::string_view name) const;
};

// One TCP connection to 127.0.0.1:port. Every read has a deadline so a test never hangs.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool Send(std::string_view bytes);
  // Reads one response (headers, then a Content-Length body). nullopt if the connection closed or
  // the deadline passed first.
  std::optional<RawResponse> ReadResponse(std::chrono::milliseconds deadline = std::chrono::seconds(10));
  // True when the peer closes the connection (EOF or reset) before the deadline.
  bool WaitForClose(std::chrono::milliseconds deadline);
  bool connected() const { return fd_ >= 0; }

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

// A one-shot request on a fresh connection.
std::optional<RawResponse> HttpGet(std::uint16_t port, std::string_view target,
                                   std::string_view extra_headers = {});
std::optional<RawResponse> HttpRequest(std::uint16_t port, std::string_view method, std::string_view target,
                                       std::string_view body, std::string_view extra_headers = {});

}  // namespace tcj::testing
