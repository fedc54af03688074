"""Use cases. The API, the CLI and the console call these; none of them touches the store directly."""
