#include "app/keys_commands.hpp"

#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "app/app.hpp"
#include "app/command_runner.hpp"
#include "app/database.hpp"
#include "app/keyring.hpp"
#include "core/clock.hpp"
#include "tenants/key_rotation.hpp"

namespace tcj::app {
namespace {

// The database as the runtime role, for the commands that read or rewrite records.
struct Database {
  DatabaseEndpoints endpoints;
  std::unique_ptr<db::Pool> pool;
};

core::Result<Database> OpenDatabase(const config::Config& config, const core::Logger& log) {
  auto endpoints = OpenDatabaseEndpoints(config, log);
  if (!endpoints) return std::move(endpoints).take_error();
  Database d{std::move(*endpoints), nullptr};
  d.pool = std::make_unique<db::Pool>(d.endpoints.runtime, db::PoolOptions{.size = 2});
  return d;
}

}  // namespace

int KeysGenerate(const config::Config& config, const KeysGenerateOptions& options) {
  crypto::OsRandom random;
  const core::SystemClock clock;
  if (options.add) {
    auto ring = crypto::Keyring::Load(config.secrets.keyring_file);
    if (!ring) return Complain(ring.error().message);
    const std::string id = options.id.value_or(crypto::NewKeyId(clock, &*ring));
    if (auto st = ring->Add(random, id); !st) return Complain(st.error().message);
    if (auto st = ring->Save(config.secrets.keyring_file, true); !st) return Complain(st.error().message);
    std::printf("added key %s (decrypt-only) to %s; copy the keyring to every machine, then run `keys rotate --id %s`\n",
                id.c_str(), config.secrets.keyring_file.c_str(), id.c_str());
    return kExitOk;
  }
  const crypto::Keyring ring = crypto::Keyring::Generate(random, options.id.value_or(crypto::NewKeyId(clock, nullptr)));
  if (options.output) {
    if (auto st = ring.Save(*options.output, false); !st) return Complain(st.error().message);
    std::printf("wrote a new keyring with active key %s to %s (mode 0600)\n", ring.Active().id.c_str(),
                options.output->c_str());
    return kExitOk;
  }
  std::string json = ring.ToJson();
  // Flushed and checked here: a keyring cut short by a full disk must not look like success.
  const bool written = std::fwrite(json.data(), 1, json.size(), stdout) == json.size() && std::fflush(stdout) == 0;
  core::SecureWipe(json);
  if (!written) return Complain("cannot write the keyring to standard output");
  return kExitOk;
}

int KeysRotate(const config::Config& config, const std::optional<std::string>& id) {
  auto ring = crypto::Keyring::Load(config.secrets.keyring_file);
  if (!ring) return Complain(ring.error().message);
  crypto::OsRandom random;
  const core::SystemClock clock;
  const std::string previous = ring->Active().id;
  const std::string next = id.value_or(crypto::NewKeyId(clock, &*ring));
  if (next == previous) return Complain("key " + next + " is already the active key");
  if (auto st = ring->Rotate(random, next); !st) return Complain(st.error().message);
  if (auto st = ring->Save(config.secrets.keyring_file, true); !st) return Complain(st.error().message);
  std::printf("active key is now %s; %s is decrypt-only. Restart the service (every machine), then run "
              "`teamcity-jira keys reencrypt`.\n",
              next.c_str(), previous.c_str());
  return kExitOk;
}

int KeysReencrypt(const config::Config& config, const core::Logger& log, int batch_size, int crash_after_batches) {
  auto ring = crypto::Keyring::Load(config.secrets.keyring_file);
  if (!ring) return Complain(ring.error().message);
  auto database = OpenDatabase(config, log);
  if (!database) return Complain(database.error().message);
  core::MetricsRegistry metrics;
  tenants::SecretMetrics secret_metrics(metrics);
  crypto::OsRandom random;
  const tenants::SecretBox box(*ring, random, secret_metrics, log);
  std::printf("re-encrypting with key %s, %d records per batch\n", ring->Active().id.c_str(), batch_size);
  const auto report = tenants::Reencrypt(
      *database->pool, box, {.batch_size = batch_size, .crash_after_batches = crash_after_batches},
      [](const tenants::EncryptedColumn& column, const tenants::ReencryptReport& so_far) {
        std::printf("  %s: %lld re-encrypted so far\n", column.Name().c_str(),
                    static_cast<long long>(so_far.reencrypted));
        (void)std::fflush(stdout);
      });
  std::printf("done: %lld records re-encrypted in %lld batches, %lld unreadable\n",
              static_cast<long long>(report.reencrypted), static_cast<long long>(report.batches),
              static_cast<long long>(report.unreadable));
  if (report.unreadable > 0) {
    return Complain(fmt::format("{} records could not be decrypted with any key of the keyring (see the log for "
                                "which); they were left as they are",
                                report.unreadable));
  }
  return kExitOk;
}

int KeysStatus(const config::Config& config, const core::Logger& log) {
  auto ring = crypto::Keyring::Load(config.secrets.keyring_file);
  if (!ring) return Complain(ring.error().message);
  auto database = OpenDatabase(config, log);
  if (!database) return Complain(database.error().message);
  const auto usage = tenants::ReadKeyUsage(*database->pool);
  std::printf("keyring %s\n", config.secrets.keyring_file.c_str());
  std::map<std::string, std::int64_t> per_key;
  for (const auto& u : usage) per_key[u.key_id] += u.records;
  for (const auto& k : ring->keys()) {
    std::printf("  %-28s %-13s %lld records\n", k.id.c_str(),
                k.state == crypto::KeyState::active ? "active" : "decrypt-only",
                static_cast<long long>(per_key[k.id]));
  }
  std::printf("records by column:\n");
  if (usage.empty()) std::printf("  (no encrypted records)\n");
  int missing = 0;
  for (const auto& u : usage) {
    const bool known = ring->Find(u.key_id) != nullptr;
    if (!known) ++missing;
    std::printf("  %-32s %-28s %lld%s\n", u.column.c_str(), u.key_id.empty() ? "(malformed)" : u.key_id.c_str(),
                static_cast<long long>(u.records), known ? "" : "  <- key not in the keyring: unreadable");
  }
  for (const auto& k : ring->keys()) {
    if (k.state != crypto::KeyState::decrypt_only) continue;
    if (per_key[k.id] == 0) {
      std::printf("%s is used by no record: it can be removed (`teamcity-jira keys remove --id %s`)\n",
                  k.id.c_str(), k.id.c_str());
    } else {
      std::printf("%s is still used: run `teamcity-jira keys reencrypt` before removing it\n", k.id.c_str());
    }
  }
  return missing > 0 ? kExitFailure : kExitOk;
}

int KeysRemove(const config::Config& config, const core::Logger& log, const std::string& id) {
  auto ring = crypto::Keyring::Load(config.secrets.keyring_file);
  if (!ring) return Complain(ring.error().message);
  auto database = OpenDatabase(config, log);
  if (!database) return Complain(database.error().message);
  std::int64_t records = 0;
  for (const auto& u : tenants::ReadKeyUsage(*database->pool)) {
    if (u.key_id == id) records += u.records;
  }
  if (records > 0) {
    return Complain(fmt::format("{} records still use key {}; run `teamcity-jira keys reencrypt` first", records, id));
  }
  if (auto st = ring->Remove(id); !st) return Complain(st.error().message);
  if (auto st = ring->Save(config.secrets.keyring_file, true); !st) return Complain(st.error().message);
  std::printf("removed key %s from %s; keep a sealed copy until the backups that need it have expired\n", id.c_str(),
              config.secrets.keyring_file.c_str());
  return kExitOk;
}

}  // namespace tcj::app
