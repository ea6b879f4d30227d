// Child processes for the interop test: fork/exec in their own process group, stdin through a
// pipe, stdout+stderr merged into one pipe (or a file), reads bounded by a deadline, and the
// whole group killed (SIGTERM, then SIGKILL) when the object dies, also when a test fails.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace gpram::interop {

using Clock = std::chrono::steady_clock;

class Process {
 public:
  // `output_file` empty: output is read with read_for/read_until; else it is appended there.
  [[nodiscard]] static std::optional<Process> spawn(const std::vector<std::string>& argv,
                                                    const std::string& output_file = {});
  Process(Process&& o) noexcept;
  Process& operator=(Process&&) = delete;
  Process(const Process&) = delete;
  ~Process();

  bool write(const std::string& data);  // false if the child closed its stdin
  void close_stdin();
  // Appends what arrives to output() until pred(output()) holds or the deadline passes.
  bool read_until(const std::function<bool(const std::string&)>& pred, Clock::duration timeout);
  // Reads until EOF (child exited/closed) or timeout; returns true on EOF.
  bool read_to_eof(Clock::duration timeout);
  // Waits for exit; SIGKILLs the group at the deadline. Returns the wait status or -1.
  int wait(Clock::duration timeout);
  void signal(int sig);  // to the whole group
  [[nodiscard]] const std::string& output() const { return out_; }
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  Process() = default;
  pid_t pid_ = -1;
  int in_ = -1;
  int out_fd_ = -1;
  int status_ = -1;
  std::string out_;
};

// `command -v tool` succeeds.
bool have_tool(const std::string& tool);
// Runs argv to completion (bounded), returns {wait status, stdout+stderr}.
std::pair<int, std::string> run(const std::vector<std::string>& argv, Clock::duration timeout);

}  // namespace gpram::interop
