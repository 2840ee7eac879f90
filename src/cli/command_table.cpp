#include "cli/command_table.hpp"

#include <CLI/CLI.hpp>

namespace tcj::cli {

CLI::App* CommandTable::AddGroup(const std::string& name, const std::string& description) {
  CLI::App* group = root_.add_subcommand(name, description);
  group->require_subcommand(1);
  return group;
}

CLI::App* CommandTable::Add(CLI::App* parent, const std::string& name, const std::string& description, Action action,
                            Signals signals) {
  CLI::App* command = parent->add_subcommand(name, description);
  command->add_option("-c,--config", config_file_,
                      "TOML configuration file (see config/example.toml); TCJ_<SECTION>_<KEY> variables override it");
  entries_.push_back({command, std::move(action), signals});
  return command;
}

const CommandTable::Entry* CommandTable::Parsed() const {
  for (const Entry& entry : entries_) {
    if (entry.command->parsed()) return &entry;
  }
  return nullptr;
}

void AddOption(CLI::App* command, const std::string& name, std::string& into, const std::string& description,
               Presence presence) {
  CLI::Option* option = command->add_option(name, into, description);
  if (presence == Presence::required) option->required();
}

void AddOption(CLI::App* command, const std::string& name, std::optional<std::string>& into,
               const std::string& description) {
  command->add_option(name, into, description);
}

void AddOption(CLI::App* command, const std::string& name, int& into, const std::string& description, int min,
               int max) {
  command->add_option(name, into, description)->check(CLI::Range(min, max));
}

void AddHiddenOption(CLI::App* command, const std::string& name, int& into) {
  command->add_option(name, into)->group("");
}

void AddFlag(CLI::App* command, const std::string& name, bool& into, const std::string& description,
             Presence presence) {
  CLI::Option* option = command->add_flag(name, into, description);
  if (presence == Presence::required) option->required();
}

}  // namespace tcj::cli
