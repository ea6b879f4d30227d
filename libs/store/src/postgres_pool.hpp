// Connection pool and transaction runner of the PostgreSQL back end (private to libs/store).
// libpqxx reports failures with exceptions; they stop here: transact() turns every one of them
// into a gpram::Error, so the Store API stays exception-free.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "gpram/store/store.hpp"

namespace gpram::store::pg {

/// At most `size` connections, opened lazily; a caller waits (bounded) for a free one.
class Pool {
 public:
  Pool(std::string url, size_t size, std::chrono::milliseconds acquire_timeout);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  /// A borrowed connection, given back to the pool when the lease ends.
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<pqxx::connection> conn) noexcept
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease();
    pqxx::connection& conn() noexcept { return *conn_; }
    /// The connection is unusable (broken, or a transaction outcome is unknown): close it.
    void discard() noexcept { keep_ = false; }

   private:
    Pool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
    bool keep_ = true;
  };

  /// Throws pqxx::broken_connection when a new connection cannot be opened and
  /// std::runtime_error when no connection frees up within the timeout.
  Lease acquire();

 private:
  void give_back(std::unique_ptr<pqxx::connection> conn, bool keep) noexcept;

  const std::string url_;
  const size_t size_;
  const std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  size_t open_ = 0;  // idle + leased
};

/// Translates the exception in flight (call from a catch block) into a store error:
/// unique violations -> Errc::duplicate, everything else -> Errc::backend with the server
/// message and SQLSTATE. `what` names the operation ("add card 8901").
[[nodiscard]] Error current_error(std::string_view what);

/// Runs `fn(pqxx::work&) -> Result<T>` in one transaction on a pooled connection; commits when
/// fn succeeds, rolls back when it returns an error or throws.
template <class T, class F>
[[nodiscard]] Result<T> transact(Pool& pool, std::string_view what, F&& fn) {
  try {
    Pool::Lease lease = pool.acquire();
    try {
      pqxx::work tx(lease.conn());
      Result<T> r = fn(tx);
      if (r) tx.commit();
      return r;
    } catch (const pqxx::broken_connection&) {
      lease.discard();
      throw;
    } catch (const pqxx::in_doubt_error&) {
      lease.discard();
      throw;
    }
  } catch (...) {
    return tl::unexpected(current_error(what));
  }
}

}  // namespace gpram::store::pg
