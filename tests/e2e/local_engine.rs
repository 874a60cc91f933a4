//! The local engine through the host: placeholder until the engine lands.
