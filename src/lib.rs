//! ikrar: integrity pacts for Indonesian civil servants, signed with Ed25519 keys bound to their
//! NIP and kept in an append-only transparency log that auditors verify offline.

pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod hardening;
pub mod i18n;
pub mod keys;
pub mod service;
pub mod web;
