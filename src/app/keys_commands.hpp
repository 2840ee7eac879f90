// app: the operator's key commands (teamcity-jira keys ...).
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"
#include "core/log.hpp"

namespace tcj::app {

struct KeysGenerateOptions {
  std::optional<std::string> output;  // write a new keyring file instead of printing it
  bool add = false;                   // add a decrypt-only key to secrets.keyring_file
  std::optional<std::string> id;
};

// Without options: prints a new keyring with one active key to standard output.
int KeysGenerate(const config::Config& config, const KeysGenerateOptions& options);
// Adds a new active key (or activates a decrypt-only one given by id); the old key stays for
// decryption.
int KeysRotate(const config::Config& config, const std::optional<std::string>& id);
int KeysReencrypt(const config::Config& config, const core::Logger& log, int batch_size, int crash_after_batches);
int KeysStatus(const config::Config& config, const core::Logger& log);
// Drops a decrypt-only key, refusing while any record still uses it.
int KeysRemove(const config::Config& config, const core::Logger& log, const std::string& id);

}  // namespace tcj::app
