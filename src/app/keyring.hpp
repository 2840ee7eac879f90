// app: opening the keyring for serve and the key commands.
#pragma once

#include "config/config.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "crypto/keyring.hpp"

namespace tcj::app {

// Loads secrets.keyring_file. With the embedded local default (no database.url) a missing file is
// created with one fresh active key (mode 0600) and the log says so; with a database of the
// operator's own, a missing file is an error, because a new key could not open existing records.
core::Result<crypto::Keyring> OpenKeyring(const config::Config& config, const core::Logger& log);

}  // namespace tcj::app
