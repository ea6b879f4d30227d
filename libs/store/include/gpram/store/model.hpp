// The durable objects of gpramd: cards with their keys, and jobs with their results.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gpram/base/bytes.hpp"

namespace gpram::store {

/// A Security Domain on a card and the keys the server holds for it (none when the SD belongs
/// to a service provider that keeps its keys: Amendment A).
struct SecurityDomain {
  Bytes aid;
  std::string owner = "operator";  // "operator" or a service-provider id
  std::string scp;                 // "02" | "03" | "" (keys not held)
  int kvn = 0;
  Bytes enc, mac, dek;
};

/// SCP80 (ETSI TS 102 225) keys of a card, used for push SMS.
struct Scp80Keys {
  uint8_t kic = 0, kid = 0;
  Bytes kic_key, kid_key;
  Bytes tar;
  uint64_t counter = 0;  // last counter used; strictly increases
};

struct Card {
  std::string iccid;
  std::string psk_identity;
  Bytes psk;
  std::string agent_id;  // the X-Admin-From value; defaults to the ICCID
  std::string msisdn;
  std::string profile = "default";
  std::optional<Scp80Keys> scp80;
  std::vector<SecurityDomain> security_domains;
};

enum class JobState { queued, triggered, running, done, failed, cancelled };

[[nodiscard]] std::string_view to_string(JobState s) noexcept;
[[nodiscard]] std::optional<JobState> job_state_from(std::string_view s) noexcept;
[[nodiscard]] inline bool is_final(JobState s) noexcept {
  return s == JobState::done || s == JobState::failed || s == JobState::cancelled;
}

/// One command script sent to the card in one HTTP response (one Amendment B step).
struct Step {
  std::vector<Bytes> capdus;  // plain C-APDUs of this script
  Bytes target_aid;           // X-Admin-Targeted-Application when not empty
};

struct ApduResult {
  Bytes capdu;
  Bytes rapdu;  // data + SW; empty when the command did not run
};

struct Job {
  std::string id;
  std::string iccid;
  Bytes sd_aid;
  std::string owner = "operator";
  nlohmann::json operations = nlohmann::json::array();
  std::string trigger = "none";
  JobState state = JobState::queued;
  std::vector<Step> steps;      // compiled at submission
  size_t next_step = 0;         // index of the first step not yet confirmed
  std::vector<ApduResult> results;
  std::string error;
  std::string campaign_id;
  uint32_t pushes = 0;          // SMS triggers sent for this job (trigger "sms")
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

/// The same operations over a set of cards: one job per card (compiled once).
struct Campaign {
  std::string id;
  std::string owner = "operator";
  std::string state = "running";  // running | paused | cancelled | done
  size_t total = 0;
  uint32_t max_concurrent = 0;     // 0 = no limit
  double rate_per_s = 0;           // push triggers per second; 0 = no limit
  int64_t created_ms = 0;
};

/// A service provider (Amendment A tenant): it owns Security Domains on cards and acts on them
/// through the REST API with its own bearer token. Only a SHA-256 hash of the token is stored.
struct ServiceProvider {
  std::string id;
  Bytes token_hash;  // SHA-256 of the bearer token
  int64_t created_ms = 0;
};

/// One line of the append-only audit log: every administrative action, every refusal, every
/// card result. Never holds key material or personalisation data.
struct AuditEntry {
  int64_t seq = 0;        // assigned by the store, strictly increasing
  int64_t ts_ms = 0;
  std::string actor;      // "operator", a service-provider id, "card:ICCID" or "server"
  std::string action;     // e.g. "card.add", "job.submit", "job.done", "denied"
  std::string object;     // the object acted on ("card 8944…", "job j00000012")
  std::string outcome;    // "ok", "denied", "failed", ...
  std::string detail;     // free text (reason), never secrets
};

struct CampaignCounts {
  size_t queued = 0, running = 0, done = 0, failed = 0, cancelled = 0;
};

}  // namespace gpram::store
