// Connection pool of the PostgreSQL back end and the exception -> Error boundary.
#ifdef GPRAM_STORE_HAVE_PQXX

#include "postgres_pool.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace gpram::store::pg {

Pool::Pool(std::string url, size_t size, std::chrono::milliseconds acquire_timeout)
    : url_(std::move(url)), size_(size == 0 ? 1 : size), timeout_(acquire_timeout) {}

Pool::~Pool() = default;

Pool::Lease::~Lease() {
  if (conn_) pool_->give_back(std::move(conn_), keep_);
}

Pool::Lease Pool::acquire() {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout_, [&] { return !idle_.empty() || open_ < size_; }))
    throw std::runtime_error(fmt::format("no free database connection after {} ms (all {} in use)",
                                         timeout_.count(), size_));
  while (!idle_.empty()) {
    std::unique_ptr<pqxx::connection> c = std::move(idle_.back());
    idle_.pop_back();
    if (c->is_open()) return Lease(this, std::move(c));
    --open_;  // closed behind our back: drop it and try the next one
  }
  ++open_;
  lock.unlock();
  try {
    return Lease(this, std::make_unique<pqxx::connection>(url_));
  } catch (...) {
    lock.lock();
    --open_;
    cv_.notify_one();
    throw;
  }
}

void Pool::give_back(std::unique_ptr<pqxx::connection> conn, bool keep) noexcept {
  std::unique_ptr<pqxx::connection> drop;  // closed outside the lock
  {
    std::lock_guard lock(mu_);
    if (keep) {
      idle_.push_back(std::move(conn));
    } else {
      drop = std::move(conn);
      --open_;
    }
  }
  cv_.notify_one();
}

namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Error current_error(std::string_view what) {
  try {
    throw;
  } catch (const pqxx::unique_violation& e) {
    return Error{make_error_code(Errc::duplicate),
                 fmt::format("store: {}: {} (SQLSTATE {})", what, trimmed(e.what()), e.sqlstate())};
  } catch (const pqxx::sql_error& e) {
    return Error{make_error_code(Errc::backend),
                 fmt::format("store: {}: PostgreSQL: {} (SQLSTATE {})", what, trimmed(e.what()),
                             e.sqlstate().empty() ? "?" : e.sqlstate())};
  } catch (const pqxx::in_doubt_error& e) {
    return Error{make_error_code(Errc::backend),
                 fmt::format("store: {}: the connection broke during COMMIT, the outcome is "
                             "unknown: {}",
                             what, trimmed(e.what()))};
  } catch (const pqxx::broken_connection& e) {
    return Error{make_error_code(Errc::backend),
                 fmt::format("store: {}: PostgreSQL connection failed: {}", what, trimmed(e.what()))};
  } catch (const std::exception& e) {
    return Error{make_error_code(Errc::backend), fmt::format("store: {}: {}", what, trimmed(e.what()))};
  } catch (...) {
    return Error{make_error_code(Errc::backend), fmt::format("store: {}: unknown failure", what)};
  }
}

}  // namespace gpram::store::pg

#endif  // GPRAM_STORE_HAVE_PQXX
