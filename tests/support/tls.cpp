#include "support/tls.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "core/process.hpp"

namespace tcj::testing {

TestCertificate MakeTestCertificate(const std::filesystem::path& dir, const std::string& name,
                                    const std::string& key_type) {
  TestCertificate c{dir / (name + ".crt"), dir / (name + ".key")};
  std::vector<std::string> argv = {"openssl", "req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=" + name};
  argv.insert(argv.end(), {"-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"});
  argv.insert(argv.end(), {"-keyout", c.key.string(), "-out", c.cert.string()});
  if (key_type == "ec") {
    argv.insert(argv.end(), {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"});
  } else {
    argv.insert(argv.end(), {"-newkey", key_type});
  }
  auto r = core::RunProcess(argv);
  if (!r || r->exit_code != 0) ADD_FAILURE() << "openssl req failed: " << (r ? r->output : r.error().message);
  return c;
}

TlsClient::TlsClient(std::uint16_t port, const TlsClientOptions& options) {
  ctx_ = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_security_level(ctx_, 0);
  SSL_CTX_set_min_proto_version(ctx_, TLS1_VERSION);
  if (options.max_version != 0) SSL_CTX_set_max_proto_version(ctx_, options.max_version);
  if (!options.cipher_list.empty() && SSL_CTX_set_cipher_list(ctx_, options.cipher_list.c_str()) != 1) {
    error_ = "the client cannot offer " + options.cipher_list;
    ERR_clear_error();
    return;
  }
  if (!options.groups.empty()) SSL_CTX_set1_groups_list(ctx_, options.groups.c_str());
  if (!options.ca_file.empty()) {
    SSL_CTX_load_verify_locations(ctx_, options.ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  }
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval timeout{10, 0};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error_ = "connect failed";
    return;
  }
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, fd_);
  SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>("localhost"));
  if (!options.ca_file.empty()) SSL_set1_host(ssl_, "localhost");
  ERR_clear_error();
  if (SSL_connect(ssl_) == 1) {
    connected_ = true;
  } else {
    char text[256];
    ERR_error_string_n(ERR_get_error(), text, sizeof text);
    error_ = text;
    ERR_clear_error();
  }
}

TlsClient::~TlsClient() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (fd_ >= 0) close(fd_);
  SSL_CTX_free(ctx_);
}

std::string TlsClient::version() const {
  return ssl_ != nullptr ? SSL_get_version(ssl_) : "";
}

std::string TlsClient::peer_subject() const {
  X509* cert = ssl_ != nullptr ? SSL_get0_peer_certificate(ssl_) : nullptr;
  if (cert == nullptr) return "";
  char text[256];
  X509_NAME_oneline(X509_get_subject_name(cert), text, sizeof text);
  return text;
}

bool TlsClient::Send(std::string_view bytes) {
  if (!connected_) return false;
  return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size());
}

std::optional<RawResponse> TlsClient::ReadResponse() {
  std::size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill()) return std::nullopt;
  }
  RawResponse r;
  const std::string head = buffer_.substr(0, header_end);
  if (head.size() < 12) return std::nullopt;
  r.status = std::atoi(head.c_str() + 9);
  std::size_t line = head.find("\r\n");
  std::size_t length = 0;
  while (line != std::string::npos) {
    const std::size_t start = line + 2;
    line = head.find("\r\n", start);
    const std::string field = head.substr(start, line == std::string::npos ? std::string::npos : line - start);
    const auto colon = field.find(':');
    if (colon == std::string::npos) continue;
    std::string value = field.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    r.headers.emplace_back(field.substr(0, colon), value);
    if (strncasecmp(field.c_str(), "content-length", 14) == 0) length = std::strtoul(value.c_str(), nullptr, 10);
  }
  while (buffer_.size() < header_end + 4 + length) {
    if (!Fill()) return std::nullopt;
  }
  r.body = buffer_.substr(header_end + 4, length);
  buffer_.erase(0, header_end + 4 + length);
  return r;
}

std::optional<RawResponse> TlsClient::Get(std::string_view path, std::string_view extra_headers) {
  if (!Send("GET " + std::string(path) + " HTTP/1.1\r\nHost: localhost\r\n" + std::string(extra_headers) + "\r\n")) {
    return std::nullopt;
  }
  return ReadResponse();
}

bool TlsClient::WaitForClose() {
  while (Fill()) {
  }
  return closed_;
}

bool TlsClient::got_close_notify() const {
  return ssl_ != nullptr && (SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN) != 0;
}

bool TlsClient::Fill() {
  if (!connected_) return false;
  char chunk[16384];
  const int n = SSL_read(ssl_, chunk, sizeof chunk);
  if (n <= 0) {
    const int e = SSL_get_error(ssl_, n);
    const bool deadline = e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK);
    closed_ = !deadline && (e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL || e == SSL_ERROR_SSL);
    ERR_clear_error();
    return false;
  }
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

}  // namespace tcj::testing
