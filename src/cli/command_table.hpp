// cli: the table every command family registers into: each command's CLI11 subcommand and what
// it does once the configuration is loaded.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "config/config.hpp"
#include "core/log.hpp"

namespace tcj::cli {

// A command's work, given the loaded configuration; returns the exit code.
using Action = std::function<int(const config::Config&, const core::Logger&)>;

class CommandTable {
 public:
  explicit CommandTable(CLI::App& root) : root_(root) {}

  CLI::App& root() { return root_; }

  // A group of commands ("keys", "sites"): one of them must follow it.
  CLI::App* AddGroup(const std::string& name, const std::string& description);

  // A command under parent (the root or a group), with --config, running action when typed.
  // serve alone keeps SIGTERM/SIGINT blocked (it waits for them); every other command stops on
  // Ctrl-C as usual.
  enum class Signals { default_handling, waited_for };
  CLI::App* Add(CLI::App* parent, const std::string& name, const std::string& description, Action action,
                Signals signals = Signals::default_handling);

  // After parsing: the command that was typed, or nullptr (a command without an action, such as
  // version).
  struct Entry {
    CLI::App* command;
    Action action;
    Signals signals;
  };
  const Entry* Parsed() const;

  const std::string& config_file() const { return config_file_; }

 private:
  CLI::App& root_;
  std::vector<Entry> entries_;
  std::string config_file_;
};

// The families, one file each.
void RegisterServiceCommands(CommandTable& table);     // serve, migrate, purge
void RegisterKeysCommands(CommandTable& table);        // keys generate|rotate|reencrypt|status|remove
void RegisterSitesCommands(CommandTable& table);       // sites add|list|remove|export|delete
void RegisterBackupCommands(CommandTable& table);      // backup create|list|prune|restore
void RegisterAdminTokenCommands(CommandTable& table);  // admin-tokens create|list|revoke
void RegisterForgeCommands(CommandTable& table);       // forge manifest

}  // namespace tcj::cli
