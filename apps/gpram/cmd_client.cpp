// gpram card|job ...: the REST client commands (docs/api.md). Server and token come from
// --server / --token-file, else GPRAM_SERVER / GPRAM_TOKEN, else http://127.0.0.1:8080 and
// ./gpram-admin.token.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

#include "cli.hpp"
#include "gpram/client/rest_client.hpp"

namespace gpram::cli {
namespace {

struct ClientOpts {
  std::string server;
  std::string token_file;
};

std::unique_ptr<client::RestClient> connect(const ClientOpts& o) {
  std::string server = o.server;
  if (server.empty()) server = std::getenv("GPRAM_SERVER") ? std::getenv("GPRAM_SERVER") : "http://127.0.0.1:8080";
  std::string token;
  if (!o.token_file.empty() || !std::getenv("GPRAM_TOKEN")) {
    const std::string path = o.token_file.empty() ? "gpram-admin.token" : o.token_file;
    std::ifstream in(path);
    if (!in) throw UsageError("cannot read token file " + path + " (use --token-file or GPRAM_TOKEN)");
    std::getline(in, token);
  } else {
    token = std::getenv("GPRAM_TOKEN");
  }
  auto c = client::RestClient::create(server, token);
  if (!c) throw UsageError(c.error().message);
  return std::move(*c);
}

// Prints the server's JSON answer; maps HTTP errors to exit codes (400/422: bad input, 2).
void finish(const Result<client::HttpResult>& r) {
  if (!r) throw OperationFailed(r.error().message);
  nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
  if (r->status >= 200 && r->status < 300) {
    if (j.is_discarded()) std::cout << r->body << "\n";
    else print_json(j);
    return;
  }
  std::string msg = !j.is_discarded() && j.contains("error") ? j["error"].get<std::string>() : r->body;
  msg = "server answered " + std::to_string(r->status) + ": " + msg;
  if (r->status == 400 || r->status == 422) throw UsageError(msg);
  throw OperationFailed(msg);
}

std::string read_stdin() {
  return std::string((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
}

void add_client_opts(CLI::App* cmd, ClientOpts& o) {
  cmd->add_option("--server", o.server, "gpramd API URL (env GPRAM_SERVER)");
  cmd->add_option("--token-file", o.token_file, "bearer token file (env GPRAM_TOKEN holds the token itself)");
}

}  // namespace

void register_client(CLI::App& app) {
  static ClientOpts opts;
  static std::string arg, file;
  static bool wait_flag = false;
  static unsigned wait_s = 120;

  auto* card = app.add_subcommand("card", "cards registered on the server");
  card->require_subcommand(1);
  auto* card_add = card->add_subcommand("add", "register a card (JSON of POST /v1/cards on stdin)");
  add_client_opts(card_add, opts);
  card_add->callback([] { finish(connect(opts)->call("POST", "/v1/cards", read_stdin())); });
  auto* card_import = card->add_subcommand("import", "register every card of a JSONL file");
  add_client_opts(card_import, opts);
  card_import->add_option("FILE", file, "one POST /v1/cards object per line")->required();
  card_import->callback([] {
    std::ifstream in(file);
    if (!in) throw UsageError("cannot read " + file);
    auto c = connect(opts);
    size_t ok = 0, failed = 0, line_no = 0;
    std::string line;
    nlohmann::json errors = nlohmann::json::array();
    while (std::getline(in, line)) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto r = c->call("POST", "/v1/cards", line);
      if (!r) throw OperationFailed(r.error().message);
      if (r->status == 201) ++ok;
      else {
        ++failed;
        if (errors.size() < 10) errors.push_back({{"line", line_no}, {"status", r->status}, {"body", r->body}});
      }
    }
    print_json({{"registered", ok}, {"failed", failed}, {"errors", errors}});
    if (failed) throw OperationFailed(std::to_string(failed) + " cards were not registered");
  });
  auto* card_show = card->add_subcommand("show", "a card (without keys)");
  add_client_opts(card_show, opts);
  card_show->add_option("ICCID", arg)->required();
  card_show->callback([] { finish(connect(opts)->call("GET", "/v1/cards/" + arg)); });

  auto* job = app.add_subcommand("job", "jobs: operations for one card");
  job->require_subcommand(1);
  auto* submit = job->add_subcommand("submit", "queue a job (JSON of POST /v1/jobs on stdin)");
  add_client_opts(submit, opts);
  submit->add_option("--cards", file,
                     "submit the job once per card of this JSONL file (its \"iccid\" replaces the template's)");
  submit->callback([] {
    if (file.empty()) return finish(connect(opts)->call("POST", "/v1/jobs", read_stdin()));
    nlohmann::json tmpl = nlohmann::json::parse(read_stdin(), nullptr, false);
    if (tmpl.is_discarded() || !tmpl.is_object()) throw UsageError("the job template on stdin is not a JSON object");
    std::ifstream in(file);
    if (!in) throw UsageError("cannot read " + file);
    auto c = connect(opts);
    size_t ok = 0, failed = 0;
    std::string line, first_error;
    while (std::getline(in, line)) {
      auto row = nlohmann::json::parse(line, nullptr, false);
      if (row.is_discarded() || !row.contains("iccid")) continue;
      tmpl["iccid"] = row["iccid"];
      auto r = c->call("POST", "/v1/jobs", tmpl.dump());
      if (!r) throw OperationFailed(r.error().message);
      if (r->status == 201) ++ok;
      else if (++failed == 1) first_error = r->body;
    }
    print_json({{"submitted", ok}, {"failed", failed}});
    if (failed) throw OperationFailed(std::to_string(failed) + " jobs refused, first: " + first_error);
  });
  auto* show = job->add_subcommand("show", "a job with every R-APDU");
  add_client_opts(show, opts);
  show->add_option("ID", arg)->required();
  show->add_flag("--wait", wait_flag, "wait until the job is done, failed or cancelled");
  show->add_option("--wait-seconds", wait_s, "give up waiting after this long")->capture_default_str();
  show->callback([] {
    auto c = connect(opts);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
    for (;;) {
      auto r = c->call("GET", "/v1/jobs/" + arg);
      if (!wait_flag || !r || r->status != 200) return finish(r);
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      const std::string st = j.is_discarded() ? "" : j.value("state", "");
      if (st == "done" || st == "failed" || st == "cancelled" || std::chrono::steady_clock::now() > until) {
        finish(r);
        if (st == "failed") throw OperationFailed("job " + arg + " failed: " + j.value("error", ""));
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  auto* cancel = job->add_subcommand("cancel", "cancel a job that has not finished");
  add_client_opts(cancel, opts);
  cancel->add_option("ID", arg)->required();
  cancel->callback([] { finish(connect(opts)->call("POST", "/v1/jobs/" + arg + "/cancel")); });
}

namespace {

// One line of progress: [#####.....] done/total, failed, running.
void draw(const nlohmann::json& c) {
  const size_t total = c.value("total", size_t{0});
  const size_t done = c.value("done", size_t{0}), failed = c.value("failed", size_t{0});
  const size_t cancelled = c.value("cancelled", size_t{0});
  constexpr size_t kWidth = 40;
  const size_t filled = total ? kWidth * (done + failed + cancelled) / total : kWidth;
  std::fprintf(stderr, "\r[%s%s] %zu/%zu done, %zu failed, %zu running, %zu queued (%s)   ",
               std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(), done, total,
               failed, c.value("running", size_t{0}), c.value("queued", size_t{0}),
               c.value("state", std::string()).c_str());
}

}  // namespace

void register_campaign(CLI::App& app) {
  static ClientOpts opts;
  static std::string arg, cards_file;
  static unsigned timeout_s = 600;
  auto* camp = app.add_subcommand("campaign", "campaigns: the same operations over many cards");
  camp->require_subcommand(1);
  auto* start = camp->add_subcommand("start", "start a campaign (JSON of POST /v1/campaigns on stdin)");
  add_client_opts(start, opts);
  start->add_option("--cards", cards_file, "take \"iccids\" from this JSONL file of cards");
  start->callback([] {
    nlohmann::json body = nlohmann::json::parse(read_stdin(), nullptr, false);
    if (body.is_discarded() || !body.is_object()) throw UsageError("stdin is not a JSON object");
    if (!cards_file.empty()) {
      std::ifstream in(cards_file);
      if (!in) throw UsageError("cannot read " + cards_file);
      nlohmann::json iccids = nlohmann::json::array();
      std::string line;
      while (std::getline(in, line)) {
        auto row = nlohmann::json::parse(line, nullptr, false);
        if (!row.is_discarded() && row.contains("iccid")) iccids.push_back(row["iccid"]);
      }
      body["iccids"] = iccids;
    }
    finish(connect(opts)->call("POST", "/v1/campaigns", body.dump(), std::chrono::seconds(120)));
  });
  for (const char* action : {"show", "pause", "resume", "cancel"}) {
    auto* cmd = camp->add_subcommand(action, std::string(action) + " a campaign");
    add_client_opts(cmd, opts);
    cmd->add_option("ID", arg)->required();
    const std::string a = action;
    cmd->callback([a] {
      if (a == "show") return finish(connect(opts)->call("GET", "/v1/campaigns/" + arg));
      finish(connect(opts)->call("POST", "/v1/campaigns/" + arg + "/" + a));
    });
  }
  auto* watch = camp->add_subcommand("watch", "progress bar until the campaign ends, then the counts");
  add_client_opts(watch, opts);
  watch->add_option("ID", arg)->required();
  watch->add_option("--timeout", timeout_s, "give up after this many seconds")->capture_default_str();
  watch->callback([] {
    auto c = connect(opts);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    for (;;) {
      auto r = c->call("GET", "/v1/campaigns/" + arg);
      if (!r || r->status != 200) return finish(r);
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      if (j.is_discarded()) return finish(r);
      draw(j);
      const std::string st = j.value("state", "");
      if (st == "done" || st == "cancelled" || std::chrono::steady_clock::now() > until) {
        std::fprintf(stderr, "\n");
        print_json(j);
        if (j.value("failed", 0) > 0) throw OperationFailed(std::to_string(j.value("failed", 0)) + " cards failed");
        if (st != "done" && st != "cancelled") throw OperationFailed("timed out waiting for the campaign");
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  });
}

}  // namespace gpram::cli
