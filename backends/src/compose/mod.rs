//! docker-compose backend.
