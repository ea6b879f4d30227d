// Card side of SCP80: keyset lookup by TAR, RC/CC check and the replay rules of TS 102 225
// §5.1.1 (SPI1 b5b4) with the response status codes of §5.2.2 Table 5 / TS 31.115 §7.
// Order of checks (the spec does not fix it; see docs/protocols/scp80.md): TAR (09), keyset /
// algorithm (06), deciphering (05), RC/CC (01), counter (02/03/04). The counter is committed
// only after every check passed, so a forged packet cannot move it.
#include <fmt/format.h>

#include "gpram/scp/scp80.hpp"
#include "scp80_internal.hpp"

namespace gpram::scp80 {

Result<void> CounterPolicy::check(CounterMode mode, uint64_t received) const {
  if (mode == CounterMode::none || mode == CounterMode::no_check) return {};
  if (last_ >= kCounterMax)
    return fail(Errc::counter_blocked,
                fmt::format("SCP80: counter blocked (stored value {} is the maximum)",
                            counter_hex(last_)));
  if (received <= last_)
    return fail(Errc::counter_low,
                fmt::format("SCP80: counter {} not greater than last {}", counter_hex(received),
                            counter_hex(last_)));
  if (mode == CounterMode::next && received != last_ + 1)
    return fail(Errc::counter_high,
                fmt::format("SCP80: counter {} is not exactly one more than last {} (expected {})",
                            counter_hex(received), counter_hex(last_), counter_hex(last_ + 1)));
  return {};
}

void CounterPolicy::commit(CounterMode mode, uint64_t received) noexcept {
  if (mode == CounterMode::none) return;
  if (received > last_) last_ = received;
}

Result<Command> open_command(ByteView packet, std::span<CardKeyset> keysets) {
  auto h = parse_command_header(packet);
  if (!h) return fail(std::move(h.error()));
  bool tar_known = false;
  CardKeyset* ks = nullptr;
  for (auto& k : keysets) {
    if (k.keys.tar != h->tar) continue;
    tar_known = true;
    const bool kic_ok = !h->spi.ciphered || k.keys.kic == h->kic;
    const bool kid_ok = h->spi.integrity == Integrity::none || k.keys.kid == h->kid;
    if (kic_ok && kid_ok) {
      ks = &k;
      break;
    }
  }
  if (!tar_known)
    return fail(Errc::unknown_tar, fmt::format("SCP80: unknown TAR {}", detail::tar_hex(h->tar)));
  if (ks == nullptr)
    return fail(Errc::bad_key,
                fmt::format("SCP80: TAR {} has no keyset with KIc {:02X} / KID {:02X}",
                            detail::tar_hex(h->tar), h->kic, h->kid));
  auto c = decode_command(packet, ks->keys);
  if (!c) return c;
  if (!c->checksum_valid)
    return fail(Errc::checksum_mismatch,
                fmt::format("SCP80: {} mismatch for TAR {} (expected {}, got {})",
                            h->spi.integrity == Integrity::rc ? "RC" : "CC",
                            detail::tar_hex(h->tar), to_hex(c->expected_checksum),
                            to_hex(c->checksum)));
  if (auto ok = ks->counter.check(h->spi.counter, c->counter); !ok) return fail(std::move(ok.error()));
  ks->counter.commit(h->spi.counter, c->counter);
  return c;
}

Status por_status(const Error& e) noexcept {
  if (e.code.category() != error_category()) return Status::security_error;
  switch (static_cast<Errc>(e.code.value())) {
    case Errc::checksum_mismatch: return Status::checksum_failed;
    case Errc::counter_low: return Status::counter_low;
    case Errc::counter_high: return Status::counter_high;
    case Errc::counter_blocked: return Status::counter_blocked;
    case Errc::bad_padding: return Status::ciphering_error;
    case Errc::unknown_tar: return Status::tar_unknown;
    default: return Status::security_error;
  }
}

}  // namespace gpram::scp80
