#include "app/keyring.hpp"

#include <filesystem>

#include "core/clock.hpp"

namespace tcj::app {

core::Result<crypto::Keyring> OpenKeyring(const config::Config& config, const core::Logger& log) {
  const std::filesystem::path file = config.secrets.keyring_file;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec) && config.database.embedded()) {
    crypto::OsRandom random;
    const core::SystemClock clock;
    crypto::Keyring ring = crypto::Keyring::Generate(random, crypto::NewKeyId(clock, nullptr));
    if (auto saved = ring.Save(file, false); !saved) return std::move(saved).take_error();
    log.Warn("secrets.keyring_created",
             {{"file", file.string()},
              {"key_id", ring.Active().id},
              {"note", "a new master key was created for the embedded database; back it up apart from the data"}});
    return ring;
  }
  if (!std::filesystem::exists(file, ec)) {
    return core::Error::Make(core::ErrorKind::invalid_input, "secrets.keyring_missing",
                             "the keyring " + file.string() +
                                 " does not exist; create it with `teamcity-jira keys generate --output " +
                                 file.string() + "` or point secrets.keyring_file at the existing one");
  }
  return crypto::Keyring::Load(file);
}

}  // namespace tcj::app
