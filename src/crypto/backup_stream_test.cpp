#include "crypto/backup_stream.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "crypto/keyring.hpp"

namespace tcj::crypto {
namespace {

// An anonymous in-memory file.
class MemFile {
 public:
  MemFile() : fd_(memfd_create("backup-test", 0)) {}
  ~MemFile() { ::close(fd_); }
  int fd() const { return fd_; }
  void Write(const std::string& data) {
    ASSERT_EQ(::pwrite(fd_, data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
    Rewind();
  }
  std::string Read() {
    std::string out(static_cast<std::size_t>(::lseek(fd_, 0, SEEK_END)), '\0');
    EXPECT_EQ(::pread(fd_, out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
    Rewind();
    return out;
  }
  void Rewind() { ::lseek(fd_, 0, SEEK_SET); }
  void Replace(const std::string& data) {
    ASSERT_EQ(::ftruncate(fd_, 0), 0);
    Write(data);
  }

 private:
  int fd_;
};

class BackupStreamTest : public ::testing::Test {
 protected:
  std::string Encrypt(const std::string& plain) {
    MemFile in;
    in.Write(plain);
    EXPECT_TRUE(
        EncryptBackup(keys_, random_, {"0123abcd", "2026-11-29T10:00:00Z", "", "db on host"}, in.fd(), out_.fd()).ok());
    return out_.Read();
  }
  core::Result<std::string> Decrypt(const std::string& file, const KeySource& keys) {
    MemFile in, out;
    in.Write(file);
    auto header = DecryptBackup(keys, in.fd(), out.fd());
    if (!header) return std::move(header).take_error();
    return out.Read();
  }

  OsRandom random_;
  Keyring keys_ = Keyring::Generate(random_, "kek-backup");
  MemFile out_;
};

TEST_F(BackupStreamTest, RoundTripsStreamsOfEverySize) {
  for (const std::size_t size : {std::size_t{0}, std::size_t{10}, std::size_t{1} << 20, (std::size_t{5} << 19) + 7}) {
    std::string plain(size, '\0');
    for (std::size_t i = 0; i < size; ++i) plain[i] = static_cast<char>(i * 31 + i / 7);
    out_.Replace("");
    const std::string file = Encrypt(plain);
    auto back = Decrypt(file, keys_);
    ASSERT_TRUE(back.ok()) << size << ": " << back.error().message;
    EXPECT_EQ(*back, plain) << size;
  }
}

TEST_F(BackupStreamTest, TheFileHoldsNoPlaintextAndNamesItsKey) {
  const std::string marker = "marker-secret-in-the-dump-7c1e";
  const std::string file = Encrypt("COPY x FROM stdin;\n" + marker + "\n");
  EXPECT_EQ(file.find(marker), std::string::npos);
  MemFile in;
  in.Write(file);
  auto header = ReadBackupHeader(in.fd());
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->key_id, "kek-backup");
  EXPECT_EQ(header->id, "0123abcd");
  EXPECT_EQ(header->database, "db on host");
}

TEST_F(BackupStreamTest, TamperingTruncationAndAnotherKeyringAreRefused) {
  const std::string plain(3 << 20, 'x');
  const std::string file = Encrypt(plain);

  std::string flipped = file;
  flipped[flipped.size() / 2] ^= 0x01;
  EXPECT_FALSE(Decrypt(flipped, keys_).ok()) << "a changed byte";

  std::string header_changed = file;
  header_changed[header_changed.find("db on host")] = 'D';
  EXPECT_FALSE(Decrypt(header_changed, keys_).ok()) << "a changed header";

  const std::size_t last_chunk = (std::size_t{1} << 20) + 5 + 16;
  EXPECT_FALSE(Decrypt(file.substr(0, file.size() - last_chunk), keys_).ok()) << "the last part dropped";
  EXPECT_FALSE(Decrypt(file.substr(0, file.size() - 1), keys_).ok()) << "one byte short";
  EXPECT_FALSE(Decrypt(file + "x", keys_).ok()) << "trailing data";
  EXPECT_FALSE(Decrypt("TCJBACKUP1\n", keys_).ok());
  EXPECT_FALSE(Decrypt("not a backup at all", keys_).ok());

  const Keyring other = Keyring::Generate(random_, "kek-backup");
  auto refused = Decrypt(file, other);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "backup.key");
}

}  // namespace
}  // namespace tcj::crypto
