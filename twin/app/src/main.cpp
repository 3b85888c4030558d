// kiosktwin — the command-line front end of KioskTwin.
#include "common.hpp"

#include <fmt/core.h>

#include <exception>
#include <iostream>

int main(int argc, char** argv) {
    using namespace kiosktwin::app;
    CLI::App app{
        "KioskTwin " KIOSKTWIN_VERSION
        " — digital twin and test bench for integrated government-service self-service kiosks "
        "(GB/T 47483-2026).\n"
        "Planners trial hall layouts in virtual time; developers and trainers get emulated devices, links and the "
        "platform's gateway.",
        "kiosktwin"};
    app.set_version_flag("--version", KIOSKTWIN_VERSION);
    app.require_subcommand(1, 1);
    app.fallthrough(false);
    app.footer("Run 'kiosktwin <verb> --help' for a verb's options. Exit codes: 0 success, 1 invalid input, "
               "2 usage error, 3 failure while running.");

    int exit_code = exit_ok;
    add_run_command(app, exit_code);
    add_compare_command(app, exit_code);
    add_merge_command(app, exit_code);
    add_report_command(app, exit_code);
    add_place_command(app, exit_code);
    add_validate_command(app, exit_code);
    add_serve_command(app, exit_code);
    add_kiosk_command(app, exit_code);
    add_panel_command(app, exit_code);
    add_replay_command(app, exit_code);
    add_bench_command(app, exit_code);
    add_gateway_command(app, exit_code);
    add_sign_command(app, exit_code);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return exit_usage;
    } catch (const std::exception& e) {
        fmt::print(stderr, "kiosktwin: error: {}\n", e.what());
        return exit_failure;
    }
    return exit_code;
}
