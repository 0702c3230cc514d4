"""Pure rules of the exchange registry: identifiers, what makes a registration valid, and what
the global configuration contains. No Flask, SQLModel or govkit here; time is a parameter."""
