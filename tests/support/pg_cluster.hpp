// A throwaway PostgreSQL 15 cluster for tests: initdb into a temp dir, postgres on 127.0.0.1 and
// a free port (its unix socket inside the temp dir), database "gpram", superuser "gpram" with
// trust authentication. One cluster per test process (PgCluster::shared(), started on first
// use, stopped and deleted at exit); tests reset the database between them.
//
// PostgreSQL refuses to run as root: when the tests run as root (CI), the temp dir is given to
// the `postgres` user of the Debian package and the server programs run as that user (the child
// drops privileges with setgid/setuid before exec). Every wait is bounded (pg_ctl -w -t 30,
// psql with a timeout).
#pragma once

#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gpram/store/postgres_store.hpp"

namespace gpram::test {

class PgCluster {
 public:
  static constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";

  /// The process-wide cluster, started on first call; nullptr when PostgreSQL cannot run here
  /// (then skip_reason() says why). Throws std::runtime_error when set-up fails unexpectedly.
  static PgCluster* shared() {
    static std::unique_ptr<PgCluster> cluster = start_or_skip();
    return cluster.get();
  }
  static std::string& skip_reason() {
    static std::string reason;
    return reason;
  }

  ~PgCluster() {
    if (started_) (void)run({bin("pg_ctl"), "-D", data_.string(), "-m", "immediate", "-w", "-t", "30", "stop"}, 40);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  int port() const { return port_; }
  const std::filesystem::path& data_dir() const { return data_; }
  std::string url(const std::string& db = "gpram") const {
    return "postgresql://gpram@127.0.0.1:" + std::to_string(port_) + "/" + db + "?connect_timeout=10";
  }

  /// Runs SQL through psql (unaligned, tuples only); the output, or nullopt with `error` set.
  std::optional<std::string> sql(const std::string& statement, std::string* error = nullptr,
                                 const std::string& db = "gpram") const {
    auto r = run({bin("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url(db), "-c", statement},
                 30, /*as_postgres=*/false);
    if (r.status != 0) {
      if (error) *error = "psql failed (" + std::to_string(r.status) + "): " + r.output;
      return std::nullopt;
    }
    return r.output;
  }

  /// An empty database: drops every table of the previous test.
  void reset() const {
    std::string err;
    if (!sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;", &err))
      throw std::runtime_error("pg_cluster: reset failed: " + err);
  }

 private:
  struct Ran {
    int status = -1;
    std::string output;  // stdout + stderr
  };

  PgCluster() = default;

  static std::string bin(const char* name) { return std::string(kBinDir) + "/" + name; }

  static std::unique_ptr<PgCluster> start_or_skip() {
    if (!store::postgres_available()) {
      skip_reason() = "libs/store was built without libpqxx";
      return nullptr;
    }
    for (const char* b : {"initdb", "pg_ctl", "postgres", "psql"})
      if (::access(bin(b).c_str(), X_OK) != 0) {
        skip_reason() = std::string("PostgreSQL 15 server binaries not found (") + bin(b) +
                        "): apt-get install postgresql";
        return nullptr;
      }
    std::unique_ptr<PgCluster> c(new PgCluster());
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("postgres");
      if (!pw) {
        skip_reason() = "running as root and there is no 'postgres' user to run the server as";
        return nullptr;
      }
      c->uid_ = pw->pw_uid;
      c->gid_ = pw->pw_gid;
      c->drop_ = true;
      // The server runs as `postgres`: it must be able to reach and run the binaries (a chroot
      // whose "/" is mode 0700, as fresh-check's, denies that to every other user).
      auto probe = c->run({bin("initdb"), "--version"}, 20);
      if (probe.status != 0) {
        skip_reason() = "the postgres user cannot run " + bin("initdb") + " (exit " +
                        std::to_string(probe.status) + (probe.output.empty() ? "" : ": " + probe.output) +
                        "); is / searchable by other users?";
        return nullptr;
      }
    }
    c->start();
    return c;
  }

  void start() {
    // As root, /tmp rather than $TMPDIR: the postgres user must be able to reach the directory.
    const std::filesystem::path base = drop_ ? std::filesystem::path("/tmp") : std::filesystem::temp_directory_path();
    std::string tmpl = (base / "gpram-pg-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("pg_cluster: mkdtemp failed");
    dir_ = tmpl;
    data_ = dir_ / "data";
    if (drop_ && ::chown(dir_.c_str(), uid_, gid_) != 0)
      throw std::runtime_error("pg_cluster: cannot chown " + dir_.string() + " to postgres");
    auto init = run({bin("initdb"), "-D", data_.string(), "-U", "gpram", "-A", "trust", "-E", "UTF8",
                     "--locale=C", "--no-sync", "--no-instructions"},
                    120);
    if (init.status != 0)
      throw std::runtime_error("pg_cluster: initdb failed (exit " + std::to_string(init.status) + "): " + init.output);
    // The port is free when we look; another process may take it before postgres binds: retry.
    std::string last;
    for (int attempt = 0; attempt < 3 && !started_; ++attempt) {
      port_ = free_port();
      const std::string opts = "-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) +
                               " -c unix_socket_directories=" + dir_.string() +
                               " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                               " -c max_connections=40 -c shared_buffers=16MB";
      auto r = run({bin("pg_ctl"), "-D", data_.string(), "-l", (dir_ / "server.log").string(), "-o", opts,
                    "-w", "-t", "30", "start"},
                   40);
      if (r.status == 0) started_ = true;
      else last = r.output + "\n" + read_file(dir_ / "server.log");
    }
    if (!started_) throw std::runtime_error("pg_cluster: pg_ctl start failed: " + last);
    std::string err;
    if (!sql("CREATE DATABASE gpram", &err, "postgres"))
      throw std::runtime_error("pg_cluster: CREATE DATABASE failed: " + err);
  }

  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      if (fd >= 0) ::close(fd);
      throw std::runtime_error("pg_cluster: cannot find a free port");
    }
    ::close(fd);
    return ntohs(a.sin_port);
  }

  static std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  // fork + exec (no shell), output captured, killed after `timeout_s` seconds. As root the
  // child becomes the postgres user first (server programs) unless as_postgres is false.
  Ran run(std::vector<std::string> argv, int timeout_s, bool as_postgres = true) const {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return {};
    const bool drop = drop_ && as_postgres;
    const pid_t pid = ::fork();
    if (pid < 0) return {};
    if (pid == 0) {
      ::dup2(fds[1], 1);
      ::dup2(fds[1], 2);
      ::close(fds[0]);
      ::close(fds[1]);
      if (drop && (::setgroups(0, nullptr) != 0 || ::setgid(gid_) != 0 || ::setuid(uid_) != 0)) ::_exit(126);
      if (::chdir(dir_.empty() ? "/" : dir_.c_str()) != 0 && ::chdir("/") != 0) ::_exit(126);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    Ran r;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    char buf[4096];
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        ::kill(pid, SIGKILL);
        r.output += "\n[pg_cluster: killed after " + std::to_string(timeout_s) + " s]";
        break;
      }
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      r.output.append(buf, static_cast<size_t>(n));
    }
    ::close(fds[0]);
    int st = 0;
    ::waitpid(pid, &st, 0);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    while (!r.output.empty() && r.output.back() == '\n') r.output.pop_back();
    return r;
  }

  std::filesystem::path dir_, data_;
  int port_ = 0;
  bool started_ = false;
  bool drop_ = false;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
};

// GTEST_SKIP only works in a void function: records the skip so that SetUp()'s caller skips
// the test body.
inline void skip_without_postgres() { GTEST_SKIP() << "PostgreSQL: " << PgCluster::skip_reason(); }

/// Factory for the StoreContract suite: a PostgresStore on an empty database of the shared
/// cluster; nullptr (and the test skipped) when PostgreSQL is not available.
inline std::unique_ptr<store::Store> postgres_store_factory() {
  PgCluster* c = PgCluster::shared();
  if (!c) {
    skip_without_postgres();
    return nullptr;
  }
  c->reset();
  auto s = store::PostgresStore::open(c->url(), Bytes(32, 0x11));
  if (!s) throw std::runtime_error(s.error().message);
  return std::unique_ptr<store::Store>(std::move(*s));
}

}  // namespace gpram::test

/// In a TEST body: the shared cluster, or skip the test with the reason.
#define GPRAM_PG_CLUSTER_OR_SKIP(var)                                                    \
  ::gpram::test::PgCluster* var = ::gpram::test::PgCluster::shared();                   \
  if (!var) GTEST_SKIP() << "PostgreSQL: " << ::gpram::test::PgCluster::skip_reason(); \
  var->reset()
