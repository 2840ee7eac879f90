// cli: the table every command family registers into: each command's CLI11 subcommand and what
// it does once the configuration is loaded. The families see CLI11 only through this header's
// functions: its header is heavy, and only command_table.cpp and commands.cpp include it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/log.hpp"

namespace CLI {  // NOLINT(readability-identifier-naming): CLI11's name, declared here, not chosen
class App;
}  // namespace CLI

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

// Options of a command, bound to variables that must outlive parsing (the families keep them in
// shared_ptrs their actions hold).
enum class Presence { optional, required };
void AddOption(CLI::App* command, const std::string& name, std::string& into, const std::string& description,
               Presence presence = Presence::optional);
void AddOption(CLI::App* command, const std::string& name, std::optional<std::string>& into,
               const std::string& description);
// A whole number from min to max.
void AddOption(CLI::App* command, const std::string& name, int& into, const std::string& description, int min, int max);
// Not listed in --help: hooks for the tests.
void AddHiddenOption(CLI::App* command, const std::string& name, int& into);
void AddFlag(CLI::App* command, const std::string& name, bool& into, const std::string& description,
             Presence presence = Presence::optional);

// The families, one file each.
void RegisterServiceCommands(CommandTable& table);     // serve, migrate, purge
void RegisterKeysCommands(CommandTable& table);        // keys generate|rotate|reencrypt|status|remove
void RegisterSitesCommands(CommandTable& table);       // sites add|list|remove|export|delete
void RegisterBackupCommands(CommandTable& table);      // backup create|list|prune|restore
void RegisterAdminTokenCommands(CommandTable& table);  // admin-tokens create|list|revoke
void RegisterForgeCommands(CommandTable& table);       // forge manifest

}  // namespace tcj::cli
