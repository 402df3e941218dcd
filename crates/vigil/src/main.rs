fn main() -> std::process::ExitCode {
    // Temporarily disabled while the CLI lands.
    std::process::ExitCode::FAILURE
}
