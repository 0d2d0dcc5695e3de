r"""What the tests that walk a registry share: its names, one per registered class."""


def canonical_names(registry) -> list[str]:
    r"""One name per registered class (the name it was registered under, aliases dropped), sorted."""
    return sorted({registry.lookup(name).registry_name for name in registry.names()})
