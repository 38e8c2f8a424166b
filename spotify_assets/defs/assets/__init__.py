"""Software-defined assets of the lake."""
