#include "http/client.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <mutex>

#include "core/blocking.hpp"
#include "core/text.hpp"
#include "core/url.hpp"
#include "http/address_policy.hpp"

namespace tcj::http {
namespace {

using core::Error;
using core::ErrorKind;

struct Transfer {
  const ClientRequest* request = nullptr;
  ClientResponse response;
  bool too_large = false;
  bool refused_address = false;
  std::string refused_ip;  // the last address allow_address refused
};

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t->response.body.size() + n > t->request->max_response_bytes) {
    t->too_large = true;
    return 0;  // aborts the transfer
  }
  t->response.body.append(data, n);
  return n;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    t->response.headers = Headers{};  // a new response (after 100 Continue, say) starts over
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  const std::string_view value = core::TrimAsciiSpace(line.substr(colon + 1));
  t->response.headers.Add(std::string(line.substr(0, colon)), std::string(value));
  return n;
}

curl_socket_t OnOpenSocket(void* user, curlsocktype, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  if (t->request->allow_address) {
    char ip[INET6_ADDRSTRLEN] = {};
    if (address->family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&address->addr)->sin_addr, ip, sizeof ip);
    } else if (address->family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&address->addr)->sin6_addr, ip, sizeof ip);
    }
    if (!t->request->allow_address(ip)) {
      t->refused_address = true;
      t->refused_ip = ip;
      return CURL_SOCKET_BAD;
    }
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

// Called by libcurl about once a second during a transfer, idle or not.
int OnProgress(void* user, curl_off_t /*dltotal*/, curl_off_t /*dlnow*/, curl_off_t /*ultotal*/, curl_off_t /*ulnow*/) {
  const auto* t = static_cast<const Transfer*>(user);
  return t->request->cancelled && t->request->cancelled() ? 1 : 0;
}

std::string HostOf(const std::string& url) {
  const auto parsed = core::ParseUrl(url);
  return parsed ? parsed->host : "the server";
}

Error TransportError(CURLcode code, const Transfer& t, const std::string& url) {
  const std::string host = HostOf(url);
  // Every address refused or unreachable; when one was refused, that is what the admin must know.
  if (t.refused_address && code == CURLE_COULDNT_CONNECT) {
    return Error::Make(ErrorKind::forbidden, "http.refused_address", RefusedAddressMessage(host, t.refused_ip));
  }
  if (code == CURLE_ABORTED_BY_CALLBACK) {
    return Error::Make(ErrorKind::unavailable, "http.cancelled", "the request to " + host + " was cancelled");
  }
  if (t.too_large) {
    return Error::Make(ErrorKind::bad_payload, "http.too_large",
                       host + " sent a response larger than " + std::to_string(t.request->max_response_bytes) + " bytes");
  }
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return Error::Retryable(ErrorKind::unavailable, "http.dns", "the name " + host + " could not be resolved (DNS)");
    case CURLE_COULDNT_CONNECT:
      return Error::Retryable(ErrorKind::unavailable, "http.connect", "could not connect to " + host);
    case CURLE_OPERATION_TIMEDOUT:
      return Error::Retryable(ErrorKind::timeout, "http.timeout", host + " did not answer in time");
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      return Error::Make(ErrorKind::unavailable, "http.tls",
                         "the TLS connection to " + host + " failed: " + curl_easy_strerror(code));
    case CURLE_FILESIZE_EXCEEDED:
      return Error::Make(ErrorKind::bad_payload, "http.too_large",
                         host + " sent a response larger than " + std::to_string(t.request->max_response_bytes) + " bytes");
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return Error::Retryable(ErrorKind::unavailable, "http.connection",
                              "the connection to " + host + " broke: " + curl_easy_strerror(code));
    default:
      return Error::Retryable(ErrorKind::unavailable, "http.protocol",
                              "the request to " + host + " failed: " + curl_easy_strerror(code));
  }
}

class CurlClient final : public HttpClient {
 public:
  CurlClient(std::string user_agent, CurlOptions options)
      : user_agent_(std::move(user_agent)), options_(std::move(options)) {
    static std::once_flag init;
    std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  core::Result<ClientResponse> Send(const ClientRequest& request) override {
    core::MayBlock();  // see core/blocking.hpp
    CURL* curl = Handle(static_cast<bool>(request.allow_address));
    curl_easy_reset(curl);  // keeps the connection cache of this thread's handle
    Transfer transfer;
    transfer.request = &request;

    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers.fields()) {
      headers = curl_slist_append(headers, (name + ": " + value).c_str());
    }
    // No "Expect: 100-continue" round trip for our small bodies.
    headers = curl_slist_append(headers, "Expect:");

    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, user_agent_.c_str());
    // Always set: an empty proxy means none, and keeps libcurl from reading HTTPS_PROXY and friends,
    // which would put an unvetted hop between us and the SSRF guard's checks.
    curl_easy_setopt(curl, CURLOPT_PROXY, options_.proxy.c_str());
    if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "");
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_response_bytes));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, OnOpenSocket);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &transfer);
    if (request.cancelled) {
      curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
      curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
    }

    const CURLcode code = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    if (code != CURLE_OK) return TransportError(code, transfer, request.url);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    transfer.response.status = static_cast<int>(status);
    return std::move(transfer.response);
  }

 private:
  // One handle per thread: libcurl handles are not thread-safe, and keeping one keeps its
  // connections alive between requests. Requests with an address guard get a handle of their own,
  // so they never reuse a connection opened without one (a reused connection asks no guard).
  static CURL* Handle(bool guarded) {
    thread_local std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> open(curl_easy_init(), curl_easy_cleanup);
    thread_local std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> with_guard(curl_easy_init(), curl_easy_cleanup);
    return guarded ? with_guard.get() : open.get();
  }

  std::string user_agent_;
  CurlOptions options_;
};

}  // namespace

std::shared_ptr<HttpClient> MakeCurlClient(std::string user_agent, std::string proxy) {
  return MakeCurlClient(std::move(user_agent), CurlOptions{.proxy = std::move(proxy), .ca_file = ""});
}

std::shared_ptr<HttpClient> MakeCurlClient(std::string user_agent, CurlOptions options) {
  return std::make_shared<CurlClient>(std::move(user_agent), std::move(options));
}

}  // namespace tcj::http
