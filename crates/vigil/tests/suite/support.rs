//! Backends and fixtures for the suite (being written).
