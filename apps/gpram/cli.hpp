// Shared conventions of the gpram CLI (docs/interfaces: JSON on stdout, exit 0/1/2, one-line
// `error: …` on stderr for bad input).
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

#include "gpram/base/bytes.hpp"

namespace gpram::cli {

/// Bad input or usage: main prints "error: <what>" and exits 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
/// The operation ran and failed (e.g. a card cryptogram mismatch): exit 1, JSON may be printed.
struct OperationFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Reads all of stdin and parses it as JSON (UsageError naming the parse position on failure).
nlohmann::json read_stdin_json();
/// Reads a whole file (UsageError if it cannot be read).
Bytes read_file(const std::string& path);
/// Hex field `key` of object `j` (UsageError naming the field when absent or not hex).
Bytes hex_field(const nlohmann::json& j, const char* key);
/// Optional hex field; empty optional when absent.
std::optional<Bytes> opt_hex_field(const nlohmann::json& j, const char* key);
/// Parses hex given on the command line, naming the argument in errors.
Bytes hex_arg(const std::string& text, const char* what);
/// Prints one JSON document on stdout (2-space indent, trailing newline).
void print_json(const nlohmann::json& j);

}  // namespace gpram::cli

// One registration function per command family (apps/gpram/cmd_<family>.cpp).
namespace gpram::cli {
void register_cap(CLI::App& app);
void register_script(CLI::App& app);
void register_scp(CLI::App& app);      // scp03 session, scp02 session
void register_ota(CLI::App& app);      // ota encode|decode
void register_trigger(CLI::App& app);  // trigger encode|decode
void register_client(CLI::App& app);   // card, job (REST client)
void register_campaign(CLI::App& app); // campaign start|show|pause|resume|cancel|watch
}  // namespace gpram::cli
