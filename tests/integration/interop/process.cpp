#include "process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace gpram::interop {

namespace {

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

std::optional<Process> Process::spawn(const std::vector<std::string>& argv,
                                      const std::string& output_file) {
  std::signal(SIGPIPE, SIG_IGN);
  int in[2];
  int out[2] = {-1, -1};
  if (::pipe2(in, O_CLOEXEC) != 0) return std::nullopt;
  if (output_file.empty() && ::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return std::nullopt;
  }
  const pid_t pid = ::fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(in[0], 0);
    int o = out[1];
    if (!output_file.empty()) o = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (o >= 0) {
      ::dup2(o, 1);
      ::dup2(o, 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from the parent: no race with signal()
  ::close(in[0]);
  if (out[1] >= 0) ::close(out[1]);
  Process p;
  p.pid_ = pid;
  p.in_ = in[1];
  p.out_fd_ = out[0];
  if (p.out_fd_ >= 0) ::fcntl(p.out_fd_, F_SETFL, O_NONBLOCK);
  return p;
}

Process::Process(Process&& o) noexcept
    : pid_(o.pid_), in_(o.in_), out_fd_(o.out_fd_), status_(o.status_), out_(std::move(o.out_)) {
  o.pid_ = -1;
  o.in_ = -1;
  o.out_fd_ = -1;
}

Process::~Process() {
  close_stdin();
  if (pid_ > 0) {
    signal(SIGTERM);
    (void)wait(std::chrono::seconds(2));
  }
  if (out_fd_ >= 0) ::close(out_fd_);
}

void Process::signal(int sig) {
  if (pid_ > 0) ::kill(-pid_, sig);
}

bool Process::write(const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(in_, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

void Process::close_stdin() {
  if (in_ >= 0) ::close(in_);
  in_ = -1;
}

bool Process::read_until(const std::function<bool(const std::string&)>& pred,
                         Clock::duration timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!pred(out_)) {
    if (out_fd_ < 0) return false;
    pollfd pfd{out_fd_, POLLIN, 0};
    const int ms = remaining_ms(deadline);
    if (ms == 0) return false;
    if (::poll(&pfd, 1, ms) <= 0) continue;
    char buf[8192];
    const ssize_t n = ::read(out_fd_, buf, sizeof buf);
    if (n > 0) {
      out_.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      ::close(out_fd_);
      out_fd_ = -1;
      return pred(out_);
    }
  }
  return true;
}

bool Process::read_to_eof(Clock::duration timeout) {
  (void)read_until([](const std::string&) { return false; }, timeout);
  return out_fd_ < 0;
}

int Process::wait(Clock::duration timeout) {
  if (pid_ <= 0) return status_;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = st;
      ::kill(-pid_, SIGKILL);  // stragglers of the group
      pid_ = -1;
      return status_;
    }
    if (r < 0) {
      pid_ = -1;
      return -1;
    }
    if (Clock::now() >= deadline) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, &st, 0);
      pid_ = -1;
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool have_tool(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

std::pair<int, std::string> run(const std::vector<std::string>& argv, Clock::duration timeout) {
  auto p = Process::spawn(argv);
  if (!p) return {-1, {}};
  p->close_stdin();
  (void)p->read_to_eof(timeout);
  const int st = p->wait(std::chrono::seconds(1));
  return {st, p->output()};
}

}  // namespace gpram::interop
