//! Dockerfile backend: build recipes to Dockerfiles and .dockerignore files.

pub mod instr;
