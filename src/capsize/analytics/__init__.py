"""Pure analytics: frames in, typed results out; no I/O."""
