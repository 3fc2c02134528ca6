"""Pure engines of the registry: lifecycle rules, marking compliance, state-marking codes."""
