// app: how a command (every subcommand but serve's serving) ends: its failures in one line on
// standard error and an exit code.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace tcj::app {

// Says "teamcity-jira: <message>" on standard error; returns kExitFailure.
int Complain(const std::string& message);

// Runs a command. The one place where a command's database failure becomes its answer: one line
// naming it (with what to do when the role was refused) and kExitFailure; never a stack of
// exceptions on the terminal.
int RunCommand(std::string_view name, const std::function<int()>& command);

}  // namespace tcj::app
