// gpram: the operator's CLI and offline tools. Commands live in cmd_*.cpp.
#include <cstdio>
#include <iostream>

#include "cli.hpp"

int main(int argc, char** argv) {
  CLI::App app{"gpram: GlobalPlatform Amendment B remote application management (operator CLI "
               "and offline tools)"};
  app.set_version_flag("--version", std::string("gpram ") + GPRAM_VERSION);
  app.require_subcommand(1);
  gpram::cli::register_cap(app);
  gpram::cli::register_script(app);
  gpram::cli::register_scp(app);
  gpram::cli::register_ota(app);
  gpram::cli::register_trigger(app);
  gpram::cli::register_client(app);
  gpram::cli::register_campaign(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const gpram::cli::UsageError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const gpram::cli::OperationFailed& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
