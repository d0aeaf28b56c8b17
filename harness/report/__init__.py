"""Human-readable reports (rich tables) and progress for the command line."""
