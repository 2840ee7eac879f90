#include "core/process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>

#include "core/errno_text.hpp"

extern char** environ;

namespace tcj::core {
namespace {

// posix_spawn's two attribute objects, destroyed whatever happens.
class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    // Default signals in the child: serve blocks SIGTERM/SIGINT to sigwait for them, and a
    // postgres started from it must still obey them.
    sigset_t empty;
    sigemptyset(&empty);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (const int signal : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) sigaddset(&defaults, signal);
    posix_spawnattr_setsigmask(&attributes, &empty);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }

  // Call after the dup2 actions: nothing else reaches the child.
  Result<pid_t> Spawn(const std::vector<std::string>& argv, const std::optional<std::vector<std::string>>& env) {
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<char*> envp;
    if (env) {
      envp.reserve(env->size() + 1);
      for (const std::string& e : *env) envp.push_back(const_cast<char*>(e.c_str()));
      envp.push_back(nullptr);
    }
    pid_t pid = 0;
    const int error = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), env ? envp.data() : environ);
    if (error != 0) {
      return Error::Make(ErrorKind::unavailable, "process.spawn", "cannot run " + argv[0] + ": " + ErrnoText(error));
    }
    return pid;
  }

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
};

int Wait(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Error PipeFailed() {
  return Error::Make(ErrorKind::internal, "process.pipe", std::string("pipe failed: ") + ErrnoText(errno));
}

}  // namespace

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty()) return Error::Make(ErrorKind::internal, "process.empty", "no program to run");
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return PipeFailed();
  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&setup.actions, pipe_fds[1], 2);
  const auto pid = setup.Spawn(argv, std::nullopt);
  close(pipe_fds[1]);
  if (!pid) {
    close(pipe_fds[0]);
    return pid.error();
  }

  ProcessResult result;
  char buffer[4096];
  while (true) {
    const ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    const std::size_t room = options.max_output_bytes - std::min(options.max_output_bytes, result.output.size());
    result.output.append(buffer, std::min(room, static_cast<std::size_t>(n)));
  }
  close(pipe_fds[0]);
  result.exit_code = Wait(*pid);
  if (result.exit_code < 0) {
    return Error::Make(ErrorKind::internal, "process.wait", std::string("waitpid failed: ") + ErrnoText(errno));
  }
  return result;
}

Result<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv,
                                         const std::optional<std::vector<std::string>>& env, Pipe pipe) {
  if (argv.empty()) return Error::Make(ErrorKind::internal, "process.empty", "no program to run");
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return PipeFailed();
  char err_path[] = "/tmp/tcj-child-stderr-XXXXXX";
  const int err = mkostemp(err_path, O_CLOEXEC);
  if (err < 0) {
    close(fds[0]);
    close(fds[1]);
    return Error::Make(ErrorKind::internal, "process.tmp", "cannot create a temporary file: " + ErrnoText(errno));
  }
  unlink(err_path);
  const bool child_reads = pipe == Pipe::we_write_its_input;
  const int theirs = child_reads ? fds[0] : fds[1];
  const int ours = child_reads ? fds[1] : fds[0];
  SpawnSetup setup;
  if (child_reads) {
    posix_spawn_file_actions_adddup2(&setup.actions, theirs, 0);
  } else {
    posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&setup.actions, theirs, 1);
  }
  posix_spawn_file_actions_adddup2(&setup.actions, err, 2);
  const auto pid = setup.Spawn(argv, env);
  close(theirs);
  if (!pid) {
    close(ours);
    close(err);
    return pid.error();
  }
  return ChildProcess(*pid, ours, err, argv[0]);
}

ChildProcess::ChildProcess(pid_t pid, int fd, int err, std::string name)
    : pid_(pid), fd_(fd), err_(err), name_(std::move(name)) {}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), fd_(other.fd_), err_(other.err_), name_(std::move(other.name_)) {
  other.pid_ = -1;
  other.fd_ = other.err_ = -1;
}

ChildProcess::~ChildProcess() {
  CloseOurEnd();
  if (err_ >= 0) close(err_);
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    Wait(pid_);
  }
}

void ChildProcess::CloseOurEnd() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

Status ChildProcess::Finish() {
  CloseOurEnd();
  const int exit_code = Wait(pid_);
  pid_ = -1;
  if (exit_code == 0) return Ok();
  std::string text(4096, '\0');
  const ssize_t n = pread(err_, text.data(), text.size(), 0);
  text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return Error::Make(ErrorKind::internal, "process." + name_, name_ + " failed: " + text);
}

}  // namespace tcj::core
